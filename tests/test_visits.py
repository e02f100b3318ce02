"""Visit records: the checklist of the plan, an outcome, findings registered as items linked to
the draw, and unit results feeding unit accountability.

People (tests/data/org-small.csv): zhao 办公室, sun 负责人 of JGC, feng 负责人 of ZJZ; JGC and ZJZ
are the only units a draw may select (the others house the leadership and the office).
"""

from __future__ import annotations

from tests.conftest import dump

DAY = "2015-10-12"


def run(cli, db, *args, as_user="zhao", today=DAY, code=0):
    result = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert result.code == code, result
    return result


def _draw(cli, db) -> int:
    drawn = run(cli, db, "draw", "discipline-check", "--size", "2").json()
    assert sorted(drawn["selection"]) == ["JGC", "ZJZ"]
    return drawn["id"]


def test_a_visit_records_the_plans_checklist_and_registers_its_findings_under_the_draw(cli, campaign_db):
    db = campaign_db
    draw = _draw(cli, db)
    visit = run(cli, db, "inspect", "record", str(draw), "--unit", "JGC", "--result", "发现问题",
                "--problem", "上下班纪律", "--finding", "上班时间三人离岗", "--finding", "窗口无人值守").json()
    assert visit["checks"] == [{"item": "上下班纪律", "problem": True}, {"item": "办公秩序", "problem": False},
                               {"item": "工作作风", "problem": False}]
    assert visit["outcome"] == "found" and len(visit["items"]) == 2
    for no in visit["items"]:
        item = run(cli, db, "item", "show", no).json()
        assert (item["unit"], item["source"], item["origin"], item["state"]) == ("建设管理处", "作风纪律检查",
                                                                                 f"draw:{draw}", "identified")
    clean = run(cli, db, "inspect", "record", str(draw), "--unit", "ZJZ", "--result", "无问题").json()
    assert clean["items"] == [] and not any(c["problem"] for c in clean["checks"])

    # The office sees every visit; a unit head only their own unit's.
    assert [v["unit"] for v in run(cli, db, "inspect", "list", "--draw", str(draw)).json()] == ["JGC", "ZJZ"]
    assert [v["unit"] for v in run(cli, db, "inspect", "list", as_user="feng").json()] == ["ZJZ"]
    assert cli("audit", "verify", db=db).code == 0


def test_unit_results_feed_unit_accountability(cli, campaign_db):
    db = campaign_db
    draw = _draw(cli, db)
    found = run(cli, db, "inspect", "record", str(draw), "--unit", "ZJZ", "--result", "发现问题",
                "--finding", "工作时间玩电脑游戏").json()["items"]
    run(cli, db, "inspect", "record", str(draw), "--unit", "JGC", "--result", "无问题")
    proposed = run(cli, db, "case", "propose-units", today="2015-10-30").json()
    assert [(c["subject"], c["items"]) for c in proposed] == [("质量监督站", found)]
    assert "暗访检查发现问题 1 次" in proposed[0]["reason"]


def test_what_a_visit_refuses_writes_nothing(cli, campaign_db):
    db = campaign_db
    draw = _draw(cli, db)
    recheck_like = ("inspect", "record", str(draw), "--unit")
    before = dump(db)
    for args, code, said in [
        ((*recheck_like, "BGS", "--result", "无问题"), 3, "不在抽取"),  # not drawn
        ((*recheck_like, "JGC", "--result", "发现问题", "--problem", "卫生"), 2, "检查项无效"),
        ((*recheck_like, "JGC", "--result", "无问题", "--finding", "离岗"), 2, "无问题"),
        ((*recheck_like, "JGC", "--result", "发现问题"), 2, "--finding"),
        ((*recheck_like, "JGC", "--result", "还行"), 2, "--result"),
        (("inspect", "record", "999", "--unit", "JGC", "--result", "无问题"), 2, "999"),
    ]:
        r = run(cli, db, *args, code=code)
        assert said in r.stderr and len(r.stderr.strip().splitlines()) == 1, r
    r = run(cli, db, *recheck_like, "JGC", "--result", "无问题", as_user="sun", code=3)  # a unit head
    assert dump(db) == before
    run(cli, db, *recheck_like, "JGC", "--result", "无问题")
    assert "不能重复登记" in run(cli, db, *recheck_like, "JGC", "--result", "无问题", code=3).stderr
