"""Tampering with the database directly is found by `duban audit verify` (exit 3, naming the row).

Each case of issue #11, on SQLite and PostgreSQL: a chain rewritten with every later hash
recomputed, the last event deleted with the head rewound, a forged event with a valid hash,
the security chain deleted, item state or deadline edited, an escalation row deleted; and
the anchors (HMAC with a key kept outside the database, in a file outside it) that make the
first ones detectable.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from storage.db import get_engine
from storage.eventlog import GENESIS, event_hash
from storage.models import AuditChain, Event
from storage.uow import UnitOfWork

TODAY = "2015-09-10"
CAMPAIGN_CHAIN = "campaign:LZJ2015"


def _scenario(cli, db, evidence):
    """Items through their lifecycle, a sweep's escalations, a case and a refusal."""
    def ok(*args, as_user="zhao", today=TODAY):
        r = cli(*args, db=db, as_user=as_user, json=True, today=today)
        assert r.code == 0, r
        return r.json()

    verified = ok("item", "add", "--unit", "JGC", "--title", "窗口服务推诿扯皮", "--person", "wu", "--days", "10")["no"]
    ok("item", "start", verified, as_user="wu")
    ok("item", "submit", verified, "--evidence", evidence, as_user="wu")
    ok("item", "verify", verified, as_user="li")
    late = ok("item", "add", "--unit", "JGC", "--title", "审批超时", "--person", "wu", "--due", "2015-09-11")["no"]
    ok("item", "add", "--unit", "ZJZ", "--title", "只登记未交办")
    assert cli("sweep", "--as-of", "2015-09-15", db=db, as_user="system").code == 0
    ok("case", "propose", "--item", late, "--person", "wu", "--reason", "逾期未整改")
    assert cli("item", "withdraw", verified, "--reason", "x", db=db, as_user="wu").code == 3  # on the security chain
    return {"verified": verified, "late": late}


@pytest.fixture
def logged(campaign_db, cli, tmp_path):
    evidence = tmp_path / "整改报告.txt"
    evidence.write_text("已整改", encoding="utf-8")
    items = _scenario(cli, campaign_db, evidence)
    r = cli("audit", "verify", db=campaign_db)
    assert r.code == 0, r
    return campaign_db, items


@pytest.fixture
def anchored(audit_key, logged, cli):
    """The same, written with the audit key and anchored (`duban init` wrote the first anchor)."""
    db, items = logged
    r = cli("--json", "audit", "anchor", db=db)
    assert r.code == 0, r
    assert json.loads(r.stdout)["n"] == 2
    assert cli("audit", "verify", db=db).code == 0
    return db, items


def execute(db, sql, **params):
    with get_engine(db).begin() as conn:
        return conn.execute(text(sql), params)


def scalar(db, sql, **params):
    with get_engine(db).connect() as conn:
        return conn.execute(text(sql), params).scalar()


def failed(cli, db, *words):
    r = cli("audit", "verify", db=db)
    assert r.code == 3, r
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    for word in words:
        assert word in r.stderr, r.stderr
    return r


def rewrite_chain(db, chain: str, seq: int, **changes) -> int:
    """What an attacker with the database does: change one event, recompute every later hash and the head."""
    with UnitOfWork(db) as uow:
        events = uow.session.scalars(select(Event).where(Event.chain == chain, Event.seq >= seq)
                                     .order_by(Event.seq)).all()
        for name, value in changes.items():
            setattr(events[0], name, value)
        previous = events[0].prev_hash
        for ev in events:
            ev.prev_hash = previous
            ev.hash = previous = event_hash(ev)
        head = uow.session.get(AuditChain, chain)
        head.last_hash = previous
        uow.session.commit()
        return events[0].id


def append_forged(db, chain: str, **fields) -> int:
    """An event appended with a correct sequence number, link and hash (but no key)."""
    with UnitOfWork(db) as uow:
        head = uow.session.get(AuditChain, chain)
        last = uow.session.scalar(select(Event).where(Event.chain == chain, Event.seq == head.last_seq))
        values = dict(campaign_id=last.campaign_id if last else None, item_id=None, case_id=None,
                      actor="li", at=last.at if last else None, business_date=last.business_date if last else None,
                      trigger="verify", from_state=None, to_state=None, note="", payload="{}")
        values.update(fields)
        ev = Event(chain=chain, seq=head.last_seq + 1, prev_hash=head.last_hash, **values)
        ev.hash = event_hash(ev)
        uow.session.add(ev)
        head.last_seq, head.last_hash = ev.seq, ev.hash
        uow.session.commit()
        return ev.id


def item_chain(db, no="LZJ2015-0001") -> str:
    """The chain holding an item's events: one of the campaign's partitioned chains (by unit)."""
    return scalar(db, "SELECT e.chain FROM events e JOIN problem_items i ON i.id = e.item_id WHERE i.no = :no "
                      "ORDER BY e.id LIMIT 1", no=no)


def item_id(db, no):
    return scalar(db, "SELECT id FROM problem_items WHERE no = :no", no=no)


