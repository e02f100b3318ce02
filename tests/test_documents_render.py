"""The document renderer: GB/T 9704 layout measured in the PDFs, fonts, safety, batches.

Each kind's sample is rendered once per session (each render ~0.3 s).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from duban.documents import KINDS, DocumentRenderer, render_many, resolve_fonts, sample_context
from duban.documents.fonts import ROLES
from duban.errors import BadInput
try:  # tests/ is a rootdir-relative folder or a package, depending on the runner
    from pdfcheck import (
        MM, PAGE_NUMBER, chars_of_font, is_full_width, mm, page_number_line, pdf_family_prefix, read_pdf)
except ImportError:
    from tests.pdfcheck import (
        MM, PAGE_NUMBER, chars_of_font, is_full_width, mm, page_number_line, pdf_family_prefix, read_pdf)

GONGWEN = [code for code, kind in KINDS.items() if kind.gongwen]
TOL = 1.5  # mm
# GB/T 9704-2012 geometry (mm)
TOP, LEFT, RIGHT, BOTTOM = 37, 28, 26, 35
BODY_BOTTOM = 297 - BOTTOM
CHAR = 156 / 28


@pytest.fixture(scope="session")
def renderer():
    return DocumentRenderer()


@pytest.fixture(scope="session")
def rendered(renderer):
    cache = {}

    def get(kind):
        if kind not in cache:
            cache[kind] = read_pdf(renderer.render(kind, sample_context(kind)))
        return cache[kind]
    return get


def expected_font(role: str) -> str:
    resolution = resolve_fonts()[role]
    return pdf_family_prefix(resolution.resolved_family) + ("-Bold" if resolution.weight >= 600 else "")


@pytest.mark.parametrize("kind", list(KINDS))
def test_page_size_title_number_metadata(kind, rendered):
    info = rendered(kind)
    context = sample_context(kind)
    for page in info.pages:
        width, height = (297, 210) if KINDS[kind].landscape else (210, 297)
        assert abs(page["width"] - width) < 0.5 and abs(page["height"] - height) < 0.5
    assert "".join(context["title"].split()) in info.compact_text()
    if context.get("doc_number"):
        assert context["doc_number"] in info.compact_text()
    assert info.metadata["Title"] == context["title"]
    assert info.metadata["Author"] == context["issuer"]
    assert KINDS[kind].name in info.metadata["Subject"]
    # PDF/A-3u identification in the XMP metadata
    assert re.search(rb"pdfaid:part[^0-9]{0,3}3", info.xmp) and b"pdfaid:conformance" in info.xmp


@pytest.mark.parametrize("kind", list(KINDS))
def test_page_numbers_odd_right_even_left(kind, rendered):
    info = rendered(kind)
    width = info.pages[0]["width"]
    right, left = (18, 18) if KINDS[kind].landscape else (RIGHT, LEFT)
    for index, page in enumerate(info.pages, 1):
        line = page_number_line(page)
        assert line is not None, f"page {index} has no page number"
        assert PAGE_NUMBER.fullmatch(line.text)[1] == str(index)
        if index % 2:  # odd: right, one character (14pt) in from the 版心 edge
            assert abs(line.x1 - (width - right - 14 / 72 * 25.4)) < TOL
        else:
            assert abs(line.x0 - (left + 14 / 72 * 25.4)) < TOL
        if not KINDS[kind].landscape:  # 一字线 7 mm below the 版心
            assert abs((line.top + line.bottom) / 2 - (BODY_BOTTOM + 7)) < TOL


@pytest.mark.parametrize("kind", GONGWEN)
def test_body_grid_28_characters_22_lines(kind, rendered):
    info = rendered(kind)
    body = [line for line in info.lines(16.0) if line.top < BODY_BOTTOM]
    assert abs(min(line.x0 for line in body) - LEFT) < TOL
    # Continuation pages start on the first line of the 版心.
    for page in info.pages[1:]:
        first = min(page["lines"], key=lambda line: line.top)
        if abs(first.size - 16) < 0.3:
            assert abs(first.box_top - TOP) < TOL, first.text
    # Lines of CJK text that reach the right edge hold 28 characters, or one or two fewer
    # spread over the line where 禁则 moved a character down (e.g. to keep “ off a line end).
    cjk = [line for line in body if all(map(is_full_width, line.text)) and abs(line.x0 - LEFT) < 1]
    full = [line for line in cjk if line.x1 > LEFT + 156 - CHAR / 2]
    assert len(full) >= 2, "sample too short to measure full lines"
    assert all(26 <= len(line.text) <= 28 for line in full), [l.text for l in full if len(l.text) < 26]
    assert all(len(line.text) <= 28 for line in cjk)
    assert all(line.x1 < LEFT + 156 + 1 for line in body)
    for number in range(1, info.page_count + 1):
        on_page = [line for line in body if line.page == number and line.top > TOP - 1]
        assert len(on_page) <= 22


@pytest.mark.parametrize("kind", [k for k in GONGWEN if sample_context(k).get("issuer_mark")])
def test_red_head_mark_35mm_below_body_top(kind, rendered):
    page = rendered(kind).pages[0]
    first = page["lines"][0]
    assert first.text == sample_context(kind)["issuer_mark"]
    assert abs(first.em_top - (TOP + 35)) < TOL
    # Red separator as wide as the 版心, 4 mm under the 发文字号.
    number = page["lines"][1]
    assert number.text == sample_context(kind)["doc_number"]
    rule = next(r for r in page["rects"] if r["colour"] and r["colour"][0] > 0.8
                and r["colour"][1] < 0.2 and r["x1"] - r["x0"] > 150)
    assert abs(rule["x0"] - LEFT) < 0.5 and abs(rule["x1"] - (LEFT + 156)) < 0.5
    assert abs(rule["top"] - (number.em_bottom + 4)) < TOL


@pytest.mark.parametrize("kind", GONGWEN)
def test_date_four_characters_from_right_and_banji_on_even_last_page(kind, rendered):
    info = rendered(kind)
    context = sample_context(kind)
    date_lines = [line for line in info.lines(16.0) if line.text == "2015年10月8日"]
    assert date_lines and abs(date_lines[-1].x1 - (LEFT + 156 - 4 * CHAR)) < TOL
    # No page holds only the 署名 and date: some body text comes along.
    same_page = [line for line in info.lines(16.0) if line.page == date_lines[-1].page
                 and line.text not in ("2015年10月8日", context["issuer"])]
    assert same_page
    printed = [line for line in info.lines() if line.text.endswith("印发")]
    if context.get("printer"):
        assert len(printed) == 1
        assert printed[0].page == info.page_count and info.page_count % 2 == 0
        assert BODY_BOTTOM - 12 < printed[0].bottom < BODY_BOTTOM + 0.5
        assert "抄送：" + "，".join(context["cc"]) + "。" in info.compact_text()
    else:
        assert not printed


@pytest.mark.parametrize("kind", list(KINDS))
def test_fonts_are_the_resolved_families(kind, rendered):
    info = rendered(kind)
    allowed = {expected_font(role) for role in ROLES}
    assert info.fonts() <= allowed, info.fonts() - allowed
    title_fonts = chars_of_font(info, lambda text, size: size == 22.0 and text.strip())
    assert title_fonts == {expected_font("xiaobiaosong")}
    number_fonts = chars_of_font(info, lambda text, size: size == 14.0 and text.isdigit())
    assert expected_font("songti") in number_fonts
    if KINDS[kind].gongwen:
        body = chars_of_font(info, lambda text, size: size == 16.0 and text in "，。")
        assert expected_font("fangsong") in body


def test_heading_levels_use_heiti_and_kaiti(rendered):
    info = rendered("efficiency_advice")
    heading = next(line for line in info.lines(16.0) if line.text.startswith("一、"))
    assert heading.fonts == {expected_font("heiti")}
    sub = next(line for line in info.lines(16.0) if line.text.startswith("（一）"))
    assert expected_font("kaiti") in sub.fonts


def test_working_day_deadline_and_reply_sentence(rendered):
    assert "15个工作日内（即2015年10月28日前）" in rendered("rectification_notice").compact_text()
    assert "请于2015年10月23日前" in rendered("efficiency_advice").compact_text()


def test_admonition_has_talk_record_before_banji(rendered):
    info = rendered("admonition_notice")
    record_page = next(p for p, page in enumerate(info.pages, 1) if "谈话记录" in page["text"]
                       and "谈话内容" in page["text"])
    assert "附件：谈话记录" in info.compact_text()
    banji_page = next(line.page for line in info.lines() if line.text.endswith("印发"))
    assert record_page < banji_page


def test_ledger_tables_and_charts(renderer, rendered):
    info = rendered("ledger")
    text = info.compact_text()
    for header in ("编号", "问题", "类别", "责任单位", "责任人", "来源", "原定期限", "现期限",
                   "状态", "灯", "验收人", "复发", "按责任单位", "按问题类别", "按办理状态"):
        assert header in text
    assert all(item["no"] in text for item in sample_context("ledger")["items"])
    renderer.render("ledger", sample_context("ledger"))
    assert sorted(renderer.fetcher.requested) == ["duban-mem:by-category.svg", "duban-mem:by-unit.svg"]


INJECTIONS = [
    "{{7*7}}",
    '<img src="file:///etc/passwd">',
    "<script>alert(1)</script>",
    '<link rel=stylesheet href="http://127.0.0.1:9/x.css">',
]


def test_user_text_is_printed_literally_and_fetches_nothing(renderer):
    context = sample_context("rectification_notice")
    context["recipient"] = INJECTIONS[0]
    context["problems"] = [{"title": text, "detail": text} for text in INJECTIONS]
    context["consequences"] = "".join(INJECTIONS)
    context["cc"] = INJECTIONS
    html = renderer.render_html("rectification_notice", context)
    assert "<script>" not in html and "<img src=\"file" not in html and "<link" not in html
    info = read_pdf(renderer.render("rectification_notice", context))
    assert renderer.fetcher.requested == []
    text = info.compact_text()
    for injection in INJECTIONS:
        assert "".join(injection.split()) in text
    assert "root:" not in text


def test_ledger_user_text_cannot_fetch(renderer):
    context = sample_context("ledger")
    context["items"] = [dict(item, unit=INJECTIONS[1], problem=INJECTIONS[3])
                        for item in context["items"][:3]]
    info = read_pdf(renderer.render("ledger", context))
    assert all(url.startswith("duban-mem:") for url in renderer.fetcher.requested)
    text = info.compact_text()  # table cells wrap and interleave: look for pieces
    assert '<linkrel=stylesheethref="http://' in text and '<imgsrc="file:///' in text


def test_ledger_accepts_minimal_items(renderer):
    items = [{"no": "A-1", "problem": "问题", "category": "庸", "unit": "局办公室",
              "due": dt.date(2015, 10, 20), "state": "整改中"}]
    context = {"issuer": "办公室", "title": "台账", "date": dt.date(2015, 10, 8),
               "as_of": dt.date(2015, 10, 9), "items": items, "charts": False}
    info = read_pdf(renderer.render("ledger", context))
    assert "A-1" in info.compact_text() and renderer.fetcher.requested == []


def test_ledger_lights_are_shares_of_the_lit_items_and_every_summary_has_a_total(renderer):
    """Only items whose deadline runs show a light: the 红黄绿灯 table gives shares of those, says
    the base, and ends with 合计 like the per-unit and per-category tables."""
    import io

    import pdfplumber

    day = dt.date(2015, 10, 20)
    items = [{"no": f"A-{n}", "problem": "问题", "category": category, "unit": unit, "due": day, "state": state,
              "light": light}
             for n, (state, light, unit, category) in enumerate([
                 ("整改中", "红", "甲处", "庸"), ("整改中", "红", "甲处", "懒"), ("整改中", "黄", "乙处", "懒"),
                 ("整改中", "绿", "乙处", "庸"), ("已销号", "", "甲处", "庸"), ("已销号", "", "乙处", "懒"),
                 ("已销号", "", "乙处", "懒"), ("待验收", "", "甲处", "散")], start=1)]
    context = {"issuer": "办公室", "title": "台账", "date": day, "as_of": day, "items": items, "charts": False}
    data = renderer.render("ledger", context)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        tables = [[[re.sub(r"\s", "", cell or "") for cell in row] for row in table]
                  for page in pdf.pages for table in page.extract_tables()]
    [lights] = [table for table in tables if table[0][0] == "灯色"]
    assert lights[0] == ["灯色", "事项数", "占亮灯事项"]
    assert lights[1:] == [["●红灯", "2", "50.0%"], ["●黄灯", "1", "25.0%"], ["●绿灯", "1", "25.0%"],
                          ["合计", "4", "100.0%"]], lights
    assert "占比以亮灯事项4个为基数；其余4个事项" in read_pdf(data).compact_text()
    [states] = [table for table in tables if table[0][0] == "状态"]
    assert states[-1] == ["合计", "8", "100.0%"]
    for dimension in ("责任单位", "问题类别"):  # a table going on over a page repeats its heading
        breakdown = [table for table in tables if table[0][0] == dimension][-1]
        header, total = breakdown[0], breakdown[-1]
        assert total[0] == "合计" and total[header.index("合计")] == "8" and total[-1] == "37.5%", breakdown
        assert total[header.index("整改中")] == "4" and total[header.index("已销号")] == "3"


def test_long_ledger_in_parts_reads_as_one_document(renderer, monkeypatch):
    """Laid out a few rows at a time (memory of one part): every item once, in order, summary
    and charts once at the start, mechanisms at the end, page numbers 1..N on alternating sides."""
    from duban.documents import render

    monkeypatch.setattr(render, "LEDGER_PART_ROWS", 7)
    context = sample_context("ledger")
    base = context["items"][0]
    context["items"] = [dict(base, no=f"T-{n:03d}", problem=f"第{n}个问题") for n in range(1, 41)]
    context["mechanisms"] = [dict(base, no="M-001", problem="建立长效机制", adopted_doc="制度文件")]
    renderer.fetcher.requested = []
    data = renderer.render("ledger", context)
    info = read_pdf(data)
    text = info.compact_text()
    positions = [text.find(f"T-{n:03d}") for n in range(1, 41)]
    assert -1 not in positions and positions == sorted(positions)
    assert text.count("按责任单位") == 1 and text.count("二、整改事项明细") == 1
    assert text.count("三、长效机制") == 1 and text.index("三、长效机制") > positions[-1]
    assert sorted(renderer.fetcher.requested) == ["duban-mem:by-category.svg", "duban-mem:by-unit.svg"]
    assert info.page_count > 6  # several parts
    for number, page in enumerate(info.pages, 1):
        line = page_number_line(page)
        assert line is not None and line.text.strip("— ") == str(number), (number, line)
        # odd pages carry the number on the right, even ones on the left (GB/T 9704)
        assert (line.x0 > page["width"] / 2) == (number % 2 == 1), number
    assert b"pdfaid" in info.xmp and info.metadata.get("Title") == context["title"]


def test_ledger_of_many_units_lays_its_unit_table_out_in_parts_and_charts_the_largest(renderer, monkeypatch):
    """A province's 台账 has nearly a unit per item: the per-unit table goes over several parts (each
    unit once, in order), and the per-unit chart shows the largest units (a bar per unit
    made a chart metres high, cut off by the page, and its cost grew with the units)."""
    from duban.documents import charts, render

    monkeypatch.setattr(render, "LEDGER_PART_ROWS", 7)
    context = sample_context("ledger")
    base = context["items"][0]
    context["items"] = [dict(base, no=f"T-{n:03d}", unit=f"单位{n:03d}", problem=f"第{n}个问题") for n in range(1, 41)]
    info = read_pdf(renderer.render("ledger", context))
    text = info.compact_text()
    summary = text[:text.index("（四）按问题类别")]
    positions = [summary.find(f"单位{n:03d}") for n in range(1, 41)]
    assert -1 not in positions and positions == sorted(positions)
    assert all(summary.count(f"单位{n:03d}") == 1 for n in range(1, 41))
    assert text.count("按责任单位") == 1 and text.count("二、整改事项明细") == 1
    assert text.index("二、整改事项明细") > text.index("（四）按问题类别")
    for number, page in enumerate(info.pages, 1):
        line = page_number_line(page)
        assert line is not None and line.text.strip("— ") == str(number), (number, line)
    summary = charts.summarize(context["items"], context.get("states"))
    shown, title = charts._largest(summary.by_unit, "各单位")
    assert [row[0] for row in shown.rows] == [row[0] for row in summary.by_unit.rows[:charts.CHART_MAX_BARS]]
    assert title == f"各单位（事项最多的{charts.CHART_MAX_BARS}个，共40个）"
    assert charts._largest(summary.by_category, "各类别") == (summary.by_category, "各类别")


def test_fetcher_refuses_everything_outside_assets(renderer, tmp_path):
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.css", "data:text/plain,hi",
                renderer.assets_url + "../layout/base.html.j2", "duban-mem:nothing.svg"):
        with pytest.raises(ValueError):
            renderer.fetcher.fetch(url)


def test_same_input_same_pdf(renderer):
    context = sample_context("circulated_criticism")
    assert renderer.render("circulated_criticism", context) == \
        renderer.render("circulated_criticism", context)


@pytest.mark.parametrize("issuer", ["某市建设局", "和西省机关效能建设领导小组", "某某省某某市住房和城乡建设局领导小组"])
def test_long_issuer_is_centred_on_the_date_which_stays_four_characters_in(issuer, renderer):
    info = read_pdf(renderer.render("written_check_notice", {**sample_context("written_check_notice"),
                                                             "issuer": issuer}))
    [date] = [line for line in info.lines(16.0) if line.text == "2015年10月8日"]
    [name] = [line for line in info.lines(16.0) if line.text == issuer]
    assert abs(date.x1 - (LEFT + 156 - 4 * CHAR)) < 0.5
    assert name.x0 > LEFT - 0.5 and name.x1 < LEFT + 156 + 0.5
    if len(issuer) <= 14:
        assert abs((name.x0 + name.x1) / 2 - (date.x0 + date.x1) / 2) < 0.5


@pytest.mark.parametrize("printer", ["某市住房和城乡建设局办公室", "某市 建设局 办公室",
                                     "某某省某某市住房和城乡建设局领导小组办"])  # 18 characters
def test_printer_left_and_print_date_right_on_one_line(printer, renderer):
    info = read_pdf(renderer.render("written_check_notice",
                                    {**sample_context("written_check_notice"), "printer": printer}))
    [dated] = [line for line in info.lines() if line.text.endswith("印发")]
    inset = 14 / MM  # the 版记's rows are one character (14pt) in from each side
    assert abs(dated.x0 - (LEFT + inset)) < 0.3 and abs(dated.x1 - (LEFT + 156 - inset)) < 0.3
    assert dated.text == "".join(printer.split()) + "2015年10月8日印发"
    # Only the gap before the date is stretched, not the name.
    chars = sorted((c for c in info.pages[dated.page - 1]["chars"]
                    if c["text"].strip() and abs(mm(c["top"]) - dated.top) < 1), key=lambda c: c["x0"])
    gaps = [mm(b["x0"] - a["x1"]) for a, b in zip(chars, chars[1:])]
    assert sum(gap > inset / 2 for gap in gaps) == 1


def test_banji_alone_after_blank_page_has_no_page_number(renderer):
    html = renderer.render_html("written_check_notice", sample_context("written_check_notice"),
                                banji_placement="bare")
    document = renderer._layout(KINDS["written_check_notice"], html)
    assert len(document.pages) % 2 == 0
    pdf = read_pdf(document.write_pdf())
    assert page_number_line(pdf.pages[-1]) is None
    assert pdf.pages[-1]["lines"][-1].text.endswith("印发")


def test_banji_page_after_a_non_blank_page_has_its_page_number():
    """Longer and longer 诫勉谈话通知书: the 版记 lands under the talk record, alone on the page after
    it, or after a blank page; only in the last case is its page unnumbered (GB/T 9704 7.5)."""
    renderer = DocumentRenderer(pdf_variant=None)
    base = sample_context("admonition_notice")
    alone_after_text = 0
    for n in range(0, 14):
        info = read_pdf(renderer.render("admonition_notice",
                                        {**base, "reason": base["reason"] + "经查属实，情节较重。" * n}))
        last, before = ([line for line in page["lines"] if not PAGE_NUMBER.fullmatch(line.text)]
                        for page in info.pages[-2:][::-1])
        assert info.page_count % 2 == 0 and last[-1].text.endswith("印发")
        assert (page_number_line(info.pages[-1]) is None) == (not before), n
        if before and all(line.size < 15 for line in last):
            alone_after_text += 1
    assert alone_after_text  # the case that used to lose its page number was exercised


@pytest.mark.parametrize("repeats, one_page", [(0, True), (15, True), (28, True), (40, False)])
def test_talk_record_stays_on_one_page_or_flows_whole_with_a_long_reason(repeats, one_page, renderer):
    """诫勉谈话通知书 with a longer and longer 谈话事由: the 谈话记录 keeps to one page (fewer 谈话内容
    lines make room) as long as it can, then runs on row by row with its 签字 row never alone; every
    word of the reason is printed twice (notice and record), every page but a blank one is numbered."""
    base = sample_context("admonition_notice")
    reason = base["reason"] + "经查属实，情节较重。" * repeats
    info = read_pdf(renderer.render("admonition_notice", {**base, "reason": reason}))
    pages = ["".join(page["text"].split()) for page in info.pages]
    first = next(n for n, text in enumerate(pages) if "谈话时间" in text)
    last = next(n for n, text in enumerate(pages) if "被谈话人：" in text)
    assert (first == last) == one_page, (first, last)
    assert "本人表态" in pages[last]  # the 签字 row is never alone
    text = info.compact_text()  # nothing clipped: every character of the reason printed twice, in notice and record
    assert all(text.count(char) >= 2 * reason.count(char) for char in set(reason) if not char.isspace())
    assert info.page_count % 2 == 0 and "印发" in pages[-1]
    for number, page in enumerate(info.pages, 1):
        line = page_number_line(page)
        assert line is not None and line.text.strip("— ") == str(number), number


@pytest.mark.parametrize("kind", ["supervision_sheet", "reminder_sheet"])
def test_sheet_stays_on_one_page_with_a_long_office_name_and_no_hotline(kind, renderer):
    office = "某某省某某市住房和城乡建设局干部作风效能建设活动领导小组办公室"
    base = sample_context(kind)
    context = {**base, "issuer": office, "issuer_mark": office, "contact": office,
               "seal_text": office + "（印章）", "to_unit": "某某市建设工程质量安全监督管理站" * 2,
               "item": {**base["item"], "problem": base["item"]["problem"] * 3, "source": "群众来信"},
               "requirements": base["requirements"] * 2}
    info = read_pdf(renderer.render(kind, context))
    assert info.page_count == 1
    assert page_number_line(info.pages[0]) is not None
    assert office in info.compact_text() and "印章" in info.compact_text()
    body = [line for line in info.lines() if not PAGE_NUMBER.fullmatch(line.text)]
    assert all(LEFT - 0.5 < line.x0 and line.x1 < LEFT + 156 + 0.5 for line in body), \
        [line.text for line in body if line.x1 >= LEFT + 156 + 0.5]
    assert max(line.bottom for line in body) < BODY_BOTTOM + 0.5


def test_missing_field_and_unknown_kind_are_bad_input(renderer):
    context = sample_context("rectification_notice")
    del context["deadline"]
    with pytest.raises(BadInput, match="deadline"):
        renderer.render("rectification_notice", context)
    with pytest.raises(BadInput):
        renderer.render("no_such_kind", {})
    with pytest.raises(BadInput, match="日期"):
        renderer.render("rectification_notice", {**sample_context("rectification_notice"),
                                                 "date": "2015-10-08"})


def test_resolve_fonts_reports_fallbacks_and_env_override(monkeypatch):
    fonts = resolve_fonts()
    assert set(fonts) == set(ROLES)
    for resolution in fonts.values():
        assert resolution.file and resolution.resolved_family
        if resolution.requested != resolution.resolved_family:
            assert resolution.is_fallback
    monkeypatch.setenv("DUBAN_FONT_HEITI", "Noto Sans CJK SC")
    heiti = resolve_fonts()["heiti"]
    assert heiti.requested == "Noto Sans CJK SC" and not heiti.is_fallback
    monkeypatch.setenv("DUBAN_FONT_HEITI", "No Such Font 2015")
    heiti = resolve_fonts()["heiti"]
    assert heiti.requested == "No Such Font 2015" and heiti.is_fallback


def test_render_many_writes_atomically_with_progress(tmp_path):
    calls = []
    jobs = [("rectification_notice", sample_context("rectification_notice"), tmp_path / f"{n}.pdf")
            for n in range(3)]
    jobs.append(("supervision_sheet", sample_context("supervision_sheet"), tmp_path / "s.pdf"))
    paths = render_many(jobs, workers=2, progress=lambda done, total: calls.append((done, total)))
    assert [p.name for p in paths] == ["0.pdf", "1.pdf", "2.pdf", "s.pdf"]
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert all(p.read_bytes().startswith(b"%PDF") for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.pdf", "1.pdf", "2.pdf", "s.pdf"]


def test_cn_date_has_no_zero_padding():
    from duban.documents.render import cn_date, cn_num
    assert cn_date(dt.date(2015, 10, 8)) == "2015年10月8日"
    assert [cn_num(n) for n in (1, 10, 12, 20, 35)] == ["一", "十", "十二", "二十", "三十五"]


def test_templates_dir_override(monkeypatch, tmp_path):
    import shutil

    from duban.documents.render import templates_dir
    copy = tmp_path / "templates"
    shutil.copytree(templates_dir(), copy)
    (copy / "kinds" / "decision.html.j2").write_text(
        '{% extends "layout/gongwen.html.j2" %}{% block body %}<p class="para">本地模板</p>{% endblock %}',
        encoding="utf-8")
    monkeypatch.setenv("DUBAN_TEMPLATES_DIR", str(copy))
    renderer = DocumentRenderer()
    assert renderer.assets == copy / "assets"
    assert "本地模板" in renderer.render_html("decision", sample_context("decision"))
