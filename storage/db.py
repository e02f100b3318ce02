"""Engines for SQLite (default) and PostgreSQL, configured for safe concurrent writers."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from duban.errors import BadInput


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@lru_cache(maxsize=64)
def get_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with an English message
        raise BadInput(f"数据库地址无效：{url}") from exc
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 60})
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise BadInput(f"不支持的数据库：{parsed.get_backend_name()}（支持 SQLite 与 PostgreSQL）")


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN; we take the write lock up
    # front (BEGIN IMMEDIATE) so concurrent writers queue instead of deadlocking.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A reader that asks for a snapshot (the audit) takes none: WAL keeps its view.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("duban_snapshot") else "BEGIN IMMEDIATE")
