"""Chinese line layout measured on the PDF (两端对齐 on the 28-cell grid, 禁则, unbroken numbers).

Every continued body line must end on the 版心's right edge (28 mm + 156 mm) within 0.5 mm;
no line starts with ，。、；：？！”）》〕 or ends with “（《〔; 文号 and item codes stay on one
line; a title never leaves one character alone on its last line.
"""

from __future__ import annotations

import pytest

from duban.documents import KINDS, DocumentRenderer, sample_context
try:
    from pdfcheck import (BODY_LEFT, BODY_RIGHT, broken_numbers, continued_lines, font_base_name,
                          glyph_lines, kinsoku_breaches, pdf_family_prefix, ragged_lines, read_pdf,
                          stretched_lines)
except ImportError:
    from tests.pdfcheck import (BODY_LEFT, BODY_RIGHT, broken_numbers, continued_lines, font_base_name,
                                glyph_lines, kinsoku_breaches, pdf_family_prefix, ragged_lines, read_pdf,
                                stretched_lines)

GONGWEN = [code for code, kind in KINDS.items() if kind.gongwen]
DOC_NUMBER = "综改〔2021〕118号"
ITEM_CODE = "pilot-2021-0042"


@pytest.fixture(scope="module")
def renderer():
    return DocumentRenderer()


@pytest.mark.parametrize("kind", GONGWEN)
def test_sample_documents_are_justified_on_the_grid(kind, renderer):
    info = read_pdf(renderer.render(kind, sample_context(kind)))
    assert len(continued_lines(info)) >= 3, "sample too short to measure"
    assert ragged_lines(info) == []
    assert kinsoku_breaches(info) == []
    context = sample_context(kind)
    assert broken_numbers(info, [context.get("doc_number") or DOC_NUMBER]) == []


def stress_paragraphs() -> list[str]:
    """Quotation marks, brackets, commas, a 文号 and an item code at every offset of a line."""
    tail = (f"“按期办结”，依据{DOC_NUMBER}（试行）办理，事项{ITEM_CODE}于2021年10月20日"
            "前报送《工作报告》，电话0931-8105020。")
    return ["测" * offset + tail + "各单位认真落实。" for offset in range(28)]


@pytest.fixture(scope="module")
def stressed(renderer):
    context = sample_context("rectification_notice")
    context = {**context, "basis": "本通知依据有关规定制发。", "problems": [],
               "requirements": stress_paragraphs(), "consequences": "逾期未整改的，依规处理。",
               "title": "关于进一步加强和改进机关作风建设工作的通知",  # 21: 20 + 1 if greedy
               "recipient": "各单位、各部门、各直属机构、各派出机构、各有关企业事业单位、各工作专班"}
    html = renderer.render_html("rectification_notice", context)
    return read_pdf(renderer.render("rectification_notice", context)), html


def test_every_continued_line_is_flush_with_both_edges(stressed):
    info, _ = stressed
    lines = continued_lines(info)
    assert len(lines) >= 56  # each of the 28 stress paragraphs spans at least three lines
    assert ragged_lines(info) == []
    for line in lines:
        assert abs(line.x0 - BODY_LEFT) < 0.5 or abs(line.x0 - BODY_LEFT - 2 * 156 / 28) < 0.5
        assert abs(line.x1 - BODY_RIGHT) <= 0.5, line.text
    # a paragraph's last line stays left-aligned, at the grid's spacing
    last = [line for line in glyph_lines(info) if line.text.endswith("实。")]
    assert len(last) == 28 and all(line.x1 < BODY_RIGHT - 2 for line in last)


def test_line_breaking_rules_of_chinese_typesetting(stressed):
    info, _ = stressed
    assert kinsoku_breaches(info) == []
    assert broken_numbers(info, [DOC_NUMBER, ITEM_CODE, "0931-8105020"]) == []
    texts = [line.text for line in glyph_lines(info)]
    # numbers keep the character that counts them, and the dates stay whole on the page; a 文号 that
    # would leave a line far too short breaks before its 〔 only (〔2021〕118号 itself never breaks)
    year_number = DOC_NUMBER[DOC_NUMBER.index("〔"):]
    whole = sum(DOC_NUMBER in text for text in texts)
    split = sum(text.endswith(DOC_NUMBER[:DOC_NUMBER.index("〔")]) and after.startswith(year_number)
                for text, after in zip(texts, texts[1:]))
    assert whole + split == 28 and whole >= 20, (whole, split)
    assert sum(year_number in text for text in texts) == 28
    assert sum(ITEM_CODE in text for text in texts) == 28
    assert not any(text.endswith(("2021", "10", "20")) for text in texts)


def test_no_line_is_stretched_far_apart_before_an_unbreakable_number(stressed):
    """A 文号 or code that does not fit leaves empty cells: shared by the lines above, or the 文号
    breaks before its 〔, so no line's characters stand 12 pt apart as the greedy lines had them.
    What remains is a paragraph's first line with nothing above it to share with."""
    info, _ = stressed
    assert stretched_lines(info, 5.0) == []
    assert len(stretched_lines(info, 3.0)) <= 3


BASIS_LEAD = "根据中共某市委组织部《关于印发在“三个专项”专题教育中开展四项专项整治工作方案的通知》"


