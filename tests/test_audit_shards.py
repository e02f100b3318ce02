"""Partitioned event chains: a campaign's item events spread over DUBAN_AUDIT_SHARDS chains by unit.

Writers of items in different chains do not wait for each other (PostgreSQL row locks); writers
of one item still do; many writers at once leave every chain gapless and `audit verify` clean;
tampering with an item chain is found as it is on the campaign chain.
"""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import text

from storage.db import get_engine

TODAY = "2015-09-10"


def rows(db, sql, **params):
    with get_engine(db).connect() as conn:
        return conn.execute(text(sql), params).all()


def execute(db, sql, **params):
    with get_engine(db).begin() as conn:
        conn.execute(text(sql), params)


def add(cli, db, unit, person, n=1):
    numbers = []
    for _ in range(n):
        r = cli("item", "add", "--unit", unit, "--title", "窗口推诿", "--person", person, "--days", "10",
                db=db, as_user="zhao", json=True, today=TODAY)
        assert r.code == 0, r
        numbers.append(r.json()["no"])
    return numbers


def chains_of(db, no):
    return {c for (c,) in rows(db, "SELECT DISTINCT e.chain FROM events e JOIN problem_items i ON i.id = e.item_id "
                                  "WHERE i.no = :no", no=no)}


def test_items_of_different_units_go_to_different_chains_and_verify(cli, campaign_db, monkeypatch):
    monkeypatch.setenv("DUBAN_AUDIT_SHARDS", "4")
    db = campaign_db
    [jgc] = add(cli, db, "JGC", "wu")
    [zjz] = add(cli, db, "ZJZ", "chen")
    for no, owner in ((jgc, "wu"), (zjz, "chen")):
        assert cli("item", "start", no, db=db, as_user=owner, today=TODAY).code == 0
    unit_ids = dict(rows(db, "SELECT code, id FROM org_units"))
    assert chains_of(db, jgc) == {f"campaign:LZJ2015/{unit_ids['JGC'] % 4}"}
    assert chains_of(db, zjz) == {f"campaign:LZJ2015/{unit_ids['ZJZ'] % 4}"}
    assert chains_of(db, jgc) != chains_of(db, zjz)
    # The campaign's own chain keeps the campaign's events (its plan), not the items'.
    assert rows(db, "SELECT count(*) FROM events WHERE chain = 'campaign:LZJ2015' AND item_id IS NOT NULL") == [(0,)]
    r = cli("--json", "audit", "verify", db=db)
    assert r.code == 0, r
    assert json.loads(r.stdout)["chains"] >= 5  # org, security, the campaign's, two item chains


def test_one_shard_keeps_every_event_on_the_campaign_chain(cli, campaign_db, monkeypatch):
    monkeypatch.setenv("DUBAN_AUDIT_SHARDS", "1")
    [no] = add(cli, campaign_db, "JGC", "wu")
    assert chains_of(campaign_db, no) == {"campaign:LZJ2015"}
    assert cli("audit", "verify", db=campaign_db).code == 0


def test_a_bad_shard_setting_is_refused_and_changes_nothing(cli, campaign_db, monkeypatch):
    monkeypatch.setenv("DUBAN_AUDIT_SHARDS", "0")
    before = rows(campaign_db, "SELECT count(*) FROM problem_items")
    r = cli("item", "add", "--unit", "JGC", "--title", "x", db=campaign_db, as_user="zhao")
    assert r.code == 2 and "DUBAN_AUDIT_SHARDS" in r.stderr, r
    assert rows(campaign_db, "SELECT count(*) FROM problem_items") == before


def _hold_item_lock(db, no):
    """A transaction that has taken an item's chain lock (as every change to it does) and stays open."""
    from duban.services.items import load_for_change
    from storage.uow import UnitOfWork

    uow = UnitOfWork(db).__enter__()
    load_for_change(uow, no, None)
    return uow


def _start_in_thread(db, no, owner, **kw):
    from duban.services.items import transition
    from storage.uow import UnitOfWork

    done = threading.Event()
    failure = []

    def run():
        try:
            with UnitOfWork(db) as uow:
                transition(uow, owner, no, "start", today=None, **kw)
        except Exception as exc:  # reported to the test below
            failure.append(exc)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done, failure


def test_writers_of_other_units_do_not_wait_while_one_item_is_locked(cli, campaign_db, monkeypatch):
    if not campaign_db.startswith("postgresql"):
        pytest.skip("SQLite has one write lock for the whole file: only PostgreSQL writes in parallel")
    monkeypatch.setenv("DUBAN_AUDIT_SHARDS", "16")
    db = campaign_db
    [jgc] = add(cli, db, "JGC", "wu")
    [zjz] = add(cli, db, "ZJZ", "chen")
    [jgc_other] = add(cli, db, "JGC", "wu")
    assert chains_of(db, jgc) != chains_of(db, zjz)
    holder = _hold_item_lock(db, jgc)
    try:
        other_unit, failure = _start_in_thread(db, zjz, "chen")
        assert other_unit.wait(30), "a writer of another unit waited for the lock of 建设管理处's chain"
        assert not failure, failure
        same_chain, failure_same = _start_in_thread(db, jgc_other, "wu")
        assert not same_chain.wait(1.0), "a writer of the same chain did not wait for its lock"
    finally:
        holder.session.rollback()
        holder.__exit__(None, None, None)
    assert same_chain.wait(30) and not failure_same, failure_same
    assert cli("audit", "verify", db=db).code == 0


