"""Create or upgrade a database through Alembic (``duban init``)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage.db import check_location, get_engine, reaching

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(db_url: str) -> str | None:
    """The schema revision of an existing database (a missing SQLite file is not created)."""
    engine = get_engine(db_url)
    check_location(engine)
    with reaching(engine), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_lag(db_url: str) -> str | None:
    """Why a database's schema does not fit this program, or None when it does.

    Asked only after a statement failed, so that ordinary commands never pay for
    reading the migration scripts.
    """
    try:
        current = current_revision(db_url)
    except Exception:  # unreachable or unreadable: the original error stands
        return None
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    if current is None or current == head:
        return None
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        return f"数据库结构版本 {current} 比本程序新（本程序为 {head}）：请升级 duban 后再使用此数据库"
    return f"数据库结构版本 {current} 低于本程序所需的 {head}：请先执行 duban init 升级（已有数据保留）"


def upgrade(db_url: str, *, create_dirs: bool = False) -> tuple[str | None, str]:
    """Upgrade to head; returns (revision before, revision after).

    A new SQLite file is created in an existing folder; the folder itself only
    with ``create_dirs`` (``duban init --mkdir``, or the default DUBAN_HOME).
    """
    engine = get_engine(db_url)
    check_location(engine, create=True, create_dirs=create_dirs)
    with reaching(engine), engine.connect() as conn:
        before = MigrationContext.configure(conn).get_current_revision()
    with _migrating(engine) as cfg:
        command.upgrade(cfg, "head")
    return before, head_revision()


def downgrade(db_url: str, revision: str) -> None:
    """Back to ``revision`` (tests of upgrading an older database)."""
    with _migrating(get_engine(db_url)) as cfg:
        command.downgrade(cfg, revision)


@contextmanager
def _migrating(engine):
    """Alembic's configuration on one transaction; on SQLite, foreign keys are off meanwhile.

    A batch migration recreates a table that others point at (copy, drop, rename), which
    SQLite refuses with foreign keys on. Its own procedure for such changes is followed:
    foreign keys off before the transaction (the pragma is ignored inside one), every
    reference checked before the commit, foreign keys on again.
    """
    sqlite = engine.dialect.name == "sqlite"
    cfg = alembic_config()
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        if sqlite:
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                yield cfg
                if sqlite:
                    dangling = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if dangling:
                        tables = "、".join(sorted({row[0] for row in dangling}))
                        raise RuntimeError(f"升级后数据表 {tables} 有 {len(dangling)} 行引用了不存在的记录，已回滚")
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=ON")
