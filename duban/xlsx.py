"""Streamed XLSX: the data rows written as sheet XML text, everything else made by openpyxl.

A cell object per value (openpyxl, even in write-only mode) costs ~20 µs a cell, minutes for a
province's 台账. Here openpyxl builds a small template workbook (sheet names, widths, frozen panes,
the head rows and every style), and each data row becomes one string of SpreadsheetML written to
a temporary file; ``save`` splices those rows into the template's sheets inside the archive.
Memory stays flat whatever the number of rows. Values: ``str`` (inline text, XML-escaped, the
characters XML cannot carry dropped, never a formula), ``int``/``float``, ``datetime.date`` (an
Excel date with the workbook's date style), ``None`` or ``""`` (no cell).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence

DATE_FORMAT = "yyyy-mm-dd"  # dates are Excel dates (sortable, filterable), shown in this format
LIGHT_COLOURS = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}  # a light's cell fill

# Characters XML 1.0 cannot carry (C0 controls but tab and newlines, lone surrogates, U+FFFE/F),
# and the three that need escaping; the common case, text with none of them, costs one search.
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    if _SPECIAL.search(value) is None:
        return value
    value = _ILLEGAL.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.lru_cache(maxsize=65536)
def _serial(value: dt.date) -> str:
    from openpyxl.utils.datetime import to_excel

    days = to_excel(value)  # openpyxl's rule, 1900 leap-year quirk included
    return str(int(days)) if days == int(days) else repr(days)


class StreamedWorkbook:
    """``create_sheet`` gives a sheet whose ``head`` is an openpyxl worksheet (title rows, widths,
    panes) and whose ``append`` streams data rows below the head; ``style`` turns openpyxl style
    objects into the index a data cell refers to."""

    def __init__(self):
        from openpyxl import Workbook

        self.template = Workbook()
        self.template.remove(self.template.active)
        self.sheets: list[StreamedSheet] = []
        self.date_style = self.style(number_format=DATE_FORMAT)

    def style(self, **style) -> int:
        scratch = self.template.create_sheet()
        cell = scratch.cell(row=1, column=1)
        for name, setting in style.items():
            setattr(cell, name, setting)
        index = cell.style_id  # registers the style with the workbook, which keeps it after the sheet goes
        self.template.remove(scratch)
        return index

    def light_fills(self, column: int, names: Mapping[str, str] | None = None) -> dict[str, dict[int, int]]:
        """A light's fill for ``column``, as ``append``'s styles: keyed by the light's code, or by
        ``names[code]`` where the rows carry the light's label."""
        from openpyxl.styles import PatternFill

        return {(names or {}).get(light, light): {column: self.style(fill=PatternFill("solid", fgColor=colour))}
                for light, colour in LIGHT_COLOURS.items()}

    def create_sheet(self, title: str) -> StreamedSheet:
        sheet = StreamedSheet(self, self.template.create_sheet(title))
        self.sheets.append(sheet)
        return sheet

    def save(self, file) -> None:
        """``file``: a path or a binary file object."""
        import io

        template = io.BytesIO()
        self.template.save(template)
        parts = {sheet.head.path.lstrip("/"): sheet for sheet in self.sheets}
        with zipfile.ZipFile(template) as source, \
                zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info in source.infolist():
                data = source.read(info.filename)
                sheet = parts.get(info.filename)
                if sheet is None:
                    out.writestr(info.filename, data)
                else:
                    with out.open(info.filename, "w") as part:
                        sheet.write_part(data.decode("utf-8"), part)
        for sheet in self.sheets:
            sheet.close()


class StreamedSheet:
    _BUFFER_ROWS = 1000

    def __init__(self, book: StreamedWorkbook, head):
        self.book, self.head = book, head
        self.rows = self.columns = 0  # data rows appended, the widest of them
        self._first = 1
        self._spool = tempfile.TemporaryFile()
        self._buffer: list[str] = []
        self._letters: list[str] = []

    def append(self, values: Sequence, styles: Mapping[int, int] | None = None) -> None:
        """One data row; ``styles``: a style index (from ``StreamedWorkbook.style``) per column position."""
        if not self.rows:
            head = any(value is not None for row in self.head.iter_rows(values_only=True) for value in row)
            self._first = self.head.max_row + 1 if head else 1  # below the head, which is written first
        if len(values) > len(self._letters):
            from openpyxl.utils import get_column_letter

            self._letters = [get_column_letter(i) for i in range(1, len(values) + 1)]
            self.columns = len(values)
        r = str(self._first + self.rows)
        self.rows += 1
        cells = [f'<row r="{r}">']
        add = cells.append
        for i, (letter, value) in enumerate(zip(self._letters, values)):
            if value is None or value == "":
                continue
            kind = type(value)
            s = styles.get(i) if styles else None
            if kind is str:
                if _SPECIAL.search(value) is not None:
                    value = xml_text(value)
                add(f'<c r="{letter}{r}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
                    if s else f'<c r="{letter}{r}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>')
            elif kind is dt.date:
                add(f'<c r="{letter}{r}" s="{s or self.book.date_style}"><v>{_serial(value)}</v></c>')
            elif kind is int or kind is float:
                add(f'<c r="{letter}{r}" s="{s}"><v>{value!r}</v></c>' if s else f'<c r="{letter}{r}"><v>{value!r}</v></c>')
            else:
                add(self._other(letter + r, value, s))
        add("</row>")
        self._buffer.append("".join(cells))
        if len(self._buffer) >= self._BUFFER_ROWS:
            self._flush()

    def _other(self, ref: str, value, s: int | None) -> str:
        if isinstance(value, bool):
            style = f' s="{s}"' if s else ""
            return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, dt.date):  # a datetime: the time of day is the serial's fraction
            return f'<c r="{ref}" s="{s or self.book.date_style}"><v>{_serial(value)}</v></c>'
        raise TypeError(f"no XLSX cell for {type(value).__name__}")

    def _flush(self) -> None:
        self._spool.write("".join(self._buffer).encode("utf-8"))
        self._buffer.clear()

    def write_part(self, template: str, part) -> None:
        """The template's sheet XML with the spooled rows before ``</sheetData>`` and the dimension widened."""
        from openpyxl.utils import get_column_letter

        if self.rows:
            last_row = self._first + self.rows - 1
            last_column = get_column_letter(max(self.columns, self.head.max_column))
            template = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last_column}{last_row}"/>',
                              template, count=1)
        template = template.replace("<sheetData/>", "<sheetData></sheetData>", 1)
        before, after = template.split("</sheetData>", 1)
        part.write(before.encode("utf-8"))
        self._flush()
        self._spool.seek(0)
        shutil.copyfileobj(self._spool, part, 1 << 20)
        part.write(b"</sheetData>" + after.encode("utf-8"))

    def close(self) -> None:
        self._spool.close()
