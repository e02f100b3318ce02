"""Deadline changes from the CLI: 延期申请 and its decision, 挂起 across 国庆 2015, the ledger.

2015: 国庆 10-01…10-07 off, Saturday 10-10 a 调休 make-up working day.
Org (tests/data/org-small.csv): wu a cadre of 建设管理处 (JGC) headed by sun; zhao the office;
qian both the office and head of 人事教育处 (RJC); li a deputy leader.
"""

from __future__ import annotations

import csv
import datetime as dt

from conftest import dump

TODAY = "2015-09-10"


def add_assigned(cli, db, *, unit="JGC", person="wu", due="2015-09-30", as_user="sun") -> str:
    r = cli("item", "add", "--unit", unit, "--title", "窗口服务推诿扯皮", "--category", "懒", "--person", person,
            "--due", due, db=db, as_user=as_user, json=True, today=TODAY)
    assert r.code == 0, r
    return r.json()["no"]


def test_extension_requested_by_owner_decided_by_office(cli, campaign_db):
    db = campaign_db
    no = add_assigned(cli, db)

    def run(*args, as_user, today=TODAY):
        return cli("deadline", *args, db=db, as_user=as_user, json=True, today=today)

    assert run("request", no, "--due", "2015-10-16", "--reason", "需外单位会签", as_user="chen").code == 3  # not his item
    assert run("request", no, "--due", "2015-10-16", "--reason", "  ", as_user="wu").code == 2
    assert run("request", no, "--due", "2015-09-29", "--reason", "提前", as_user="wu").code == 2  # not an extension

    requested = run("request", no, "--due", "2015-10-16", "--reason", "需外单位会签", as_user="wu")
    assert requested.code == 0, requested
    request = requested.json()
    assert (request["status"], request["old_due"], request["new_due"], request["due"]) == \
        ("pending", "2015-09-30", "2015-10-16", "2015-09-30")
    assert run("request", no, "--days", "3", "--reason", "再申请", as_user="sun").code == 3  # one pending at a time

    for login in ("wu", "sun"):  # the owner and the unit head may ask, not decide
        before = dump(db)
        denied = run("approve", str(request["id"]), as_user=login)
        assert denied.code == 3 and "无权审批延期" in denied.stderr
        assert dump(db) == before

    approved = run("approve", str(request["id"]), "--note", "同意", as_user="zhao", today="2015-09-15")
    assert approved.code == 0, approved
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "zhao"
    item = cli("item", "show", no, db=db, as_user="zhao", json=True).json()
    assert (item["original_due"], item["due"]) == ("2015-09-30", "2015-10-16")
    assert run("refuse", str(request["id"]), as_user="li").code == 3  # already decided

    # --days N extends the current deadline by N working days: 10-16 + 3 → 10-21.
    second = run("request", no, "--days", "3", "--reason", "整改方案需党组会研究", as_user="sun").json()
    assert second["new_due"] == "2015-10-21"
    refused = run("refuse", str(second["id"]), "--note", "理由不充分", as_user="li")
    assert refused.code == 0 and refused.json()["status"] == "refused"
    item = cli("item", "show", no, db=db, as_user="zhao", json=True).json()
    assert (item["original_due"], item["due"]) == ("2015-09-30", "2015-10-16")

    history = cli("item", "history", no, db=db, as_user="zhao", json=True).json()
    triggers = [e["trigger"] for e in history]
    assert triggers[-4:] == ["deadline_request", "deadline_approve", "deadline_request", "deadline_refuse"]
    assert item["version"] == len(history)
    assert [e["note"] for e in history if e["trigger"] == "deadline_refuse"] == ["理由不充分"]

    listed = cli("deadline", "list", no, db=db, as_user="wu", json=True).json()
    assert [(c["id"], c["status"]) for c in listed] == [(request["id"], "approved"), (second["id"], "refused")]


def test_requester_cannot_approve_own_request(cli, campaign_db):
    # qian heads 人事教育处 and sits in the office: she may ask for her unit and decide for others, not both.
    db = campaign_db
    no = add_assigned(cli, db, unit="RJC", person="qian", as_user="zhao")
    request = cli("deadline", "request", no, "--due", "2015-10-12", "--reason", "等待人社部门答复",
                  db=db, as_user="qian", json=True, today=TODAY).json()
    before = dump(db)
    denied = cli("deadline", "approve", str(request["id"]), db=db, as_user="qian", today=TODAY)
    assert denied.code == 3 and "不能审批本人的申请" in denied.stderr
    assert dump(db) == before
    assert cli("deadline", "approve", str(request["id"]), db=db, as_user="wang", today=TODAY).code == 0


def test_only_running_deadlines_change(cli, campaign_db):
    db = campaign_db
    r = cli("item", "add", "--unit", "JGC", "--title", "未交办的问题", db=db, as_user="zhao", json=True, today=TODAY)
    no = r.json()["no"]
    before = dump(db)
    for args, login in ((("pause", no, "--reason", "等待"), "zhao"),
                        (("request", no, "--due", "2015-10-30", "--reason", "等待"), "sun")):
        refused = cli("deadline", *args, db=db, as_user=login, today=TODAY)
        assert refused.code == 3 and "仅限已交办、整改中" in refused.stderr
    assert cli("deadline", "approve", "999", db=db, as_user="zhao").code == 2
    assert dump(db) == before


