"""Anchors: the chain heads, MACed with the audit key and written outside the database.

The anchors file (``config.anchors_path``, by default ``FILES/audit/anchors.jsonl``) gets
one line per anchor, canonical JSON::

    {"v": 1, "n": 7, "at": "2015-10-20T00:00:03Z",
     "heads": [["campaign:MS2015", 812, "<sha256>"], ["org", 3, "…"], ["security", 5, "…"]],
     "prev": "<sha256 of line 6>", "key_id": "<16 hex>", "mac": "<HMAC-SHA256>"}

``heads`` is the SET of every chain's (name, sequence number, hash), sorted by name, so a
database that splits one chain into many (per unit, N shards: issue #16) anchors them all
the same way; a Merkle root over them can replace the list when it grows long. ``prev``
links each line to the one before, and the MAC covers the whole line without ``mac``, so
a line cannot be edited, reordered or forged without the key.

A database whose chain was rewritten (every later hash recomputed), cut back (the last
events deleted and the head rewound) or deleted no longer has the anchored event at the
anchored sequence number with the anchored hash.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.services.audit.problems import AuditProblem
from storage.eventlog import GENESIS, canonical_json
from storage.models import Event

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Anchor:
    line_no: int
    text: str
    data: dict

    @property
    def heads(self) -> list[tuple[str, int, str]]:
        return [(chain, seq, digest) for chain, seq, digest in self.data["heads"]]


def key_id(key: bytes) -> str:
    """Names the key in each anchor (a hash, never the key), so a key change is reported as such."""
    return hashlib.sha256(b"duban-audit-key-id:" + key).hexdigest()[:16]


def _mac(key: bytes, data: dict) -> str:
    body = canonical_json({k: v for k, v in data.items() if k != "mac"})
    return hmac.new(key, b"anchor:" + body.encode(), hashlib.sha256).hexdigest()


def _line_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_anchor(key: bytes, previous: Anchor | None, heads: list[tuple[str, int, str]],
                at: dt.datetime) -> str:
    data = {
        "v": FORMAT_VERSION,
        "n": previous.data["n"] + 1 if previous else 1,
        "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "heads": [list(head) for head in sorted(heads)],
        "prev": _line_hash(previous.text) if previous else GENESIS,
        "key_id": key_id(key),
    }
    data["mac"] = _mac(key, data)
    return canonical_json(data)


def parse(text: str, where: Path) -> tuple[list[Anchor], list[AuditProblem]]:
    anchors, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            heads = data["heads"]
            assert isinstance(data["n"], int) and all(len(h) == 3 for h in heads)
            anchors.append(Anchor(number, line, data))
        except (ValueError, KeyError, TypeError, AssertionError):
            problems.append(AuditProblem(f"锚点文件 {where} 第 {number} 行", "无法解析（文件被改动或损坏）"))
    return anchors, problems


def check_file(anchors: list[Anchor], key: bytes, where: Path) -> list[AuditProblem]:
    """Each line MACed with this key and linked to the line before it."""
    problems, previous = [], None
    for anchor in anchors:
        place = f"锚点文件 {where} 第 {anchor.line_no} 行（锚点 #{anchor.data.get('n')}）"
        if anchor.data.get("key_id") != key_id(key):
            problems.append(AuditProblem(place, f"由另一密钥签署（密钥标识 {anchor.data.get('key_id')}，"
                                                f"当前密钥 {key_id(key)}）"))
        elif not hmac.compare_digest(str(anchor.data.get("mac", "")), _mac(key, anchor.data)):
            problems.append(AuditProblem(place, "签名不符（锚点被改动或伪造）"))
        elif anchor.data.get("prev") != (_line_hash(previous.text) if previous else GENESIS) or \
                anchor.data["n"] != (previous.data["n"] + 1 if previous else 1):
            problems.append(AuditProblem(place, "与前一锚点不相接（锚点被删除、插入或调换）"))
        previous = anchor
    return problems


def latest_heads(anchors: list[Anchor]) -> dict[str, tuple[int, str]]:
    """Per chain, the furthest anchored (sequence number, hash)."""
    latest: dict[str, tuple[int, str]] = {}
    for anchor in anchors:
        for chain, seq, digest in anchor.heads:
            if seq >= latest.get(chain, (-1, ""))[0]:
                latest[chain] = (seq, digest)
    return latest


def check_database(session: Session, anchors: list[Anchor], chains_present: set[str]) -> list[AuditProblem]:
    """Every anchored head is still in the database: that event, at that number, with that hash.

    One problem per chain at most: the first anchored event that no longer matches.
    """
    wanted: dict[str, dict[int, list[tuple[str, int]]]] = {}  # chain -> seq -> [(hash, anchor n)]
    for anchor in anchors:
        for chain, seq, digest in anchor.heads:
            wanted.setdefault(chain, {}).setdefault(seq, []).append((digest, anchor.data["n"]))
    problems = []
    for chain, by_seq in sorted(wanted.items()):
        if chain not in chains_present:
            seq = max(by_seq)
            problems.append(AuditProblem(f"审计链 {chain}", f"整条链已不在数据库中（锚点 #{by_seq[seq][-1][1]} 记有其第 {seq} 条）",
                                         chain=chain, seq=seq))
            continue
        seqs = sorted(seq for seq in by_seq if seq > 0)
        found: dict[int, tuple[str, int]] = {}
        for start in range(0, len(seqs), 500):
            rows = session.execute(select(Event.seq, Event.hash, Event.id).where(
                Event.chain == chain, Event.seq.in_(seqs[start:start + 500])))
            found.update({seq: (digest, id_) for seq, digest, id_ in rows})
        problems += _first_mismatch(chain, seqs, by_seq, found)
    return problems


def _first_mismatch(chain: str, seqs: list[int], by_seq: dict, found: dict) -> list[AuditProblem]:
    for seq in seqs:
        for digest, number in by_seq[seq]:
            if seq not in found:
                return [AuditProblem(f"审计链 {chain} 第 {seq} 条", f"锚点 #{number} 记有这条记录，数据库中已不存在"
                                     "（末尾记录被删除、链被截短）", chain=chain, seq=seq)]
            if found[seq][0] != digest:
                return [AuditProblem(f"审计链 {chain} 第 {seq} 条（事件 id={found[seq][1]}）",
                                     f"哈希与锚点 #{number} 所记不符（此前的记录被改写后重算了哈希）",
                                     chain=chain, seq=seq, event_id=found[seq][1])]
    return []


@contextmanager
def locked(path: Path):
    """The anchors file opened for reading and appending, locked against other anchor writers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.seek(0)
            yield fh
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def append(fh, line: str) -> None:
    fh.seek(0, os.SEEK_END)
    fh.write(line + "\n")
    fh.flush()
    os.fsync(fh.fileno())
