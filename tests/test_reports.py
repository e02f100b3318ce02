"""Per-unit progress report: states, lights, overdue, escalations, relapses, on-time verification."""

from __future__ import annotations

import pytest

TODAY = "2015-09-10"
AS_OF = "2015-09-28"


@pytest.fixture
def progress(cli, campaign_db, tmp_path):
    """Items of 建设管理处 (JGC) and 质量监督站 (ZJZ) in every situation the report distinguishes."""
    db = campaign_db
    evidence = tmp_path / "整改报告.txt"
    evidence.write_text("已整改", encoding="utf-8")

    def run(*args, as_user="zhao", today=TODAY):
        r = cli(*args, db=db, as_user=as_user, json=True, today=today)
        assert r.code == 0, r
        return r.json()

    def add(due=None, unit="JGC", person="wu"):
        owner = ["--person", person, "--due", due] if due else []
        return run("item", "add", "--unit", unit, "--title", "问题", *owner)["no"]

    def verify(no, owner, on):
        run("item", "start", no, as_user=owner, today=on)
        run("item", "submit", no, "--evidence", str(evidence), as_user=owner, today=on)
        run("item", "verify", no, as_user="li", today=on)

    add("2015-09-25")  # red
    add("2015-10-08")  # yellow: 3 working days left before 国庆 ends
    add("2015-10-09")  # green
    verify(add("2015-09-30"), "wu", "2015-09-22")  # verified on time
    verify(add("2015-09-15"), "wu", "2015-09-21")  # verified late
    add()  # identified, not yet assigned
    paused = add("2015-09-25")  # overdue but paused: no light
    run("deadline", "pause", paused, "--reason", "等待消防部门意见", as_user="li", today="2015-09-20")
    add("2015-09-25", unit="ZJZ", person="chen")  # red
    relapsed = add("2015-09-18", unit="ZJZ", person="chen")
    verify(relapsed, "chen", "2015-09-17")
    run("item", "relapse", relapsed, "--reason", "回头看发现反弹", "--due", "2015-10-30", today="2015-09-24")
    run("sweep", "--as-of", AS_OF, as_user="system")
    return db


def test_unit_report_counts(cli, progress):
    r = cli("report", "units", db=progress, as_user="zhao", json=True, today=AS_OF)
    assert r.code == 0, r
    rows = {row["unit_code"]: row for row in r.json()}
    assert set(rows) == {"BGS", "JCS", "RJC", "JGC", "ZJZ"}  # units without items are listed too

    jgc = rows["JGC"]
    assert jgc["items"] == 7
    assert {k: v for k, v in jgc["states"].items() if v} == {"identified": 1, "assigned": 4, "verified": 2}
    assert jgc["lights"] == {"red": 1, "yellow": 1, "green": 1}
    assert jgc["overdue"] == 2  # the red one and the paused one
    # the sweep caught up from the campaign start, judging each day by the items as they stood then:
    # the red one's 催办 on 09-22 and 督办 on 09-28, and a 催办 and a 督办 for the one verified late while it was overdue
    assert jgc["escalations"] == {"催办": 3, "督办": 2, "挂牌督办": 0, "问责": 0}
    assert (jgc["relapses"], jgc["verified"], jgc["on_time_rate"]) == (0, 2, 0.5)

    zjz = rows["ZJZ"]
    assert zjz["items"] == 2
    assert {k: v for k, v in zjz["states"].items() if v} == {"assigned": 1, "rectifying": 1}
    assert zjz["lights"] == {"red": 1, "yellow": 0, "green": 1}
    # 催办: the red one's, and the relapsed one's from before its first deadline, while it was still open
    assert (zjz["overdue"], zjz["escalations"]["催办"], zjz["escalations"]["督办"], zjz["relapses"]) == (1, 2, 1, 1)
    assert (zjz["verified"], zjz["on_time_rate"]) == (0, None)  # a relapse undoes the verification

    assert rows["BGS"]["items"] == 0 and rows["BGS"]["on_time_rate"] is None


def test_unit_report_table(cli, progress, monkeypatch):
    monkeypatch.setenv("COLUMNS", "140")
    r = cli("report", "units", db=progress, as_user="wu", today=AS_OF)
    assert r.code == 0, r
    jgc = next(line for line in r.stdout.splitlines() if "建设管理处" in line)
    cells = [cell.strip() for cell in jgc.strip("│ ").split("│")]
    assert cells == ["建设管理处", "7", "1", "4", "0", "2", "0", "1/1/1", "2", "3/2/0/0", "0", "50%"]


def _scalar(db, sql: str):
    from sqlalchemy import text

    from storage.db import get_engine

    with get_engine(db).connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_a_manual_escalation_counts_for_its_items_unit(cli, progress):
    no = _scalar(progress, "SELECT i.no FROM problem_items i JOIN org_units u ON u.id = i.unit_id "
                           "WHERE u.code = 'ZJZ' AND i.state = 'assigned'")
    r = cli("item", "escalate", no, "--level", "挂牌督办", "--reason", "群众反映强烈", db=progress, as_user="zhao",
            today=AS_OF)
    assert r.code == 0, r
    rows = {row["unit_code"]: row for row in cli("report", "units", db=progress, as_user="zhao", json=True,
                                                 today=AS_OF).json()}
    assert (rows["ZJZ"]["escalations"]["挂牌督办"], rows["JGC"]["escalations"]["挂牌督办"]) == (1, 0)