def test_pause_across_national_day_shifts_deadline(cli, campaign_db):
    from duban.services.common import work_calendar

    db = campaign_db
    no = add_assigned(cli, db, due="2015-09-30")
    assert cli("deadline", "pause", no, "--reason", "等待", db=db, as_user="wu", today="2015-09-28").code == 3
    paused = cli("deadline", "pause", no, "--reason", "等待规划部门出具意见", db=db, as_user="zhao", json=True,
                 today="2015-09-28")
    assert paused.code == 0, paused
    assert paused.json()["paused_since"] == "2015-09-28"
    assert cli("deadline", "pause", no, "--reason", "再挂起", db=db, as_user="zhao", today="2015-09-29").code == 3

    # Past the deadline but paused: no light, so not red.
    red = cli("item", "list", "--light", "red", db=db, as_user="zhao", json=True, today="2015-10-09").json()
    assert red == []

    resumed = cli("deadline", "resume", no, db=db, as_user="zhao", json=True, today="2015-10-12")
    assert resumed.code == 0, resumed
    change = resumed.json()
    # Paused working days in (09-28, 10-12]: 09-29, 09-30, 10-08, 10-09, 10-10 (调休 Saturday), 10-12 = 6.
    # 6 working days after 09-30: 10-08, 10-09, 10-10, 10-12, 10-13, 10-14.
    assert (change["old_due"], change["new_due"], change["due"]) == ("2015-09-30", "2015-10-14", "2015-10-14")
    assert change["paused_since"] is None and change["original_due"] == "2015-09-30"
    calendar = work_calendar()
    assert calendar.workdays_between(dt.date(2015, 9, 28), dt.date(2015, 10, 12)) == 6
    assert calendar.workdays_between(dt.date(2015, 10, 12), dt.date(2015, 10, 14)) == \
        calendar.workdays_between(dt.date(2015, 9, 28), dt.date(2015, 9, 30))  # days left are unchanged
    assert cli("deadline", "resume", no, db=db, as_user="zhao", today="2015-10-13").code == 3

    history = cli("item", "history", no, db=db, as_user="zhao", json=True).json()
    assert [e["trigger"] for e in history][-2:] == ["deadline_pause", "deadline_resume"]
    assert '"paused_working_days":6' in history[-1]["payload"]


def test_ledger_shows_original_and_current_deadline_and_changes(cli, campaign_db, tmp_path):
    db = campaign_db
    no = add_assigned(cli, db, due="2015-09-30")
    request = cli("deadline", "request", no, "--due", "2015-10-16", "--reason", "需外单位会签",
                  db=db, as_user="wu", json=True, today="2015-09-21").json()
    assert cli("deadline", "approve", str(request["id"]), db=db, as_user="zhao", today="2015-09-22").code == 0
    assert cli("deadline", "pause", no, "--reason", "等待", db=db, as_user="zhao", today="2015-09-28").code == 0
    assert cli("deadline", "resume", no, db=db, as_user="zhao", today="2015-10-12").code == 0

    out = tmp_path / "台账.csv"
    assert cli("ledger", "export", "--out", str(out), "--format", "csv", db=db, as_user="zhao",
               today="2015-10-12").code == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["编号"] == no)
    # 6 paused working days added to 10-16: 10-19 … 10-23, then Monday 10-26 (10-24 is an ordinary Saturday).
    assert (row["原定期限"], row["现期限"]) == ("2015-09-30", "2015-10-26")
    assert row["期限变更"] == "2015-09-21 延期已批准 2015-09-30→2015-10-16；2015-09-28 挂起 2015-10-16→2015-10-26"


def test_owner_and_reporter_do_not_move_their_own_deadline(cli, campaign_db):
    # zhao (the office) registers an item for wu, and one in 建设管理处 for qian (the office too).
    db = campaign_db

    def run(*args, as_user, today=TODAY):
        return cli("deadline", *args, db=db, as_user=as_user, json=True, today=today)

    def denied(*args, as_user, relation):
        before = dump(db)
        result = run(*args, as_user=as_user)
        assert result.code == 3 and f"的{relation}" in result.stderr and "职责分离" in result.stderr, result
        assert dump(db) == before

    reported = add_assigned(cli, db, as_user="zhao")
    owned = add_assigned(cli, db, person="qian", as_user="zhao")
    denied("pause", reported, "--reason", "等待", as_user="zhao", relation="登记人")
    denied("pause", owned, "--reason", "等待", as_user="qian", relation="责任人")
    for no in (reported, owned):
        assert run("pause", no, "--reason", "等待规划部门出具意见", as_user="li").code == 0
    denied("resume", reported, as_user="zhao", relation="登记人")
    denied("resume", owned, as_user="qian", relation="责任人")
    for no in (reported, owned):
        assert run("resume", no, as_user="li", today="2015-09-11").code == 0

    by_owner = run("request", reported, "--days", "5", "--reason", "需外单位会签", as_user="wu").json()
    by_head = run("request", owned, "--days", "5", "--reason", "需外单位会签", as_user="sun").json()
    denied("approve", str(by_owner["id"]), as_user="zhao", relation="登记人")
    denied("refuse", str(by_head["id"]), as_user="qian", relation="责任人")
    assert run("approve", str(by_owner["id"]), as_user="li").code == 0
    assert run("refuse", str(by_head["id"]), as_user="li").code == 0
