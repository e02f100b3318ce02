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


def test_the_console_serves_concurrent_pages_on_the_connections_its_pool_keeps(campaign_db):
    """Eight people loading the item list at once, round after round: a console worker serves
    DUBAN_WEB_THREADS (here 2) requests at a time, so it never holds more connections than that,
    and it keeps them: a connection opened per request costs a new server process each time."""
    if not campaign_db.startswith("postgresql"):
        pytest.skip("SQLite has no server process per connection")
    import http.client
    import re
    import threading
    import urllib.parse

    import uvicorn

    from duban.web.app import create_app
    from duban.web.settings import WebSettings
    from storage.db import get_engine
    from tests.webconsole import Console, free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(WebSettings(db_url=campaign_db, threads=2)), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        Console(campaign_db, "").give_password("zhao")
        login = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        login.request("GET", "/login")
        first = login.getresponse()
        cookie = first.headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', first.read().decode()).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "login": "zhao", "password": "Passw0rd-测试", "next": "/"})
        login.request("POST", "/login", body=form, headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        answer = login.getresponse()
        answer.read()
        session = answer.headers["Set-Cookie"].split(";")[0]

        opened = []
        event.listen(get_engine(campaign_db), "connect", lambda *_: opened.append(1))
        statuses = []

        def person() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for _ in range(5):
                connection.request("GET", "/items?light=red", headers={"Cookie": session})
                response = connection.getresponse()
                response.read()
                statuses.append(response.status)

        people = [threading.Thread(target=person) for _ in range(8)]
        for p in people:
            p.start()
        for p in people:
            p.join()
        assert statuses == [200] * 40
        assert len(opened) <= 2  # at most one per request in hand, and kept for the next ones
    finally:
        server.should_exit = True
        thread.join(timeout=10)
