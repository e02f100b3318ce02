"""Configuration from the environment, with sensible defaults.

DUBAN_DB     database URL (default: SQLite file in DUBAN_HOME)
DUBAN_HOME   data folder (default: ~/.duban)
DUBAN_FILES  evidence and issued-document store (default: beside the SQLite file, else DUBAN_HOME/files)
DUBAN_USER   acting person when --as is not given (default: system)
DUBAN_TODAY  business date override, YYYY-MM-DD (default: today in Asia/Shanghai)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def home() -> Path:
    return Path(os.environ.get("DUBAN_HOME") or Path.home() / ".duban")


def default_db_url() -> str:
    return os.environ.get("DUBAN_DB") or f"sqlite:///{home() / 'duban.sqlite'}"


def files_dir(db_url: str) -> Path:
    if os.environ.get("DUBAN_FILES"):
        return Path(os.environ["DUBAN_FILES"])
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


def load(db_url: str | None = None, actor: str | None = None) -> Settings:
    return Settings(
        db_url=db_url or default_db_url(),
        actor=actor or os.environ.get("DUBAN_USER") or "system",
    )
