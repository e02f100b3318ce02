"""Fonts embedded by a renderer that keeps font files and subsets across documents (pdffonts):
the PDFs are byte for byte those WeasyPrint's own `Font` writes, whatever was rendered before."""

from __future__ import annotations

import pytest

from duban.documents import DocumentRenderer, sample_context
from duban.documents import pdffonts

try:
    from pdfcheck import read_pdf
except ImportError:
    from tests.pdfcheck import read_pdf

# Serif CJK (CFF) for body and title, Sans CJK (CFF, whose subset closure reaches past the last
# glyph used) for 一、 headings, UKai (TrueType) for （一） headings.
KINDS_SEEN = ["written_check_notice", "rectification_notice", "bulletin"]
OTHER_TEXT = "鑫淼犇骉龘"  # in no sample


@pytest.fixture(scope="module")
def renderer():
    renderer = DocumentRenderer()
    assert pdffonts.install(), "WeasyPrint's fonts changed: pdffonts no longer applies"
    return renderer


@pytest.fixture
def weasyprint_fonts(monkeypatch):
    """WeasyPrint's own font embedding, for as long as the test runs."""
    from weasyprint.pdf import fonts as pdf_fonts
    from weasyprint.pdf import stream as pdf_stream
    from weasyprint.text import fonts as text_fonts

    def use():
        monkeypatch.setattr(pdf_stream, "Font", pdf_stream.Font.__mro__[1])
        monkeypatch.setattr(pdf_fonts, "get_hb_object_data", text_fonts.get_hb_object_data)
    return use


def other(kind: str) -> dict:
    return {**sample_context(kind), "recipient": f"市{OTHER_TEXT}管理站"}


def test_same_bytes_as_weasyprint_with_fonts_reused_and_not(renderer, weasyprint_fonts):
    ours = {}
    for kind in KINDS_SEEN:
        first = renderer.render(kind, sample_context(kind))
        again = renderer.render(kind, sample_context(kind))  # every subset reused
        changed = renderer.render(kind, other(kind))  # the body font's glyph set differs by five
        assert first == again
        ours[kind] = first, changed
    weasyprint_fonts()
    for kind in KINDS_SEEN:
        assert renderer.render(kind, sample_context(kind)) == ours[kind][0], kind
        assert renderer.render(kind, other(kind)) == ours[kind][1], kind


def test_a_document_carries_its_own_glyphs_only(renderer):
    """The subset made for a document with five more characters is not reused for the next one."""
    kind = "written_check_notice"
    changed = renderer.render(kind, other(kind))
    plain = renderer.render(kind, sample_context(kind))
    assert OTHER_TEXT in read_pdf(changed).compact_text()
    assert OTHER_TEXT[0] not in read_pdf(plain).compact_text()
    glyphs = {name: gid for name, (cmap, _) in _fonts(changed).items()
              for gid, text in cmap.items() if text in OTHER_TEXT}
    [(name, _)] = {(name, None) for name in glyphs}
    other_gids = {gid for gid, text in _fonts(changed)[name][0].items() if text in OTHER_TEXT}
    assert len(other_gids) == len(OTHER_TEXT)
    assert other_gids <= _fonts(changed)[name][1]
    assert not other_gids & _fonts(plain)[name][1]  # ids are kept, so the same id is the same glyph


def _fonts(pdf: bytes) -> dict[str, tuple[dict[int, str], set[int]]]:
    """Per embedded font (name without subset tag): its ToUnicode map and the glyph ids with an outline."""
    import io
    import re

    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            if name in fonts:
                continue
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = (descriptor.get("/FontFile3") or descriptor.get("/FontFile2")).get_object().get_data()
            ttfont = TTFont(io.BytesIO(program))
            if "CFF " in ttfont:  # an empty glyph is one byte (endchar); read the index, not the glyphs
                offsets = ttfont["CFF "].cff.topDictIndex[0].CharStrings.charStringsIndex.offsets
                drawn = {gid for gid in range(len(offsets) - 1) if offsets[gid + 1] - offsets[gid] > 1}
            else:
                loca = ttfont["loca"]
                drawn = {gid for gid in range(len(loca) - 1) if loca[gid + 1] > loca[gid]}
            data = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            cmap = {int(gid, 16): bytes.fromhex(text).decode("utf-16-be")
                    for gid, text in re.findall(r"<([0-9a-f]{4})> <([0-9a-f]+)>", data)}
            fonts[name] = cmap, drawn
    return fonts
