"""Audit: verify the event log, anchor it outside the database, reconcile the rows with it.

``verify`` (``duban audit verify``) checks, in one consistent snapshot of the database:

1. the anchors file, if an audit key is configured: every line MACed with the key and
   linked to the line before (``anchors``);
2. every anchored chain head is still in the database, unchanged (``anchors``);
3. every chain's links and content hashes from its first event, and with the key the MAC
   of every event written after the chain's last anchor (``storage.eventlog``);
4. the chains that must exist do: ``org``, ``security`` and one per campaign (a campaign's
   item chains, ``storage.uow.unit_chain``, come and go with its items: anchors name them);
5. every item and case row (and the escalations, evidence, deadline changes and documents
   hanging off them) is what replaying its events gives (``replay``), and so are people's
   roles, unit heads, campaign plans, draws, satisfaction rounds and commendations
   (``records``).

``write_anchor`` (``duban audit anchor``, the daily tick, ``duban init``) appends the
current heads of all chains to the anchors file, after checking each chain from its last
anchor on. See README.md ("审计") for what this does and does not detect.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import select

from duban import config
from duban.errors import BadInput, IntegrityFailure
from duban.services.audit import anchors as anchor_file
from duban.services.audit.problems import AuditProblem
from duban.services.audit.records import CHECKS
from duban.services.audit.replay import reconcile_items_and_cases
from storage import eventlog
from storage.models import AuditChain, Campaign, Event, utcnow
from storage.uow import ORG_CHAIN, SECURITY_CHAIN, UnitOfWork, campaign_chain


def _snapshot(uow: UnitOfWork) -> None:
    """Read everything from one snapshot, so writers working meanwhile raise no false alarm.

    PostgreSQL: REPEATABLE READ. SQLite: a deferred transaction (WAL keeps its snapshot),
    not duban's usual BEGIN IMMEDIATE, so writers are not held up while we read.
    """
    if uow.engine.dialect.name == "postgresql":
        uow.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        uow.session.connection(execution_options={"duban_snapshot": True})


def _db_url(uow: UnitOfWork) -> str:
    return uow.engine.url.render_as_string(hide_password=False)


def _chains_present(uow: UnitOfWork) -> tuple[dict[str, AuditChain], set[str]]:
    heads = {head.key: head for head in uow.session.scalars(select(AuditChain))}
    return heads, set(heads) | set(uow.session.scalars(select(Event.chain).distinct()))


def _required_chains(uow: UnitOfWork, present: set[str]) -> list[AuditProblem]:
    """The org and security chains exist from `duban init` on, a campaign's from its loading."""
    required = [ORG_CHAIN, SECURITY_CHAIN] + [campaign_chain(c) for c in uow.session.scalars(select(Campaign))]
    return [AuditProblem(f"审计链 {chain}", "整条链缺失（链头与全部记录被删除）", chain=chain)
            for chain in required if chain not in present]


def _read_anchors(path: Path, key: bytes) -> tuple[list[anchor_file.Anchor], list[AuditProblem]]:
    if not path.exists():
        return [], [AuditProblem(f"锚点文件 {path}", "不存在：配置审计密钥后须先运行 duban audit anchor"
                                                     "（若曾经生成过，则文件被删除或移走）")]
    found, problems = anchor_file.parse(path.read_text(encoding="utf-8", errors="replace"), path)
    return found, problems + anchor_file.check_file(found, key, path)


