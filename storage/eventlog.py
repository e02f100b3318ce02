"""The tamper-evident event log: per-chain SHA-256 links over canonical content.

Each event's hash covers its own fields and the previous event's hash, so editing,
deleting or reordering any row breaks the chain from that row on. Appends lock the
chain's head row, which makes the chain safe under concurrent writers. A campaign's item
events are spread over several chains (``storage.uow.unit_chain``), so writers of different
units do not queue on one lock.

Links alone stop nobody who rewrites a chain and recomputes every later hash. With an
audit key (kept outside the database) each event also carries ``mac``, an HMAC of its
hash, so an event forged or rewritten without the key no longer verifies; and the
chain heads are anchored outside the database (``duban.services.audit.anchors``), so a
chain cut back or rewritten before its last anchor no longer matches it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from json.encoder import encode_basestring as json_string  # a str's canonical JSON (ensure_ascii off)

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from storage.bulk import insert_rows
from storage.models import AuditChain, Event, utcnow

GENESIS = "0" * 64
# One encoder for every call: ``json.dumps`` with options builds a new one each time, a third of
# the cost of encoding an event's content (a sweep hashes hundreds of thousands). Same output.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def canonical_json(value) -> str:
    return _CANONICAL.encode(value)


def payload_text(payload: dict | str | None) -> str:
    """An event's ``payload`` column: the canonical JSON of a dict (None: ``{}``), or a text given
    as that already, kept verbatim (a caller writing many alike, the sweep, writes it out from a
    template; ``verify`` hashes the column as stored either way)."""
    return payload if isinstance(payload, str) else canonical_json(payload or {})


def event_hash(ev: Event) -> str:
    return _content_hash(ev.chain, ev.seq, ev.campaign_id, ev.item_id, ev.case_id, ev.actor, ev.at,
                         ev.business_date, ev.trigger, ev.from_state, ev.to_state, ev.note, ev.payload, ev.prev_hash)


def _content_hash(chain, seq, campaign_id, item_id, case_id, actor, at: dt.datetime, business_date: dt.date,
                  trigger, from_state, to_state, note, payload, prev_hash) -> str:
    content = [
        chain, seq, campaign_id, item_id, case_id, actor,
        at.isoformat(timespec="microseconds"), business_date.isoformat(),
        trigger, from_state, to_state, note, payload, prev_hash,
    ]
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def event_mac(key: bytes, event_hash_hex: str) -> str:
    return hmac.new(key, f"event:{event_hash_hex}".encode(), hashlib.sha256).hexdigest()


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
        # Concurrent writers may start the same new chain: insert it unless present, then lock it.
        session.execute(_insert_if_absent(session, key))
        head = session.execute(locked).scalar_one()
    return head


def _insert_if_absent(session: Session, key: str):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(AuditChain).values(key=key, last_seq=0, last_hash=GENESIS).on_conflict_do_nothing()


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
    payload: dict | str | None = None,
    key: bytes | None = None,
) -> Event:
    head = lock_chain(session, chain)
    ev = Event(
        chain=chain, seq=head.last_seq + 1, campaign_id=campaign_id, item_id=item_id,
        case_id=case_id, actor=actor, at=utcnow(), business_date=business_date,
        trigger=trigger, from_state=from_state, to_state=to_state, note=note or "",
        payload=payload_text(payload), prev_hash=head.last_hash,
    )
    ev.hash = event_hash(ev)
    ev.mac = event_mac(key, ev.hash) if key else None
    head.last_seq, head.last_hash = ev.seq, ev.hash
    session.add(ev)
    return ev


def append_many(session: Session, events: list[dict], *, key: bytes | None = None) -> None:
    """Append many events in this transaction (``event_rows``), their rows in one INSERT."""
    insert_rows(session, Event.__table__, event_rows(session, events, key=key), EVENT_ROW)


def event_rows(session: Session, events: list[dict], *, key: bytes | None = None) -> list[tuple]:
    """The rows (``EVENT_ROW``) of many events appended in this transaction, for the caller to insert
    at once (``storage.bulk``, a sweep's thousands of escalations): each dict has ``append``'s fields
    (``chain``, ``actor``, ``business_date``, ``trigger``, optional ``campaign_id`` … ``payload``). The
    links of each chain are computed in one pass, in list order, exactly as ``append`` would one by
    one (the events share one timestamp); the chains' heads are moved on in this session (written
    when it flushes). The database is touched only to lock a chain not yet locked in this transaction.

    Each event's canonical content is put together from pieces encoded once per batch (the fields
    its events share: chain, actor, dates, trigger, note …), byte for byte what ``event_hash``
    recomputes (``_Contents``)."""
    at = utcnow()
    contents = _Contents(at)
    rows = []
    tips: dict[str, tuple[int, str]] = {}  # chain → its last (seq, hash) so far, written to its head at the end
    for given in events:
        chain, get = given["chain"], given.get
        if chain not in tips:
            head = lock_chain(session, chain)
            tips[chain] = head.last_seq, head.last_hash
        last_seq, last_hash = tips[chain]
        seq = last_seq + 1
        payload = payload_text(get("payload"))
        shared = (chain, get("campaign_id"), get("case_id"), given["actor"], given["business_date"],
                  given["trigger"], get("from_state"), get("to_state"), get("note") or "")
        item_id = get("item_id")
        digest = hashlib.sha256(contents.of(shared, seq, item_id, payload, last_hash).encode()).hexdigest()
        rows.append((*shared, seq, item_id, at, payload, last_hash, digest, event_mac(key, digest) if key else None))
        tips[chain] = seq, digest
    for chain, (last_seq, last_hash) in tips.items():
        head = lock_chain(session, chain)
        head.last_seq, head.last_hash = last_seq, last_hash
    return rows


# ``event_rows``' rows: the fields its events share (``_Contents``), then their own.
EVENT_ROW = ("chain", "campaign_id", "case_id", "actor", "business_date", "trigger", "from_state", "to_state", "note",
        "seq", "item_id", "at", "payload", "prev_hash", "hash", "mac")


class _Contents:
    """``canonical_json`` of ``_content_hash``'s list for a batch of events sharing one timestamp.

    The list is ``[chain, seq, campaign_id, item_id, case_id, actor, at, business_date, trigger,
    from_state, to_state, note, payload, prev_hash]``; the canonical encoder writes a list as its
    items' encodings joined by ``,`` in brackets, so the shared items are encoded once per batch
    and each event adds only its sequence number, item, payload and previous hash. The same bytes
    as ``canonical_json`` of the whole list (tested), so ``verify`` is unchanged."""

    def __init__(self, at: dt.datetime):
        self.at = at.isoformat(timespec="microseconds")
        self.shared: dict[tuple, tuple[str, str, str]] = {}

    def of(self, shared: tuple, seq: int, item_id, payload: str, prev_hash: str) -> str:
        pieces = self.shared.get(shared)
        if pieces is None:
            chain, campaign_id, case_id, actor, business_date, trigger, from_state, to_state, note = shared
            middle = [case_id, actor, self.at, business_date.isoformat(), trigger, from_state, to_state, note]
            pieces = self.shared[shared] = (f"[{canonical_json(chain)},", f",{_json_of(campaign_id)},",
                                            f",{canonical_json(middle)[1:-1]},")
        head, campaign, middle = pieces
        return f"{head}{seq}{campaign}{_json_of(item_id)}{middle}{json_string(payload)},{json_string(prev_hash)}]"


def _json_of(value) -> str:
    """``canonical_json`` of one value; an id (an ``int``, or None) without the encoder."""
    if type(value) is int:
        return int.__repr__(value)
    return "null" if value is None else canonical_json(value)


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    event_id: int | None
    seq: int
    problem: str


def verify(session: Session, *, key: bytes | None = None,
           anchored: dict[str, int] | None = None) -> tuple[int, list[ChainProblem]]:
    """Check every chain from its first event; returns (events checked, first problem of each broken chain).

    With ``key``, every event after its chain's last anchored sequence number
    (``anchored``, 0 if none) must carry a valid MAC; the anchor vouches for those before.
    """
    anchored = anchored or {}
    checked, problems = 0, []
    heads = {h.key: h for h in session.scalars(select(AuditChain))}
    # Chains named by events count too: deleting a head row must not hide its chain.
    chains = sorted(set(heads) | set(session.scalars(select(Event.chain).distinct())))
    for chain in chains:
        head = heads.get(chain)
        if head is None:
            problems.append(ChainProblem(chain, None, 0, "链头记录缺失（audit_chains 中的行被删除）"))
            continue
        count, problem = verify_chain(session, head, key=key, signed_after=anchored.get(chain, 0))
        checked += count
        if problem:
            problems.append(problem)
    return checked, problems


def verify_chain(session: Session, head: AuditChain, *, start: tuple[int, str] = (0, GENESIS),
                 key: bytes | None = None, signed_after: int | None = None) -> tuple[int, ChainProblem | None]:
    """Check one chain from ``start`` (sequence number and hash of an event vouched for, e.g. by
    an anchor) to its head: links, content hashes and, with ``key``, the MACs of the events
    after ``signed_after``. Returns (events checked, the first problem or None)."""
    first_seq, first_hash = start
    signed_after = first_seq if signed_after is None else signed_after
    checked, expected_prev, expected_seq = 0, first_hash, first_seq + 1
    query = select(Event).where(Event.chain == head.key).order_by(Event.seq, Event.id)
    if first_seq:
        vouched = session.scalar(select(Event).where(Event.chain == head.key, Event.seq == first_seq))
        if vouched is None:
            return 0, ChainProblem(head.key, None, first_seq, "锚点所记的这条记录已不存在（链被截短或删除）")
        if vouched.hash != first_hash:
            return 1, ChainProblem(head.key, vouched.id, first_seq, "哈希与锚点所记不符（此前的记录被改写）")
        query = query.where(Event.seq > first_seq)
    for ev in session.scalars(query.execution_options(yield_per=2000)):
        checked += 1
        problem = _link_problem(ev, expected_seq, expected_prev, key, signed_after)
        if problem:
            return checked, problem
        expected_prev, expected_seq = ev.hash, ev.seq + 1
    if head.last_seq != expected_seq - 1 or head.last_hash != expected_prev:
        return checked, ChainProblem(
            head.key, None, expected_seq,
            f"链尾应为第 {head.last_seq} 条，实际只到第 {expected_seq - 1} 条（末尾记录被删除）")
    return checked, None


def _link_problem(ev: Event, expected_seq: int, expected_prev: str, key: bytes | None,
                  signed_after: int) -> ChainProblem | None:
    def problem(text: str) -> ChainProblem:
        return ChainProblem(ev.chain, ev.id, ev.seq, text)

    if ev.seq != expected_seq:
        what = "缺失" if ev.seq > expected_seq else "重复或顺序错乱"
        return problem(f"序号应为 {expected_seq}，实为 {ev.seq}（记录{what}）")
    if ev.prev_hash != expected_prev:
        return problem("前序哈希不符（前一条记录被删除、改动或调换）")
    if event_hash(ev) != ev.hash:
        return problem("内容哈希不符（记录被改动）")
    if key is not None and ev.seq > signed_after:
        if ev.mac is None:
            return problem("没有审计签名（写入时未配置审计密钥，或签名被删除）")
        if not hmac.compare_digest(ev.mac, event_mac(key, ev.hash)):
            return problem("审计签名不符（记录被伪造或改写，或使用了另一密钥）")
    return None


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction) -> None:
    # Row locks end with the outermost transaction; so does what we remember of them.
    if transaction.parent is None:
        session.info.pop("locked_chains", None)
