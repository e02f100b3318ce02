"""述职材料 (person, unit) and the campaign's 工作总结 from the real database, read back with pdfplumber."""

from __future__ import annotations

import re
from pathlib import Path

from tests.pdfcheck import read_pdf

TODAY = "2015-09-10"


def run(cli, db, *args, as_user="zhao", today=TODAY):
    result = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert result.code == 0, result
    return result.json()


def pdf_text(path) -> str:
    return re.sub(r"—\d+—", "", read_pdf(Path(path).read_bytes()).compact_text())


def _campaign(cli, db, tmp_path):
    """吴刚 of 建设管理处: two problems (one closed on time), a missed study session, a failing evaluation."""
    evidence = tmp_path / "整改说明.txt"
    evidence.write_text("已整改", encoding="utf-8")
    first = run(cli, db, "item", "add", "--unit", "JGC", "--title", "窗口服务推诿扯皮", "--person", "wu",
                "--category", "懒", "--source", "自查", "--days", "10")["no"]
    run(cli, db, "item", "add", "--unit", "JGC", "--title", "会议迟到", "--person", "wu", "--category", "散",
        "--source", "自查", "--days", "10")
    run(cli, db, "item", "start", first, as_user="wu")
    run(cli, db, "item", "submit", first, "--evidence", evidence, "--note", "公开办事流程", as_user="wu")
    run(cli, db, "item", "verify", first, as_user="qian")
    run(cli, db, "study", "add", "--unit", "JGC", "--form", "党组会", "--topic", "1", "--absent", "wu:出差",
        "--date", "2015-09-09", as_user="qian")
    run(cli, db, "study", "add", "--unit", "JGC", "--form", "自学", "--topic", "2", "--date", "2015-09-10",
        as_user="qian")
    run(cli, db, "satisfaction", "record", "--unit", "JGC", "--method", "问卷调查", "--responses", "50",
        "--satisfied", "35", today="2015-11-03")
    run(cli, db, "satisfaction", "record", "--unit", "ZJZ", "--method", "电话抽查", "--responses", "40",
        "--satisfied", "38", today="2015-11-03")
    run(cli, db, "commend", "--person", "zheng", "--reason", "窗口服务零投诉", as_user="wang", today="2015-11-04")
    return first


def test_person_and_unit_summaries_are_one_page_of_facts_from_the_database(cli, campaign_db, tmp_path):
    db = campaign_db
    first = _campaign(cli, db, tmp_path)
    out = tmp_path / "述职"
    person = run(cli, db, "person", "summary", "吴刚", "--out", out, today="2015-11-05")
    info = read_pdf(Path(person["pdf"]).read_bytes())
    assert len(info.pages) == 1 and abs(info.pages[0]["width"] - 210) < 0.5  # one A4 page
    text = pdf_text(person["pdf"])
    for expected in ("吴刚同志兰州市建设局“庸懒散软”专项整治情况（述职材料）", "承担整改问题2个", "已整改销号1个",
                     "按期完成1个", "应参加2次，实际参加1次，参学率50%", "缺席2015-09-09", "未受到问责",
                     "未受到表彰", "2015年11月5日"):
        assert expected in text, expected
    md = Path(person["markdown"]).read_text(encoding="utf-8")
    assert first in md and "窗口服务推诿扯皮" in md and "缺席：2015-09-09" in md
    assert person["problems"]["found"] == 2 and person["study"]["rate"] == 0.5

    unit = run(cli, db, "unit", "summary", "JGC", "--out", out, today="2015-11-05")
    assert len(read_pdf(Path(unit["pdf"]).read_bytes()).pages) == 1
    text = pdf_text(unit["pdf"])
    # the failing evaluation put a third problem on the unit's list
    for expected in ("建设管理处兰州市建设局“庸懒散软”专项整治情况（述职材料）", "承担整改问题3个", "组织学习2次",
                     "测评1轮（合格分80）：70.0分，不合格1轮", "年度考核记录平均70.0分"):
        assert expected in text, expected
    zjz = run(cli, db, "unit", "summary", "ZJZ", "--out", out, today="2015-11-05")
    assert "不合格0轮" in pdf_text(zjz["pdf"])
    praised = run(cli, db, "person", "summary", "zheng", "--out", out, today="2015-11-05")
    assert "受到表彰1次" in pdf_text(praised["pdf"])

    # Oneself and one's unit head may ask; another cadre may not.
    assert cli("person", "summary", "吴刚", "--out", out, db=db, as_user="wu", today="2015-11-05").code == 0
    assert cli("person", "summary", "吴刚", "--out", out, db=db, as_user="sun", today="2015-11-05").code == 0
    refused = cli("person", "summary", "吴刚", "--out", out, db=db, as_user="chen", today="2015-11-05")
    assert refused.code == 3
    assert cli("unit", "summary", "JGC", "--out", out, db=db, as_user="wu", today="2015-11-05").code == 3
    assert cli("person", "summary", "没有这个人", "--out", out, db=db, today="2015-11-05").code == 2
    # The PDFs are registered like every report: doc verify knows them.
    assert cli("audit", "verify", db=db).code == 0


