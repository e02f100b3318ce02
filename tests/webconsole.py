"""Fixtures for the web console's tests: a real uvicorn server on loopback and Debian chromium.

The server runs in a thread of the test process (same DUBAN_TODAY, same files store); the
browser is the system chromium driven by Playwright, which downloads nothing.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import datetime as dt

import pytest
from sqlalchemy import select

CHROMIUM = os.environ.get("DUBAN_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("DUBAN_TEST_ARTIFACTS") or Path(__file__).resolve().parents[1] / "test-artifacts")
PASSWORD = "Passw0rd-测试"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Console:
    """A running console: its base URL and helpers to give people passwords."""

    def __init__(self, db_url: str, base: str):
        self.db_url, self.base = db_url, base

    def url(self, path: str) -> str:
        return self.base + path

    def give_password(self, *logins: str, password: str = PASSWORD, must_change: bool = False) -> None:
        from sqlalchemy import update

        from duban.services.accounts import set_password
        from storage.models import Account
        from storage.uow import UnitOfWork

        for login in logins:
            with UnitOfWork(self.db_url) as uow:
                set_password(uow, "system", login, password)
            if not must_change:  # as if the person had changed it at first login
                with UnitOfWork(self.db_url) as uow:
                    person = uow.org.person(login)
                    uow.session.execute(update(Account).where(Account.person_id == person.id).values(must_change=False))
                    uow.commit()


def start_server(db_url: str):
    import uvicorn

    from duban.web.app import create_app
    from duban.web.settings import WebSettings

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(WebSettings(db_url=db_url)), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def console(campaign_db):
    server, thread, base = start_server(campaign_db)
    yield Console(campaign_db, base)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"chromium is required under CI (make test installs it): {CHROMIUM}")
        pytest.skip(f"chromium not installed: {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def screenshots(request):
    """save(page, name): a full-page screenshot into test-artifacts/<test>/name.png."""
    folder = ARTIFACTS / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def log_in(browser, console: Console, login: str, password: str = PASSWORD):
    """A new browser context (its own cookies), logged in; returns the page on the 工作台."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(30_000)  # a loaded CI machine hashes passwords slowly
    page = context.new_page()
    page.goto(console.url("/login"))
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    return page


# Browser tests are slow: the ones about the pages run on SQLite only; those that write
# through the console (login, CSRF, conflicts) run on both databases.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def add(db_url, title, *, unit="JGC", person="wu", due=None, today="2015-09-01", category="懒", source="自查"):
    from duban.services.items import add_item
    from storage.uow import UnitOfWork

    with UnitOfWork(db_url) as uow:
        return add_item(uow, "qian", campaign=None, unit=unit, title=title, person=person, category=category,
                        source=source, due=dt.date.fromisoformat(due) if due else None,
                        today=dt.date.fromisoformat(today))


def events(db_url, trigger):
    from storage.models import Event
    from storage.uow import UnitOfWork

    with UnitOfWork(db_url) as uow:
        rows = uow.session.scalars(select(Event).where(Event.trigger == trigger).order_by(Event.id)).all()
        uow.session.expunge_all()
        return rows
