"""Documents for any campaign: a second body's plan (tests/data/plans/province-2007.yaml) prints its
own title, kind, basis, names and 主送, and none of the reference plan's wording; a plan whose
measures name a document kind without a template, or an org whose units fall outside the plan's
unit categories, is refused with field and line.

People (tests/data/org-province.csv): gao 组长, he 副组长 and head of JCT 省监察厅, lin/ma 办公室,
tang heads JTT 省交通厅 (xu, song 党员干部), luo heads GTT, yu heads TJJ 省统计局 (a 直属机构).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, dump

try:
    from pdfcheck import glyph_lines, issued_typography_problems, read_pdf
except ImportError:
    from tests.pdfcheck import glyph_lines, issued_typography_problems, read_pdf

PLAN = ROOT / "tests" / "data" / "plans" / "province-2007.yaml"
ORG = ROOT / "tests" / "data" / "org-province.csv"
TODAY = "2007-11-05"
SWEEP_DAY = "2007-11-20"

# Phrases only the reference plan (campaigns/lanzhou-2015.yaml) or its bureau would print.
REFERENCE_PHRASES = ("庸懒散软", "三严三实", "教惩并举", "专项整治", "兰州", "兰建", "兰组通字", "局属", "处（室）",
                     "实施方案", "市建设局", "局专项整治")
# And phrases only the provincial plan prints.
PROVINCE_PHRASES = ("和西", "效能建设活动", "厅局", "直属机构", "和效", "实施意见", "省效能办")
SOURCES = ("duban/documents", "templates", "duban/services")


def run(cli, db, *args, as_user="lin", today=TODAY):
    result = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert result.code == 0, result
    return result.json()


def pdf_text(path) -> str:
    return re.sub(r"—\d+—", "", read_pdf(Path(path).read_bytes()).compact_text())


def table_cells(path) -> list[str]:
    """Every table cell's text, read cell by cell (side-by-side cells interleave in plain text)."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [re.sub(r"\s", "", cell or "") for page in pdf.pages for table in page.extract_tables()
                for row in table for cell in row]


@pytest.fixture
def province_db(db_url, files_dir, monkeypatch):
    monkeypatch.setenv("DUBAN_TODAY", "2007-09-10")
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.uow import UnitOfWork

    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", PLAN)
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", ORG)
    return db_url


def add_item(cli, db, title, *, unit="JTT", person="xu", days=10, due=None, category="效率低下"):
    args = ["item", "add", "--unit", unit, "--title", title, "--person", person, "--category", category,
            "--source", "效能投诉"]
    args += ["--due", due] if due else ["--days", str(days)]
    return run(cli, db, *args)["no"]


