"""Engines for SQLite (default) and PostgreSQL, configured for safe concurrent writers.

``ready_engine`` is what the unit of work uses: it refuses, with one clear line, a
database that cannot be reached (exit 5) or that ``duban init`` has not created (exit 2),
and it never creates a SQLite file or folder on the way. Only ``duban init`` does.
"""

from __future__ import annotations

import contextlib
import select
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError

from duban.config import normalise_db_url
from duban.errors import BadInput, ConcurrentModification, DatabaseUnavailable, NotInitialised

NOT_INITIALISED = "数据库尚未初始化：请先执行 duban init"
# How long a SQLite connection waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 60


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@lru_cache(maxsize=64)
def get_engine(url: str) -> Engine:
    url = normalise_db_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with an English message
        raise BadInput(f"数据库地址无效：{url}") from exc
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        try:
            engine = create_engine(url, pool_recycle=RECYCLE_SECONDS, pool_size=POOL_SIZE)
        except ImportError as exc:  # postgresql+psycopg2:// and friends without their driver
            raise BadInput(f"数据库驱动未安装：{parsed.drivername}（请用 postgresql+psycopg://）") from exc
        event.listen(engine, "checkout", _refuse_closed_by_server)
        return engine
    raise BadInput(f"不支持的数据库：{parsed.get_backend_name()}（支持 SQLite 与 PostgreSQL）")


RECYCLE_SECONDS = 1800  # a pooled PostgreSQL connection is replaced after half an hour
# PostgreSQL connections a process keeps open: a console worker serves up to DUBAN_WEB_THREADS
# (8) requests at once, one connection each. Past the pool, a connection is opened and closed
# per use (a new server process each time: milliseconds of CPU on both sides).
POOL_SIZE = 10


def _refuse_closed_by_server(dbapi_connection, _record, _proxy) -> None:
    """A pooled PostgreSQL connection the server has closed (restarted, or the backend
    terminated) is replaced before use. An idle connection has nothing to read unless the server
    sent its farewell and closed the socket, so a poll that costs no round trip tells (what
    ``pool_pre_ping``'s SELECT 1 on every checkout told). Raising ``DisconnectionError`` makes the
    pool discard it and connect anew."""
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        closed = bool(poller.poll(0))
    except Exception:  # psycopg's fileno() of a connection it knows is closed raises
        closed = True
    if closed:
        raise DisconnectionError("the server closed this pooled connection")


def shown_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine (None for PostgreSQL and in-memory SQLite)."""
    if is_sqlite(engine) and engine.url.database not in (None, "", ":memory:"):
        return Path(engine.url.database)
    return None


def check_location(engine: Engine, *, create: bool = False, create_dirs: bool = False) -> None:
    """A SQLite file must exist (or, when ``create``, its folder must) before we connect:
    connecting would create the file, and nothing but ``duban init`` may."""
    path = sqlite_file(engine)
    if path is None:
        return
    if path.is_dir():
        raise DatabaseUnavailable(f"无法打开数据库：{path} 是目录，不是数据库文件")
    if path.exists():
        return
    folder = path.parent
    if not folder.is_dir():
        if create and create_dirs:
            folder.mkdir(parents=True, exist_ok=True)
            return
        hint = "；如需新建此目录请执行 duban init --mkdir" if create else "（新数据库请执行 duban init --mkdir）"
        raise DatabaseUnavailable(f"无法打开数据库：目录 {folder} 不存在{hint}")
    if not create:
        raise NotInitialised(f"{NOT_INITIALISED}（数据库文件 {path} 不存在）")


@contextlib.contextmanager
def reaching(engine: Engine):
    """Turn a failed connection into one Chinese line: exit 4 when another process holds the
    SQLite write lock past the busy timeout (retrying helps), else exit 5."""
    try:
        yield
    except DBAPIError as exc:
        if is_sqlite(engine) and _busy(exc):
            raise ConcurrentModification(
                f"数据库正忙：另一个进程正在写入 {sqlite_file(engine) or shown_url(engine)}，请稍后重试") from exc
        raise DatabaseUnavailable(f"无法连接数据库 {shown_url(engine)}：{describe_failure(exc)}") from exc


_FAILURES = (
    ("connection refused", "连接被拒绝（数据库服务未启动，或地址、端口不对）"),
    ("could not translate host name", "主机名无法解析"),
    ("name or service not known", "主机名无法解析"),
    ("timeout", "连接超时"),
    ("timed out", "连接超时"),
    ("password authentication failed", "用户名或密码不对"),
    ("no password supplied", "需要密码"),
    ("does not exist", "数据库或用户不存在"),
    ("unable to open database file", "无法打开数据库文件（检查目录与权限）"),
    ("file is not a database", "文件不是 SQLite 数据库"),
    ("readonly database", "数据库文件只读"),
    ("disk i/o error", "磁盘读写错误"),
    ("server closed the connection", "服务器中断了连接"),
)


def _busy(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def describe_failure(exc: DBAPIError) -> str:
    text = str(exc.orig).lower()
    return next((said for marker, said in _FAILURES if marker in text), "连接失败")


@lru_cache(maxsize=64)
def ready_engine(url: str) -> Engine:
    """The engine of a database ``duban init`` has created; checked once per process."""
    engine = get_engine(url)
    check_location(engine)
    with reaching(engine), engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            raise NotInitialised(NOT_INITIALISED)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN; we take the write lock up
    # front (BEGIN IMMEDIATE) so concurrent writers queue instead of deadlocking.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A reader that asks for a snapshot (the audit) takes none: WAL keeps its view.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("duban_snapshot") else "BEGIN IMMEDIATE")
