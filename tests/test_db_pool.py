"""PostgreSQL's pooled connections: a connection the server closed is replaced before use, and a
checkout costs no round trip (no ping per request)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, text


def test_a_backend_the_server_terminated_is_replaced_without_a_failed_request(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to close a connection")
    from duban.services.setup import init_db
    from storage.db import ready_engine
    from storage.uow import UnitOfWork

    init_db(db_url)
    engine = ready_engine(db_url)
    with engine.connect() as conn:
        old = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()  # now idle in the pool
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": old}).scalar_one()
        for _ in range(100):  # the backend exits (and closes its socket) a moment after the signal
            if not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": old}).scalar():
                break
            time.sleep(0.05)
    admin.dispose()

    statements = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_: statements.append(statement))
    with UnitOfWork(db_url) as uow:  # what the next request of a console does
        uow.autocommit()
        new = uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert new != old
    with engine.connect() as conn:  # a healthy pooled connection: handed out as it is
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == new
    assert statements == ["SELECT pg_backend_pid()"] * 2  # no ping before either
