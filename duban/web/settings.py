"""Console settings, from the environment like the rest of duban.

DUBAN_WEB_IDLE_MINUTES   idle timeout of a session (default 30)
DUBAN_WEB_SECURE_COOKIES 1: cookies only over HTTPS (set when the reverse proxy terminates TLS)
DUBAN_WEB_THREADS        requests a worker process serves at once (default 8); the others wait
                         their turn in arrival order. Each holds one database connection, so the
                         pool keeps this many open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class WebSettings:
    db_url: str
    idle_minutes: int = 30
    secure_cookies: bool = False
    threads: int = 8

    @classmethod
    def from_env(cls, db_url: str) -> WebSettings:
        return cls(db_url=db_url, idle_minutes=int(os.environ.get("DUBAN_WEB_IDLE_MINUTES") or 30),
                   secure_cookies=os.environ.get("DUBAN_WEB_SECURE_COOKIES", "") in ("1", "true", "yes"),
                   threads=int(os.environ.get("DUBAN_WEB_THREADS") or 8))
