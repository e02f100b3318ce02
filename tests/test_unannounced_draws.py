"""不打招呼、不定时间: nobody outside the office can know a draw before it happens;
everybody can check it afterwards."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import select, text

D = dt.date


def _factory(db_url):
    from storage.uow import UnitOfWork

    return lambda: UnitOfWork(db_url)


def _tick(db_url, through: dt.date) -> dict:
    from duban.services.tick import run_tick

    return run_tick(_factory(db_url), "system", through=through, ledger_pdf=False)


def _canonical(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _what_a_unit_head_can_compute(day: dt.date, population: list[str]) -> str:
    """Every public input: the campaign, the kind, the date, the plan's salt, the unit codes."""
    population_sha = hashlib.sha256(_canonical(population).encode()).hexdigest()
    return hashlib.sha256(_canonical(["LZJ2015", "spot_check", day.isoformat(), "LZJ2015-spot-check",
                                      population_sha]).encode()).hexdigest()


def test_next_weeks_draw_cannot_be_predicted_but_is_verified_after_the_reveal(campaign_db, cli):
    from storage.models import Draw, Event

    _tick(campaign_db, D(2015, 10, 9))  # the rectification phase has opened: secrets are committed
    with _factory(campaign_db)() as uow:
        committed = [json.loads(p) for p in uow.session.scalars(
            select(Event.payload).where(Event.trigger == "draws_committed"))]
    [october] = [c for c in committed if c["phase"] == "rectify"]
    assert october["commitments"] and all(set(c) == {"secret_id", "kind", "block", "sha256"}
                                          for c in october["commitments"])  # hashes only, no secret

    # Everything a unit head can read: the plan, the unit codes, the published log, the draw list.
    listed = cli("draw", "list", db=campaign_db, as_user="feng", json=True).json()
    plan = cli("campaign", "show", db=campaign_db, as_user="feng", json=True)
    assert plan.code == 0
    population = ["JGC", "ZJZ"]
    predicted = {day: _what_a_unit_head_can_compute(day, population)
                 for day in (D(2015, 10, 12) + dt.timedelta(days=n) for n in range(12))}

    _tick(campaign_db, D(2015, 10, 23))
    with _factory(campaign_db)() as uow:
        draws = uow.session.execute(select(Draw.id, Draw.on_date, Draw.seed).where(
            Draw.kind == "spot_check", Draw.on_date >= D(2015, 10, 12))).all()
    assert draws, "one spot check falls in each block of five working days"
    for draw_id, on_date, seed in draws:
        assert seed != predicted.get(on_date)  # the public inputs do not give the seed
        if on_date == D(2015, 10, 23):
            continue  # the last day's draw is still pending
        shown = cli("draw", "show", draw_id, db=campaign_db, as_user="feng", json=True)
        assert shown.code == 0 and shown.json()["status"] == "revealed"
        verified = cli("draw", "verify", draw_id, db=campaign_db, as_user="feng")
        assert verified.code == 0 and "复核通过" in verified.stdout, verified
    assert all(d["status"] == "revealed" for d in listed)


def test_a_pending_draw_is_invisible_to_a_unit_head(campaign_db, cli):
    made = cli("draw", "spot-check", db=campaign_db, as_user="zhao", json=True, today="2015-10-12")
    assert made.code == 0 and made.json()["status"] == "pending", made
    draw_id = made.json()["id"]
    shown = cli("draw", "show", draw_id, db=campaign_db, as_user="feng")
    assert shown.code == 3 and "尚未揭示" in shown.stderr
    assert cli("draw", "verify", draw_id, db=campaign_db, as_user="feng").code == 3
    assert cli("draw", "list", db=campaign_db, as_user="feng", json=True).json() == []
    assert [d["id"] for d in cli("draw", "list", db=campaign_db, as_user="zhao", json=True).json()] == [draw_id]
    assert cli("draw", "reveal", db=campaign_db, as_user="zhao", today="2015-10-13").code == 0
    assert cli("draw", "show", draw_id, db=campaign_db, as_user="feng").code == 0
    assert cli("draw", "verify", draw_id, db=campaign_db, as_user="feng").code == 0


def test_a_manual_draw_outside_its_phase_is_refused(campaign_db, cli):
    r = cli("draw", "spot-check", db=campaign_db, as_user="zhao", today="2015-09-15")
    assert r.code == 3 and "动员学习、查摆问题" in r.stderr, r


def test_audit_catches_a_secret_changed_after_its_commitment(campaign_db, cli):
    from storage.db import get_engine

    _tick(campaign_db, D(2015, 10, 20))
    assert cli("audit", "verify", db=campaign_db, as_user="zhao").code == 0
    with get_engine(campaign_db).begin() as conn:
        conn.execute(text("UPDATE draw_secrets SET secret = :s WHERE id = (SELECT MAX(id) FROM draw_secrets)"),
                     {"s": "0" * 64})
    bad = cli("audit", "verify", db=campaign_db, as_user="zhao")
    assert bad.code != 0 and "draw_secrets" in bad.stdout + bad.stderr
