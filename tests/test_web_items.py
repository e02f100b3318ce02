"""The item page in a real browser: evidence upload, submit, verify, refusals, two clerks at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from webconsole import SQLITE_ONLY, add, events, log_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def evidence(tmp_path):
    path = tmp_path / "整改报告.pdf"
    path.write_bytes(PDF)
    return path


def state_of(db_url, no):
    from storage.uow import UnitOfWork

    with UnitOfWork(db_url) as uow:
        item = uow.items.get(no)
        return item.state, item.version


def action(page, trigger):
    return page.locator(f"form[data-action={trigger}]")


def test_owner_uploads_and_submits_office_verifies(browser, console, evidence, screenshots):
    red = add(console.db_url, "窗口服务推诿扯皮", due="2015-09-08")["no"]
    add(console.db_url, "会议精神传达不到位", due="2015-10-20")
    console.give_password("wu", "zhao")

    page = log_in(browser, console, "wu")
    page.goto(console.url("/items"))
    page.select_option("select[name=light]", "red")
    page.click(".filters button[type=submit]")
    assert page.locator("#items tbody tr").count() == 1
    page.click(f"#items a:text('{red}')")
    assert page.url == console.url(f"/items/{red}")
    assert "窗口服务推诿扯皮" in page.locator("#facts").inner_text()
    assert action(page, "verify").count() == 0  # a cadre is never offered verification
    action(page, "start").locator("button").click()
    assert "已开始整改" in page.locator(".message.ok").inner_text()
    action(page, "attach").locator("input[type=file]").set_input_files(str(evidence))
    action(page, "attach").locator("button").click()
    assert "整改报告.pdf" in page.locator("#evidence").inner_text()
    screenshots(page, "evidence-uploaded")
    action(page, "submit").locator("button").click()
    assert page.locator("#facts .state").inner_text() == "待验收"
    assert state_of(console.db_url, red)[0] == "submitted"

    page = log_in(browser, console, "zhao")
    assert red in page.locator("main").inner_text()  # 工作台: awaiting my verification
    page.goto(console.url(f"/items/{red}"))
    with page.expect_download() as download:
        page.click("#evidence a")
    assert download.value.suggested_filename == "整改报告.pdf"
    assert open(download.value.path(), "rb").read() == PDF
    action(page, "verify").locator("button").click()
    assert page.locator("#facts .state").inner_text() == "已销号"
    assert "验收销号" in page.locator("#history").inner_text()
    screenshots(page, "verified")
    verify = events(console.db_url, "verify")
    assert [e.actor for e in verify] == ["zhao"]


def test_submitters_own_verify_is_refused_with_the_cli_message(browser, console, evidence, cli, screenshots):
    no = add(console.db_url, "人事档案管理混乱", unit="RJC", person="qian", due="2015-09-30")["no"]
    console.give_password("qian")
    page = log_in(browser, console, "qian")
    page.goto(console.url(f"/items/{no}"))
    action(page, "start").locator("button").click()
    action(page, "attach").locator("input[type=file]").set_input_files(str(evidence))
    action(page, "attach").locator("button").click()
    action(page, "submit").locator("button").click()
    refused = page.locator(".refused[data-action=verify]")
    assert refused.locator("button").is_disabled()
    message = refused.locator(".hint").inner_text()
    assert "钱红（qian）" in message and "不能对该问题验收销号（职责分离）" in message
    screenshots(page, "own-verify-refused")

    # A crafted (or stale) form is refused by the service, with the CLI's very message.
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.context.request.post(console.url(f"/items/{no}/act/verify"), form={"csrf_token": csrf})
    assert response.status == 403
    assert message in response.text()
    assert state_of(console.db_url, no)[0] == "submitted"
    denied = [e for e in events(console.db_url, "permission_denied") if e.actor == "qian"]
    assert denied and denied[-1].note == message and "web POST" in denied[-1].payload
    result = cli("item", "verify", no, db=console.db_url, as_user="qian")
    assert result.code == 3 and result.stderr.strip() == f"错误：{message}"


@SQLITE_ONLY
def test_uploads_are_sniffed_and_limited(browser, console, tmp_path):
    no = add(console.db_url, "办事指南未公开", due="2015-09-30")["no"]
    console.give_password("wu")
    page = log_in(browser, console, "wu")
    page.goto(console.url(f"/items/{no}"))
    fake = tmp_path / "报告.pdf"
    fake.write_text("<html><script>alert(1)</script></html>")
    action(page, "attach").locator("input[type=file]").set_input_files(str(fake))
    action(page, "attach").locator("button").click()
    assert "佐证材料内容与扩展名不符：报告.pdf 不是 PDF 文件" in page.locator(".message.error").inner_text()
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    action(page, "attach").locator("input[type=file]").set_input_files(str(exe))
    action(page, "attach").locator("button").click()
    assert "佐证材料类型不支持：tool.exe" in page.locator(".message.error").inner_text()
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.context.request.post(console.url(f"/items/{no}/evidence"), multipart={
        "csrf_token": csrf,
        "file": {"name": "../../etc/passwd.txt", "mimeType": "text/plain", "buffer": b"plain words"}})
    assert response.status == 200
    from storage.models import Attachment
    from storage.uow import UnitOfWork

    with UnitOfWork(console.db_url) as uow:
        assert uow.session.scalars(select(Attachment.filename)).all() == ["passwd.txt"]


def test_two_clerks_on_one_item_one_wins_the_other_sees_the_conflict(browser, console, evidence, screenshots):
    from duban.services.items import attach_evidence, transition
    from storage.uow import UnitOfWork

    no = add(console.db_url, "窗口服务推诿扯皮", due="2015-09-30")["no"]
    with UnitOfWork(console.db_url) as uow:
        transition(uow, "wu", no, "start")
    with UnitOfWork(console.db_url) as uow:
        attach_evidence(uow, "wu", no, [evidence])
    with UnitOfWork(console.db_url) as uow:
        transition(uow, "wu", no, "submit")
    console.give_password("zhao", "li")
    first, second = log_in(browser, console, "zhao"), log_in(browser, console, "li")
    for page in (first, second):
        page.goto(console.url(f"/items/{no}"))
    action(second, "reject").locator("textarea").fill("佐证材料不全")
    action(first, "verify").locator("button").click()
    assert first.locator("#facts .state").inner_text() == "已销号"
    action(second, "reject").locator("button").click()
    assert "已被他人修改" in second.locator(".message.error").inner_text()
    assert second.locator("#facts .state").inner_text() == "已销号"  # the fresh state
    assert action(second, "reject").count() == 0
    screenshots(second, "conflict")
    assert state_of(console.db_url, no)[0] == "verified"