def approved_case(cli, db, items, measure, *, person=None, unit=None, sanction=None) -> str:
    args = ["case", "propose", "--reason", "群众投诉办事超时，经查属实", "--person" if person else "--unit",
            person or unit]
    for no in items:
        args += ["--item", no]
    no = run(cli, db, *args)["no"]
    run(cli, db, "case", "investigate", no)
    run(cli, db, "case", "decide", no, "--measure", measure, *(["--sanction", sanction] if sanction else []),
        as_user="he")
    run(cli, db, "case", "approve", no, as_user="gao")
    return no


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_second_plan_prints_its_own_wording_and_none_of_the_reference(cli, province_db, tmp_path):
    db = province_db
    window = add_item(cli, db, "审批窗口超时办结")
    late = add_item(cli, db, "统计报表迟报", unit="TJJ", person="fan", due="2007-11-12", category="纪律松弛")
    soon = add_item(cli, db, "用地审批环节繁多", unit="GTT", person="peng", due="2007-11-22", category="作风漂浮")
    texts: dict[str, str] = {}

    notice = run(cli, db, "doc", "render", "rectification_notice", "--item", window)
    texts["rectification_notice"] = pdf_text(notice["path"])
    cases = {
        "efficiency_advice": approved_case(cli, db, [window], "效能监察建议", unit="JTT"),
        "circulated_criticism": approved_case(cli, db, [window], "通报批评", person="xu"),
        "admonition_notice": approved_case(cli, db, [late], "诫勉谈话", person="fan"),
        "written_check_notice": approved_case(cli, db, [late], "责令作出书面检查", person="yu"),
        "decision": approved_case(cli, db, [soon], "调离工作岗位", person="peng"),
    }
    titles = {}
    for kind, case_no in cases.items():
        path = run(cli, db, "doc", "render", kind, "--case", case_no)["path"]
        texts[kind] = pdf_text(path)
        titles[kind] = [line.text for line in glyph_lines(read_pdf(Path(path).read_bytes()), 22.0)]
    # A title keeps the unit, the post and the person whole (balanced halves would split 许|晴).
    assert titles["circulated_criticism"] == ["关于对省交通厅主任科员", "许晴同志予以通报批评的通报"]
    assert any("彭丽同志" in line for line in titles["decision"]), titles["decision"]
    assert all(len(lines[-1]) > 1 for lines in titles.values()), titles

    run(cli, db, "tick", as_user="system", today=SWEEP_DAY)  # the automation issues the 催办单 and 督办单
    issued = run(cli, db, "doc", "list", today=SWEEP_DAY)
    sheets = [d for d in issued if d["kind"] == "supervision_sheet"]
    texts["supervision_sheet"] = pdf_text(sheets[0]["path"])
    [reminder] = [d for d in issued if d["kind"] == "reminder_sheet" and d["item"] == soon]
    texts["reminder_sheet"] = pdf_text(reminder["path"])
    ledger = run(cli, db, "doc", "ledger", "--out", tmp_path / "out", today=SWEEP_DAY)
    texts["ledger"] = read_pdf(Path(ledger["pdf"]).read_bytes()).compact_text()
    publicity = run(cli, db, "doc", "publicity", "--out", tmp_path / "out", today=SWEEP_DAY)
    texts["publicity"] = pdf_text(publicity["pdf"])

    # Its own words: title in 《》, both basis documents, the 文件 版头, 主送 to both unit categories,
    # its kind, the office and leading group as the plan names them, its own 文号 prefixes.
    expected = {
        "rectification_notice": ("和西省机关效能建设领导小组", "和效改〔2007〕1号", "省交通厅：", "和发〔2007〕9号",
                                 "和政发〔2007〕21号", "《关于在省直机关开展干部作风效能建设活动的实施意见》", "省效能办"),
        "efficiency_advice": ("和效〔2007〕1号", "在效能建设活动中存在的问题", "省效能办"),
        "circulated_criticism": ("和西省机关效能建设领导小组文件", "和效通〔2007〕1号", "各厅局、各直属机构：",
                                 "抄送：中共和西省委，和西省人民政府"),
        "admonition_notice": ("和效勉〔2007〕1号", "范明同志："),
        "written_check_notice": ("和效查〔2007〕1号", "根据《关于在省直机关开展干部作风效能建设活动的实施意见》有关规定"),
        "decision": ("和西省机关效能建设领导小组文件", "和效决〔2007〕1号", "调离工作岗位", "各厅局、各直属机构："),
        # the automation's sheets give the office's phone, labelled as a phone, not as a 联系人
        "supervision_sheet": ("省效能办", "和效督〔2007〕1号", "联系电话0871-12345"),
        "reminder_sheet": ("省效能办", "和效催〔2007〕", "联系电话0871-12345"),  # the tick numbered the late items' 催办单 first
        "ledger": ("和西省直机关干部作风效能建设活动整改落实台账",),
        "publicity": ("效能建设活动",),
    }
    for kind, phrases in expected.items():
        for phrase in phrases:
            assert phrase in texts[kind], (kind, phrase)
    for kind, text in texts.items():
        for phrase in REFERENCE_PHRASES:
            assert phrase not in text, (kind, phrase)
    # Every document and report, read back: 两端对齐, 禁则, whole numbers, page numbers, dates.
    assert issued_typography_problems(run(cli, db, "doc", "list", today=SWEEP_DAY),
                                      [ledger["pdf"], publicity["pdf"]]) == {}
    assert "印发机关" not in texts["circulated_criticism"] or "和西省机关效能建设领导小组办公室" in texts["circulated_criticism"]


def test_no_reference_wording_in_the_document_code_or_templates():
    """Wording lives in plan files: the code that builds documents names no campaign."""
    found = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".j2", ".css"):
                continue
            text = path.read_text(encoding="utf-8")
            found += [f"{path.relative_to(ROOT)}: {phrase}" for phrase in REFERENCE_PHRASES if phrase in text]
    assert found == []


