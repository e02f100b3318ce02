"""The event log is tamper-evident: editing, deleting or reordering a row is found."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from duban import config
from storage.db import get_engine
from storage.models import Event


@pytest.fixture
def logged_db(campaign_db, cli):
    for n in range(3):
        r = cli("item", "add", "--unit", "JGC", "--title", f"问题{n}", "--person", "wu", "--days", "10",
                db=campaign_db, as_user="zhao", today="2015-09-10")
        assert r.code == 0, r
    assert cli("audit", "verify", db=campaign_db).code == 0
    return campaign_db


def _execute(db, sql, **params):
    with get_engine(db).begin() as conn:
        conn.execute(text(sql), params)


def _item_chain(db) -> str:
    """The chain of the items' events (one of the campaign's partitioned chains: all three are of JGC)."""
    with get_engine(db).connect() as conn:
        return conn.execute(text("SELECT chain FROM events WHERE item_id IS NOT NULL LIMIT 1")).scalar_one()


def _middle_event(db):
    with get_engine(db).connect() as conn:
        return conn.execute(text(
            "SELECT id, seq FROM events WHERE chain = :c ORDER BY seq LIMIT 1 OFFSET 3"), {"c": _item_chain(db)}).one()


def test_edited_note_is_found(logged_db, cli):
    row = _middle_event(logged_db)
    _execute(logged_db, "UPDATE events SET note = '已整改' WHERE id = :id", id=row.id)
    r = cli("audit", "verify", db=logged_db)
    assert r.code == 3
    assert f"id={row.id}" in r.stderr and "改动" in r.stderr


def test_edited_actor_is_found_even_with_hash_recomputed_locally(logged_db, cli):
    """Re-hashing one edited row does not help: the next row's link breaks."""
    from storage.eventlog import event_hash
    from storage.models import Event
    from storage.uow import UnitOfWork

    row = _middle_event(logged_db)
    with UnitOfWork(logged_db) as uow:
        ev = uow.session.get(Event, row.id)
        ev.actor = "wang"
        ev.hash = event_hash(ev)
        uow.session.commit()
    r = cli("audit", "verify", db=logged_db)
    assert r.code == 3 and "前序哈希" in r.stderr and f"第 {row.seq + 1} 条" in r.stderr


def test_deleted_row_is_found(logged_db, cli):
    row = _middle_event(logged_db)
    _execute(logged_db, "DELETE FROM events WHERE id = :id", id=row.id)
    r = cli("audit", "verify", db=logged_db)
    assert r.code == 3 and f"序号应为 {row.seq}" in r.stderr


def test_deleted_last_row_is_found(logged_db, cli):
    _execute(logged_db, "DELETE FROM events WHERE id = (SELECT max(id) FROM events WHERE chain = :c)",
             c=_item_chain(logged_db))
    r = cli("audit", "verify", db=logged_db)
    assert r.code == 3 and "链尾" in r.stderr


def test_swapped_rows_are_found(logged_db, cli):
    with get_engine(logged_db).connect() as conn:
        a, b = conn.execute(text("SELECT id, seq FROM events WHERE chain = :c ORDER BY seq LIMIT 2 OFFSET 2"),
                            {"c": _item_chain(logged_db)}).all()
    _execute(logged_db, "UPDATE events SET seq = -1 WHERE id = :id", id=a.id)
    _execute(logged_db, "UPDATE events SET seq = :s WHERE id = :id", s=a.seq, id=b.id)
    _execute(logged_db, "UPDATE events SET seq = :s WHERE id = :id", s=b.seq, id=a.id)
    r = cli("audit", "verify", db=logged_db, json=False)
    assert r.code == 3 and "LZJ2015" in r.stderr


def test_permission_refusals_are_logged(logged_db, cli):
    r = cli("item", "withdraw", "LZJ2015-0001", "--reason", "x", db=logged_db, as_user="wu")
    assert r.code == 3
    with get_engine(logged_db).connect() as conn:
        rows = conn.execute(text("SELECT actor, trigger, note FROM events WHERE chain = 'security'")).all()
    assert [(a, t) for a, t, _ in rows] == [("wu", "permission_denied")]
    assert "无权撤销问题" in rows[0].note
    assert cli("audit", "verify", db=logged_db).code == 0


def test_deleted_chain_head_is_found(logged_db, cli):
    _execute(logged_db, "DELETE FROM audit_chains WHERE key = 'campaign:LZJ2015'")
    r = cli("audit", "verify", db=logged_db)
    assert r.code == 3 and "链头记录缺失" in r.stderr


def test_events_appended_in_bulk_carry_the_hash_verify_recomputes(campaign_db, audit_key):
    # append_many puts each event's canonical content together from pieces shared by the batch;
    # awkward values (quotes, backslashes, control and non-ASCII characters, no item, a case id,
    # states, nested payloads) must hash byte for byte as verify recomputes them from the row.
    from storage import eventlog
    from storage.uow import UnitOfWork

    notes = ['说"明"\\n', "\t\x01é\u2028", "", "催办"]
    with UnitOfWork(campaign_db) as uow:
        campaign_id = uow.campaigns.get("LZJ2015").id
        uow.record_many([
            {"chain": chain, "actor": actor, "business_date": day, "trigger": trigger, "campaign_id": campaign_id,
             "from_state": from_state, "to_state": to_state, "note": note,
             "payload": {"k": [1, None, True, 'a"b'], "level": "督办", "n": n} if n % 2 else None}
            for n, (chain, actor, day, trigger, from_state, to_state, note) in enumerate(
                [(f"bulk:{n % 3}", 'x"y' if n % 2 else "system", dt.date(2015, 9, 10 + n % 2),
                  "escalate" if n % 4 else "propose", None if n % 3 else "draft", "open" if n % 5 else None,
                  notes[n % 4]) for n in range(40)])])
        uow.commit()
    with UnitOfWork(campaign_db) as uow:
        events = uow.session.scalars(select(Event).where(Event.chain.like("bulk:%")).order_by(Event.id)).all()
        assert len(events) == 40
        assert all(eventlog.event_hash(ev) == ev.hash for ev in events)
        assert all(eventlog.event_mac(config.audit_key(), ev.hash) == ev.mac for ev in events)
        assert {ev.payload for ev in events} >= {"{}", eventlog.canonical_json(
            {"k": [1, None, True, 'a"b'], "level": "督办", "n": 1})}
        assert eventlog.verify(uow.session)[1] == []
