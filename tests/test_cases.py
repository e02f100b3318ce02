"""Accountability cases and commendations, from the CLI, on SQLite and PostgreSQL.

Every refused command must exit 3 and leave the database as it was; refusals are
logged on the ``security`` chain, so those rows are left out of the comparison.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import dump
from duban.errors import RuleViolation
from statemachines.case import CASE, CaseFacts

TODAY = "2015-09-10"


# --- helpers -------------------------------------------------------------------


def snapshot(db: str) -> dict:
    tables = dump(db)
    for name in ("events", "audit_chains"):
        tables[name] = [row for row in tables[name] if "'security'" not in row]
    return tables


def run(cli, db, *args, as_user, today=TODAY) -> dict:
    r = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert r.code == 0, r
    return r.json()


def refused(cli, db, *args, as_user, code=3, today=TODAY, match: str | None = None) -> None:
    before = snapshot(db)
    r = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert r.code == code, r
    assert r.stderr.startswith("错误："), r
    if match:
        assert match in r.stderr, r
    assert snapshot(db) == before


def add_item(cli, db, person="wu", unit="JGC", due="2015-09-30", title="窗口服务推诿扯皮，群众反映办事难") -> str:
    return run(cli, db, "item", "add", "--unit", unit, "--title", title, "--person", person, "--due", due,
               "--category", "懒", as_user="zhao")["no"]


def propose(cli, db, items, *, person=None, unit=None, as_user="zhao", reason="办事拖拉，逾期未整改") -> dict:
    args = ["case", "propose", "--reason", reason, "--person" if person else "--unit", person or unit]
    for no in items:
        args += ["--item", no]
    return run(cli, db, *args, as_user=as_user)


def to_decided(cli, db, no, measure, *, decider="zhao") -> dict:
    run(cli, db, "case", "investigate", no, as_user="zhao")
    return run(cli, db, "case", "decide", no, "--measure", measure, as_user=decider)


def to_executed(cli, db, no, measure, *, decider="zhao", approver="wang") -> dict:
    to_decided(cli, db, no, measure, decider=decider)
    run(cli, db, "case", "approve", no, as_user=approver)
    return run(cli, db, "case", "execute", no, as_user="zhao")


# --- the ladder ----------------------------------------------------------------

# (what the operator types, subject, plan name, grade, deadline)
LADDER = [
    ("批评教育", ("--person", "wu"), "批评教育", "minor", None),
    ("admonition_talk", ("--person", "wu"), "诫勉谈话", "minor", None),
    ("通报批评", ("--person", "wu"), "通报批评", "serious_relatively", None),
    ("责令书面检查", ("--unit", "JGC"), "责令书面检查", "serious_relatively", "2015-09-17"),
    ("效能监察建议书", ("--unit", "JGC"), "效能监察建议书", "serious_relatively", "2015-10-08"),
    ("组织处理", ("--person", "wu"), "组织处理", "serious", None),
    ("disciplinary_sanction", ("--person", "wu"), "纪律处分", "serious", None),
    ("责令公开检讨", ("--person", "wu"), "责令公开检讨", "serious_relatively", None),
    ("公开道歉", ("--person", "wu"), "公开道歉", "serious_relatively", None),
    ("停职检查", ("--person", "wu"), "停职检查", "serious", None),
]


# Measures whose decision names one of the plan's sanctions (--sanction).
SANCTIONS = {"组织处理": "免职处理", "纪律处分": "记过处分"}


@pytest.mark.parametrize("measure,subject,label,grade,due", LADDER, ids=[m[2] for m in LADDER])
def test_every_rung_of_the_ladder(cli, campaign_db, measure, subject, label, grade, due):
    db = campaign_db
    item = add_item(cli, db)
    args = ["case", "propose", "--item", item, *subject, "--reason", "办事拖拉，逾期未整改"]
    refused(cli, db, *args, as_user="wu", match="无权提出问责")
    case = run(cli, db, *args, as_user="zhao")
    no = case["no"]
    assert (no, case["state"], case["min_grade"], case["created"]) == ("LZJ2015-W001", "proposed", "minor", True)

    refused(cli, db, "case", "investigate", no, as_user="wang")
    run(cli, db, "case", "investigate", no, "--note", "已约谈核实", as_user="zhao")
    refused(cli, db, "case", "decide", no, "--measure", measure, as_user="sun")
    sanction = ["--sanction", SANCTIONS[label]] if label in SANCTIONS else []
    decided = run(cli, db, "case", "decide", no, "--measure", measure, *sanction, as_user="li")
    assert (decided["measure_label"], decided["grade"], decided["measure_due"]) == (label, grade, due)
    assert decided["sanction"] == SANCTIONS.get(label)
    refused(cli, db, "case", "approve", no, as_user="zhao")
    run(cli, db, "case", "approve", no, as_user="wang")
    refused(cli, db, "case", "execute", no, as_user="li")
    run(cli, db, "case", "execute", no, "--document-no", "兰建效〔2015〕1号", as_user="zhao")
    refused(cli, db, "case", "close", no, as_user="wang")
    closed = run(cli, db, "case", "close", no, as_user="qian")

    assert closed["state"] == "closed" and closed["closed_on"] == TODAY
    assert (closed["proposed_by"], closed["decided_by"], closed["approved_by"]) == ("zhao", "li", "wang")
    shown = run(cli, db, "case", "show", no, as_user="wu")
    assert shown["document_no"] == "兰建效〔2015〕1号" and shown["items"] == [item]
    history = run(cli, db, "case", "history", no, as_user="zhao")
    assert [e["trigger"] for e in history] == ["propose", "investigate", "decide", "approve", "execute", "close"]
    assert len(history) == shown["version"]
    assert cli("audit", "verify", db=db).code == 0


def test_measure_must_fit_the_subject(cli, campaign_db):
    db = campaign_db
    item = add_item(cli, db)
    person_case = propose(cli, db, [item], person="wu")["no"]
    run(cli, db, "case", "investigate", person_case, as_user="zhao")
    refused(cli, db, "case", "decide", person_case, "--measure", "效能监察建议书", as_user="zhao", match="只适用于单位")
    unit_case = propose(cli, db, [item], unit="JGC")["no"]
    run(cli, db, "case", "investigate", unit_case, as_user="zhao")
    refused(cli, db, "case", "decide", unit_case, "--measure", "诫勉谈话", as_user="zhao", match="只适用于个人")
    refused(cli, db, "case", "decide", unit_case, "--measure", "罚款", as_user="zhao", code=2, match="问责措施无效")
    refused(cli, db, "case", "decide", unit_case, "--measure", "责令书面检查", "--due", "2015-09-01",
            as_user="zhao", match="早于今天")


def test_a_sanction_is_named_when_the_plan_lists_them(cli, campaign_db):
    """纪律处分 names one of the plan's kinds; a measure without a list takes none; send-back forgets it."""
    db = campaign_db
    no = propose(cli, db, [add_item(cli, db)], person="wu")["no"]
    run(cli, db, "case", "investigate", no, as_user="zhao")
    refused(cli, db, "case", "decide", no, "--measure", "纪律处分", as_user="li", code=2,
            match="须用 --sanction 指定种类（可选：警告处分、记过处分、记大过处分、降级处分、撤职处分、开除处分）")
    refused(cli, db, "case", "decide", no, "--measure", "纪律处分", "--sanction", "罚款", as_user="li", code=2,
            match="没有“罚款”这一种类")
    refused(cli, db, "case", "decide", no, "--measure", "通报批评", "--sanction", "警告处分", as_user="li", code=2,
            match="没有处理种类可选")
    decided = run(cli, db, "case", "decide", no, "--measure", "纪律处分", "--sanction", "警告处分", as_user="li")
    assert (decided["measure_label"], decided["sanction"]) == ("纪律处分", "警告处分")
    sent_back = run(cli, db, "case", "send-back", no, "--reason", "情节认定有误", as_user="wang")
    assert sent_back["sanction"] is None
    run(cli, db, "case", "decide", no, "--measure", "组织处理", "--sanction", "免职处理", as_user="li")
    run(cli, db, "case", "approve", no, as_user="wang")
    run(cli, db, "case", "execute", no, as_user="zhao")
    run(cli, db, "case", "appeal", no, "--reason", "处理过重", as_user="wu")
    changed = run(cli, db, "case", "resolve-appeal", no, "--outcome", "changed", "--measure", "纪律处分",
                  "--sanction", "记过处分", "--reason", "改为记过处分", as_user="zhou")
    assert (changed["measure_label"], changed["sanction"]) == ("纪律处分", "记过处分")
    assert run(cli, db, "case", "show", no, as_user="zhao")["sanction"] == "记过处分"
    assert cli("audit", "verify", db=db).code == 0


