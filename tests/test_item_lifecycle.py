"""One item through every state from the CLI; every illegal move refused with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import dump
from statemachines.item import ITEM, ItemFacts
from duban.errors import RuleViolation

TODAY = "2015-09-10"


def add(cli, db, **kw):
    args = ["item", "add", "--unit", kw.get("unit", "JGC"), "--title", kw.get("title", "窗口服务推诿扯皮，群众反映办事难"),
            "--category", "懒", "--source", "座谈会"]
    r = cli(*args, db=db, as_user=kw.get("as_user", "zhao"), json=True, today=TODAY)
    assert r.code == 0, r
    return r.json()["no"]


def test_walk_through_every_state(cli, campaign_db, tmp_path):
    db = campaign_db
    evidence = tmp_path / "整改报告.txt"
    evidence.write_text("已建立首问负责制并张贴公示", encoding="utf-8")
    no = add(cli, db)

    def step(*args, as_user, today=TODAY):
        r = cli("item", *args, db=db, as_user=as_user, json=True, today=today)
        assert r.code == 0, r
        return r.json()

    seen = {"identified"}
    item = step("assign", no, "--person", "wu", "--days", "15", as_user="sun")
    assert item["due"] == "2015-10-08"  # 15 working days from 09-10, 国庆 skipped
    seen.add(item["state"])
    seen.add(step("start", no, as_user="wu")["state"])
    seen.add(step("submit", no, "--evidence", str(evidence), as_user="wu")["state"])
    assert step("reject", no, "--reason", "佐证不充分", as_user="li")["state"] == "rectifying"
    step("submit", no, as_user="wu")
    verified = step("verify", no, as_user="li", today="2015-09-20")
    assert verified["state"] == "verified" and verified["verified_by"] == "李卫东"
    seen.add(verified["state"])
    relapsed = step("relapse", no, "--reason", "回头看发现仍有推诿", "--days", "10", as_user="zhao", today="2015-10-20")
    assert relapsed["relapse_count"] == 1 and relapsed["state"] == "rectifying"
    assert relapsed["original_due"] == "2015-10-08" and relapsed["due"] == "2015-11-03"
    step("submit", no, as_user="wu", today="2015-10-25")
    step("verify", no, as_user="li", today="2015-10-26")
    rechecked = step("recheck", no, as_user="zhou", today="2015-11-20")
    seen.add(rechecked["state"])
    reopened = step("reopen", no, "--reason", "销号依据不实", "--due", "2015-11-30", as_user="zhao", today="2015-11-21")
    assert reopened["state"] == "rectifying"
    withdrawn = step("withdraw", no, "--reason", "与 0002 号问题重复", as_user="zhao", today="2015-11-22")
    seen.add(withdrawn["state"])
    assert step("reopen", no, "--reason", "并非重复", as_user="zhao", today="2015-11-23")["state"] == "identified"
    assert seen == set(ITEM.states)

    history = cli("item", "history", no, db=db, as_user="zhao", json=True).json()
    triggers = [e["trigger"] for e in history]
    assert triggers[:5] == ["identify", "assign", "start", "attach", "submit"]
    assert len(history) == cli("item", "show", no, db=db, as_user="zhao", json=True).json()["version"]
    assert cli("audit", "verify", db=db).code == 0


ILLEGAL = [
    ("identified", "start"), ("identified", "submit"), ("identified", "verify"), ("identified", "recheck"),
    ("identified", "relapse"), ("assigned", "verify"), ("assigned", "assign"), ("rectifying", "verify"),
    ("rectifying", "recheck"), ("submitted", "start"), ("verified", "submit"), ("verified", "withdraw"),
    ("rechecked", "recheck"), ("withdrawn", "assign"), ("withdrawn", "withdraw"),
]


@pytest.mark.parametrize("state,trigger", ILLEGAL)
def test_lifecycle_refuses_illegal_moves(state, trigger):
    facts = ItemFacts(today=dt.date(2015, 9, 10), has_owner=True, due=dt.date(2015, 9, 30), evidence_count=1, reason="r")
    with pytest.raises(RuleViolation, match="不能执行"):
        ITEM.fire(state, trigger, facts)


@pytest.mark.parametrize("facts,trigger,state,message", [
    (ItemFacts(today=dt.date(2015, 9, 10), due=dt.date(2015, 9, 30)), "assign", "identified", "责任人"),
    (ItemFacts(today=dt.date(2015, 9, 10), has_owner=True), "assign", "identified", "期限"),
    (ItemFacts(today=dt.date(2015, 9, 10), has_owner=True, due=dt.date(2015, 9, 9)), "assign", "identified", "早于今天"),
    (ItemFacts(today=dt.date(2015, 9, 10)), "submit", "rectifying", "佐证"),
    (ItemFacts(today=dt.date(2015, 9, 10)), "verify", "submitted", "佐证"),
    (ItemFacts(today=dt.date(2015, 9, 10), evidence_count=1), "reject", "submitted", "理由"),
    (ItemFacts(today=dt.date(2015, 9, 10), reason="x"), "relapse", "verified", "新的整改期限"),
    (ItemFacts(today=dt.date(2015, 9, 10)), "withdraw", "assigned", "理由"),
])
def test_guards_say_why(facts, trigger, state, message):
    with pytest.raises(RuleViolation, match=message):
        ITEM.fire(state, trigger, facts)


def test_illegal_cli_moves_exit_3_and_change_nothing(cli, campaign_db, tmp_path):
    db = campaign_db
    no = add(cli, db)
    attempts = [
        (["verify", no], "li"),                                          # not submitted
        (["start", no], "wu"),                                           # not assigned
        (["assign", no, "--person", "wu", "--due", "2015-09-01"], "sun"),  # deadline in the past
        (["recheck", no], "li"),
        (["relapse", no, "--reason", "x", "--days", "5"], "zhao"),
    ]
    for args, user in attempts:
        before = dump(db)
        r = cli("item", *args, db=db, as_user=user, today=TODAY)
        assert r.code == 3, (args, r)
        assert r.stderr.startswith("错误：") and r.stderr.count("\n") == 1
        assert dump(db) == before, args
    assert cli("item", "assign", no, "--person", "wu", "--days", "5", db=db, as_user="sun", today=TODAY).code == 0
    assert cli("item", "start", no, db=db, as_user="wu", today=TODAY).code == 0
    before = dump(db)
    r = cli("item", "submit", no, db=db, as_user="wu", today=TODAY)  # no evidence
    assert r.code == 3 and "佐证" in r.stderr
    assert dump(db) == before


def test_separation_of_duties_and_roles(cli, campaign_db, tmp_path):
    db = campaign_db
    evidence = tmp_path / "e.txt"
    evidence.write_text("ok")
    no = add(cli, db, as_user="zhao")
    cli("item", "assign", no, "--person", "wu", "--days", "5", db=db, as_user="sun", today=TODAY)
    cli("item", "start", no, db=db, as_user="wu", today=TODAY)
    r = cli("item", "submit", no, "--evidence", evidence, db=db, as_user="zheng", today=TODAY)
    assert r.code == 3 and "无权" in r.stderr  # a colleague is not the owner
    assert cli("item", "submit", no, "--evidence", evidence, db=db, as_user="wu", today=TODAY).code == 0
    r = cli("item", "verify", no, db=db, as_user="zhao", today=TODAY)
    assert r.code == 3 and "职责分离" in r.stderr  # zhao registered it
    r = cli("item", "verify", no, db=db, as_user="wu", today=TODAY)
    assert r.code == 3
    assert cli("item", "verify", no, db=db, as_user="li", today=TODAY).code == 0


def test_stale_expected_version_exits_4(cli, campaign_db):
    db = campaign_db
    no = add(cli, db)
    version = cli("item", "show", no, db=db, as_user="zhao", json=True).json()["version"]
    assert cli("item", "assign", no, "--person", "wu", "--days", "5", "--expect-version", version,
               db=db, as_user="sun", today=TODAY).code == 0
    before = dump(db)
    r = cli("item", "start", no, "--expect-version", version, db=db, as_user="wu", today=TODAY)
    assert r.code == 4 and "版本" in r.stderr
    assert dump(db) == before


def test_diagram_mermaid_lists_every_transition(cli):
    r = cli("diagram", "item")
    assert r.code == 0
    assert r.stdout.startswith("stateDiagram-v2")
    for label in ITEM.states.values():
        assert label in r.stdout
    assert "verified --> rectifying: 问题反弹" in r.stdout


def test_diagram_svg_when_graphviz_present(cli, tmp_path):
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz not installed")
    out = tmp_path / "item.svg"
    assert cli("diagram", "item", "--format", "svg", "--out", out).code == 0
    assert out.read_text().lstrip().startswith("<?xml") and "已销号" in out.read_text()


def test_whoever_submitted_cannot_verify(cli, campaign_db, tmp_path):
    """qian is office staff and head of RJC: she may submit for her unit, but then not verify."""
    db = campaign_db
    extra = tmp_path / "extra.csv"
    extra.write_text("类型,编码,名称,所属单位,单位类别,民生,职务,角色\n人员,xu,徐青,RJC,,,科员,党员干部\n", encoding="utf-8")
    assert cli("org", "import", extra, db=db).code == 0
    evidence = tmp_path / "e.txt"
    evidence.write_text("ok")
    no = add(cli, db, unit="RJC", as_user="zhao")
    assert cli("item", "assign", no, "--person", "xu", "--days", "5", db=db, as_user="qian", today=TODAY).code == 0
    assert cli("item", "start", no, db=db, as_user="xu", today=TODAY).code == 0
    assert cli("item", "submit", no, "--evidence", evidence, db=db, as_user="qian", today=TODAY).code == 0
    before = dump(db)
    r = cli("item", "verify", no, db=db, as_user="qian", today=TODAY)
    assert r.code == 3 and "提交人" in r.stderr
    assert dump(db) == before
    assert cli("item", "verify", no, db=db, as_user="zhou", today=TODAY).code == 0


def test_registering_with_a_deadline_is_an_assignment(cli, campaign_db):
    db = campaign_db
    own = ["item", "add", "--unit", "JGC", "--title", "本人学习不深入", "--person", "wu", "--source", "自查"]
    before = dump(db)
    r = cli(*own, "--due", "2015-12-31", db=db, as_user="wu", today=TODAY)
    assert r.code == 3 and "活动结束日" in r.stderr
    r = cli("item", "add", "--unit", "JGC", "--title", "他人问题", "--person", "wu", "--due", "2015-09-30",
            db=db, as_user="li", today=TODAY)  # a deputy leader registers but does not assign
    assert r.code == 3 and "无权交办" in r.stderr
    assert dump(db) == before
    r = cli(*own, "--due", "2015-10-30", db=db, as_user="wu", today=TODAY, json=True)
    assert r.code == 0 and r.json()["state"] == "assigned"


def test_a_paused_item_cannot_leave_oversight(cli, campaign_db, tmp_path):
    db = campaign_db
    evidence = tmp_path / "e.txt"
    evidence.write_text("ok")
    no = add(cli, db)
    cli("item", "assign", no, "--person", "wu", "--days", "5", db=db, as_user="sun", today=TODAY)
    cli("item", "start", no, db=db, as_user="wu", today=TODAY)
    assert cli("deadline", "pause", no, "--reason", "等待规划部门意见", db=db, as_user="li", today=TODAY).code == 0
    before = dump(db)
    for args, user in ((["submit", no, "--evidence", evidence], "wu"), (["withdraw", no, "--reason", "重复"], "zhao")):
        r = cli("item", *args, db=db, as_user=user, today=TODAY)
        assert r.code == 3 and "挂起" in r.stderr
        assert dump(db) == before


def test_evidence_on_a_closed_item_is_a_rule_violation(cli, campaign_db, tmp_path):
    evidence = tmp_path / "e.txt"
    evidence.write_text("ok")
    no = add(cli, campaign_db)
    cli("item", "withdraw", no, "--reason", "误报", db=campaign_db, as_user="zhao", today=TODAY)
    r = cli("item", "attach", no, evidence, db=campaign_db, as_user="zhao", today=TODAY)
    assert r.code == 3 and "不能上传" in r.stderr


def test_reopening_a_withdrawn_item_starts_over(cli, campaign_db):
    no = add(cli, campaign_db)
    cli("item", "withdraw", no, "--reason", "误报", db=campaign_db, as_user="zhao", today=TODAY)
    r = cli("item", "reopen", no, "--reason", "并非误报", "--due", "2015-10-30", db=campaign_db, as_user="zhao",
            today=TODAY, json=True)
    item = r.json()
    assert item["state"] == "identified" and item["due"] is None and item["closed_reason"] is None
