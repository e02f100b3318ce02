"""The console's other pages in a real browser: cases, overview, 台账, documents, draws, export."""

from __future__ import annotations

import datetime as dt

import io

import pytest

from webconsole import SQLITE_ONLY, add, log_in


def action(page, trigger):
    return page.locator(f"form[data-action={trigger}]")


def test_case_is_proposed_decided_and_approved_by_different_people(browser, console, screenshots):
    no = add(console.db_url, "窗口服务推诿扯皮", due="2015-09-08")["no"]
    console.give_password("zhao", "li", "wang")
    office = log_in(browser, console, "zhao")
    office.goto(console.url(f"/items/{no}"))
    office.click("details.propose summary")
    action(office, "propose").locator("textarea[name=reason]").fill("逾期未整改")
    action(office, "propose").locator("button").click()
    assert "/cases/" in office.url
    case_no = office.url.rsplit("/", 1)[-1].split("?")[0]
    assert office.locator("#facts .state").inner_text() == "已立案"
    action(office, "investigate").locator("button").click()
    decide = action(office, "decide")
    decide.locator("select[name=measure]").select_option(label="诫勉谈话")
    decide.locator("button").click()
    assert "诫勉谈话" in office.locator("#facts .measure").inner_text()
    assert action(office, "approve").count() == 0  # the office does not approve

    leader = log_in(browser, console, "wang")
    assert case_no in leader.locator("main").inner_text()  # 工作台: awaiting my approval
    leader.goto(console.url(f"/cases/{case_no}"))
    action(leader, "approve").locator("button").click()
    assert leader.locator("#facts .state").inner_text() == "已批准"
    screenshots(leader, "case-approved")
    leader.goto(console.url("/cases?state=approved"))
    assert case_no in leader.locator("#cases").inner_text()


@SQLITE_ONLY
def test_overview_ledger_draws_and_export(browser, console, screenshots):
    from openpyxl import load_workbook

    add(console.db_url, "=HYPERLINK(\"http://x\")推诿", due="2015-09-08")
    add(console.db_url, "质监站迟到早退", unit="ZJZ", person="chen", due="2015-10-20")
    console.give_password("zhao")
    page = log_in(browser, console, "zhao")
    page.goto(console.url("/report"))
    units = page.locator("#units").inner_text()
    assert "建设管理处" in units and "质量监督站" in units
    page.click("#units a[href='/items?unit=JGC&light=red']")
    assert page.locator("#items tbody tr").count() == 1
    with page.expect_download() as download:
        page.click("a.export")
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = list(sheet.values)
    assert rows[0][0] == "编号" and len(rows) == 2
    assert rows[1][1].startswith("=HYPERLINK") and sheet.cell(row=2, column=2).data_type == "s"
    assert rows[1][8] == "红灯"
    screenshots(page, "report")
    page.goto(console.url("/ledger"))
    assert "质监站迟到早退" in page.locator("#ledger").inner_text()
    with page.expect_download() as download:
        page.click("a[href='/ledger.xlsx']")
    assert load_workbook(io.BytesIO(download.value.path().read_bytes())).active.max_row >= 4
    page.goto(console.url("/draws"))
    assert "尚无随机抽查" in page.locator("main").inner_text()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(console.url("/items"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366  # no horizontal scrolling on an office screen

    # Printed (A4 portrait): the list without menus, filters or paging, every column on the page.
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator("form.filters").is_hidden()
    assert page.locator("#items").is_visible()
    import pdfplumber

    with pdfplumber.open(io.BytesIO(page.pdf(format="A4", print_background=False))) as pdf:
        first = pdf.pages[0]
        text = first.extract_text()
        assert "质监站迟到早退" in text and "督办控制台" not in text and "筛选" not in text
        assert max(c["x1"] for c in first.chars) <= first.width  # nothing cut off at the right edge


@SQLITE_ONLY
def test_a_forged_pdf_is_not_genuine(browser, console, tmp_path):
    console.give_password("zhao")
    page = log_in(browser, console, "zhao")
    page.goto(console.url("/documents"))
    fake = tmp_path / "通知书.pdf"
    fake.write_bytes(b"%PDF-1.4\nnot ours\n%%EOF\n")
    action(page, "verify").locator("input[type=file]").set_input_files(str(fake))
    action(page, "verify").locator("button").click()
    verdict = page.locator("#verdict").inner_text()
    assert verdict.startswith("通知书.pdf：本系统没有制发过") and "/tmp" not in verdict


@SQLITE_ONLY
def test_public_receipt_page_shows_the_state_only_and_is_rate_limited(browser, console, monkeypatch):
    from cryptography.fernet import Fernet

    from duban.services.tips import receive_report
    from storage.uow import UnitOfWork

    monkeypatch.setenv("DUBAN_REPORT_KEY", Fernet.generate_key().decode())
    with UnitOfWork(console.db_url) as uow:
        tip = receive_report(uow, "zhao", channel="举报电话", content="窗口人员上班时间离岗打牌",
                             reporter_name="张三", reporter_contact="13800000000",
                             today=dt.date(2015, 10, 9))  # the plan opens its hotline in October
    context = browser.new_context()
    page = context.new_page()
    page.goto(console.url("/receipt"))  # no login
    page.fill("input[name=code]", tip["receipt_code"])
    page.click("main button[type=submit]")
    answer = page.locator("#answer").inner_text()
    assert "办理状态" in answer
    body = page.locator("body").inner_text()
    assert "张三" not in body and "13800000000" not in body and "打牌" not in body
    assert page.locator("header nav").count() == 0  # nothing else of the console
    for n in range(10):
        page.fill("input[name=code]", f"WXYZ-WXYZ-WXYZ-{n:04d}")
        page.click("main button[type=submit]")
        assert "查询码无效" in page.locator(".message.error").inner_text()
    page.fill("input[name=code]", tip["receipt_code"])
    page.click("main button[type=submit]")
    assert "查询过于频繁" in page.locator(".message.error").inner_text()
    assert page.locator("#answer").count() == 0
    assert context.request.get(console.url("/items")).url.endswith("/login?next=/items")