def test_bad_proposals(cli, campaign_db):
    db = campaign_db
    item = add_item(cli, db)
    base = ["case", "propose", "--item", item, "--reason", "拖拉"]
    refused(cli, db, *base, "--person", "wu", "--unit", "JGC", as_user="zhao", code=2)
    refused(cli, db, *base, as_user="zhao", code=2)
    refused(cli, db, "case", "propose", "--item", "LZJ2015-9999", "--person", "wu", "--reason", "拖拉",
            as_user="zhao", code=2)
    # chen (质量监督站) neither owns the item nor heads its unit
    refused(cli, db, *base, "--person", "chen", as_user="zhao", match="无关")
    refused(cli, db, *base, "--unit", "ZJZ", as_user="zhao", match="无关")
    # the unit head answers for his unit's items, and a parent unit for its children's
    assert propose(cli, db, [item], person="sun")["subject"] == "孙立新"
    assert propose(cli, db, [add_item(cli, db, person="chen", unit="ZJZ")], unit="JGC")["subject"] == "建设管理处"


# --- separation of duties ------------------------------------------------------


def test_nobody_handles_a_case_about_themselves(cli, campaign_db):
    db = campaign_db
    # qian is in the office and heads 人事教育处: she may not handle cases about herself or her unit
    own = propose(cli, db, [add_item(cli, db, person="qian", unit="RJC")], person="qian")["no"]
    refused(cli, db, "case", "investigate", own, as_user="qian", match="职责分离")
    unit = propose(cli, db, [add_item(cli, db, person="qian", unit="RJC")], unit="RJC")["no"]
    refused(cli, db, "case", "investigate", unit, as_user="qian", match="职责分离")
    run(cli, db, "case", "investigate", unit, as_user="zhao")
    refused(cli, db, "case", "decide", unit, "--measure", "通报批评", as_user="qian", match="职责分离")
    refused(cli, db, "case", "dismiss", unit, "--reason", "不属实", as_user="qian", match="职责分离")

    # li (副组长) may neither decide nor approve a case about himself
    about_li = propose(cli, db, [add_item(cli, db, person="li", unit="BGS")], person="li")["no"]
    run(cli, db, "case", "investigate", about_li, as_user="zhao")
    refused(cli, db, "case", "decide", about_li, "--measure", "批评教育", as_user="li", match="职责分离")
    run(cli, db, "case", "decide", about_li, "--measure", "批评教育", as_user="zhao")
    refused(cli, db, "case", "approve", about_li, as_user="li", match="职责分离")
    assert run(cli, db, "case", "approve", about_li, as_user="zhou")["approved_by"] == "zhou"


