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
