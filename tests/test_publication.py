"""Publication (公开整改问题、公布整改成效): the office decides what is published; nothing publishes itself."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from conftest import dump

TODAY = "2015-10-12"


def run(cli, db, *args, as_user="zhao", today=TODAY):
    result = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert result.code == 0, result
    return result.json()


def closed_item(cli, db, title, *, unit="JGC", person="wu", verifier="qian", note="已公开办事流程和时限"):
    """An item rectified and verified (销号) through the CLI; returns its number."""
    no = run(cli, db, "item", "add", "--unit", unit, "--title", title, "--person", person, "--category", "懒",
             "--source", "自查", "--days", "10", today="2015-09-28")["no"]
    run(cli, db, "item", "start", no, as_user=person)
    evidence = db_folder(db) / f"{no}.txt"
    evidence.write_text("整改照片", encoding="utf-8")
    run(cli, db, "item", "submit", no, "--evidence", evidence, "--note", note, as_user=person)
    run(cli, db, "item", "verify", no, as_user=verifier)
    return no


def db_folder(db):
    import os
    from pathlib import Path

    folder = Path(os.environ["DUBAN_FILES"]).parent / "evidence-in"
    folder.mkdir(exist_ok=True)
    return folder


def test_the_office_marks_and_unmarks_items_recorded_in_their_history(cli, campaign_db):
    db = campaign_db
    done = closed_item(cli, db, "办事指南未公开")
    other = closed_item(cli, db, "窗口人员脱岗")
    assert {r["no"]: r["publishable"] for r in run(cli, db, "publish", "list")} == {done: False, other: False}

    marked = run(cli, db, "publish", "mark", done, other, "--reason", "群众关注")
    assert marked["changed"] == [done, other] and marked["unchanged"] == []
    again = run(cli, db, "publish", "mark", done)
    assert again["changed"] == [] and again["unchanged"] == [done]  # nothing recorded twice
    run(cli, db, "publish", "unmark", other, "--reason", "涉及在办案件")
    assert [r["no"] for r in run(cli, db, "publish", "list", "--publishable")] == [done]
    assert [r["no"] for r in run(cli, db, "publish", "list", "--not-publishable")] == [other]
    assert run(cli, db, "item", "show", done)["publishable"] is True

    history = [e for e in run(cli, db, "item", "history", other) if e["trigger"] == "publishable_set"]
    assert [(e["actor"], e["note"]) for e in history] == [("zhao", "群众关注"), ("zhao", "涉及在办案件")]
    human = cli("item", "history", other, db=db, as_user="zhao", today=TODAY)
    assert "决定是否公开" in human.stdout
    assert cli("audit", "verify", db=db, as_user="zhao").code == 0


def test_only_the_office_decides_and_a_refusal_changes_nothing(cli, campaign_db):
    db = campaign_db
    done = closed_item(cli, db, "办事指南未公开")
    withdrawn = run(cli, db, "item", "add", "--unit", "JGC", "--title", "重复登记", "--category", "懒",
                    "--source", "自查", today="2015-09-28")["no"]
    run(cli, db, "item", "withdraw", withdrawn, "--reason", "重复登记")
    before = dump(db)
    for login in ("sun", "wu", "system", "wang"):  # unit head, cadre, the automation, the leader
        refused = cli("publish", "mark", done, db=db, as_user=login, today=TODAY)
        assert refused.code == 3 and refused.stderr.startswith("错误：") and "无权" in refused.stderr, refused
    refused = cli("publish", "mark", done, withdrawn, db=db, as_user="zhao", today=TODAY)
    assert refused.code == 3 and "不能公开" in refused.stderr, refused
    assert cli("publish", "mark", "LZJ2015-9999", db=db, as_user="zhao", today=TODAY).code == 2
    assert dump(db) == before


def test_a_flag_written_into_the_database_is_found_by_the_audit(cli, campaign_db):
    from storage.db import get_engine

    db = campaign_db
    done = closed_item(cli, db, "办事指南未公开")
    with get_engine(db).begin() as conn:
        conn.execute(text("UPDATE problem_items SET publishable = :yes WHERE no = :no"), {"yes": True, "no": done})
    audit = cli("audit", "verify", db=db, as_user="zhao", json=True)
    assert audit.code != 0 and "publishable" in audit.stdout + audit.stderr, audit


def test_the_publicity_lists_only_marked_items_and_names_nobody(cli, campaign_db, tmp_path):
    try:
        from pdfcheck import read_pdf
    except ImportError:
        from tests.pdfcheck import read_pdf

    db = campaign_db
    shown = closed_item(cli, db, "办事指南未公开", note="在大厅公开办事指南")
    hidden = closed_item(cli, db, "窗口人员脱岗", note="调整窗口人员")
    run(cli, db, "publish", "mark", shown)
    publicity = run(cli, db, "doc", "publicity", "--out", tmp_path / "out")
    text_ = read_pdf((tmp_path / "out" / publicity["pdf"].split("/")[-1]).read_bytes()).compact_text()
    assert shown in text_ and hidden not in text_ and publicity["items"] == 1
    for name in ("钱红", "吴刚", "赵晓梅"):  # verifier, owner, the clerk who published
        assert name not in text_, name


def test_the_publicity_names_the_office_once_and_each_result_only_its_own_facts(cli, campaign_db, tmp_path):
    """Each 整改结果 cell says how and when that item was closed; who verified is said once, so a
    row is three lines, not the office's long name again and again (the demo's 公示: 91 pages → 58)."""
    import re

    import pdfplumber

    try:
        from pdfcheck import read_pdf
    except ImportError:
        from tests.pdfcheck import read_pdf

    db = campaign_db
    office = "兰州市建设局“庸懒散软”专项整治工作办公室"  # the reference plan's issuing.office
    done = [closed_item(cli, db, f"办事指南未公开{n}", note="在大厅公开办事指南") for n in range(10)]
    done += [closed_item(cli, db, f"质量投诉答复超时{n}", unit="ZJZ", person="chen", note="逐件答复")
             for n in range(6)]
    run(cli, db, "publish", "mark", *done)
    publicity = run(cli, db, "doc", "publicity", "--out", tmp_path / "out")
    path = tmp_path / "out" / publicity["pdf"].split("/")[-1]
    text_ = read_pdf(path.read_bytes()).compact_text()
    assert publicity["items"] == 16 and all(no in text_ for no in done)
    # once as who verified, once in 意见反映渠道 — whatever the number of items
    assert text_.count(office) <= 2, text_.count(office)
    assert f"以下问题的整改结果均经{office}验收。" in text_
    with pdfplumber.open(path) as pdf:
        pages = len(pdf.pages)
        cells = [re.sub(r"\s", "", cell or "") for page in pdf.pages for table in page.extract_tables()
                 for row in table for cell in row]
    results = [cell for cell in cells if "销号" in cell]
    assert len(results) == 16
    for cell in results:
        assert re.fullmatch(r"按期完成整改，2015年10月12日验收销号。", cell), cell
    assert pages <= 3, pages  # 16 rows of 3 lines; with the office's name in every cell, 4 pages