def test_approver_is_neither_proposer_nor_decider(cli, campaign_db):
    db = campaign_db
    no = propose(cli, db, [add_item(cli, db)], person="wu", as_user="wang")["no"]
    decided = to_decided(cli, db, no, "停职检查", decider="li")
    assert decided["needs_leader_approval"] is True
    refused(cli, db, "case", "approve", no, as_user="wang", match="提出问责")
    refused(cli, db, "case", "approve", no, as_user="li", match="作出处理决定")
    assert run(cli, db, "case", "approve", no, as_user="zhou")["state"] == "approved"

    # the same rule for a light measure
    light = propose(cli, db, [add_item(cli, db, person="zheng")], person="zheng", as_user="li")["no"]
    to_decided(cli, db, light, "批评教育", decider="zhou")
    refused(cli, db, "case", "approve", light, as_user="li")
    refused(cli, db, "case", "approve", light, as_user="zhou")
    run(cli, db, "case", "approve", light, as_user="wang")


def test_approver_may_send_a_decision_back(cli, campaign_db):
    db = campaign_db
    no = propose(cli, db, [add_item(cli, db)], person="wu")["no"]
    to_decided(cli, db, no, "诫勉谈话")
    refused(cli, db, "case", "send-back", no, "--reason", "偏轻", as_user="zhao")
    back = run(cli, db, "case", "send-back", no, "--reason", "情节偏重，措施偏轻", as_user="wang")
    assert back["state"] == "investigating" and back["measure"] is None and back["decided_by"] is None
    run(cli, db, "case", "decide", no, "--measure", "通报批评", as_user="zhao")
    assert run(cli, db, "case", "approve", no, as_user="wang")["measure_label"] == "通报批评"


