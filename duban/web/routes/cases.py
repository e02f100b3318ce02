"""Accountability cases: list, page, propose from an item, and each step of the lifecycle."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from duban.errors import BadInput, DubanError
from duban.services import cases as case_service
from duban.web import csrf
from duban.web.render import page
from duban.web.routes.common import integer, login_of, refused, uow

router = APIRouter()


def _case_page(request: Request, no: str, *, status: int = 200, message: str = "", done: str = ""):
    from duban.services.case_actions import case_page

    with uow(request) as u:
        detail = case_page(u, login_of(request), no)
    return page(request, "case.html", status=status, message=message, done=done, **detail)


@router.get("/cases")
def case_list(request: Request):
    from statemachines.case import CASE

    state = request.query_params.get("state", "")
    with uow(request) as u:
        rows = case_service.list_cases(u, login_of(request), state=state or None)
    return page(request, "cases.html", cases=rows, states=CASE.states, state=state)


@router.get("/cases/{no}")
def case_detail(request: Request, no: str):
    return _case_page(request, no, done=request.query_params.get("done", ""))


STEPS = {
    "investigate": lambda u, login, no, f, v: case_service.investigate_case(u, login, no, note=f("note"), expect_version=v),
    "decide": lambda u, login, no, f, v: case_service.decide_case(u, login, no, measure=f("measure"), note=f("note"),
                                                                  expect_version=v),
    "send_back": lambda u, login, no, f, v: case_service.send_back_case(u, login, no, reason=f("reason"), expect_version=v),
    "approve": lambda u, login, no, f, v: case_service.approve_case(u, login, no, note=f("note"), expect_version=v),
    "execute": lambda u, login, no, f, v: case_service.execute_case(u, login, no, document_no=f("document_no") or None,
                                                                    note=f("note"), expect_version=v),
    "close": lambda u, login, no, f, v: case_service.close_case(u, login, no, note=f("note"), expect_version=v),
    "dismiss": lambda u, login, no, f, v: case_service.dismiss_case(u, login, no, reason=f("reason"), expect_version=v),
    "appeal": lambda u, login, no, f, v: case_service.appeal_case(u, login, no, reason=f("reason"), expect_version=v),
    "uphold": lambda u, login, no, f, v: case_service.resolve_appeal(u, login, no, outcome="upheld", reason=f("reason"),
                                                                     expect_version=v),
    "overturn": lambda u, login, no, f, v: case_service.resolve_appeal(u, login, no, outcome="overturned",
                                                                       reason=f("reason"), expect_version=v),
    "change": lambda u, login, no, f, v: case_service.resolve_appeal(u, login, no, outcome="changed", reason=f("reason"),
                                                                     measure=f("measure"), expect_version=v),
}


@router.post("/cases/{no}/act/{trigger}")
def case_act(request: Request, no: str, trigger: str, form=Depends(csrf.checked_form)):
    try:
        if trigger not in STEPS:
            raise BadInput(f"未知操作：{trigger[:40]}")
        with uow(request) as u:
            STEPS[trigger](u, login_of(request), no, lambda name: (form.get(name) or "").strip(), integer(form.get("expect_version"), "版本"))
    except DubanError as exc:
        return refused(request, exc, _case_page, no)
    return RedirectResponse(f"/cases/{quote(no)}?done={quote(trigger)}", status_code=303)


@router.post("/items/{no}/propose")
def propose(request: Request, no: str, form=Depends(csrf.checked_form)):
    """提出问责 about an item: its owner (or its unit), with the reason given."""
    target = form.get("subject") or "person"
    try:
        with uow(request) as u:
            item = u.items.get(no)
            person = item.owner.login if target == "person" and item.owner else None
            unit = item.unit.code if person is None else None
        with uow(request) as u:
            case = case_service.propose_case(u, login_of(request), items=[no], person=person, unit=unit,
                                             reason=(form.get("reason") or "").strip(), facts=(form.get("facts") or ""))
    except DubanError as exc:
        from duban.web.routes.items import _item_page

        return refused(request, exc, _item_page, no)
    return RedirectResponse(f"/cases/{quote(case['no'])}?done=propose", status_code=303)
