"""The web console in a real browser (Debian chromium): log in, 工作台, item list, CSRF, escaping."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update

from webconsole import PASSWORD, SQLITE_ONLY, add, events, log_in


@pytest.fixture
def items(console):
    """Red, yellow and green items of JGC (business date 2015-09-10), and one of another unit."""
    made = {
        "red1": add(console.db_url, "窗口服务推诿扯皮", due="2015-09-08"),
        "red2": add(console.db_url, "审批超时限办理", due="2015-09-09", category="庸"),
        "yellow": add(console.db_url, "工作纪律松散", due="2015-09-11"),
        "green": add(console.db_url, "会议精神传达不到位", due="2015-10-20"),
        "other": add(console.db_url, "质监站迟到早退", unit="ZJZ", person="chen", due="2015-09-07"),
    }
    return {k: v["no"] for k, v in made.items()}


def test_unit_head_logs_in_sees_red_items_and_filters_them(browser, console, items, screenshots):
    console.give_password("sun")
    page = log_in(browser, console, "sun")
    assert page.url == console.url("/"), page.content()
    assert page.locator("h1").inner_text().startswith("工作台")
    assert "孙立新（sun）" in page.locator(".who").inner_text()
    red_card = page.locator(".light-card-red").inner_text()
    assert re.search(r"红灯\s*3\s*项", red_card), red_card  # JGC's two reds and ZJZ's (below JGC)
    screenshots(page, "dashboard")

    page.click(".light-card-red")
    rows = page.locator("#items tbody tr")
    assert rows.count() == 3, page.locator("main").inner_text()
    assert {rows.nth(i).locator("td").first.inner_text() for i in range(3)} == {
        items["red1"], items["red2"], items["other"]}
    page.select_option("select[name=unit]", "JGC")
    page.select_option("select[name=category]", label="庸")
    page.click(".filters button[type=submit]")
    assert page.locator("#items tbody tr").count() == 1
    assert items["red2"] in page.locator("#items").inner_text()
    assert "light=red" in page.url and "unit=JGC" in page.url
    screenshots(page, "red-filtered")


def test_list_pages_and_searches(browser, console, items):
    console.give_password("zhao")
    page = log_in(browser, console, "zhao")
    page.goto(console.url("/items?per_page=2"))
    assert "共 5 项" in page.locator("h1").inner_text()
    assert page.locator("#items tbody tr").count() == 2
    assert "第 1 / 3 页" in page.locator(".pages").inner_text()
    page.click("a[rel=next]")
    assert "第 2 / 3 页" in page.locator(".pages").inner_text()
    assert page.locator("#items tbody tr").first.locator("td").first.inner_text() == items["yellow"]
    page.goto(console.url("/items?q=纪律"))
    assert page.locator("#items tbody tr").count() == 1
    page.goto(console.url("/items?light=purple"))
    assert "红黄绿灯无效：purple" in page.locator(".message.error").inner_text()


@SQLITE_ONLY
def test_script_in_a_title_shows_literally(browser, console):
    add(console.db_url, "<script>alert(1)</script>未整改", due="2015-09-08")
    console.give_password("zhao")
    page = log_in(browser, console, "zhao")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(console.url("/items"))
    assert "<script>alert(1)</script>未整改" in page.locator("#items").inner_text()
    assert page.locator("#items script").count() == 0
    assert dialogs == []


@SQLITE_ONLY
def test_wrong_passwords_are_refused_logged_and_throttled(browser, console):
    console.give_password("sun")
    page = log_in(browser, console, "sun", "wrong-password")
    assert "登录名或密码错误" in page.locator(".message.error").inner_text()
    for _ in range(4):
        log_in(browser, console, "sun", "wrong-password")
    page = log_in(browser, console, "sun")  # the right password, but locked now
    assert "请 15 分钟后再试" in page.locator(".message.error").inner_text()
    assert page.url.startswith(console.url("/login"))
    failed = events(console.db_url, "login_failed")
    assert [e.actor for e in failed] == ["sun"] * 5 and all(e.chain == "security" for e in failed)
    assert events(console.db_url, "login_throttled")
    page = log_in(browser, console, "nobody", "whatever1")  # an unknown login reads the same
    assert "登录名或密码错误" in page.locator(".message.error").inner_text()


@SQLITE_ONLY
def test_first_login_must_change_the_password(browser, console):
    console.give_password("wu", must_change=True)
    page = log_in(browser, console, "wu")
    assert page.url == console.url("/password")
    page.goto(console.url("/items"))
    assert page.url == console.url("/password")  # nothing else until it is changed
    page.fill("input[name=old]", PASSWORD)
    page.fill("input[name=new]", "短")
    page.fill("input[name=again]", "短")
    page.locator("input[name=new]").evaluate("e => e.removeAttribute('minlength')")
    page.locator("input[name=again]").evaluate("e => e.removeAttribute('minlength')")
    page.click("main button[type=submit]")
    assert "密码过短" in page.locator(".message.error").inner_text()
    page.fill("input[name=old]", PASSWORD)
    page.fill("input[name=new]", "新的密码-2015")
    page.fill("input[name=again]", "新的密码-2015")
    page.click("main button[type=submit]")
    assert page.url == console.url("/")
    assert log_in(browser, console, "wu", "新的密码-2015").url == console.url("/")
    assert [e.trigger for e in events(console.db_url, "password_changed")] == ["password_changed"]


def test_form_without_csrf_token_is_403(browser, console):
    console.give_password("zhao")
    page = log_in(browser, console, "zhao")
    response = page.context.request.post(console.url("/logout"), form={})
    assert response.status == 403
    assert "CSRF" in response.text()
    response = page.context.request.post(console.url("/logout"), form={"csrf_token": "forged"})
    assert response.status == 403
    page.goto(console.url("/"))
    assert page.url == console.url("/")  # still logged in


@SQLITE_ONLY
def test_logout_and_idle_timeout_end_the_session(browser, console):
    from storage.models import WebSession
    from storage.uow import UnitOfWork

    console.give_password("zhao")
    page = log_in(browser, console, "zhao")
    page.click("header button.link")
    assert page.url == console.url("/login")
    page.goto(console.url("/items"))
    assert page.url.startswith(console.url("/login"))
    assert [e.actor for e in events(console.db_url, "logout")] == ["zhao"]

    page = log_in(browser, console, "zhao")
    with UnitOfWork(console.db_url) as uow:
        uow.session.execute(update(WebSession).values(last_seen_at=dt.datetime(2000, 1, 1)))
        uow.commit()
    page.goto(console.url("/items"))
    assert page.url == console.url("/login?next=/items")


@SQLITE_ONLY
def test_security_headers_and_cookie_flags(browser, console):
    console.give_password("zhao")
    page = log_in(browser, console, "zhao")
    response = page.goto(console.url("/"))
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    cookie = next(c for c in page.context.cookies() if c["name"] == "duban_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
