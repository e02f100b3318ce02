"""对账销号: a unit returns its part of the 台账 with its progress; `duban ledger reconcile` lists
every mismatch and writes nothing; with --apply (the office) only what the lifecycle allows.

People (tests/data/org-small.csv): zhao 办公室, sun 负责人 of JGC, wu 党员干部 in JGC, li 副组长.
"""

from __future__ import annotations

import pytest

from conftest import dump

TODAY = "2015-09-21"


def run(cli, db, *args, as_user="zhao", code=0):
    result = cli(*args, db=db, as_user=as_user, json=True, today=TODAY)
    assert result.code == code, result
    return result


@pytest.fixture
def returned(cli, campaign_db, tmp_path):
    """JGC's part of the 台账 with four items, filled in by the unit: (db, path, numbers)."""
    from openpyxl import load_workbook

    db = campaign_db
    nos = [run(cli, db, "item", "add", "--unit", "JGC", "--title", title, "--person", "wu", "--days", "10").json()["no"]
           for title in ("窗口办件拖延", "考勤不严", "会议多", "报销慢")]
    run(cli, db, "item", "add", "--unit", "ZJZ", "--title", "质量投诉回复慢")  # another unit's: not asked for
    path = tmp_path / "建设管理处台账.xlsx"
    exported = run(cli, db, "ledger", "export", "--unit", "JGC", "--out", path).json()
    assert exported["rows"] == 4
    book = load_workbook(path)
    sheet = book["整改落实台账"]
    header = [c.value for c in sheet[2]]
    no_col, title_col, state_col = (header.index(label) + 1 for label in ("编号", "问题", "状态"))
    by_no = {sheet.cell(row=r, column=no_col).value: r for r in range(3, sheet.max_row + 1)}
    sheet.cell(row=by_no[nos[0]], column=state_col).value = "整改中"  # confirmable: assigned → rectifying
    sheet.cell(row=by_no[nos[1]], column=state_col).value = "已销号"  # claimed done, not verified
    sheet.cell(row=by_no[nos[2]], column=title_col).value = "会议不多"  # the office's text edited
    sheet.delete_rows(by_no[nos[3]])  # 报销慢 not returned
    sheet.append(["LZJ2015-0999", "不知哪来的问题"])  # a number the ledger does not know
    book.save(path)
    return db, path, nos


def test_every_mismatch_is_listed_and_nothing_written(cli, returned):
    db, path, nos = returned
    before = dump(db)
    result = run(cli, db, "ledger", "reconcile", path).json()
    kinds = {(f["no"], f["kind"]) for f in result["findings"]}
    assert kinds == {(nos[0], "confirmable"), (nos[1], "claimed_done"), (nos[2], "edited_text"),
                     (nos[3], "not_returned"), ("LZJ2015-0999", "unknown_number")}
    claimed = next(f for f in result["findings"] if f["kind"] == "claimed_done")
    assert (claimed["claimed"], claimed["actual"]) == ("已销号", "已交办") and "须经验收销号" in claimed["message"]
    assert result["confirmable"] == 2 and result["applied"] == []  # 开始整改 of both, then what the lifecycle allows
    assert dump(db) == before
    text = cli("ledger", "reconcile", path, db=db, as_user="zhao", today=TODAY).stdout
    assert "LZJ2015-0999：台账中没有这个编号" in text and "加 --apply" in text