# --- repeat offences -----------------------------------------------------------


def test_repeat_offence_raises_the_minimum_grade(cli, campaign_db):
    db = campaign_db
    first = propose(cli, db, [add_item(cli, db)], person="wu")
    assert first["min_grade"] == "minor"
    to_executed(cli, db, first["no"], "诫勉谈话")

    second = propose(cli, db, [add_item(cli, db, title="上班时间玩手机")], person="wu")
    assert (second["min_grade"], second["min_grade_label"]) == ("serious_relatively", "性质较为严重")
    reasons = json.loads(run(cli, db, "case", "history", second["no"], as_user="zhao")[0]["payload"])
    assert reasons["min_grade_reasons"] == ["屡犯：已受问责 LZJ2015-W001（诫勉谈话，情节轻微）"]
    run(cli, db, "case", "investigate", second["no"], as_user="zhao")
    refused(cli, db, "case", "decide", second["no"], "--measure", "诫勉谈话", as_user="zhao", match="轻于本案最低情节等级")
    run(cli, db, "case", "decide", second["no"], "--measure", "通报批评", as_user="zhao")
    run(cli, db, "case", "approve", second["no"], as_user="wang")
    run(cli, db, "case", "execute", second["no"], as_user="zhao")

    third = propose(cli, db, [add_item(cli, db, title="迟到早退")], person="wu")
    assert third["min_grade"] == "serious"
    run(cli, db, "case", "investigate", third["no"], as_user="zhao")
    refused(cli, db, "case", "decide", third["no"], "--measure", "公开道歉", as_user="zhao")
    run(cli, db, "case", "decide", third["no"], "--measure", "组织处理", "--sanction", "调整岗位处理", as_user="zhao")
    fourth = propose(cli, db, [add_item(cli, db, title="溜岗")], person="wu")
    assert fourth["min_grade"] == "serious"  # the top of the ladder; the pending third case does not count


def test_only_measures_carried_out_make_a_repeat_offence(cli, campaign_db):
    db = campaign_db
    # one sweep finding two overdue items proposes two cases: neither is a repeat of the other
    first = propose(cli, db, [add_item(cli, db, person="zheng")], person="zheng")
    assert propose(cli, db, [add_item(cli, db, person="zheng")], person="zheng")["min_grade"] == "minor"
    # nor does a case overturned on appeal; other people are never affected
    to_executed(cli, db, first["no"], "批评教育")
    run(cli, db, "case", "appeal", first["no"], "--reason", "不属实", as_user="zheng")
    run(cli, db, "case", "resolve-appeal", first["no"], "--outcome", "overturned", "--reason", "申诉成立", as_user="li")
    assert propose(cli, db, [add_item(cli, db, person="zheng")], person="zheng")["min_grade"] == "minor"
    assert propose(cli, db, [add_item(cli, db)], person="wu")["min_grade"] == "minor"


def test_relapsed_item_raises_the_minimum_grade(cli, campaign_db, tmp_path):
    db = campaign_db
    evidence = tmp_path / "整改报告.txt"
    evidence.write_text("已建立首问负责制", encoding="utf-8")
    item = add_item(cli, db)
    run(cli, db, "item", "start", item, as_user="wu")
    run(cli, db, "item", "submit", item, "--evidence", str(evidence), as_user="wu")
    run(cli, db, "item", "verify", item, as_user="li", today="2015-09-20")
    run(cli, db, "item", "relapse", item, "--reason", "回头看发现仍推诿", "--days", "10", as_user="zhao",
        today="2015-10-20")
    case = run(cli, db, "case", "propose", "--item", item, "--person", "wu", "--reason", "整改后反弹",
               as_user="zhao", today="2015-10-21")
    assert case["min_grade"] == "serious_relatively"
    payload = json.loads(run(cli, db, "case", "history", case["no"], as_user="zhao")[0]["payload"])
    assert payload["min_grade_reasons"] == [f"问题反弹：{item}（1 次）"]
    run(cli, db, "case", "investigate", case["no"], as_user="zhao", today="2015-10-21")
    refused(cli, db, "case", "decide", case["no"], "--measure", "批评教育", as_user="zhao", today="2015-10-21")