@pytest.mark.parametrize("extra", range(0, 10))
def test_a_basis_document_number_does_not_spread_the_line_before_it(extra, renderer):
    """The 效能监察建议书's opening cites its basis with a 文号 (如 某组通字〔2015〕57号) on the second
    line: whatever its offset, the lines stay justified with characters at most 2 pt apart."""
    context = sample_context("efficiency_advice")
    opening = (BASIS_LEAD[:2] + "某" * extra + BASIS_LEAD[2:] + "（某组通字〔2015〕57号）和《某市建设局作风建设"
               "工作实施方案》要求，局作风建设工作办公室对行政审批服务窗口存在的问题进行了效能监察。现将有关情况和监察建议函告如下。")
    info = read_pdf(renderer.render("efficiency_advice", {**context, "opening": opening}))
    assert stretched_lines(info, 2.0) == []
    assert ragged_lines(info) == [] and kinsoku_breaches(info) == []
    assert broken_numbers(info, ["〔2015〕57号"]) == []


def test_multi_line_recipient_is_justified_too(stressed):
    info, html = stressed
    first = next(line for line in glyph_lines(info) if line.text.startswith("各单位、各部门"))
    assert abs(first.x0 - BODY_LEFT) < 0.5 and abs(first.x1 - BODY_RIGHT) <= 0.5
    assert "各工作专班：" in info.compact_text()


def test_title_never_leaves_one_character_alone(stressed):
    info, _ = stressed
    title = [line for line in glyph_lines(info, 22.0)]
    assert len(title) == 2
    assert all(len(line.text) >= 2 for line in title)
    # balanced and centred on the 版心
    assert abs(len(title[0].text) - len(title[1].text)) <= 2
    for line in title:
        assert abs((line.x0 + line.x1) / 2 - (BODY_LEFT + 78)) < 1.0


@pytest.mark.parametrize("title, first_line", [
    ("关于某市住房建设局“懒散拖慢”问题整改情况的公示", "关于某市住房建设局“懒散拖慢”"),
    ("关于某市交通运输局“慢作为”问题整改情况的公示", "关于某市交通运输局“慢作为”"),
])
def test_a_title_keeps_a_quoted_name_on_one_line(title, first_line, renderer):
    """Balanced lines would break inside “…”; the title takes a slightly wider measure instead."""
    context = {**sample_context("circulated_criticism"), "title": title}
    info = read_pdf(renderer.render("circulated_criticism", context))
    lines = [line.text for line in glyph_lines(info, 22.0)]
    assert lines == [first_line, title[len(first_line):]]


@pytest.mark.parametrize("title, names", [
    ("关于对市建设工程质量监督站副科长祁泽德同志予以通报批评的通报", ["市建设工程质量监督站", "副科长", "祁泽德同志"]),
    ("关于对市建设工程安全监督站予以通报批评的通报", ["市建设工程安全监督站"]),
    ("关于给予市城建档案馆科员卢华同志公开道歉处理的决定", ["市城建档案馆", "科员", "卢华同志"]),
    ("关于给予科技设计处科员武岚同志停职检查处理的决定", ["科技设计处", "科员", "武岚同志"]),
    ("关于给予市建设工程造价管理站工程师何兰蕾同志记过处分的决定", ["市建设工程造价管理站", "工程师", "何兰蕾同志"]),
])
def test_a_title_keeps_names_whole(title, names, renderer):
    """Balanced halves split 副科|长, 卢|华, 监|督站: the names the context gives stay on one line,
    the lines as balanced as that allows, the last never one character alone."""
    context = {**sample_context("circulated_criticism"), "title": title, "title_names": names}
    info = read_pdf(renderer.render("circulated_criticism", context))
    lines = [line.text for line in glyph_lines(info, 22.0)]
    assert "".join(lines) == title and len(lines) == 2
    for name in names:
        assert any(name in line for line in lines), (name, lines)
    assert abs(len(lines[0]) - len(lines[1])) <= 6 and len(lines[-1]) > 1, lines


def test_justification_is_computed_from_the_resolved_font(renderer):
    """The glyph advances used for the layout are those the PDF was written with."""
    from duban.documents.fonts import resolve
    from duban.documents.fontmetrics import metrics

    family = pdf_family_prefix(resolve("fangsong").resolved_family)
    info = read_pdf(renderer.render("rectification_notice", sample_context("rectification_notice")))
    font = metrics("fangsong")
    chars = [c for page in info.pages for c in page["chars"]
             if abs(c["size"] - 16) < 0.3 and font_base_name(c["fontname"]) == family]
    assert chars
    for char in chars:
        assert abs(font.advance(char["text"]) * 16 - (char["x1"] - char["x0"])) < 0.05, char["text"]


@pytest.mark.parametrize("role", ["fangsong", "kaiti"])
def test_raw_table_metrics_agree_with_fonttools(role):
    """The line layout reads cmap (format 12, else 4) and hmtx itself; fontTools decodes them fully."""
    import struct

    from fontTools.ttLib import TTFont

    from duban.documents.fonts import resolve
    from duban.documents.fontmetrics import _format4, metrics

    resolution = resolve(role)
    if resolution.file is None:
        pytest.skip(f"no font installed for {role}")
    font = TTFont(resolution.file, fontNumber=resolution.index, lazy=True)
    best, advances, em = font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm
    sample = list(best.items())[::11]
    ours = metrics(role)
    assert all(abs(ours.advance(chr(code)) - advances[name][0] / em) < 1e-9 for code, name in sample)
    raw = font.reader["cmap"]
    subtables = [struct.unpack_from(">HHI", raw, 4 + 8 * i) for i in range(struct.unpack_from(">H", raw, 2)[0])]
    offset = next(o for p, e, o in subtables if (p, e) == (3, 1) and struct.unpack_from(">H", raw, o)[0] == 4)
    lookup, glyph_ids = _format4(raw, offset), font.getReverseGlyphMap()
    assert all(lookup(code) == glyph_ids[name] for code, name in sample if code < 0x10000)
