"""Read rendered PDFs back (pdfplumber) to check what a reader would measure with a ruler.

Units: millimetres from the top-left corner of the page.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pdfplumber

MM = 72 / 25.4  # PDF points per millimetre
BODY_PT = 16.0  # 3号
LINE_PITCH_MM = 28.9 / MM
PAGE_NUMBER = re.compile(r"—\s*(\d+)\s*—")


def mm(points: float) -> float:
    return points / MM


@dataclass
class Line:
    page: int  # 1-based
    top: float  # glyph box top, mm
    bottom: float
    x0: float
    x1: float
    text: str
    size: float
    fonts: set[str]
    baseline: float  # mm from the page top, read from the text matrix

    # pdfminer's glyph boxes hang from the font's descent, which differs per font;
    # CJK fonts draw ideographs in an em box from 0.12 em below to 0.88 em above
    # the baseline, so measure from the baseline instead.
    @property
    def em_top(self) -> float:
        """Top of the ideographic em box (where the ink of 汉字 starts)."""
        return self.baseline - 0.88 * mm(self.size)

    @property
    def em_bottom(self) -> float:
        return self.baseline + 0.12 * mm(self.size)

    @property
    def box_top(self) -> float:
        """Top of a 28.9pt line box whose em box is centred (版心 top for line 1)."""
        return self.baseline - 0.38 * mm(self.size) - LINE_PITCH_MM / 2


@dataclass
class PdfInfo:
    pages: list[dict]  # width/height in mm, text, lines
    metadata: dict
    raw: bytes
    xmp: bytes  # XMP metadata stream (PDF/A identification lives here)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def lines(self, size: float | None = None) -> list[Line]:
        return [line for page in self.pages for line in page["lines"]
                if size is None or abs(line.size - size) < 0.3]

    def text(self) -> str:
        return "\n".join(page["text"] for page in self.pages)

    def compact_text(self) -> str:
        """All text without whitespace, so strings broken over lines still match."""
        return "".join(self.text().split())

    def fonts(self) -> set[str]:
        return {font for line in self.lines() for font in line.fonts}


def font_base_name(pdf_font_name: str) -> str:
    """'LWGGBP+Noto-Serif-CJK-SC-Bold' → 'Noto-Serif-CJK-SC-Bold' (subset tag dropped)."""
    return pdf_font_name.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", pdf_font_name) else pdf_font_name


def pdf_family_prefix(family: str) -> str:
    """How WeasyPrint names a family in the PDF: Pango's description, spaces as dashes."""
    return family.replace(" ", "-")


def read_pdf(data: bytes) -> PdfInfo:
    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        metadata = dict(pdf.metadata)
        xmp_ref = pdf.doc.catalog.get("Metadata")
        xmp = xmp_ref.resolve().get_data() if xmp_ref is not None else b""
        for number, page in enumerate(pdf.pages, 1):
            lines = []
            for raw in page.extract_text_lines(return_chars=True, strip=True):
                chars = [c for c in raw["chars"] if c["text"].strip()]
                if not chars:
                    continue
                lines.append(Line(
                    page=number, top=mm(raw["top"]), bottom=mm(raw["bottom"]),
                    x0=mm(min(c["x0"] for c in chars)), x1=mm(max(c["x1"] for c in chars)),
                    text="".join(c["text"] for c in chars),
                    size=max(round(c["size"], 1) for c in chars),
                    fonts={font_base_name(c["fontname"]) for c in chars},
                    baseline=mm(page.height - chars[0]["matrix"][5]),
                ))
            rects = [{"top": mm(r["top"]), "bottom": mm(r["bottom"]), "x0": mm(r["x0"]),
                      "x1": mm(r["x1"]), "colour": r.get("non_stroking_color")}
                     for r in page.rects]
            pages.append({"width": mm(page.width), "height": mm(page.height),
                          "text": page.extract_text() or "", "lines": lines,
                          "chars": page.chars, "rects": rects})
    return PdfInfo(pages, metadata, data, xmp)