@pytest.mark.parametrize("expect", [False, True])
def test_a_start_that_lost_the_race_is_tried_again_under_the_lock(cli, campaign_db, tmp_path, expect):
    """A start reads the item before its chain's lock; evidence attached meanwhile (committed while
    the start waits for the lock) fails its version check. Without --expect-version the start is
    tried again under the lock and applies to the new version; with it, exit 4 (nothing written)."""
    if not campaign_db.startswith("postgresql"):
        pytest.skip("SQLite takes its one write lock before the read: no writer reads a version that moves on")
    from duban.errors import ConcurrentModification
    from duban.services import evidence
    from storage.uow import UnitOfWork

    db = campaign_db
    [no] = add(cli, db, "JGC", "wu")
    [(version,)] = rows(db, "SELECT version FROM problem_items WHERE no = :no", no=no)
    report = tmp_path / "报告.txt"
    report.write_text("已整改", encoding="utf-8")
    holder = _hold_item_lock(db, no)
    try:
        evidence.attach(holder, holder.org.person("wu"), holder.items.get(no), report,
                        holder.campaigns.only().start_date)
        holder.flush()
        started, failure = _start_in_thread(db, no, "wu", **({"expect_version": version} if expect else {}))
        assert not started.wait(1.0), "the start did not wait for the chain's lock"
        holder.commit()
    finally:
        holder.__exit__(None, None, None)
    assert started.wait(30)
    state = rows(db, "SELECT state, version FROM problem_items WHERE no = :no", no=no)
    if expect:
        assert len(failure) == 1 and isinstance(failure[0], ConcurrentModification), failure
        assert state == [("assigned", version + 1)]
    else:
        assert not failure, failure
        assert state == [("rectifying", version + 2)]
    assert cli("audit", "verify", db=db).code == 0


def test_eight_concurrent_writers_leave_every_chain_gapless(cli, campaign_db, monkeypatch, tmp_path):
    """Eight threads start and submit items of two units at once: nothing lost, nothing doubled."""
    monkeypatch.setenv("DUBAN_AUDIT_SHARDS", "16")
    db = campaign_db
    numbers = add(cli, db, "JGC", "wu", 8) + add(cli, db, "ZJZ", "chen", 8)
    owners = {no: ("wu" if i < 8 else "chen") for i, no in enumerate(numbers)}
    evidence = tmp_path / "报告.txt"
    evidence.write_text("已整改", encoding="utf-8")
    from duban.errors import ConcurrentModification
    from duban.services.items import transition
    from storage.uow import UnitOfWork

    failures = []

    def writer(mine):
        try:
            for no in mine:
                for trigger in ("start", "submit"):
                    for _attempt in range(20):  # SQLite: the file lock may be busy; exit 4 means retry
                        try:
                            with UnitOfWork(db) as uow:
                                transition(uow, owners[no], no, trigger,
                                           evidence_files=[evidence] if trigger == "submit" else [])
                            break
                        except ConcurrentModification:
                            continue
                    else:
                        failures.append((no, trigger))
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(numbers[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures, failures
    assert rows(db, "SELECT count(*) FROM problem_items WHERE state = 'submitted'") == [(16,)]
    for chain, count, top in rows(db, "SELECT chain, count(*), max(seq) FROM events GROUP BY chain"):
        assert count == top, f"{chain}: {count} events numbered up to {top}"
    r = cli("--json", "audit", "verify", db=db)
    assert r.code == 0, r


def test_tampering_with_an_item_chain_is_found(cli, campaign_db, audit_key, monkeypatch):
    """Rewritten with every later hash recomputed: the anchor no longer matches. Deleted whole: the
    anchor names it and the items' rows no longer match their (missing) events."""
    from sqlalchemy import select

    from storage.eventlog import event_hash
    from storage.models import AuditChain, Event
    from storage.uow import UnitOfWork

    monkeypatch.setenv("DUBAN_AUDIT_SHARDS", "8")
    db = campaign_db
    [no] = add(cli, db, "JGC", "wu")
    assert cli("item", "start", no, db=db, as_user="wu", today=TODAY).code == 0
    assert cli("audit", "anchor", db=db).code == 0
    [chain] = chains_of(db, no)
    with UnitOfWork(db) as uow:
        events = uow.session.scalars(select(Event).where(Event.chain == chain).order_by(Event.seq)).all()
        events[0].note = "改写"
        previous = events[0].prev_hash
        for ev in events:
            ev.prev_hash = previous
            ev.hash = previous = event_hash(ev)
        uow.session.get(AuditChain, chain).last_hash = previous
        uow.session.commit()
    r = cli("audit", "verify", db=db)
    assert r.code == 3 and chain in r.stderr, r

    execute(db, "DELETE FROM events WHERE chain = :c", c=chain)
    execute(db, "DELETE FROM audit_chains WHERE key = :c", c=chain)
    r = cli("--json", "audit", "verify", db=db)
    assert r.code == 3, r
    messages = " ".join(p["message"] for p in json.loads(r.stdout)["problems"])
    assert chain in messages and "整条链已不在数据库中" in messages
    assert no in messages  # the item's row has no events left
