"""Opinions (意见建议) from 座谈会、走访、问卷、征求意见表: recorded by the office or a unit head,
read and triaged (several into one new item, into an existing item, or 不予采纳) by the office,
all through duban.services.opinions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from duban.errors import DubanError
from duban.services import opinions
from duban.web import csrf
from duban.web.render import page
from duban.web.routes.common import field, integer, login_of, plan_roles, refused, uow

router = APIRouter()


def _opinions_page(request: Request, *, status: int = 200, message: str = ""):
    from duban.services.listing import filter_choices
    from statemachines.opinion import OPINION

    state = request.query_params.get("state") or None
    with uow(request) as u:
        camp = u.campaigns.only_or(None)
        # a unit head records opinions but does not read them: the page is then the form alone
        readable = "opinion.read" in request.state.user["may"]
        rows = opinions.list_opinions(u, login_of(request), state=state) if readable else []
        choices = {**filter_choices(u), **opinions.opinion_choices(camp)}
        roles = plan_roles(u)
    return page(request, "opinions.html", status=status, message=message, opinions=rows, choices=choices, roles=roles,
                states=OPINION.states, state=state or "", done=request.query_params.get("done", ""))


@router.get("/opinions")
def opinion_list(request: Request):
    return _opinions_page(request)


@router.post("/opinions")
def opinion_record(request: Request, form=Depends(csrf.checked_form)):
    from duban.clock import parse_date

    try:
        received_on = field(form, "received_on")
        with uow(request) as u:
            opinions.record_opinion(u, login_of(request), source=form.get("source") or "",
                                    text=form.get("text") or "", respondent=form.get("respondent") or "",
                                    collected_by=field(form, "collected_by"), unit=field(form, "unit"),
                                    received_on=parse_date(received_on, "收集日期") if received_on else None)
    except DubanError as exc:
        return refused(request, exc, _opinions_page)
    return RedirectResponse("/opinions?done=opinion_recorded", status_code=303)


@router.post("/opinions/triage")
def opinion_triage(request: Request, form=Depends(csrf.checked_form)):
    """The ticked opinions, all at once: one outcome for every one of them, or nothing."""
    from duban.clock import parse_date

    try:
        due = field(form, "due")
        with uow(request) as u:
            opinions.triage_opinions(u, login_of(request), form.getlist("no"), form.get("outcome") or "",
                                     item=field(form, "item"), unit=field(form, "unit"), title=field(form, "title"),
                                     category=field(form, "category"), person=field(form, "person"),
                                     due=parse_date(due, "期限") if due else None,
                                     due_days=integer(field(form, "due_days"), "天数"),
                                     reason=form.get("reason") or "")
    except DubanError as exc:
        return refused(request, exc, _opinions_page)
    return RedirectResponse("/opinions?done=opinion_triaged", status_code=303)