def page_number_line(page: dict) -> Line | None:
    for line in page["lines"]:
        if PAGE_NUMBER.fullmatch(line.text):
            return line
    return None


def is_full_width(char: str) -> bool:
    """CJK ideographs and full-width punctuation: one 28th of the line each."""
    code = ord(char)
    return code >= 0x2E80 or char in "“”‘’—…·"


def chars_of_font(info: PdfInfo, predicate) -> set[str]:
    """Font names of the chars whose text satisfies predicate(text, size)."""
    return {font_base_name(c["fontname"]) for page in info.pages for c in page["chars"]
            if predicate(c["text"], round(c["size"], 1))}


# ---------------------------------------------------------------------------
# The 公文 body grid (GB/T 9704): 版心 156 mm wide from 28 mm, 225 mm high from 37 mm.

BODY_LEFT, BODY_WIDTH, BODY_TOP, BODY_HEIGHT = 28.0, 156.0, 37.0, 225.0
BODY_RIGHT = BODY_LEFT + BODY_WIDTH
CELL = BODY_WIDTH / 28
LINE_START_FORBIDDEN = "，。、；：？！”）》〕"
LINE_END_FORBIDDEN = "“（《〔"
ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
CN_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


@dataclass
class GlyphLine:
    """Characters that share one baseline on a page, left to right."""
    page: int
    baseline: float  # mm from the page top
    size: float
    chars: list[dict]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def x0(self) -> float:
        return mm(self.chars[0]["x0"])

    @property
    def x1(self) -> float:
        return mm(self.chars[-1]["x1"])


def glyph_lines(info: PdfInfo, size: float = BODY_PT) -> list[GlyphLine]:
    """Lines of `size`-pt characters inside the 版心, grouped by baseline (text matrix), in reading order."""
    lines = []
    for number, page in enumerate(info.pages, 1):
        height = page["height"] * MM
        rows: dict[float, list[dict]] = {}
        for char in page["chars"]:
            if not char["text"].strip() or abs(char["size"] - size) > 0.3:
                continue
            baseline = mm(height - char["matrix"][5])
            if BODY_TOP - 1 < baseline < BODY_TOP + BODY_HEIGHT + 1:
                rows.setdefault(round(baseline, 1), []).append(char)
        for baseline in sorted(rows):
            chars = sorted(rows[baseline], key=lambda c: c["x0"])
            lines.append(GlyphLine(number, baseline, size, chars))
    return lines


def continued_lines(info: PdfInfo) -> list[GlyphLine]:
    """Body lines that a paragraph continues after: a line starting at the left edge or two
    cells in, followed, one line pitch below (or at the top of the next page), by a line that
    starts flush left."""
    lines = glyph_lines(info)
    found = []
    for line, after in zip(lines, lines[1:]):
        if not (abs(line.x0 - BODY_LEFT) < 0.5 or abs(line.x0 - BODY_LEFT - 2 * CELL) < 0.5):
            continue
        if abs(after.x0 - BODY_LEFT) > 0.5:
            continue
        same_page = after.page == line.page and abs(after.baseline - line.baseline - LINE_PITCH_MM) < 0.5
        next_page = after.page == line.page + 1 and after.baseline < BODY_TOP + LINE_PITCH_MM
        if same_page or next_page:
            found.append(line)
    return found


def ragged_lines(info: PdfInfo, tolerance: float = 0.5) -> list[tuple[str, float]]:
    """Continued body lines whose last glyph is not on the 版心's right edge: (text, mm short)."""
    return [(line.text, round(BODY_RIGHT - line.x1, 2)) for line in continued_lines(info)
            if abs(line.x1 - BODY_RIGHT) > tolerance]


def widest_gap(line: GlyphLine) -> float:
    """The widest space (pt) between two neighbouring full-width glyphs of a line: its letter spacing."""
    pairs = zip(line.chars, line.chars[1:])
    return max((b["x0"] - a["x1"] for a, b in pairs if is_full_width(a["text"]) and is_full_width(b["text"])),
               default=0.0)