# --- rewriting the log ---------------------------------------------------------


def test_rewritten_chain_with_hashes_recomputed_no_longer_matches_its_anchor(anchored, cli):
    db, _ = anchored
    chain = item_chain(db)
    rewrite_chain(db, chain, 3, note="改写后的说明")
    failed(cli, db, f"审计链 {chain}", "锚点", "改写")


def test_rewrite_after_the_last_anchor_breaks_the_signatures(anchored, cli):
    db, items = anchored
    chain = item_chain(db)
    assert cli("item", "start", items["late"], db=db, as_user="wu", today="2015-09-16").code == 0
    last = scalar(db, "SELECT max(seq) FROM events WHERE chain = :c", c=chain)
    event_id = rewrite_chain(db, chain, last, actor="wang")
    failed(cli, db, f"审计链 {chain} 第 {last} 条", f"id={event_id}", "审计签名不符")


def test_last_event_deleted_and_head_rewound_is_found_by_the_anchor(anchored, cli):
    db, _ = anchored
    last = scalar(db, "SELECT max(seq) FROM events WHERE chain = 'security'")
    assert last == 1
    execute(db, "DELETE FROM events WHERE chain = 'security' AND seq = 1")
    execute(db, "UPDATE audit_chains SET last_seq = 0, last_hash = :g WHERE key = 'security'", g=GENESIS)
    failed(cli, db, "审计链 security 第 1 条", "锚点", "不存在")


def test_last_item_event_deleted_and_head_rewound_is_found_by_replay(logged, cli):
    """Without any key: the item's row says more happened than its events do."""
    db, items = logged
    chain = item_chain(db)
    assert cli("item", "start", items["late"], db=db, as_user="wu", today="2015-09-16").code == 0
    row = scalar(db, "SELECT max(seq) FROM events WHERE chain = :c", c=chain)
    victim = scalar(db, "SELECT item_id FROM events WHERE chain = :c AND seq = :s", c=chain, s=row)
    previous = scalar(db, "SELECT hash FROM events WHERE chain = :c AND seq = :s", c=chain, s=row - 1)
    execute(db, "DELETE FROM events WHERE chain = :c AND seq = :s", c=chain, s=row)
    execute(db, "UPDATE audit_chains SET last_seq = :s, last_hash = :h WHERE key = :c", s=row - 1, h=previous, c=chain)
    assert victim == item_id(db, items["late"])
    failed(cli, db, f"problem_items id={victim}（{items['late']}）", "state 为 rectifying", "version")


def test_forged_item_event_with_a_valid_hash_is_found_by_replay(logged, cli):
    db, items = logged
    chain = item_chain(db)
    late = item_id(db, items["late"])
    append_forged(db, chain, item_id=late, trigger="verify", from_state="submitted", to_state="verified")
    failed(cli, db, f"problem_items id={late}（{items['late']}）", "state", "verified")


def test_forged_event_with_a_valid_hash_has_no_signature(anchored, cli):
    db, _ = anchored
    forged = append_forged(db, "security", trigger="permission_denied", note="伪造的拒绝记录")
    failed(cli, db, "审计链 security 第 2 条", f"id={forged}", "没有审计签名")


def _delete_security_chain(db):
    execute(db, "DELETE FROM events WHERE chain = 'security'")
    execute(db, "DELETE FROM audit_chains WHERE key = 'security'")


def test_whole_security_chain_deleted_is_found(logged, cli):
    db, _ = logged
    _delete_security_chain(db)
    failed(cli, db, "审计链 security", "整条链")


def test_whole_security_chain_deleted_is_found_by_the_anchor(anchored, cli):
    db, _ = anchored
    _delete_security_chain(db)
    failed(cli, db, "审计链 security", "整条链已不在数据库中", "锚点")


# --- editing the rows ------------------------------------------------------------


@pytest.mark.parametrize("column,value,words", [
    ("state", "'verified'", ("state 为 verified", "应为 assigned")),
    ("due", "'2015-12-31'", ("due 为 2015-12-31", "2015-09-11")),
])
def test_item_row_edited_directly_is_named(logged, cli, column, value, words):
    db, items = logged
    late = item_id(db, items["late"])
    execute(db, f"UPDATE problem_items SET {column} = {value} WHERE id = :id", id=late)
    failed(cli, db, f"problem_items id={late}（{items['late']}）", *words)


def test_escalation_row_deleted_is_named(logged, cli):
    db, items = logged
    late = item_id(db, items["late"])
    escalation = scalar(db, "SELECT min(id) FROM escalations WHERE item_id = :id", id=late)
    execute(db, "DELETE FROM escalations WHERE id = :id", id=escalation)
    failed(cli, db, f"escalations id={escalation}（{items['late']} 的督办记录）", "已被删除")


