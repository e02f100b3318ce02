"""The newer parts of the campaign in the console: reports (举报) for the office, reporter
protection in every other role's view, personal problem lists, mechanisms, study sessions."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from test_problem_lists import GOOD_JGC, fill
from webconsole import SQLITE_ONLY, events, log_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REPORTER = ("张三丰", "13800000000")
WORDS = "窗口人员上班时间离岗打牌"


def action(page, name):
    return page.locator(f"form[data-action={name}]")


def list_row(page, person):
    return page.locator(f"#lists tbody tr:has(td:first-child:text-is('{person}'))")


@pytest.fixture
def report_key(monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("DUBAN_REPORT_KEY", Fernet.generate_key().decode())


@SQLITE_ONLY
def test_office_receives_triages_and_reveals_a_report_others_never_see_it(browser, console, report_key,
                                                                          screenshots):
    from duban.services.phase_gate import override
    from storage.uow import UnitOfWork

    with UnitOfWork(console.db_url) as uow:  # the plan opens its hotline in October: the office opens it earlier
        override(uow, "zhao", reason="提前受理举报", source="举报电话", start=dt.date(2015, 9, 1),
                 until=dt.date(2015, 9, 30), today=dt.date(2015, 9, 1))
    console.give_password("zhao", "sun", "wu")
    office = log_in(browser, console, "zhao")
    office.click("nav a[href='/tips']")
    office.click("#receive summary")
    form = action(office, "receive")
    form.locator("select[name=channel]").select_option(label="举报电话")
    form.locator("textarea[name=content]").fill(WORDS)
    form.locator("select[name=unit]").select_option("JGC")
    form.locator("input[name=reporter_name]").fill(REPORTER[0])
    form.locator("input[name=reporter_contact]").fill(REPORTER[1])
    form.locator("button").click()
    received = office.locator("#received").inner_text()
    code = office.locator("#received .receipt").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code), received
    no = re.search(r"LZJ2015-J\d{4}", received).group(0)
    assert REPORTER[0] not in office.locator("body").inner_text()
    office.goto(console.url("/tips"))
    assert code not in office.locator("body").inner_text()  # the receipt code is shown once

    office.goto(console.url("/"))
    assert no in office.locator("#reports-waiting").inner_text()  # 工作台: waiting for triage
    office.goto(console.url("/tips"))
    office.click(f"#tips a:text('{no}')")
    assert WORDS in office.locator("#facts").inner_text()
    assert "已加密" in office.locator("#identity").inner_text()
    accept = action(office, "accept")
    accept.locator("input[name=title]").fill("窗口工作人员工作时间离岗")
    accept.locator("input[name=person]").fill("wu")
    accept.locator("input[name=due]").fill("2015-09-30")
    accept.locator("input[name=reply]").fill("已立为问题，限期整改")
    accept.locator("button").click()
    assert office.locator("#facts .state").inner_text() == "已立为问题"
    item_no = office.locator("#facts a[href^='/items/']").inner_text()
    office.click("#reveal summary")
    action(office, "reveal").locator("input[name=reason]").fill("核实举报细节")
    action(office, "reveal").locator("button").click()
    assert office.locator("#identity").inner_text() == f"{REPORTER[0]}；联系方式：{REPORTER[1]}"
    screenshots(office, "report-revealed")
    assert [e.actor for e in events(console.db_url, "report_revealed")] == ["zhao"]

    for login in ("sun", "wu"):
        page = log_in(browser, console, login)
        assert page.locator("nav a[href='/tips']").count() == 0
        response = page.context.request.get(console.url(f"/tips/{no}"))
        assert response.status == 403 and "无权查看举报内容" in response.text()
        assert WORDS not in response.text()
        page.goto(console.url(f"/items/{item_no}"))
        text = page.locator("body").inner_text()
        assert "窗口工作人员工作时间离岗" in text
        assert WORDS not in text and REPORTER[0] not in text and REPORTER[1] not in text


@SQLITE_ONLY
def test_a_reported_items_description_reaches_no_other_roles_view(browser, console):
    from openpyxl import load_workbook

    from duban.services.items import add_item
    from duban.services.phase_gate import override
    from storage.uow import UnitOfWork

    quoted = f"举报人{REPORTER[0]}（{REPORTER[1]}）反映：{WORDS}"
    with UnitOfWork(console.db_url) as uow:  # the plan opens its hotline in October: the office opens it earlier
        override(uow, "zhao", reason="提前受理举报", source="举报电话", start=dt.date(2015, 9, 1),
                 until=dt.date(2015, 9, 30), today=dt.date(2015, 9, 1))
    with UnitOfWork(console.db_url) as uow:
        no = add_item(uow, "zhao", campaign=None, unit="JGC", title="窗口纪律松散", person="wu", category="散",
                      source="举报电话", description=quoted, due=dt.date(2015, 9, 8),
                      today=dt.date(2015, 9, 1))["no"]
    console.give_password("zhao", "wu", "sun", "wang")
    office = log_in(browser, console, "zhao")
    office.goto(console.url(f"/items/{no}"))
    assert quoted in office.locator("#facts").inner_text()  # the office keeps it

    for login in ("wu", "sun", "wang"):  # owner, unit head, leader
        page = log_in(browser, console, login)
        views = [page.locator("body").inner_text()]  # 工作台
        for path in (f"/items/{no}", "/items?light=red", f"/items?q={REPORTER[0]}", "/report", "/ledger"):
            page.goto(console.url(path))
            views.append(page.locator("body").inner_text())
        assert "窗口纪律松散" in views[1] and "窗口纪律松散" in views[2]
        with page.expect_download() as download:
            page.goto(console.url("/items"))
            page.click("a.export")
        sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
        views.append(" ".join(str(v) for row in sheet.values for v in row if v is not None))
        for text in views:
            assert REPORTER[0] not in text and REPORTER[1] not in text and WORDS not in text, login


@SQLITE_ONLY
def test_problem_lists_downloaded_filled_imported_and_reviewed(browser, console, tmp_path, screenshots):
    console.give_password("sun", "wang")
    head = log_in(browser, console, "sun")
    head.click("nav a[href='/problem-lists']")
    template = action(head, "template")
    template.locator("select[name=unit]").select_option("JGC")
    with head.expect_download() as download:
        template.locator("button").click()
    path = tmp_path / "清单.xlsx"
    path.write_bytes(download.value.path().read_bytes())
    fill(path, {"建设管理处": GOOD_JGC})
    action(head, "import").locator("input[type=file]").set_input_files(str(path))
    action(head, "import").locator("button").click()
    assert head.locator("#imported").count() == 1, head.locator("main").inner_text()
    assert "已导入 2 个问题" in head.locator("#imported").inner_text()
    rows = head.locator("#lists tbody tr")
    assert rows.count() == 2
    list_row(head, "孙立新").locator("form[data-action=approve] button").click()
    assert "孙立新（sun）不能审核本人的问题整改清单（职责分离）" in head.locator(".message.error").inner_text()
    list_row(head, "吴刚").locator("form[data-action=approve] button").click()
    assert list_row(head, "吴刚").locator(".state").inner_text() == "已审核"

    leader = log_in(browser, console, "wang")
    assert "孙立新" in leader.locator("#lists-waiting").inner_text()  # 工作台: the leading group reviews it
    leader.goto(console.url("/problem-lists"))
    returned = list_row(leader, "孙立新").locator("form[data-action=return]")
    returned.locator("input[name=note]").fill("措施不具体")
    returned.locator("button").click()
    assert list_row(leader, "孙立新").locator(".state").inner_text() == "已退回"
    screenshots(leader, "lists-reviewed")
    assert [e.actor for e in events(console.db_url, "problem_list_reviewed")] == ["sun", "wang"]


@SQLITE_ONLY
def test_mechanism_registered_adopted_and_submitted_and_a_study_session_recorded(browser, console, tmp_path):
    console.give_password("zhao", "wu")
    office = log_in(browser, console, "zhao")
    office.click("nav a[href='/mechanisms']")
    assert "行政效能建设机制" in office.locator("#mechanisms").inner_text()
    office.click("#mechanism-register summary")
    form = action(office, "register")
    form.locator("select[name=deliverable]").select_option(label="行政效能建设机制")
    form.locator("select[name=unit]").select_option("JGC")
    form.locator("input[name=person]").fill("wu")
    form.locator("button").click()
    no = office.url.rsplit("/", 1)[-1].split("?")[0]
    assert "尚未上传" in office.locator("#adopted").inner_text()

    cadre = log_in(browser, console, "wu")
    cadre.goto(console.url(f"/items/{no}"))
    action(cadre, "start").locator("button").click()
    document = tmp_path / "效能建设办法.pdf"
    document.write_bytes(PDF)
    adopt = action(cadre, "adopt")
    adopt.locator("input[name=title]").fill("行政效能建设实施办法")
    adopt.locator("input[type=file]").set_input_files(str(document))
    adopt.locator("button").click()
    assert cadre.locator("#adopted").inner_text() == "行政效能建设实施办法"
    assert "效能建设办法.pdf" in cadre.locator("#evidence").inner_text()
    action(cadre, "submit").locator("button").click()
    assert cadre.locator("#facts .state").inner_text() == "待验收"
    cadre.goto(console.url("/mechanisms"))
    assert "行政效能建设实施办法" in cadre.locator("#mechanisms").inner_text()
    assert cadre.locator("#mechanism-register").count() == 0  # a cadre registers nothing

    office.goto(console.url("/study"))
    office.click("#study-add summary")
    study = action(office, "study")
    study.locator("select[name=unit]").select_option("JGC")
    study.locator("textarea[name=absent]").fill("zheng:出差")
    study.locator("button").click()
    assert "已登记集中学习" in office.locator(".message.ok").inner_text()
    sessions = office.locator("#sessions").inner_text()
    assert "建设管理处" in sessions and "郑丽（出差）" in sessions
    assert "建设管理处" in office.locator("#study-units").inner_text()


@SQLITE_ONLY
def test_opinions_recorded_by_a_unit_head_triaged_together_by_the_office(browser, console):
    console.give_password("sun", "zhao", "wu")
    head = log_in(browser, console, "sun")
    head.click("nav a[href='/opinions']")
    assert head.locator("#opinions").count() == 0  # a unit head records, only the office reads
    for words in ("窗口人员经常不在岗，办事找不到人", "办事窗口工作时间离岗，群众等候太久"):
        form = action(head, "record")
        form.locator("select[name=source]").select_option(label="座谈会")
        form.locator("select[name=respondent]").select_option("服务对象")
        form.locator("textarea[name=text]").fill(words)
        form.locator("button").click()
        assert "已登记意见建议" in head.locator(".message.ok").inner_text()
    assert "不在岗" not in head.locator("body").inner_text()

    wu = log_in(browser, console, "wu")
    assert wu.locator("nav a[href='/opinions']").count() == 0

    office = log_in(browser, console, "zhao")
    office.goto(console.url("/opinions"))
    assert office.locator("#opinions tbody tr").count() == 2
    for box in office.locator("#opinions input[type=checkbox]").all():
        box.check()
    office.locator("#triage select[name=unit]").select_option("JGC")
    office.locator("#triage input[name=title]").fill("窗口工作人员离岗")
    office.locator("#triage button[value=accept]").click()
    assert "已办理意见建议" in office.locator(".message.ok").inner_text()
    rows = office.locator("#opinions tbody tr")
    items = {rows.nth(i).locator("td").last.inner_text() for i in range(2)}
    assert len(items) == 1 and items.pop().startswith("LZJ2015-")
    assert "已立为问题" in rows.nth(0).inner_text() and "已立为问题" in rows.nth(1).inner_text()
    office.locator("#triage button[value=dismiss]").click()  # nothing ticked
    assert "请给出意见编号" in office.locator(".message.error").inner_text()
