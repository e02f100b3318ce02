"""Shared fixtures: real SQLite and PostgreSQL databases, the CLI, table dumps.

PostgreSQL: DUBAN_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
Each test session creates its own database there and drops it at the end; each
test gets a fresh schema in it. With CI=true PostgreSQL tests never skip.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "campaigns" / "lanzhou-2015.yaml"
ORG = ROOT / "tests" / "data" / "org-small.csv"
pytest_plugins = ["webconsole"]  # the web console's server and browser fixtures

PG_URL = os.environ.get("DUBAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_database():
    """A throwaway PostgreSQL database for this test session, or skip (never under CI)."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"duban_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"PostgreSQL is required under CI but unreachable at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    # pg_trgm (migration 0710) is one per database: installed here in public, it belongs to no
    # test's schema, so dropping a schema never drops it from under another test's index.
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    yield url
    from storage.db import get_engine

    get_engine.cache_clear()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """An empty database URL: a SQLite file, or a fresh schema in the session's PG database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'duban.sqlite'}"
        return
    base = request.getfixturevalue("pg_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    from storage.db import get_engine

    get_engine(url.render_as_string(hide_password=False)).dispose()
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def files_dir(tmp_path, monkeypatch):
    path = tmp_path / "files"
    monkeypatch.setenv("DUBAN_FILES", str(path))
    return path


@pytest.fixture
def audit_key(tmp_path, monkeypatch):
    """A fresh audit key file, configured for the test (events MACed, anchors written)."""
    from duban.services.audit import keygen

    path = tmp_path / "keys" / "audit.key"
    path.parent.mkdir()
    keygen(path)
    monkeypatch.setenv("DUBAN_AUDIT_KEY_FILE", str(path))
    return path


@pytest.fixture
def campaign_db(db_url, files_dir, monkeypatch):
    """Initialised database with the 2015 reference plan and a small bureau loaded."""
    monkeypatch.setenv("DUBAN_TODAY", "2015-09-10")
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.uow import UnitOfWork

    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", PLAN)
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", ORG)
    return db_url


class CliResult:
    def __init__(self, code: int, stdout: str, stderr: str):
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def json(self):
        import json

        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, stdout={self.stdout[:300]!r}, stderr={self.stderr[:300]!r})"


@pytest.fixture
def cli(monkeypatch):
    """Run `duban ARGS…` in-process, the way main() runs it; returns code, stdout, stderr."""
    from duban import cli as cli_module

    def run(*args: str, db: str | None = None, as_user: str | None = None, json: bool = False,
            today: str | None = None) -> CliResult:
        argv = ["duban"]
        if db:
            argv += ["--db", db]
        if as_user:
            argv += ["--as", as_user]
        if json:
            argv += ["--json"]
        if today:
            argv += ["--today", today]
        argv += [str(a) for a in args]
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "argv", argv)
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli_module.main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


def run_duban(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real `duban` entry point in a separate process."""
    return subprocess.run([sys.executable, "-m", "duban", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=ROOT)


def dump(db_url: str, *, with_security_log: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: to prove a failed command changed nothing.

    Refused actions are deliberately logged on the 'security' chain after the
    rollback; that log is left out unless asked for.
    """
    from storage.db import get_engine

    engine = get_engine(db_url)
    result = {}
    with engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            query = f'SELECT * FROM "{table}"'
            if table == "events" and not with_security_log:
                query += " WHERE chain <> 'security'"
            if table == "audit_chains" and not with_security_log:
                query += " WHERE key <> 'security'"
            rows = conn.execute(text(query)).all()
            result[table] = sorted((tuple(map(repr, r)) for r in rows))
    return result