# --- idempotency and concurrency ---------------------------------------------------


def test_propose_by_origin_is_idempotent(cli, campaign_db):
    from duban.services.cases import propose_case
    from storage.uow import UnitOfWork

    db = campaign_db
    item = add_item(cli, db)
    origin = f"sweep:{item}:0"
    with UnitOfWork(db) as uow:
        first = propose_case(uow, "system", items=[item], person="wu", reason="逾期未整改", origin=origin,
                             today=dt.date(2015, 10, 12))
    assert first["created"] and first["origin"] == origin and first["proposed_by"] == "system"
    before = snapshot(db)
    with UnitOfWork(db) as uow:
        again = propose_case(uow, "system", items=[item], person="wu", reason="逾期未整改", origin=origin,
                             today=dt.date(2015, 10, 13))
    assert not again["created"] and again["no"] == first["no"] and again["version"] == 1
    assert snapshot(db) == before
    cli_again = run(cli, db, "case", "propose", "--item", item, "--person", "wu", "--reason", "x",
                    "--origin", origin, as_user="zhao")
    assert (cli_again["created"], cli_again["no"]) == (False, first["no"])
    assert snapshot(db) == before


def test_expect_version(cli, campaign_db):
    db = campaign_db
    no = propose(cli, db, [add_item(cli, db)], person="wu")["no"]
    refused(cli, db, "case", "investigate", no, "--expect-version", "5", as_user="zhao", code=4)
    assert run(cli, db, "case", "investigate", no, "--expect-version", "1", as_user="zhao")["version"] == 2


# --- appeals and dismissal -------------------------------------------------------


def test_appeal_upheld(cli, campaign_db):
    db = campaign_db
    no = propose(cli, db, [add_item(cli, db)], person="wu")["no"]
    to_executed(cli, db, no, "诫勉谈话")
    refused(cli, db, "case", "appeal", no, "--reason", "不服", as_user="zheng", match="仅限被问责人")
    refused(cli, db, "case", "appeal", no, "--reason", "不服", as_user="zhao")
    refused(cli, db, "case", "appeal", no, "--reason", " ", as_user="wu", match="须说明理由")
    assert run(cli, db, "case", "appeal", no, "--reason", "系客观原因延误", as_user="wu")["state"] == "appealed"
    refused(cli, db, "case", "close", no, as_user="zhao")
    refused(cli, db, "case", "resolve-appeal", no, "--outcome", "upheld", "--reason", "x", as_user="zhao")
    refused(cli, db, "case", "resolve-appeal", no, "--outcome", "upheld", "--reason", "x", as_user="wang",
            match="原处理决定")
    refused(cli, db, "case", "resolve-appeal", no, "--outcome", "maybe", "--reason", "x", as_user="li", code=2)
    upheld = run(cli, db, "case", "resolve-appeal", no, "--outcome", "upheld", "--reason", "理由不成立", as_user="li")
    assert upheld["state"] == "executed" and upheld["measure_label"] == "诫勉谈话"
    refused(cli, db, "case", "appeal", no, "--reason", "再次申诉", as_user="wu", match="只能申诉一次")
    assert run(cli, db, "case", "close", no, as_user="zhao")["state"] == "closed"


def test_appeal_overturned(cli, campaign_db):
    db = campaign_db
    no = propose(cli, db, [add_item(cli, db)], unit="JGC")["no"]
    to_executed(cli, db, no, "通报批评")
    # the head of the subject unit appeals for it
    run(cli, db, "case", "appeal", no, "--reason", "逾期系上级审批延误", as_user="sun")
    over = run(cli, db, "case", "resolve-appeal", no, "--outcome", "overturned", "--reason", "申诉成立", as_user="zhou")
    assert over["state"] == "dismissed" and over["closed_on"] == TODAY