def test_rows_that_decide_who_may_do_what_are_reconciled(logged, cli):
    db, _ = logged
    execute(db, "UPDATE persons SET roles = 'cadre,leader' WHERE login = 'wu'")
    failed(cli, db, "persons id=", "（wu）", "roles")
    execute(db, "UPDATE persons SET roles = 'cadre' WHERE login = 'wu'")
    assert cli("audit", "verify", db=db).code == 0
    execute(db, "UPDATE org_units SET head_id = (SELECT id FROM persons WHERE login = 'wu') WHERE code = 'JGC'")
    failed(cli, db, "org_units id=", "（JGC）", "head 为 wu", "sun")


def test_case_attachment_and_campaign_rows_are_reconciled(logged, cli):
    db, items = logged
    case = scalar(db, "SELECT id FROM cases")
    execute(db, "UPDATE cases SET state = 'dismissed' WHERE id = :id", id=case)
    failed(cli, db, f"cases id={case}", "state 为 dismissed")
    execute(db, "UPDATE cases SET state = 'proposed' WHERE id = :id", id=case)
    attachment = scalar(db, "SELECT id FROM attachments")
    execute(db, "DELETE FROM attachments WHERE id = :id", id=attachment)
    failed(cli, db, f"attachments id={attachment}（{items['verified']} 的佐证材料）", "已被删除")


def test_a_row_inserted_without_events_is_named(logged, cli):
    db, items = logged
    late = item_id(db, items["late"])
    execute(db, "INSERT INTO escalations (campaign_id, item_id, unit_id, level, cycle, on_date, reason, actor, "
                "automatic) SELECT campaign_id, id, unit_id, '挂牌督办', 0, '2015-09-16', '伪造', 'zhao', false "
                "FROM problem_items "
                "WHERE id = :id", id=late)
    failed(cli, db, "escalations id=", f"{items['late']} 的督办记录", "没有对应的事件")


# --- the anchors themselves ----------------------------------------------------------


def test_anchors_are_written_by_init_on_demand_and_by_the_tick(anchored, cli, files_dir):
    db, _ = anchored
    chain = item_chain(db)
    path = files_dir / "audit" / "anchors.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [a["n"] for a in lines] == [1, 2]
    chains = {h[0] for h in lines[-1]["heads"]}
    with get_engine(db).connect() as conn:  # every chain, the partitioned ones too
        assert chains == set(conn.execute(text("SELECT key FROM audit_chains")).scalars())
    assert {CAMPAIGN_CHAIN, chain, "org", "security"} <= chains and chain != CAMPAIGN_CHAIN
    r = cli("--json", "tick", "--through", "2015-09-11", "--no-documents", db=db, as_user="system")
    assert r.code == 0, r
    assert json.loads(r.stdout)["anchor"]["status"] == "written"
    assert len(path.read_text().splitlines()) == 3
    assert cli("audit", "verify", db=db).code == 0


def test_edited_or_deleted_anchors_file_is_found(anchored, cli, files_dir):
    db, _ = anchored
    path = files_dir / "audit" / "anchors.jsonl"
    lines = path.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["heads"] = [[chain, 0, GENESIS] if chain == "security" else [chain, seq, digest]
                       for chain, seq, digest in edited["heads"]]
    path.write_text("\n".join([lines[0], json.dumps(edited, separators=(",", ":"), sort_keys=True)]) + "\n")
    failed(cli, db, "锚点文件", "第 2 行", "签名不符")
    path.unlink()
    failed(cli, db, "锚点文件", "不存在")


def test_anchor_refuses_a_tampered_chain_and_writes_nothing(anchored, cli, files_dir):
    db, _ = anchored
    chain = item_chain(db)
    path = files_dir / "audit" / "anchors.jsonl"
    before = path.read_text()
    rewrite_chain(db, chain, 2, note="改写")
    r = cli("audit", "anchor", db=db)
    assert r.code == 3 and "未写入审计锚点" in r.stderr, r
    assert path.read_text() == before


def test_events_written_without_the_key_are_flagged_until_adopted(anchored, audit_key, cli, monkeypatch):
    db, items = anchored
    chain = item_chain(db)
    monkeypatch.delenv("DUBAN_AUDIT_KEY_FILE")
    assert cli("item", "start", items["late"], db=db, as_user="wu", today="2015-09-16").code == 0
    r = cli("audit", "verify", db=db)
    assert r.code == 0 and "未配置审计密钥" in r.stdout
    monkeypatch.setenv("DUBAN_AUDIT_KEY_FILE", str(audit_key))
    last = scalar(db, "SELECT max(seq) FROM events WHERE chain = :c", c=chain)
    failed(cli, db, f"审计链 {chain} 第 {last} 条", "没有审计签名")
    r = cli("audit", "anchor", db=db)
    assert r.code == 3 and "没有审计签名" in r.stderr, r
    assert cli("audit", "anchor", "--adopt-unsigned", db=db).code == 0
    assert cli("audit", "verify", db=db).code == 0


def test_anchor_needs_a_key(logged, cli):
    db, _ = logged
    r = cli("audit", "anchor", db=db)
    assert r.code == 2 and "DUBAN_AUDIT_KEY_FILE" in r.stderr
    r = cli("audit", "verify", db=db)
    assert r.code == 0 and "未配置审计密钥" in r.stdout