def test_applied_only_when_the_office_confirms_and_only_what_the_lifecycle_allows(cli, returned):
    db, path, nos = returned
    before = dump(db)
    run(cli, db, "ledger", "reconcile", path, "--apply", as_user="sun", code=3)  # a unit head cannot confirm
    assert dump(db) == before
    result = run(cli, db, "ledger", "reconcile", path, "--apply").json()
    # 已销号 claimed of an item not yet started: 开始整改 is applied; 提交验收 is its owner's, and stops there
    assert result["applied"] == [{"no": nos[0], "state": "rectifying", "version": 3},
                                 {"no": nos[1], "state": "rectifying", "version": 3}]
    assert [(f["no"], f["step"]) for f in result["refused"]] == [(nos[1], "submit")]
    assert "无权提交验收" in result["refused"][0]["refusal"]
    states = {i["no"]: i["state"] for i in run(cli, db, "item", "list").json()}
    assert [states[no] for no in nos] == ["rectifying", "rectifying", "assigned", "assigned"]
    history = run(cli, db, "item", "history", nos[0]).stdout
    assert "对账销号" in history and "zhao" in history
    again = run(cli, db, "ledger", "reconcile", path, "--apply").json()  # applied once: now it matches
    assert nos[0] not in {f["no"] for f in again["findings"]} and [f["no"] for f in again["refused"]] == [nos[1]]
    assert run(cli, db, "audit", "verify").code == 0


def test_a_file_that_is_not_a_returned_ledger_is_bad_input(cli, campaign_db, tmp_path):
    from openpyxl import Workbook

    db = campaign_db
    gbk = tmp_path / "台账.csv"
    gbk.write_bytes("编号,问题,状态\nLZJ2015-0001,问题,整改中\n".encode("gbk"))
    wrong = tmp_path / "别的表.xlsx"
    book = Workbook()
    book.active.title = "Sheet1"
    book.save(wrong)
    columns = tmp_path / "缺列.xlsx"
    book = Workbook()
    book.active.title = "整改落实台账"
    book.active.append(["台账"])
    book.active.append(["编号", "问题"])
    book.save(columns)
    before = dump(db)
    assert "不是 XLSX 文件" in run(cli, db, "ledger", "reconcile", gbk, code=2).stderr
    assert "没有工作表「整改落实台账」" in run(cli, db, "ledger", "reconcile", wrong, code=2).stderr
    assert "缺少列：状态" in run(cli, db, "ledger", "reconcile", columns, code=2).stderr
    assert "不存在" in run(cli, db, "ledger", "reconcile", tmp_path / "无.xlsx", code=2).stderr
    assert dump(db) == before


def test_a_claim_the_lifecycle_allows_is_applied_to_the_end_as_the_office(cli, campaign_db, tmp_path):
    """A submitted item with its evidence, returned as 已销号: the office's --apply verifies it (as any
    verification: not by the item's registrar, submitter or owner); an item
    returned as 待验收 is not submitted by the office (only its owner may submit)."""
    from openpyxl import load_workbook

    db = campaign_db
    done, pending = (run(cli, db, "item", "add", "--unit", "JGC", "--title", title, "--person", "wu", "--days", "10")
                     .json()["no"] for title in ("窗口办件拖延", "考勤不严"))
    evidence = tmp_path / "整改报告.txt"
    evidence.write_text("已整改", encoding="utf-8")
    for no in (done, pending):
        run(cli, db, "item", "start", no, as_user="wu")
        run(cli, db, "item", "attach", no, evidence, as_user="wu")
    run(cli, db, "item", "submit", done, as_user="wu")
    path = tmp_path / "台账.xlsx"
    run(cli, db, "ledger", "export", "--unit", "JGC", "--out", path)
    book = load_workbook(path)
    sheet = book["整改落实台账"]
    header = [c.value for c in sheet[2]]
    no_col, state_col = header.index("编号") + 1, header.index("状态") + 1
    for row in range(3, sheet.max_row + 1):
        no = sheet.cell(row=row, column=no_col).value
        sheet.cell(row=row, column=state_col).value = {done: "已销号", pending: "待验收"}[no]
    book.save(path)
    # zhao registered the items (separation of duties: not their verifier); qian of the office confirms
    result = run(cli, db, "ledger", "reconcile", path, "--apply", as_user="qian").json()
    assert [(a["no"], a["state"]) for a in result["applied"]] == [(done, "verified")], result["refused"]
    assert [(f["no"], f["step"]) for f in result["refused"]] == [(pending, "submit")]
    assert run(cli, db, "item", "show", pending).json()["state"] == "rectifying"
