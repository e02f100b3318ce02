"""Configuration from the environment, with sensible defaults.

DUBAN_DB     database URL (default: SQLite file in DUBAN_HOME)
DUBAN_HOME   data folder (default: ~/.duban)
DUBAN_FILES  evidence and issued-document store (default: beside the SQLite file, else DUBAN_HOME/files)
DUBAN_USER   acting person when --as is not given (default: system)
DUBAN_TODAY  business date override, YYYY-MM-DD (default: today in Asia/Shanghai)
DUBAN_AUDIT_KEY / DUBAN_AUDIT_KEY_FILE  the audit key (hex), or the file holding it (default: none)
DUBAN_AUDIT_ANCHORS  the audit anchors file (default: FILES/audit/anchors.jsonl)

This module is imported by ``duban --help``: SQLAlchemy loads only when a URL is parsed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

# URL schemes people type for PostgreSQL, and the driver duban installs (psycopg 3).
_POSTGRES_SCHEMES = ("postgres://", "postgresql://", "postgres+psycopg://")
POSTGRES_DRIVER_SCHEME = "postgresql+psycopg://"


def home() -> Path:
    return Path(os.environ.get("DUBAN_HOME") or Path.home() / ".duban")


def default_db_url() -> str:
    return normalise_db_url(os.environ.get("DUBAN_DB") or "") or builtin_db_url()


def builtin_db_url() -> str:
    """The SQLite file used when neither --db nor DUBAN_DB is given."""
    return f"sqlite:///{home() / 'duban.sqlite'}"


def normalise_db_url(url: str) -> str:
    """postgres:// and postgresql:// mean PostgreSQL through psycopg, the driver duban ships."""
    url = url.strip()
    for scheme in _POSTGRES_SCHEMES:
        if url.startswith(scheme):
            return POSTGRES_DRIVER_SCHEME + url[len(scheme):]
    return url


def files_dir(db_url: str) -> Path:
    if os.environ.get("DUBAN_FILES"):
        return Path(os.environ["DUBAN_FILES"])
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).resolve().parent / "files"
    return home() / "files"


def holidays_dir() -> Path:
    return Path(os.environ.get("DUBAN_HOLIDAYS_DIR") or home() / "holidays")


@dataclass(frozen=True)
class Settings:
    db_url: str
    actor: str

    @property
    def files(self) -> Path:
        return files_dir(self.db_url)

    @property
    def builtin_db(self) -> bool:
        """True for the default SQLite file in DUBAN_HOME, whose folder duban may create."""
        return self.db_url == builtin_db_url()


def load(db_url: str | None = None, actor: str | None = None) -> Settings:
    return Settings(
        db_url=normalise_db_url(db_url or "") or default_db_url(),
        actor=actor or os.environ.get("DUBAN_USER") or "system",
    )


AUDIT_KEY_MIN_BYTES = 32


def audit_key() -> bytes | None:
    """The key that signs events and anchors, from outside the database; None if not configured."""
    if os.environ.get("DUBAN_AUDIT_KEY"):
        return _parse_audit_key(os.environ["DUBAN_AUDIT_KEY"], "DUBAN_AUDIT_KEY")
    name = os.environ.get("DUBAN_AUDIT_KEY_FILE")
    if not name:
        return None
    try:
        info = os.stat(name)
    except OSError as exc:
        from duban.errors import BadInput

        raise BadInput(f"无法读取审计密钥文件 {name}：{exc.strerror}") from None
    return _read_audit_key_file(name, info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=4)
def _read_audit_key_file(name: str, _mtime_ns: int, _size: int) -> bytes:
    # Cached per file version: a sweep records thousands of events.
    with open(name, encoding="ascii", errors="replace") as fh:
        return _parse_audit_key(fh.read(4096), name)


def _parse_audit_key(text: str, where: str) -> bytes:
    from duban.errors import BadInput

    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise BadInput(f"审计密钥无效（{where}）：应为十六进制文本，可用 duban audit keygen 生成") from None
    if len(key) < AUDIT_KEY_MIN_BYTES:
        raise BadInput(f"审计密钥过短（{where}）：至少 {AUDIT_KEY_MIN_BYTES} 字节（{AUDIT_KEY_MIN_BYTES * 2} 个十六进制字符）")
    return key


AUDIT_SHARDS_DEFAULT = 16
AUDIT_SHARDS_MAX = 256


def audit_shards() -> int:
    """How many event chains carry a campaign's item events (DUBAN_AUDIT_SHARDS, 1–256; default 16).

    Writers of items in different chains never wait for each other. 1 keeps every event of a
    campaign on its one chain, as before. Give every writer of a database the same value.
    """
    text = os.environ.get("DUBAN_AUDIT_SHARDS", "").strip()
    if not text:
        return AUDIT_SHARDS_DEFAULT
    if not text.isdigit() or not 1 <= int(text) <= AUDIT_SHARDS_MAX:
        from duban.errors import BadInput

        raise BadInput(f"DUBAN_AUDIT_SHARDS 应为 1–{AUDIT_SHARDS_MAX} 的整数，实为 {text}")
    return int(text)


def anchors_path(db_url: str) -> Path:
    return Path(os.environ.get("DUBAN_AUDIT_ANCHORS") or files_dir(db_url) / "audit" / "anchors.jsonl")
