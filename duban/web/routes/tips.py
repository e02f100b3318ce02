"""Reports (举报) for the office: list, receive, the report page, triage and reveal.

Everything goes through duban.services.tips, which decides who may read a report (the
office) and who may see the reporter (the plan's reveal roles, each time an event).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from duban.errors import DubanError
from duban.labels import code_of
from duban.services import tips
from duban.web import csrf
from duban.web.render import page
from duban.web.routes.common import field, integer, login_of, plan_roles, refused, uow

router = APIRouter()


def _list_page(request: Request, *, status: int = 200, message: str = "", received: dict | None = None):
    from duban.services.listing import filter_choices
    from statemachines.report import REPORT

    params = request.query_params
    state, light = params.get("state") or None, params.get("light") or None
    with uow(request) as u:
        rows = tips.list_reports(u, login_of(request), state=state,
                                 light=code_of("light", light, "灯") if light else None)
        channels = tips.report_channels(u, login_of(request))
        choices = filter_choices(u)
        roles = plan_roles(u)
    return page(request, "tips.html", status=status, message=message, reports=rows, channels=channels, roles=roles,
                choices=choices, states=REPORT.states, state=state or "", light=light or "",
                received=received)


@router.get("/tips")
def tip_list(request: Request):
    return _list_page(request)


@router.post("/tips")
def tip_receive(request: Request, form=Depends(csrf.checked_form)):
    """Register a report; its receipt code is shown on this answer only."""
    from duban.clock import parse_date

    try:
        received_on = field(form, "received_on")
        with uow(request) as u:
            received = tips.receive_report(
                u, login_of(request), channel=form.get("channel") or "", content=form.get("content") or "",
                received_on=parse_date(received_on, "受理日期") if received_on else None,
                unit=field(form, "unit"), person=field(form, "person"),
                reporter_name=field(form, "reporter_name"), reporter_contact=field(form, "reporter_contact"))
    except DubanError as exc:
        return refused(request, exc, _list_page)
    return _list_page(request, received=received)


def _tip_page(request: Request, no: str, *, status: int = 200, message: str = "", done: str = "",
              identity: dict | None = None):
    from duban.services.listing import filter_choices

    with uow(request) as u:
        report = tips.show_report(u, login_of(request), no)
        choices = filter_choices(u)
        roles = plan_roles(u)
    return page(request, "tip.html", status=status, message=message, done=done, report=report, roles=roles,
                choices=choices, identity=identity)


@router.get("/tips/{no}")
def tip_detail(request: Request, no: str):
    return _tip_page(request, no, done=request.query_params.get("done", ""))


@router.post("/tips/{no}/triage/{outcome}")
def tip_triage(request: Request, no: str, outcome: str, form=Depends(csrf.checked_form)):
    from duban.clock import parse_date

    try:
        due = field(form, "due")
        with uow(request) as u:
            tips.triage_report(u, login_of(request), no, outcome, item=field(form, "item"), unit=field(form, "unit"),
                               title=field(form, "title"), category=field(form, "category"),
                               person=field(form, "person"), due=parse_date(due, "期限") if due else None,
                               due_days=integer(field(form, "due_days"), "天数"), reason=form.get("reason") or "",
                               reply=form.get("reply") or "", expect_version=integer(field(form, "expect_version"), "版本"))
    except DubanError as exc:
        return refused(request, exc, _tip_page, no)
    return RedirectResponse(f"/tips/{quote(no)}?done=report_triaged", status_code=303)


@router.post("/tips/{no}/reveal")
def tip_reveal(request: Request, no: str, form=Depends(csrf.checked_form)):
    """The reporter's name and contact, on this answer only (not cached; the reveal is an event)."""
    try:
        with uow(request) as u:
            identity = tips.reveal_identity(u, login_of(request), no, reason=form.get("reason") or "")
    except DubanError as exc:
        return refused(request, exc, _tip_page, no)
    return _tip_page(request, no, identity=identity)