def verify(uow: UnitOfWork) -> dict:
    """Everything `duban audit verify` checks; ``problems`` is empty when all holds."""
    _snapshot(uow)
    key = config.audit_key()
    path = config.anchors_path(_db_url(uow))
    problems: list[AuditProblem] = []
    found: list[anchor_file.Anchor] = []
    if key is not None:
        found, problems = _read_anchors(path, key)
    heads, present = _chains_present(uow)
    problems += anchor_file.check_database(uow.session, found, present)
    anchored = {chain: seq for chain, (seq, _) in anchor_file.latest_heads(found).items()}
    checked, broken = eventlog.verify(uow.session, key=key, anchored=anchored)
    problems += [AuditProblem.from_chain(p) for p in broken]
    problems += _required_chains(uow, present)
    reconciled, counts = reconcile_items_and_cases(uow.session)
    problems += reconciled
    for check in CHECKS:
        problems += check(uow)
    return {
        "ok": not problems, "checked": checked, "chains": len(present), "reconciled": counts,
        "anchors": {"path": str(path), "key": key is not None, "count": len(found),
                    "latest": found[-1].data["n"] if found else None,
                    "latest_at": found[-1].data["at"] if found else None},
        "problems": [p.__dict__ | {"message": p.message} for p in problems],
    }


def _require_key() -> bytes:
    key = config.audit_key()
    if key is None:
        raise BadInput("未配置审计密钥：请设置 DUBAN_AUDIT_KEY_FILE（用 duban audit keygen 生成）或 DUBAN_AUDIT_KEY")
    return key


def write_anchor(uow: UnitOfWork, *, adopt_unsigned: bool = False) -> dict:
    """Append the heads of all chains to the anchors file, once each chain checks out since its last anchor.

    Events after the last anchor must carry valid MACs, except at the very first anchor
    (which vouches for the history as it stands) or with ``adopt_unsigned`` (after a
    writer ran without the key and a person checked what it wrote).
    """
    key = _require_key()
    path = config.anchors_path(_db_url(uow))
    with anchor_file.locked(path) as fh:
        found, problems = anchor_file.parse(fh.read(), path)
        problems += anchor_file.check_file(found, key, path)
        _snapshot(uow)
        heads, present = _chains_present(uow)
        previous = anchor_file.latest_heads(found)
        checked = 0
        for chain in sorted(present | set(previous)):
            head = heads.get(chain)
            if head is None:
                what = "链头记录缺失" if chain in present else "整条链已不在数据库中"
                problems.append(AuditProblem(f"审计链 {chain}", f"{what}（上一锚点记有此链）" if chain in previous else what,
                                             chain=chain))
                continue
            start = previous.get(chain, (0, eventlog.GENESIS))
            unsigned_ok = adopt_unsigned or not found
            count, problem = eventlog.verify_chain(uow.session, head, start=start, key=key,
                                                   signed_after=head.last_seq if unsigned_ok else start[0])
            checked += count
            if problem:
                problems.append(AuditProblem.from_chain(problem))
        problems += _required_chains(uow, present)
        if problems:
            raise IntegrityFailure(f"未写入审计锚点：{problems[0].message}（共 {len(problems)} 处问题，详见 duban audit verify）")
        line = anchor_file.make_anchor(key, found[-1] if found else None,
                                       [(chain, head.last_seq, head.last_hash) for chain, head in heads.items()],
                                       utcnow())
        anchor_file.append(fh, line)
    written = anchor_file.parse(line, path)[0][0]
    return {"path": str(path), "n": written.data["n"], "at": written.data["at"], "chains": len(heads),
            "events_checked": checked, "heads": written.data["heads"]}


def anchor_if_keyed(start_uow) -> dict:
    """The daily tick's (and `duban init`'s) anchor: written when a key is configured; a refusal is reported."""
    if config.audit_key() is None:
        return {"status": "no_key"}
    try:
        with start_uow() as uow:
            return {"status": "written", **write_anchor(uow)}
    except IntegrityFailure as refusal:
        return {"status": "refused", "message": refusal.message}


def keygen(out: Path) -> dict:
    """A new random audit key in a file only its owner can read; never overwrites a key."""
    out = Path(out)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadInput(f"{out} 已存在：不覆盖已有的审计密钥") from None
    except OSError as exc:
        raise BadInput(f"无法写入审计密钥文件 {out}：{exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    return {"path": str(out.resolve()), "key_id": anchor_file.key_id(key)}