@pytest.mark.parametrize("change, field, words", [
    (("document: admonition_notice", "document: talk_notice"), "accountability.measures[1].document",
     ["talk_notice", "没有对应的文书模板", "admonition_notice"]),
    (("document: efficiency_advice", "document: ledger"), "accountability.measures[3].document",
     ["ledger", "不是问责文书"]),
    (("document: commendation_notice", "document: honour_roll"), "accountability.commendation.document",
     ["honour_roll", "commendation_notice"]),
    (("- {name: 厅局, addressed_as: 各厅局}", "- {name: 厅局, addressed_as: 各厅局}\n  - {name: 厅局}"),
     "unit_categories[1].name", ["代码重复"]),
])
def test_a_plan_naming_an_unknown_document_kind_is_refused_with_field_and_line(cli, db_url, tmp_path, change,
                                                                                field, words):
    text = PLAN.read_text(encoding="utf-8")
    old, new = change
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = next(n for n, row in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1)
                if new.splitlines()[-1].strip() in row and (n > 1))
    assert cli("init", db=db_url).code == 0
    before = dump(db_url)
    result = cli("campaign", "load", bad, db=db_url)
    assert result.code == 2, result
    message = result.stderr.strip()
    assert f"第{line}行" in message and field in message, message
    for word in words:
        assert word in message, (word, message)
    assert dump(db_url) == before


def test_an_org_unit_outside_the_plans_categories_is_refused_naming_the_row(cli, db_url, files_dir, tmp_path):
    assert cli("init", db=db_url).code == 0
    assert cli("campaign", "load", PLAN, db=db_url).code == 0
    sheet = tmp_path / "org.csv"
    sheet.write_text(ORG.read_text(encoding="utf-8").replace("单位,TJJ,省统计局,,直属机构", "单位,TJJ,省统计局,,局属单位"),
                     encoding="utf-8")
    before = dump(db_url)
    result = cli("org", "import", sheet, db=db_url)
    assert result.code == 2, result
    assert "第5行" in result.stderr and "局属单位" in result.stderr and "厅局、直属机构" in result.stderr
    assert dump(db_url) == before