def test_an_existing_database_gets_its_escalations_units_from_duban_init(cli, progress):
    """0740 puts each escalation's unit (its item's) on the row: the report reads the same after the upgrade."""
    from storage.migrate import downgrade, head_revision

    report = cli("report", "units", db=progress, as_user="zhao", json=True, today=AS_OF).json()
    downgrade(progress, "0720_doc_counter_claims")  # the schema before escalations carried their unit
    r = cli("init", db=progress, json=True)
    assert r.code == 0 and r.json()["revision"] == head_revision(), r
    assert _scalar(progress, "SELECT count(*) FROM escalations") == 8
    assert _scalar(progress, "SELECT count(*) FROM escalations e JOIN problem_items i ON i.id = e.item_id "
                             "WHERE e.unit_id = i.unit_id") == 8
    assert cli("report", "units", db=progress, as_user="zhao", json=True, today=AS_OF).json() == report
    assert cli("audit", "verify", db=progress, as_user="zhao").code == 0


def test_the_report_agrees_with_counting_item_by_item(progress):
    """The report counts in two levels (per unit and state, then per unit) off its indexes: on
    items in every state, with and without deadlines around the day's light boundaries, paused,
    verified on time and late, relapsed, and escalations of every level, it gives what counting
    each item and escalation one by one gives."""
    import datetime as dt
    import random

    from sqlalchemy import inspect, select

    from duban.services.common import work_calendar
    from duban.services.reports import ESCALATION_LEVELS, LIGHTS, OVERDUE_STATES, unit_report
    from statemachines.item import DEADLINE_STATES, ITEM
    from storage.models import Escalation, OrgUnit, ProblemItem
    from storage.uow import UnitOfWork

    today, rng = dt.date.fromisoformat(AS_OF), random.Random(16)
    with UnitOfWork(progress) as uow:
        template = uow.session.scalars(select(ProblemItem).order_by(ProblemItem.id)).first()
        columns = {c.key: getattr(template, c.key) for c in inspect(ProblemItem).column_attrs
                   if c.key not in ("id", "seq", "no")}
        units = list(uow.session.scalars(select(OrgUnit.id)))[:-1]  # the last unit keeps no items
        seq = max(uow.session.scalars(select(ProblemItem.seq)))
        for n in range(400):
            due = rng.choice([None, today + dt.timedelta(days=rng.randint(-12, 14))])
            verified = rng.choice([None, due and due + dt.timedelta(days=rng.randint(-3, 3))])
            item = ProblemItem(**columns | {
                "seq": seq + n + 1, "no": f"T-{n}", "unit_id": rng.choice(units),
                "state": rng.choice(list(ITEM.states)), "due": due, "verified_on": verified,
                "paused_since": rng.choice([None, None, None, today - dt.timedelta(days=2)]),
                "relapse_count": rng.choice([0, 0, 1, 2])})
            uow.session.add(item)
            uow.session.flush()
            for cycle in range(rng.randint(0, 2)):
                for level in rng.sample(ESCALATION_LEVELS, rng.randint(0, 4)):
                    uow.session.add(Escalation(campaign_id=item.campaign_id, item_id=item.id, unit_id=item.unit_id,
                                               level=level, cycle=cycle, on_date=today, actor="system"))
        uow.commit()

    with UnitOfWork(progress) as uow:
        camp = uow.campaigns.only_or(None)
        yellow_days = camp.plan.get("rules", {}).get("yellow_working_days", 3)
        units = {u.id: u for u in uow.session.scalars(select(OrgUnit))}
        expected = {u.code: {"items": 0, "states": dict.fromkeys(ITEM.states, 0), "lights": dict.fromkeys(LIGHTS, 0),
                             "overdue": 0, "escalations": dict.fromkeys(ESCALATION_LEVELS, 0), "relapses": 0,
                             "verified": 0, "on_time": 0} for u in units.values()}
        for item in uow.session.scalars(select(ProblemItem).where(ProblemItem.campaign_id == camp.id)):
            row = expected[units[item.unit_id].code]
            row["items"] += 1
            row["states"][item.state] += 1
            if item.state in DEADLINE_STATES and item.due and item.paused_since is None:
                row["lights"][work_calendar().light(today, item.due, yellow_days)] += 1
            row["overdue"] += item.state in OVERDUE_STATES and item.due is not None and item.due < today
            row["relapses"] += item.relapse_count
            row["verified"] += item.verified_on is not None
            row["on_time"] += item.verified_on is not None and item.due is not None and item.verified_on <= item.due
        for escalation in uow.session.scalars(select(Escalation).where(Escalation.campaign_id == camp.id)):
            expected[units[escalation.unit_id].code]["escalations"][escalation.level] += 1
        report = unit_report(uow, "zhao", today=today)

    for row in expected.values():
        on_time = row.pop("on_time")
        row["on_time_rate"] = round(on_time / row["verified"], 4) if row["verified"] else None
    assert {r["unit_code"]: {k: v for k, v in r.items() if k not in ("unit_code", "unit")} for r in report} == expected
    assert [r["unit_code"] for r in report] == sorted(expected)  # in unit code order
    figures = [r for r in report if r["items"]]
    assert len(figures) >= 4 and all(r["lights"]["yellow"] and r["overdue"] and r["verified"] for r in figures[:4])