def test_appeal_changes_the_decision(cli, campaign_db):
    db = campaign_db
    no = propose(cli, db, [add_item(cli, db)], person="wu")["no"]
    to_executed(cli, db, no, "通报批评")
    run(cli, db, "case", "appeal", no, "--reason", "处理过重", as_user="wu")
    refused(cli, db, "case", "resolve-appeal", no, "--outcome", "changed", "--reason", "x", "--measure", "通报批评",
            as_user="li", match="不同于原措施")
    refused(cli, db, "case", "resolve-appeal", no, "--outcome", "changed", "--reason", "x", as_user="li",
            match="须选定问责措施")
    changed = run(cli, db, "case", "resolve-appeal", no, "--outcome", "changed", "--measure", "诫勉谈话",
                  "--reason", "情节较轻，改为诫勉谈话", as_user="li")
    assert (changed["state"], changed["measure_label"], changed["decided_by"], changed["approved_by"]) == (
        "decided", "诫勉谈话", "li", None)
    assert run(cli, db, "case", "show", no, as_user="zhao")["document_no"] is None
    refused(cli, db, "case", "approve", no, as_user="li")
    run(cli, db, "case", "approve", no, as_user="wang")
    run(cli, db, "case", "execute", no, as_user="zhao")
    # a new decision may be appealed again
    assert run(cli, db, "case", "appeal", no, "--reason", "仍不服", as_user="wu")["state"] == "appealed"


def test_dismissal(cli, campaign_db):
    db = campaign_db
    no = propose(cli, db, [add_item(cli, db)], person="wu")["no"]
    refused(cli, db, "case", "dismiss", no, "--reason", "", as_user="zhao", match="须说明理由")
    refused(cli, db, "case", "dismiss", no, "--reason", "不属实", as_user="sun")
    gone = run(cli, db, "case", "dismiss", no, "--reason", "经核实系误报", as_user="zhao")
    assert gone["state"] == "dismissed" and gone["closed_on"] == TODAY
    refused(cli, db, "case", "investigate", no, as_user="zhao", match="不能执行")

    approved = propose(cli, db, [add_item(cli, db)], person="wu")["no"]
    to_decided(cli, db, approved, "批评教育")
    run(cli, db, "case", "approve", approved, as_user="wang")
    refused(cli, db, "case", "dismiss", approved, "--reason", "x", as_user="zhao", match="不能执行")
    listed = run(cli, db, "case", "list", "--state", "已撤销", as_user="zhao")
    assert [c["no"] for c in listed] == [no]
    assert [c["no"] for c in run(cli, db, "case", "list", "--person", "wu", as_user="zhao")] == [no, approved]


# --- unit-level proposals ----------------------------------------------------------