def test_campaign_report_is_a_gbt9704_report_with_charts_and_the_programme(cli, campaign_db, tmp_path):
    db = campaign_db
    _campaign(cli, db, tmp_path)
    report = run(cli, db, "campaign", "report", "--out", tmp_path / "总结", today="2015-11-05")
    info = read_pdf(Path(report["pdf"]).read_bytes())
    text = pdf_text(report["pdf"])
    for expected in ("兰州市建设局“庸懒散软”专项整治工作总结", "一、总体情况", "整改问题3个", "建设管理处",
                     "组织集中学习2次", "严肃组织纪律制度", "第1轮测评2个单位，不合格1个（合格分80）", "质量监督站",
                     "统计图"):
        assert expected in text, expected
    # Written as a clerk writes: Chinese dates, no spaces around the figures (整改问题 3 个).
    raw = info.text()
    assert "2015年9月1日至2015年11月30日开展" in text and not re.search(r"\d{4}-\d{2}-\d{2}", raw), raw
    assert "单位5个，人员10人；整改问题3个，已销号1个" in raw, raw
    with __import__("pdfplumber").open(report["pdf"]) as pdf:  # the charts are drawn (vector paths)
        assert sum(len(page.curves) + len(page.rects) for page in pdf.pages) > 10
        # every column of the per-unit table has its heading (催办督办 was missing: 按期销号率 sat one off)
        [by_unit] = [table for page in pdf.pages for table in page.extract_tables()
                     if table and table[0] and table[0][0] == "单位" and "问题" in table[0]]
        assert [re.sub(r"\s", "", cell or "") for cell in by_unit[0]] == [
            "单位", "问题", "已办结", "逾期", "反弹", "催办督办", "按期销号率"], by_unit[0]
        assert all(len(row) == len(by_unit[0]) and all(cell not in (None, "") for cell in row) for row in by_unit)
    summary = report["summary"]
    assert summary["items"]["total"] == 3 and summary["study"]["sessions"] == 2
    assert [e["unit"] for e in summary["evaluation"]["ranking"]] == ["质量监督站", "建设管理处"]
    md = Path(report["markdown"]).read_text(encoding="utf-8")
    assert "## 测评排名（第1轮，合格分 80）" in md and "## 长效机制" in md and "## 集中学习" in md
    assert Path(report["json"]).is_file()
    assert cli("campaign", "report", "--out", tmp_path / "x", db=db, as_user="wu").code == 3
    assert cli("audit", "verify", db=db).code == 0


def test_the_reports_tables_are_worded_in_the_wording_template(cli, campaign_db, tmp_path, monkeypatch):
    """Titles and headings of the 工作总结's tables live in templates/wording/summaries.txt.j2: reworded
    there, summary.md and the PDF's per-unit table say it the new way. Its dates are written in Chinese."""
    import shutil

    import pdfplumber

    from conftest import ROOT

    copy = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", copy)
    wording = copy / "wording" / "summaries.txt.j2"
    text = wording.read_text(encoding="utf-8")
    assert text.count("各单位整改情况") == 1 and text.count("催办督办") == 1 and text.count("测评排名（") == 1
    wording.write_text(text.replace("各单位整改情况", "各单位整改进度").replace("催办督办", "催督办次数")
                       .replace("测评排名（", "评议排名（"), encoding="utf-8")
    monkeypatch.setenv("DUBAN_TEMPLATES_DIR", str(copy))
    db = campaign_db
    _campaign(cli, db, tmp_path)
    report = run(cli, db, "campaign", "report", "--out", tmp_path / "总结", today="2015-11-05")
    md = Path(report["markdown"]).read_text(encoding="utf-8")
    assert "## 各单位整改进度" in md and "| 催督办次数 |" in md and "## 评议排名（第1轮，合格分 80）" in md, md
    assert "各单位整改情况" not in md and "催办督办" not in md and "测评排名" not in md
    assert "2015年9月1日至2015年11月30日，统计截至2015年11月5日" in md and not re.search(r"\d{4}-\d{2}-\d{2}", md)
    with pdfplumber.open(report["pdf"]) as pdf:
        [by_unit] = [table for page in pdf.pages for table in page.extract_tables()
                     if table and table[0] and table[0][0] == "单位" and "问题" in table[0]]
    assert [re.sub(r"\s", "", cell or "") for cell in by_unit[0]] == [
        "单位", "问题", "已办结", "逾期", "反弹", "催督办次数", "按期销号率"], by_unit[0]
