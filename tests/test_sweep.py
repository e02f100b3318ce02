"""The overdue sweep (催办 → 督办 → 问责) on real 2015 dates, exactly once however often or badly it runs.

2015: 国庆 10-01…10-07 off, Saturday 10-10 a 调休 make-up working day. The reference plan
turns an item yellow with ≤ 3 working days left; one level at a time: 催办 at yellow (or when
first found red), 督办 once red and the 催办 is 2 working days old, a case once the 督办 is 5
working days old.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, insert, text

from conftest import ROOT, dump, run_duban

TODAY = "2015-09-10"
AS_OF = "2015-09-28"  # a Monday, three working days before 国庆


def add(cli, db, due: str, *, unit: str = "JGC", person: str = "wu") -> str:
    r = cli("item", "add", "--unit", unit, "--title", f"期限 {due} 的问题", "--person", person, "--due", due,
            db=db, as_user="zhao", json=True, today=TODAY)
    assert r.code == 0, r
    return r.json()["no"]


def sql(db: str, query: str, **params) -> list[tuple]:
    from storage.db import get_engine

    with get_engine(db).connect() as conn:
        return [tuple(row) for row in conn.execute(text(query), params)]


def escalations(db: str) -> list[tuple]:
    return sorted(sql(db, """
        SELECT i.no, e.level, e.cycle, p.login FROM escalations e
        JOIN problem_items i ON i.id = e.item_id LEFT JOIN persons p ON p.id = e.addressee_id"""))


def dated(db: str) -> list[tuple]:
    return sorted(sql(db, """
        SELECT i.no, e.level, e.on_date, p.login FROM escalations e
        JOIN problem_items i ON i.id = e.item_id LEFT JOIN persons p ON p.id = e.addressee_id"""))


def escalate_events(db: str) -> list[tuple]:
    return sorted(sql(db, """
        SELECT i.no, count(*) FROM events e JOIN problem_items i ON i.id = e.item_id
        WHERE e."trigger" = 'escalate' GROUP BY i.no"""))


def sweep(cli, db, as_of: str, *, as_user: str = "system"):
    r = cli("sweep", "--as-of", as_of, db=db, as_user=as_user, json=True)
    assert r.code == 0, r
    return r.json()


@pytest.fixture
def items(cli, campaign_db):
    """Deadlines around 国庆 2015, named by their light on 2015-09-28."""
    db = campaign_db
    found = {
        "yellow_holiday": add(cli, db, "2015-10-08"),  # 3 working days left: 09-29, 09-30, 10-08
        "green": add(cli, db, "2015-10-09"),  # 4 left
        "yellow_today": add(cli, db, "2015-09-28"),  # due today: 0 left
        "red": add(cli, db, "2015-09-25"),
        "red_station": add(cli, db, "2015-09-25", unit="ZJZ", person="chen"),
        "paused": add(cli, db, "2015-09-25"),
    }
    r = cli("deadline", "pause", found["paused"], "--reason", "等待消防部门意见", db=db, as_user="li", today="2015-09-20")
    assert r.code == 0, r
    return found


def test_lights_on_2015_dates(cli, campaign_db, items):
    def listed(light):
        r = cli("item", "list", "--light", light, db=campaign_db, as_user="zhao", json=True, today=AS_OF)
        return {i["no"] for i in r.json()}

    assert listed("yellow") == {items["yellow_holiday"], items["yellow_today"]}
    assert listed("green") == {items["green"]}
    assert listed("red") == {items["red"], items["red_station"]}  # the paused one has no light


def test_sweep_twice_escalates_each_item_exactly_once(cli, campaign_db, items):
    db = campaign_db
    # The first sweep catches up from the campaign start: each level on the day it fell due.
    first = sweep(cli, db, AS_OF)
    assert first["counts"] == {"催办": 4, "督办": 2, "问责": 0}
    assert sorted(first["new_red"]) == sorted([items["red"], items["red_station"]])
    assert first["days"][0] == "2015-09-01" and first["days"][-1] == AS_OF
    D = dt.date
    expected = sorted([
        (items["red"], "催办", D(2015, 9, 22), "wu"), (items["red_station"], "催办", D(2015, 9, 22), "chen"),
        (items["yellow_today"], "催办", D(2015, 9, 23), "wu"), (items["yellow_holiday"], "催办", D(2015, 9, 28), "wu"),
        (items["red"], "督办", D(2015, 9, 28), "sun"),  # the 督办单 goes to the unit head
        (items["red_station"], "督办", D(2015, 9, 28), "feng"),
    ])  # 催办 goes to the owner, on the first yellow day
    assert [(no, level, D.fromisoformat(str(day)[:10]), who) for no, level, day, who in dated(db)] == expected
    assert escalate_events(db) == sorted((no, n) for no, n in {
        items["red"]: 2, items["red_station"]: 2, items["yellow_today"]: 1, items["yellow_holiday"]: 1}.items())
    # The sweep writes each event's payload out itself: the canonical JSON of its escalation's facts.
    from storage.eventlog import canonical_json

    written = {id_: (level, cycle, addressee_id, bool(automatic)) for id_, level, cycle, addressee_id, automatic in sql(
        db, "SELECT id, level, cycle, addressee_id, automatic FROM escalations")}
    payloads = [text for (text,) in sql(db, """SELECT payload FROM events WHERE "trigger" = 'escalate'""")]
    assert len(payloads) == len(written) == 6
    for text in payloads:
        payload = json.loads(text)
        assert canonical_json(payload) == text
        assert written[payload["escalation"]] == (payload["level"], payload["cycle"], payload["addressee_id"],
                                                  payload["automatic"]) and payload["automatic"] is True

    again = sweep(cli, db, AS_OF)
    assert again["counts"] == {"催办": 0, "督办": 0, "问责": 0} and again["new_red"] == []
    assert again["days"] == [AS_OF]  # nothing left to catch up
    assert len(dated(db)) == len(expected)

    later = sweep(cli, db, "2015-09-29")
    # due 09-28, reminded 09-23: 督办; due 10-09: 3 working days left (09-30, 10-08, 10-09), 催办
    assert later["counts"] == {"催办": 1, "督办": 1, "问责": 0}
    assert later["new_red"] == [items["yellow_today"]]
    assert sweep(cli, db, "2015-09-30")["counts"] == {"催办": 0, "督办": 0, "问责": 0}

    shown = cli("item", "show", items["red"], db=db, as_user="zhao", json=True).json()
    history = cli("item", "history", items["red"], db=db, as_user="zhao", json=True).json()
    assert shown["version"] == len(history) and history[-1]["trigger"] == "escalate"
    assert cli("audit", "verify", db=db).code == 0


def test_sweep_reports_progress_and_needs_the_right_role(campaign_db, items):
    from duban.errors import PermissionDenied
    from duban.services.escalation import sweep as run_sweep
    from storage.uow import UnitOfWork

    with pytest.raises(PermissionDenied):
        run_sweep(lambda: UnitOfWork(campaign_db), "wu", as_of=dt.date(2015, 9, 28))
    assert gc.isenabled()  # the sweep pauses the cyclic collector (duban.collector), and restores it however it ends
    seen = []
    result = run_sweep(lambda: UnitOfWork(campaign_db), "zhao", as_of=dt.date(2015, 9, 28), batch_size=1,
                       progress=lambda done, total: seen.append((done, total, gc.isenabled())))
    assert seen == [(0, 4, False), (1, 4, False), (2, 4, False), (3, 4, False), (4, 4, False)]
    assert result["batches"] == 4 and result["seconds"] >= 0 and gc.isenabled()


def test_an_item_changed_after_the_selection_is_judged_again_under_the_lock(cli, campaign_db, items):
    # A batch trusts the selection only for items whose version has not moved since; one paused in
    # between (no light any more) is judged afresh and not reminded.
    from duban.services.escalation import sweep as run_sweep
    from storage.uow import UnitOfWork

    def pause_after_selection(done, total):
        if done == 0:
            r = cli("deadline", "pause", items["red"], "--reason", "等待消防部门意见", db=campaign_db, as_user="li",
                    today=AS_OF)
            assert r.code == 0, r

    result = run_sweep(lambda: UnitOfWork(campaign_db), "system", as_of=dt.date(2015, 9, 28),
                       progress=pause_after_selection)
    assert result["candidates"] == 4 and result["counts"] == {"催办": 3, "督办": 0, "问责": 0}
    assert items["red"] not in {no for no, *_ in escalations(campaign_db)}
    assert cli("audit", "verify", db=campaign_db).code == 0


def test_grace_cutoff_matches_working_days_overdue():
    from duban.services.common import work_calendar
    from duban.services.escalation import grace_cutoff

    calendar = work_calendar()
    days = [dt.date(2015, 9, 1) + dt.timedelta(days=n) for n in range(70)]
    for today in days:
        cutoff = grace_cutoff(today, 5)
        for due in days:
            if due < today:
                assert (due < cutoff) == (calendar.workdays_between(due, today) > 5), (today, due)


def test_case_proposed_once_after_grace_period(cli, campaign_db, items):
    db = campaign_db
    red = items["red"]  # due 09-25
    sweep(cli, db, AS_OF)  # 催办 from 09-22, 督办 of the two red items on 09-28
    sweep(cli, db, "2015-09-30")  # 督办 of the one due 09-28, on 09-29
    # Working days after 09-28: 09-29, 09-30, 10-08, 10-09, 10-10 (调休), then 10-12 is the 6th: 问责.
    # Due 10-08 and 10-09: red on 10-09 and 10-10, 督办 then.
    caught_up = sweep(cli, db, "2015-10-12")
    assert caught_up["counts"] == {"催办": 0, "督办": 2, "问责": 2} and len(caught_up["cases"]) == 2
    assert sweep(cli, db, "2015-10-13")["counts"] == {"催办": 0, "督办": 0, "问责": 1}  # the 督办 of 09-29
    assert sweep(cli, db, "2015-10-13")["counts"] == {"催办": 0, "督办": 0, "问责": 0}
    cases = sql(db, "SELECT origin, state FROM cases ORDER BY origin")
    assert cases == [(f"sweep:{no}:0", "proposed") for no in sorted((items["yellow_today"], red, items["red_station"]))]
    assert (red, "问责", 0, "sun") in escalations(db)
    # The facts as a clerk writes them: Chinese dates, the title in quotation marks, no ISO date or 「」.
    facts = dict(sql(db, "SELECT origin, facts FROM cases"))[f"sweep:{red}:0"]
    title = sql(db, f"SELECT title FROM problem_items WHERE no = '{red}'")[0][0]
    named = f"“{title}”" if title.endswith("问题") else f"“{title}”问题"  # never “……问题”问题
    assert facts == f"{named}整改期限为2015年9月25日，截至2015年10月12日已逾期7个工作日，仍未完成整改。", facts
    assert cli("audit", "verify", db=db).code == 0


@pytest.mark.parametrize("trigger,reason,relapses", [("relapse", "回头看发现反弹", 1), ("reopen", "销号依据不实", 0)])
def test_a_new_deadline_after_closing_starts_a_new_cycle(cli, campaign_db, items, tmp_path, trigger, reason, relapses):
    """A relapse, or a wrongly verified item reopened by the office, is watched afresh."""
    db = campaign_db
    no = items["red"]
    sweep(cli, db, AS_OF)
    evidence = tmp_path / "整改报告.txt"
    evidence.write_text("已整改", encoding="utf-8")
    for args, login, today in ((("start", no), "wu", AS_OF),
                               (("submit", no, "--evidence", str(evidence)), "wu", AS_OF),
                               (("verify", no), "li", "2015-09-29"),
                               ((trigger, no, "--reason", reason, "--due", "2015-10-20"), "zhao", "2015-10-12")):
        assert cli("item", *args, db=db, as_user=login, today=today).code == 0
    sweep(cli, db, "2015-10-16")  # the new deadline is three working days away: 催办 again
    again = sweep(cli, db, "2015-10-21")
    assert no in again["new_red"]
    assert sorted((cycle, level) for n, level, cycle, _ in escalations(db) if n == no) == [
        (0, "催办"), (0, "督办"), (1, "催办"), (1, "督办")]
    assert cli("item", "show", no, db=db, as_user="zhao", json=True).json()["relapse_count"] == relapses


def test_manual_escalation_once_per_level(cli, campaign_db, items):
    db = campaign_db
    no = items["green"]

    def escalate(level, as_user="zhao"):
        return cli("item", "escalate", no, "--level", level, "--reason", "群众反映强烈", db=db, as_user=as_user,
                   json=True, today=AS_OF)

    first = escalate("督办")
    assert first.code == 0, first
    assert (first.json()["level"], first.json()["addressee"], first.json()["automatic"]) == ("督办", "sun", False)
    before = dump(db)
    twice = escalate("督办")
    assert twice.code == 3 and "已督办" in twice.stderr
    assert dump(db) == before
    assert escalate("挂牌督办", as_user="wu").code == 3  # a cadre cannot escalate
    assert escalate("挂牌督办").code == 0
    assert escalate("问责").code == 2  # not a manual level
    # Once red, the sweep finds the 督办 of this cycle already done, and sends no 催办 below it;
    # the 督办 of 09-28 is more than 5 working days old on 10-12, so a case is proposed.
    assert no not in sweep(cli, db, "2015-10-12")["new_red"]
    assert {level for n, level, *_ in escalations(db) if n == no} == {"问责", "挂牌督办", "督办"}


def test_list_red_items_of_one_unit_as_json(cli, campaign_db, items):
    r = cli("item", "list", "--light", "red", "--unit", "JGC", db=campaign_db, as_user="zhao", json=True, today=AS_OF)
    assert r.code == 0, r
    listed = r.json()
    assert [(i["no"], i["unit_code"], i["light"], i["due"], i["owner_login"]) for i in listed] == \
        [(items["red"], "JGC", "red", "2015-09-25", "wu")]
    station = cli("item", "list", "--light", "red", "--unit", "质量监督站", db=campaign_db, as_user="zhao", json=True,
                  today=AS_OF).json()
    assert [i["no"] for i in station] == [items["red_station"]]


def bulk_red_items(db: str, n: int) -> None:
    """n items of 建设管理处, owner wu, red on 2015-09-28 (inserted in bulk: the sweep is under test)."""
    from storage.models import ProblemItem
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        campaign, unit, owner = uow.campaigns.get("LZJ2015"), uow.org.unit("JGC"), uow.org.person("wu")
        uow.session.execute(insert(ProblemItem), [
            {"campaign_id": campaign.id, "seq": seq, "no": f"LZJ2015-{seq:04d}", "title": f"批量问题 {seq}",
             "source": "自查", "unit_id": unit.id, "owner_id": owner.id, "state": "rectifying", "version": 0,
             "identified_on": dt.date(2015, 9, 10), "due": dt.date(2015, 9, 25)}
            for seq in range(1, n + 1)])
        uow.commit()


def test_sweep_killed_midway_then_rerun_escalates_each_item_once(campaign_db):
    db, n, batch = campaign_db, 3000, 50
    bulk_red_items(db, n)
    proc = subprocess.Popen([sys.executable, "-m", "duban", "--db", db, "sweep", "--as-of", AS_OF,
                             "--batch-size", str(batch)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # A plain engine: the project's SQLite engine begins every transaction IMMEDIATE, which would
    # queue the poller behind the sweep's write lock; a plain WAL reader never waits for the writer.
    reader = create_engine(db)
    deadline = time.monotonic() + 120
    with reader.connect() as conn:
        while conn.execute(text("SELECT count(*) FROM escalations")).scalar() == 0:
            conn.rollback()  # end the read snapshot so the next poll sees new commits
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no batch committed within 120 s"
            time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.dispose()
    assert proc.returncode == -signal.SIGKILL

    done = sql(db, "SELECT count(*) FROM escalations")[0][0]
    assert 0 < done < n, "the sweep finished before it could be killed"
    assert done % batch == 0  # whole batches only: rows and events commit together
    assert sql(db, "SELECT count(*) FROM events WHERE \"trigger\" = 'escalate'")[0][0] == done

    rerun = run_duban("--db", db, "--json", "sweep", "--as-of", AS_OF, "--batch-size", str(batch))
    assert rerun.returncode == 0, rerun.stderr
    # the rerun finishes the interrupted day (09-22, the first yellow day) and catches up to the 督办 of 09-28
    assert json.loads(rerun.stdout)["counts"] == {"催办": n - done, "督办": n, "问责": 0}
    assert sql(db, "SELECT level, count(*), count(DISTINCT item_id) FROM escalations GROUP BY level ORDER BY level") \
        == sorted([("催办", n, n), ("督办", n, n)])
    assert sql(db, """SELECT count(*), count(DISTINCT item_id) FROM events WHERE "trigger" = 'escalate'""") == [(2 * n, n)]
    assert sql(db, "SELECT min(version), max(version) FROM problem_items") == [(2, 2)]
    # The chains are whole; the bulk-inserted items themselves have no events, so only the
    # chain check applies here (`audit verify` also reconciles rows with their events).
    from storage import eventlog
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        assert eventlog.verify(uow.session)[1] == []


def test_unique_violation_from_a_racing_writer_counts_as_done(campaign_db, items, monkeypatch):
    if campaign_db.startswith("sqlite"):
        pytest.skip("SQLite takes the write lock at BEGIN IMMEDIATE, so nothing can race inside a batch")
    from duban.services import escalation
    from storage.db import get_engine
    from storage.uow import UnitOfWork

    real_rows, raced = escalation.escalation_rows, []

    def rows_then_race(camp, level, today, login, read, judged, lines):
        # After the sweep chose its items and before it inserts: another writer inserts one.
        rows = real_rows(camp, level, today, login, read, judged, lines)
        if not raced:
            raced.append(read[0].no)
            with get_engine(campaign_db).begin() as conn:
                conn.execute(insert(escalation.Escalation).values(
                    campaign_id=read[0].campaign_id, item_id=read[0].id, unit_id=read[0].unit_id, level=level,
                    cycle=read[0].escalation_cycle, on_date=today, reason="并发巡查", actor="system", automatic=True))
        return rows

    monkeypatch.setattr(escalation, "escalation_rows", rows_then_race)
    result = escalation.sweep(lambda: UnitOfWork(campaign_db), "system", as_of=dt.date(2015, 9, 28))
    assert raced == [items["yellow_holiday"]]
    assert result["counts"] == {"催办": 3, "督办": 0, "问责": 0}
    assert [row[:3] for row in escalations(campaign_db)].count((items["yellow_holiday"], "催办", 0)) == 1
    assert (items["yellow_holiday"], 1) not in escalate_events(campaign_db)  # the racer's row, the racer's business


def test_item_pages_keep_room_for_updates_on_postgresql(campaign_db):
    # Half-full pages let an item's new row version stay on its page (a HOT update: no index
    # touched), which the sweep's UPDATE of most items' versions depends on.
    if campaign_db.startswith("sqlite"):
        pytest.skip("SQLite has no fillfactor")
    options = sql(campaign_db, "SELECT reloptions FROM pg_class WHERE oid = 'problem_items'::regclass")[0][0]
    assert "fillfactor=50" in options
