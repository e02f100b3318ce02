"""Embedding fonts in a process that renders many documents: what WeasyPrint redoes per document, done once.

WeasyPrint makes a new `Font` for every font of every document. For a CJK font that means
(bench/render_bench.py, Noto Serif CJK, 26 MB collections, 43 000–63 000 glyph ids in use):

- a copy of the whole font file into Python bytes (13–35 ms a font), which only serves when
  subsetting fails;
- HarfBuzz subsetting in two passes: the glyphs used with their ids kept, then the same font
  again to drop hinting (60 % of the subsetting time; the second pass changes nothing else,
  the output is byte for byte the same);
- subsetting again for glyph sets it has already subset: a batch of one kind uses the same
  title and issuer glyphs in every document.

`install()` puts `ReusingFont` in WeasyPrint's place: each font file is copied once per
process, a subset is made in one pass, and a subset is reused only for the very same glyph
set (never a larger one: a document must not carry glyphs of another document's text). The
fonts written are byte for byte what WeasyPrint writes (tests/test_documents_fonts_reuse.py).
If WeasyPrint's internals are not what this was written against, nothing is replaced.
"""

from __future__ import annotations

import logging
import zlib
from collections import OrderedDict

log = logging.getLogger(__name__)

SUBSETS_KEPT = 32  # ≈ 0.5–0.8 MB each for the CJK fonts; glyph sets of the current kinds
_DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF",
                   b"LTSH", b"PCLT", b"SVG ")

_installed = False
_whole_files: dict[int, bytes] = {}  # face address → its font file; the face is referenced, so kept
_subsets: OrderedDict[tuple, bytes] = OrderedDict()
_deflated: dict[tuple[int, int], bytes] = {}  # (id of a kept subset, zlib level) → compressed


def deflated(data: bytes, level: int) -> bytes:
    """`zlib.compress(data, level)`, done once for a subset that documents share (the same bytes
    object comes back while it is kept, so its id is its own)."""
    key = (id(data), level)
    if (done := _deflated.get(key)) is not None:
        return done
    done = zlib.compress(data, level)
    if any(kept is data for kept in _subsets.values()):
        _deflated[key] = done
    return done


def _keep(key: tuple, data: bytes) -> None:
    _subsets[key] = data
    if len(_subsets) > SUBSETS_KEPT:
        _, dropped = _subsets.popitem(last=False)
        for deflated_key in [k for k in _deflated if k[0] == id(dropped)]:
            del _deflated[deflated_key]


def install() -> bool:
    """Replace WeasyPrint's `Font` for this process (idempotent). False when not applicable."""
    global _installed
    if _installed:
        return True
    try:
        from weasyprint.pdf import fonts as pdf_fonts
        from weasyprint.pdf import stream as pdf_stream
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    except ImportError:
        return False
    expected = (pdf_stream.Font is pdf_fonts.Font and hasattr(pdf_fonts, "get_hb_object_data")
                and callable(getattr(pdf_fonts.Font, "_harfbuzz_subset", None)))
    if not expected or harfbuzz_subset is None or not harfbuzz.hb_version_atleast(4, 1, 0):
        log.debug("WeasyPrint's fonts are not what pdffonts expects: left as they are")
        return False
    pdf_fonts.get_hb_object_data = _face_data
    pdf_stream.Font = _reusing_font_class(pdf_fonts.Font)
    _installed = True
    return True


def _address(cdata) -> int:
    from weasyprint.text.ffi import ffi
    return int(ffi.cast("uintptr_t", cdata))


def _face_data(hb_object, ot_color=None, glyph=None):
    """WeasyPrint's `get_hb_object_data`, with the whole file of a face already copied."""
    from weasyprint.text.fonts import get_hb_object_data

    if ot_color is None and (data := _whole_files.get(_address(hb_object))) is not None:
        return data
    return get_hb_object_data(hb_object, ot_color, glyph)


def _reusing_font_class(base):
    from weasyprint.text.ffi import ffi, harfbuzz
    from weasyprint.text.ffi import harfbuzz_subset as hb_subset
    from weasyprint.text.fonts import get_hb_object_data, get_pango_font_hb_face

    class ReusingFont(base):
        def __init__(self, pango_font, description, font_size):
            face = get_pango_font_hb_face(pango_font)
            key = _address(face)
            if key not in _whole_files:
                # Referenced for the life of the process: the address stays this face's.
                harfbuzz.hb_face_reference(face)
                _whole_files[key] = get_hb_object_data(face)
            super().__init__(pango_font, description, font_size)

        def _harfbuzz_subset(self, to_unicode, hinting):
            key = (_address(self.hb_face), tuple(sorted(to_unicode)), bool(hinting), bool(self.missing))
            if (data := _subsets.get(key)) is not None:
                _subsets.move_to_end(key)
                self.file_content = data
                return
            data = self._subset_once(key[1], hinting)
            if data is None:  # as WeasyPrint would: its own two passes, its own warning
                super()._harfbuzz_subset(to_unicode, hinting)
                return
            self.file_content = data
            _keep(key, data)

        def _subset_once(self, glyphs: tuple[int, ...], hinting) -> bytes | None:
            """WeasyPrint's subset in one pass: glyph ids kept (so the ids after the last one used
            are gone already) and hinting dropped at once."""
            subset_input = ffi.gc(hb_subset.hb_subset_input_create_or_fail(),
                                  hb_subset.hb_subset_input_destroy)
            if subset_input == ffi.NULL:
                return None
            glyph_set = hb_subset.hb_subset_input_glyph_set(subset_input)
            harfbuzz.hb_set_add_sorted_array(
                glyph_set, ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs), len(glyphs))
            # WeasyPrint asks to pass unrecognized tables through, but its second pass (over a
            # subset face) drops them: here they are dropped at once.
            flags = hb_subset.HB_SUBSET_FLAGS_RETAIN_GIDS | hb_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
            if not hinting:
                flags |= hb_subset.HB_SUBSET_FLAGS_NO_HINTING
            if self.missing:
                flags |= hb_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
            hb_subset.hb_subset_input_set_flags(subset_input, flags)
            drop_set = hb_subset.hb_subset_input_set(subset_input, hb_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)
            tags = tuple(harfbuzz.hb_tag_from_string(name, -1) for name in _DROPPED_TABLES)
            harfbuzz.hb_set_add_sorted_array(drop_set, ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags))
            face = hb_subset.hb_subset_or_fail(self.hb_face, subset_input)
            if face == ffi.NULL:
                return None
            face = ffi.gc(face, harfbuzz.hb_face_destroy)
            if harfbuzz.hb_face_get_glyph_count(face) != glyphs[-1] + 1:
                return None  # the closure took in glyphs after the last one used: WeasyPrint's second pass drops them
            return get_hb_object_data(face) or None

    return ReusingFont
