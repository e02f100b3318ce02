"""The tamper-evident event log: per-chain SHA-256 links over canonical content.

Each event's hash covers its own fields and the previous event's hash, so editing,
deleting or reordering any row breaks the chain from that row on. Appends lock the
chain's head row, which makes the chain safe under concurrent writers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from storage.models import AuditChain, Event, utcnow

GENESIS = "0" * 64


def canonical_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(ev: Event) -> str:
    content = [
        ev.chain, ev.seq, ev.campaign_id, ev.item_id, ev.case_id, ev.actor,
        ev.at.isoformat(timespec="microseconds"), ev.business_date.isoformat(),
        ev.trigger, ev.from_state, ev.to_state, ev.note, ev.payload, ev.prev_hash,
    ]
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def lock_chain(session: Session, key: str) -> AuditChain:
    """Lock (creating if needed) the head row of a chain for this transaction.

    The locked head is remembered until the transaction ends, so appending many
    events (a sweep batch) costs one SELECT … FOR UPDATE, not one per event.
    """
    held = session.info.setdefault("locked_chains", {})
    if key in held:
        return held[key]
    held[key] = head = _select_for_update(session, key)
    return head


def _select_for_update(session: Session, key: str) -> AuditChain:
    # populate_existing: a head cached from an earlier transaction of this session is stale.
    locked = select(AuditChain).where(AuditChain.key == key).with_for_update().execution_options(
        populate_existing=True)
    head = session.execute(locked).scalar_one_or_none()
    if head is None:
        head = AuditChain(key=key, last_seq=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
        # Another transaction may have created it concurrently; re-read under lock.
        head = session.execute(locked).scalar_one()
    return head


def append(
    session: Session,
    *,
    chain: str,
    actor: str,
    business_date: dt.date,
    trigger: str,
    campaign_id: int | None = None,
    item_id: int | None = None,
    case_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
    payload: dict | None = None,
) -> Event:
    head = lock_chain(session, chain)
    ev = Event(
        chain=chain, seq=head.last_seq + 1, campaign_id=campaign_id, item_id=item_id,
        case_id=case_id, actor=actor, at=utcnow(), business_date=business_date,
        trigger=trigger, from_state=from_state, to_state=to_state, note=note or "",
        payload=canonical_json(payload or {}), prev_hash=head.last_hash,
    )
    ev.hash = event_hash(ev)
    head.last_seq, head.last_hash = ev.seq, ev.hash
    session.add(ev)
    return ev


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    event_id: int | None
    seq: int
    problem: str


def verify(session: Session) -> tuple[int, list[ChainProblem]]:
    """Check every chain; returns (events checked, first problem of each broken chain)."""
    checked, problems = 0, []
    heads = {h.key: h for h in session.scalars(select(AuditChain))}
    # Chains named by events count too: deleting a head row must not hide its chain.
    keys = sorted(set(heads) | set(session.scalars(select(Event.chain).distinct())))
    for key in keys:
        head = heads.get(key)
        expected_prev, expected_seq = GENESIS, 1
        problem = None
        if head is None:
            problems.append(ChainProblem(key, None, 0, "链头记录缺失（audit_chains 中的行被删除）"))
            continue
        rows = session.scalars(
            select(Event).where(Event.chain == head.key).order_by(Event.seq, Event.id)
        )
        for ev in rows:
            checked += 1
            if ev.seq != expected_seq:
                what = "缺失" if ev.seq > expected_seq else "重复或顺序错乱"
                problem = ChainProblem(head.key, ev.id, ev.seq, f"序号应为 {expected_seq}，实为 {ev.seq}（记录{what}）")
            elif ev.prev_hash != expected_prev:
                problem = ChainProblem(head.key, ev.id, ev.seq, "前序哈希不符（前一条记录被删除、改动或调换）")
            elif event_hash(ev) != ev.hash:
                problem = ChainProblem(head.key, ev.id, ev.seq, "内容哈希不符（记录被改动）")
            if problem:
                break
            expected_prev, expected_seq = ev.hash, ev.seq + 1
        if problem is None and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
            problem = ChainProblem(head.key, None, expected_seq, f"链尾应为第 {head.last_seq} 条，实际只到第 {expected_seq - 1} 条（末尾记录被删除）")
        if problem:
            problems.append(problem)
    return checked, problems


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction) -> None:
    # Row locks end with the outermost transaction; so does what we remember of them.
    if transaction.parent is None:
        session.info.pop("locked_chains", None)