def test_unit_level_proposals_are_idempotent(cli, campaign_db, tmp_path):
    from duban.services.items import add_item as add_item_service, transition
    from duban.services.phase_gate import override
    from storage.uow import UnitOfWork

    db = campaign_db
    for person in ("wu", "zheng", "wu"):  # 建设管理处: three items overdue
        add_item(cli, db, person=person, due="2015-09-15")
    for _ in range(2):  # 人事教育处: only two, below the threshold
        add_item(cli, db, person="qian", unit="RJC", due="2015-09-15")
    # 质量监督站: a spot-checked item that relapsed (spot checks open in October: the office opened them early)
    with UnitOfWork(db) as uow:
        override(uow, "zhao", reason="先行暗访试点", source="暗访抽查", start=dt.date(2015, 9, 10))
    with UnitOfWork(db) as uow:
        spot = add_item_service(uow, "zhao", campaign=None, unit="ZJZ", title="暗访发现窗口无人值守", person="chen",
                                source="暗访抽查", due=dt.date(2015, 9, 30), origin="spotcheck:1",
                                today=dt.date(2015, 9, 10))["no"]
    evidence = tmp_path / "复查照片说明.txt"
    evidence.write_text("已安排专人值守", encoding="utf-8")
    for trigger, login, kwargs in [("start", "chen", {}), ("submit", "chen", {"evidence_files": [evidence]}),
                                   ("verify", "li", {}),
                                   ("relapse", "zhao", {"reason": "复查仍无人值守", "due": dt.date(2015, 10, 30)})]:
        with UnitOfWork(db) as uow:
            transition(uow, login, spot, trigger, today=dt.date(2015, 9, 14), **kwargs)

    refused(cli, db, "case", "propose-units", as_user="sun", today="2015-09-20")
    proposed = run(cli, db, "case", "propose-units", as_user="zhao", today="2015-09-20")
    assert [(c["subject_unit"], c["created"], c["min_grade"]) for c in proposed] == [
        ("JGC", True, "serious_relatively"), ("ZJZ", True, "serious_relatively")]
    jgc = proposed[0]
    assert len(jgc["items"]) == 3 and jgc["origin"] == "unit-poor:JGC:2015-09"
    assert proposed[1]["items"] == [spot]

    before = snapshot(db)
    again = run(cli, db, "case", "propose-units", as_user="zhao", today="2015-09-25")
    assert [(c["no"], c["created"]) for c in again] == [(jgc["no"], False), (proposed[1]["no"], False)]
    assert snapshot(db) == before
    fewer = run(cli, db, "case", "propose-units", "--min-overdue", "2", as_user="zhao", today="2015-09-25")
    assert [c["subject_unit"] for c in fewer if c["created"]] == ["RJC"]

    # a 通报批评 proposal cannot end with a lighter measure
    run(cli, db, "case", "investigate", jgc["no"], as_user="zhao", today="2015-09-25")
    refused(cli, db, "case", "decide", jgc["no"], "--measure", "批评教育", as_user="zhao", today="2015-09-25")
    run(cli, db, "case", "decide", jgc["no"], "--measure", "通报批评", as_user="zhao", today="2015-09-25")


# --- commendations -------------------------------------------------------------------


def test_commendation(cli, campaign_db):
    db = campaign_db
    refused(cli, db, "commend", "--person", "zheng", "--reason", "主动服务", as_user="zhao",
            match="须由组长、副组长决定")  # the reference plan's names of the roles
    refused(cli, db, "commend", "--person", "zheng", "--reason", "主动服务", as_user="wu")
    refused(cli, db, "commend", "--reason", "主动服务", as_user="wang", code=2)
    done = run(cli, db, "commend", "--person", "zheng", "--reason", "窗口服务零投诉", as_user="wang")
    assert (done["subject"], done["on_date"], done["actor"]) == ("郑丽", TODAY, "wang")
    run(cli, db, "commend", "--unit", "ZJZ", "--reason", "整改落实到位", as_user="li")
    listed = run(cli, db, "commendations", as_user="wu")
    assert [(c["subject"], c["reason"]) for c in listed] == [("郑丽", "窗口服务零投诉"), ("质量监督站", "整改落实到位")]

    propose(cli, db, [add_item(cli, db)], person="wu")
    refused(cli, db, "commend", "--person", "wu", "--reason", "进步明显", as_user="wang", match="有问责案件")
    history = dump(db)["events"]
    assert sum("'commend'" in row for row in history) == 2


# --- the lifecycle itself ------------------------------------------------------------


def test_case_diagram(cli):
    r = cli("diagram", "case", json=True)
    assert r.code == 0, r
    source = r.json()["source"]
    assert all(f"{state}:" in source for state in CASE.states)


ILLEGAL = [
    ("proposed", "decide"), ("proposed", "approve"), ("investigating", "approve"), ("decided", "execute"),
    ("approved", "dismiss"), ("approved", "decide"), ("executed", "dismiss"), ("closed", "appeal"),
    ("dismissed", "investigate"), ("appealed", "close"), ("closed", "close"),
]


@pytest.mark.parametrize("state,trigger", ILLEGAL)
def test_lifecycle_refuses_illegal_moves(state, trigger):
    facts = CaseFacts(today=dt.date(2015, 10, 10), measure="批评教育", reason="r")
    with pytest.raises(RuleViolation, match="不能执行"):
        CASE.fire(state, trigger, facts)


def test_every_state_is_reachable():
    reached, frontier = {CASE.initial}, [CASE.initial]
    while frontier:
        state = frontier.pop()
        for t in CASE.transitions:
            if state in t.source and t.dest not in reached:
                reached.add(t.dest)
                frontier.append(t.dest)
    assert reached == set(CASE.states)
