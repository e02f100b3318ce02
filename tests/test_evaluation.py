"""Evaluation (满意度测评、作风评议) as plan data: targets, methods, pass mark, what a failure brings,
rankings and trends between rounds, and the unit's annual assessment record — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import ROOT, dump

REVIEW_PLAN = ROOT / "tests" / "data" / "plans" / "style-review-2017.yaml"
ORGANS = 100


def _satisfied(n: int) -> int:
    """Of 50 respondents, organ n's satisfied count in round 1: organs 21–29, 51–59, 81–89 score below 60."""
    return 20 + n % 9 if n % 30 > 20 else 30 + n % 20


@pytest.fixture
def review_db(db_url, files_dir, tmp_path, monkeypatch):
    """A county's 作风评议 (tests/data/plans/style-review-2017.yaml) of 100 organs over three weeks."""
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.uow import UnitOfWork

    monkeypatch.setenv("DUBAN_TODAY", "2017-06-12")
    rows = ["类型,编码,名称,所属单位,单位类别,民生,职务,角色", "单位,ZFB,县作风办,,其他,否,,",
            "人员,he,何平,ZFB,,,主任,办公室"]
    for n in range(1, ORGANS + 1):
        rows += [f"单位,O{n:03d},县第{n}机关,,机关,否,,", f"人员,h{n:03d},局长{n},O{n:03d},,,局长,负责人"]
    org = tmp_path / "organs.csv"
    org.write_text("\n".join(rows) + "\n", encoding="utf-8")
    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", REVIEW_PLAN)
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", org)
    return db_url


def _record(cli, db, unit, method, satisfied, *, today, responses=50, round_no=None):
    extra = ["--round", round_no] if round_no else []
    return cli("satisfaction", "record", "--unit", unit, "--method", method, "--responses", responses,
               "--satisfied", satisfied, *extra, db=db, as_user="he", json=True, today=today)


