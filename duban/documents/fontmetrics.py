"""Horizontal advances of the fonts the stylesheet resolves to, for the line layout
(`duban.documents.gridtext`): read from the raw cmap and hmtx tables of the font file."""

from __future__ import annotations

import bisect
import functools
import struct
import unicodedata

from duban.documents.fonts import resolve


class FontMetrics:
    """Horizontal advances (in em) of one font, read from its raw cmap and hmtx tables.

    Only what the line layout needs is decoded, character by character, so a process pays
    milliseconds for a CJK font where fontTools' full cmap and glyph order cost 0.1–0.2 s.
    """

    def __init__(self, cmap: bytes = b"", hmtx: bytes = b"", metrics_count: int = 0,
                 units_per_em: int = 1000):
        self.units_per_em = units_per_em
        self._hmtx, self._count = hmtx, metrics_count
        self._cache: dict[str, float] = {}
        self._lookup = _cmap_lookup(cmap)

    def advance(self, char: str) -> float:
        found = self._cache.get(char)
        if found is None:
            found = self._cache[char] = self._advance(char)
        return found

    def _advance(self, char: str) -> float:
        glyph = self._lookup(ord(char))
        if not glyph or not self._count:  # fontconfig falls back to another font: the usual width
            return 1.0 if unicodedata.east_asian_width(char) in ("W", "F", "A") else 0.5
        (advance,) = struct.unpack_from(">H", self._hmtx, 4 * min(glyph, self._count - 1))
        return advance / self.units_per_em


def _cmap_lookup(cmap: bytes):
    """codepoint → glyph id from a cmap table: its format 12 (full Unicode) or format 4 (BMP) subtable."""
    if len(cmap) < 4:
        return lambda code: 0
    (count,) = struct.unpack_from(">H", cmap, 2)
    offsets = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * i)
        fmt = struct.unpack_from(">H", cmap, offset)[0]
        offsets.setdefault((fmt, platform, encoding), offset)
    for key in ((12, 3, 10), (12, 0, 4), (12, 0, 6)):
        if key in offsets:
            return _format12(cmap, offsets[key])
    for key in ((4, 3, 1), (4, 0, 3), (4, 0, 4), (4, 0, 6)):
        if key in offsets:
            return _format4(cmap, offsets[key])
    return lambda code: 0


def _format12(cmap: bytes, offset: int):
    (groups,) = struct.unpack_from(">I", cmap, offset + 12)
    table = [struct.unpack_from(">III", cmap, offset + 16 + 12 * i) for i in range(groups)]
    ends = [end for _, end, _ in table]

    def lookup(code: int) -> int:
        i = bisect.bisect_left(ends, code)
        if i < len(table) and table[i][0] <= code:
            return table[i][2] + code - table[i][0]
        return 0
    return lookup


def _format4(cmap: bytes, offset: int):
    segments = struct.unpack_from(">H", cmap, offset + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", cmap, offset + 14)
    starts = struct.unpack_from(f">{segments}H", cmap, offset + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", cmap, offset + 16 + 4 * segments)
    range_at = offset + 16 + 6 * segments
    ranges = struct.unpack_from(f">{segments}H", cmap, range_at)

    def lookup(code: int) -> int:
        i = bisect.bisect_left(ends, code)
        if i >= segments or starts[i] > code:
            return 0
        if ranges[i] == 0:
            return (code + deltas[i]) & 0xFFFF
        (glyph,) = struct.unpack_from(">H", cmap, range_at + 2 * i + ranges[i] + 2 * (code - starts[i]))
        return (glyph + deltas[i]) & 0xFFFF if glyph else 0
    return lookup


@functools.lru_cache(maxsize=None)
def _load_metrics(path: str, index: int) -> FontMetrics:
    from fontTools.ttLib import TTFont

    reader = TTFont(path, fontNumber=index, lazy=True).reader  # raw tables, nothing decoded
    (units_per_em,) = struct.unpack_from(">H", reader["head"], 18)
    (count,) = struct.unpack_from(">H", reader["hhea"], 34)
    return FontMetrics(reader["cmap"], reader["hmtx"], count, units_per_em)


_FALLBACK = FontMetrics()


def metrics(role: str) -> FontMetrics:
    """Advances of the font the stylesheet's stack for `role` resolves to on this machine."""
    resolution = resolve(role)
    if resolution.file is None:
        return _FALLBACK
    return _load_metrics(resolution.file, resolution.index)