def stretched_lines(info: PdfInfo, limit_pt: float) -> list[tuple[str, float]]:
    """Body lines whose characters stand more than `limit_pt` apart: (text, widest gap in pt)."""
    return [(line.text, round(widest_gap(line), 2)) for line in glyph_lines(info) if widest_gap(line) > limit_pt]


def kinsoku_breaches(info: PdfInfo) -> list[str]:
    """Body lines (and title lines) that start with closing or end with opening punctuation."""
    lines = glyph_lines(info) + glyph_lines(info, 22.0)
    return [line.text for line in lines
            if line.text[0] in LINE_START_FORBIDDEN or line.text[-1] in LINE_END_FORBIDDEN]


def broken_numbers(info: PdfInfo, numbers) -> list[str]:
    """Numbers (文号, item codes) that occur in the text but on no single line."""
    texts = [line.text for size in (BODY_PT, 22.0, 14.0, 13.0, 12.0, 10.0)
             for line in glyph_lines(info, size)]
    compact = info.compact_text()
    return [number for number in numbers
            if number in compact and not any(number in text for text in texts)]


def unnumbered_pages(info: PdfInfo) -> list[int]:
    """Pages without a page number, except a blank page and a 版记 page right after one (GB/T 9704 7.5)."""
    def content(page):
        return [line for line in page["lines"] if not PAGE_NUMBER.fullmatch(line.text)]

    missing = []
    for number, page in enumerate(info.pages, 1):
        if page_number_line(page) is not None or not content(page):
            continue
        after_blank = number > 1 and not content(info.pages[number - 2])
        if after_blank and number == info.page_count and content(page)[-1].text.endswith("印发"):
            continue
        missing.append(number)
    return missing


def typography_problems(info: PdfInfo, numbers=(), *, grid: bool = True) -> list[str]:
    """What a clerk would reject, measured on the PDF: continued body lines not flush right within
    0.5 mm (grid documents), forbidden line-start/line-end punctuation, numbers broken over lines,
    pages without a number, no date in Chinese form, an ISO date anywhere in the text."""
    problems = []
    if grid:
        problems += [f"ragged: {text} ({short} mm short)" for text, short in ragged_lines(info)]
        problems += [f"禁则: {text}" for text in kinsoku_breaches(info)]
    problems += [f"broken over lines: {number}" for number in broken_numbers(info, numbers)]
    problems += [f"no page number on page {number}" for number in unnumbered_pages(info)]
    text = info.compact_text()
    if not CN_DATE.search(text):
        problems.append("no date in Chinese form")
    problems += [f"ISO date: {match}" for match in ISO_DATE.findall(text)]
    return problems


ISSUED_KINDS = {"rectification_notice", "efficiency_advice", "circulated_criticism", "admonition_notice",
                "written_check_notice", "decision", "supervision_sheet", "reminder_sheet"}


def issued_typography_problems(issued: list[dict], reports: list[str]) -> dict[str, list[str]]:
    """`typography_problems` of every document of `duban doc list` and of the report PDFs (台账, 公示),
    keyed by 文号 or path; also a problem if a document kind was not among them."""
    from pathlib import Path

    from duban.documents import KINDS

    found: dict[str, list[str]] = {}
    for doc in issued:
        info = read_pdf(Path(doc["path"]).read_bytes())
        problems = typography_problems(info, [n for n in (doc["doc_number"], doc["item"]) if n],
                                       grid=KINDS[doc["kind"]].gongwen)
        if problems:
            found[doc["doc_number"]] = problems
    missing = ISSUED_KINDS - {doc["kind"] for doc in issued}
    if missing:
        found["kinds not issued"] = sorted(missing)
    for path in reports:
        problems = typography_problems(read_pdf(Path(path).read_bytes()), grid=False)
        if problems:
            found[str(path)] = problems
    return found