def test_a_review_of_100_organs_ranks_them_and_a_failure_brings_what_the_plan_says(cli, review_db):
    from duban.services.satisfaction import record_round
    from storage.uow import UnitOfWork

    db = review_db
    # The plan's methods and targets, not the reference plan's.
    wrong_method = _record(cli, db, "O001", "电话抽查", 40, today="2017-06-12")
    assert wrong_method.code == 2 and "群众评议、民主测评" in wrong_method.stderr
    before = dump(db)
    office = _record(cli, db, "ZFB", "群众评议", 40, today="2017-06-12")
    assert office.code == 3 and "不在方案规定的测评范围内" in office.stderr and "机关" in office.stderr
    assert dump(db) == before
    too_early = _record(cli, db, "O001", "群众评议", 40, today="2017-06-09")  # 学习动员: no evaluation yet
    assert too_early.code == 3

    # Round 1: every organ over the review phase's first week (O021 and O022 fail on the same day).
    first = _record(cli, db, "O021", "群众评议", _satisfied(21), today="2017-06-13")
    assert first.code == 0, first
    failing = first.json()
    assert failing["round"] == 1 and not failing["passed"] and failing["score"] < 60
    days = ["2017-06-12", "2017-06-13", "2017-06-14", "2017-06-15", "2017-06-16"]
    views = {}
    for n in range(1, ORGANS + 1):
        if n == 21:
            continue
        with UnitOfWork(db) as uow:
            views[n] = record_round(uow, "he", unit=f"O{n:03d}", method="民主测评" if n % 2 else "群众评议",
                                    responses=50, satisfied=_satisfied(n),
                                    today=dt.date.fromisoformat("2017-06-13" if n == 22 else days[n % 5]))
    expected_fail = sorted(f"O{n:03d}" for n in range(1, ORGANS + 1) if _satisfied(n) / 50 * 100 < 60)
    assert len(expected_fail) == 27

    # A failing organ: a rectification item owned by its head with the plan's deadline (5 working days) …
    follow = failing["followups"]
    item = cli("item", "show", follow["item"], db=db, as_user="he", json=True).json()
    assert (item["unit"], item["owner"], item["source"], item["origin"], item["state"]) == (
        "县第21机关", "局长21", "作风评议", f"evaluation:{failing['id']}", "assigned")
    assert item["due"] == "2017-06-20" and "群众评议机关作风第1轮" in item["title"]
    # … a 质询 to its head …
    inquiries = cli("reminder", "list", "--kind", "质询", db=db, as_user="he", json=True).json()
    assert len(inquiries) == 27 and {r["person"] for r in inquiries} == {f"h{c[1:]}" for c in expected_fail}
    assert any(r["person"] == "h021" and "2017-06-16 前" in r["text"] for r in inquiries)
    # … and a targeted check with the plan's 作风纪律检查 checklist. O022 failed after the day's
    # targeted draw: the evaluation duty of the next tick draws it.
    assert follow["check"] == "discipline_check" and follow["draw"]
    draws = cli("draw", "list", "--kind", "定向检查", db=db, as_user="he", json=True).json()
    by_day = {d["date"]: d["selection"] for d in draws}
    assert by_day["2017-06-13"] == ["O021"]
    assert views[22]["followups"]["check"] == "discipline_check" and "draw" not in views[22]["followups"]
    from duban.services.tick import run_tick

    run_tick(lambda: UnitOfWork(db), "system", through=dt.date(2017, 6, 19), ledger_pdf=False)
    draws = cli("draw", "list", "--kind", "定向检查", db=db, as_user="he", json=True).json()
    drawn = sorted({code for d in draws for code in d["selection"]})
    assert drawn == expected_fail  # every failing organ gets its check, each once
    visit = cli("inspect", "record", follow["draw"], "--unit", "O021", "--result", "发现问题", "--problem", "窗口服务",
                "--finding", "窗口工作人员擅离岗位", db=db, as_user="he", json=True, today="2017-06-19")
    assert visit.code == 0, visit
    assert visit.json()["checks"] == [{"item": "窗口服务", "problem": True}, {"item": "上班纪律", "problem": False}]

    # Ranking of round 1: 100 organs, competition ranks, the failing ones at the bottom.
    ranking = cli("satisfaction", "ranking", db=db, as_user="he", json=True, today="2017-06-19").json()
    assert (ranking["round"], ranking["evaluated"], ranking["targets"], ranking["failed"]) == (1, 100, 100, 27)
    scores = [e["score"] for e in ranking["ranking"]]
    assert scores == sorted(scores, reverse=True) and ranking["ranking"][0]["rank"] == 1
    for above, below in zip(ranking["ranking"], ranking["ranking"][1:]):
        assert below["rank"] == (above["rank"] if below["score"] == above["score"] else
                                 ranking["ranking"].index(below) + 1)
    assert {e["unit_code"] for e in ranking["ranking"] if not e["passed"]} == set(expected_fail)

    # Round 2 in the third week: the failing organs again; the trend shows who improved.
    for code in expected_fail:
        n = int(code[1:])
        with UnitOfWork(db) as uow:
            record_round(uow, "he", unit=code, method="群众评议", responses=50,
                         satisfied=45 if n < 50 else _satisfied(n) - 2, today=dt.date(2017, 6, 20))
    second = cli("satisfaction", "ranking", "--round", "2", db=db, as_user="he", json=True,
                 today="2017-06-21").json()
    entries = {e["unit_code"]: e for e in second["ranking"]}
    assert second["evaluated"] == 27 and entries["O021"]["trend"] == "up" and entries["O021"]["score"] == 90.0
    assert entries["O081"]["trend"] == "down" and entries["O081"]["change"] == -4.0
    assert entries["O021"]["scores"] == [_satisfied(21) * 2, 90.0]
    assert [r["round"] for r in second["rounds"]] == [1, 2] and second["rounds"][0]["units"] == 100
    human = cli("satisfaction", "ranking", "--round", "2", db=db, as_user="he", today="2017-06-21")
    assert human.code == 0 and "上升" in human.stdout and "下降" in human.stdout and "各轮趋势" in human.stdout
    assert cli("satisfaction", "ranking", "--round", "7", db=db, as_user="he").code == 2

    # The annual assessment record of each organ holds the year's rounds.
    records = cli("satisfaction", "assessment", "--unit", "O021", db=db, as_user="he", json=True).json()
    assert records == [{"unit": "县第21机关", "unit_code": "O021", "year": 2017, "rounds": 2, "failed": 1,
                        "average_score": round((_satisfied(21) * 2 + 90) / 2, 1), "latest_score": 90.0,
                        "max_score": 100, "updated_on": "2017-06-20"}]
    assert len(cli("satisfaction", "assessment", "--year", "2017", db=db, as_user="he", json=True).json()) == 100
    assert cli("audit", "verify", db=db).code == 0


def test_the_reference_plan_evaluates_its_public_serving_units_and_questions_a_failing_one(cli, campaign_db):
    db = campaign_db
    r = cli("satisfaction", "record", "--unit", "JGC", "--method", "问卷调查", "--responses", "40",
            "--satisfied", "28", db=db, json=True, today="2015-11-04")
    assert r.code == 0, r
    follow = r.json()["followups"]
    assert set(follow) == {"item", "inquiry"}  # the reference plan asks for no targeted check
    item = cli("item", "show", follow["item"], db=db, json=True).json()
    assert item["source"] == "满意度测评" and item["unit"] == "建设管理处"
    assert cli("draw", "list", "--kind", "定向检查", db=db, json=True).json() == []
    passed = cli("satisfaction", "record", "--unit", "ZJZ", "--method", "电话抽查", "--responses", "40",
                 "--satisfied", "38", db=db, json=True, today="2015-11-04").json()
    assert passed["passed"] and passed["followups"] == {}
    ranking = cli("satisfaction", "ranking", db=db, json=True, today="2015-11-05").json()
    assert [(e["unit_code"], e["rank"]) for e in ranking["ranking"]] == [("ZJZ", 1), ("JGC", 2)]
    # The public table (published rounds) carries no follow-ups of the office's.
    published = cli("satisfaction", "publish", db=db, json=True, today="2015-11-06").json()
    assert all("followups" not in row for row in published["rounds"])