def test_a_plan_that_does_not_know_the_orgs_unit_categories_is_refused(cli, db_url, files_dir):
    assert cli("init", db=db_url).code == 0
    assert cli("org", "import", ROOT / "tests" / "data" / "org-small.csv", db=db_url).code == 0  # no plan yet
    before = dump(db_url)
    result = cli("campaign", "load", PLAN, db=db_url)
    assert result.code == 2 and "unit_categories" in result.stderr and "建设管理处（JGC，处室）" in result.stderr, result
    assert dump(db_url) == before


ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_documents_state_the_facts_on_their_own_date(cli, province_db, tmp_path):
    """A clerk's text: no machine sentence from the sweep, no ISO date, facts counted on the document's
    date; nothing circulated for a measure below 通报; no sheet for a closed item; a true 公示."""
    db = province_db
    late = add_item(cli, db, "统计报表迟报", unit="TJJ", person="fan", due="2007-11-12", category="纪律松弛")
    closed = add_item(cli, db, "窗口无人值守", unit="JTT", person="xu", due="2007-11-12", category="纪律松弛")
    soon = add_item(cli, db, "用地审批环节繁多", unit="GTT", person="peng", due="2007-11-22", category="作风漂浮")
    redone = add_item(cli, db, "办事指南未公开", unit="JTT", person="song", due="2007-11-12")
    evidence = tmp_path / "整改报告.txt"
    evidence.write_text("已公开办事指南", encoding="utf-8")
    for no, who in ((redone, "song"), (closed, "xu")):
        run(cli, db, "item", "start", no, as_user=who, today="2007-11-06")
    run(cli, db, "item", "submit", redone, "--evidence", evidence, as_user="song", today="2007-11-07")
    run(cli, db, "item", "reject", redone, "--reason", "未在大厅公开", as_user="ma", today="2007-11-08")
    run(cli, db, "item", "submit", redone, "--evidence", evidence, as_user="song", today="2007-11-14")
    run(cli, db, "item", "verify", redone, as_user="ma", today="2007-11-15")
    # One level at a time: 催办 the late items, 督办 them two working days later, a case proposal for
    # what is still late more than 5 working days after its 督办 (and 催办 soon, late by then).
    for day in ("2007-11-13", "2007-11-15", "2007-11-23"):
        run(cli, db, "sweep", "--as-of", day, today=day)

    # The sweep's proposal for the late item: decided and approved, issued a few days later.
    case = next(c for c in run(cli, db, "case", "list", today="2007-11-23") if c["items"] == [late])
    assert (case["origin"] or "").startswith("sweep:")
    run(cli, db, "case", "investigate", case["no"], today="2007-11-23")
    run(cli, db, "case", "decide", case["no"], "--measure", "诫勉谈话", as_user="he", today="2007-11-23")
    run(cli, db, "case", "approve", case["no"], as_user="gao", today="2007-11-23")
    text = pdf_text(run(cli, db, "doc", "render", "--case", case["no"], today="2007-11-27")["path"])
    assert "截至2007年11月27日" in text and "已逾期11个工作日" in text, text
    for machine in ("建议问责", "逾期超过", "「", "」"):
        assert machine not in text, machine
    assert not ISO_DATE.search(text), ISO_DATE.search(text)

    # 提醒谈话 is below 通报批评 in this plan: recorded, never a 处理决定 to all units.
    talk = approved_case(cli, db, [soon], "提醒谈话", person="peng")
    refused = cli("doc", "render", "--case", talk, db=db, as_user="lin", today="2007-11-21")
    assert refused.code == 3 and "不制发文书" in refused.stderr, refused
    assert cli("doc", "batch", "处理决定", "--case", talk, db=db, as_user="lin", today="2007-11-21").code == 0
    assert [d for d in run(cli, db, "doc", "list", today="2007-11-21") if d["case"] == talk] == []

    # A 催办单 issued weeks later says how late the item is now, not what it was at the 催办.
    reminder = pdf_text(run(cli, db, "doc", "render", "reminder_sheet", "--item", soon, today="2008-01-10")["path"])
    assert "尚未逾期" not in reminder and "已逾期" in reminder and "2008年1月10日" in reminder

    # No 督办单 for an item closed meanwhile.
    run(cli, db, "item", "submit", closed, "--evidence", evidence, as_user="xu", today="2007-11-21")
    run(cli, db, "item", "verify", closed, as_user="ma", today="2007-11-21")
    sheet = cli("doc", "render", "supervision_sheet", "--item", closed, db=db, as_user="lin", today="2007-11-22")
    assert sheet.code == 3 and "已销号" in sheet.stderr, sheet

    # The 公示 says what is true of each item: sent back, then done late.
    closed_items = [r["no"] for r in run(cli, db, "publish", "list", today="2007-11-22")
                    if r["state"] in ("verified", "rechecked")]
    run(cli, db, "publish", "mark", *closed_items, today="2007-11-22")  # the office decides to publish them
    publicity = run(cli, db, "doc", "publicity", "--out", tmp_path / "out", today="2007-11-22")
    text = pdf_text(publicity["pdf"])
    results = [cell for cell in table_cells(publicity["pdf"]) if "销号" in cell]
    assert any("经退回重新整改，逾期2个工作日完成整改" in cell for cell in results), results
    assert any("逾期7个工作日完成整改" in cell and "退回" not in cell for cell in results), results
    assert "按期" not in text
    assert not ISO_DATE.search(text)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_decision_names_the_sanction_and_the_regulation_the_plan_gives(cli, province_db):
    """政纪处分 in this plan lists its kinds; the decision gives the one decided, citing its own provision."""
    db = province_db
    late = add_item(cli, db, "统计报表迟报", unit="TJJ", person="fan", due="2007-11-12", category="纪律松弛")
    removed = approved_case(cli, db, [late], "政纪处分", person="fan", sanction="撤职处分")
    warned = approved_case(cli, db, [late], "政纪处分", person="fan", sanction="警告处分")
    text = pdf_text(run(cli, db, "doc", "render", "--case", removed)["path"])
    for phrase in ("关于给予省统计局科员范明同志撤职处分的决定", "给予省统计局科员范明同志撤职处分。",
                   "依据《行政机关公务员处分条例》第二十条和《关于在省直机关开展干部作风效能建设活动的实施意见》有关规定"):
        assert phrase in text, phrase
    assert "政纪处分处理" not in text and "撤职处分处理" not in text
    text = pdf_text(run(cli, db, "doc", "render", "--case", warned)["path"])
    assert "给予省统计局科员范明同志警告处分。" in text and "依据《行政机关公务员处分条例》和《" in text, text
    assert [c["sanction"] for c in run(cli, db, "case", "list") if c["no"] in (removed, warned)] == ["撤职处分", "警告处分"]
