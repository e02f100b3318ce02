"""The campaign's programme: study sessions (集中学习) and long-term mechanisms (长效机制).

Lists and forms over duban.services.study and duban.services.mechanisms; a mechanism's
record is an item, so its page, actions and adopted document are the item page's.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from duban.errors import DubanError
from duban.web import csrf
from duban.web.render import page
from duban.web.routes.common import field, login_of, refused, uow

router = APIRouter()


def _lines(text: str | None) -> list[str]:
    """One entry per line (or 、 ， , separated) of a text box."""
    import re

    return [part.strip() for part in re.split(r"[\r\n、，,]+", text or "") if part.strip()]


def _study_page(request: Request, *, status: int = 200, message: str = ""):
    from duban.services.listing import filter_choices
    from duban.services.study import attendance, list_sessions, plan_choices

    unit = request.query_params.get("unit") or None
    with uow(request) as u:
        sessions = list_sessions(u, login_of(request), unit=unit)
        summary = attendance(u, login_of(request), unit=unit)
        camp = u.campaigns.only_or(None)
        forms, topics = plan_choices(camp, "forms"), plan_choices(camp, "topics")
        choices = filter_choices(u)
    return page(request, "study.html", status=status, message=message, sessions=sessions, summary=summary,
                forms=forms, topics=topics, choices=choices, unit=unit or "",
                done=request.query_params.get("done", ""))


@router.get("/study")
def study(request: Request):
    return _study_page(request)


@router.post("/study")
def study_add(request: Request, form=Depends(csrf.checked_form)):
    from duban.clock import parse_date
    from duban.services.study import add_session

    try:
        on = field(form, "on")
        with uow(request) as u:
            add_session(u, login_of(request), unit=form.get("unit") or "", form=form.get("form") or "",
                        topic=form.get("topic") or "", on=parse_date(on, "学习日期") if on else None,
                        attendees=_lines(form.get("attendees")), absent=_lines(form.get("absent")),
                        note=form.get("note") or "")
    except DubanError as exc:
        return refused(request, exc, _study_page)
    return RedirectResponse("/study?done=study_recorded", status_code=303)


def _mechanisms_page(request: Request, *, status: int = 200, message: str = ""):
    from duban.services.listing import filter_choices
    from duban.services.mechanisms import list_mechanisms

    with uow(request) as u:
        rows = list_mechanisms(u, login_of(request))
        choices = filter_choices(u)
    return page(request, "mechanisms.html", status=status, message=message, mechanisms=rows, choices=choices)


@router.get("/mechanisms")
def mechanisms(request: Request):
    return _mechanisms_page(request)


@router.post("/mechanisms")
def mechanism_register(request: Request, form=Depends(csrf.checked_form)):
    from urllib.parse import quote

    from duban.clock import parse_date
    from duban.services.mechanisms import register

    try:
        due = field(form, "due")
        with uow(request) as u:
            item = register(u, login_of(request), deliverable=form.get("deliverable") or "",
                            unit=form.get("unit") or "", person=form.get("person") or "",
                            due=parse_date(due, "期限") if due else None)
    except DubanError as exc:
        return refused(request, exc, _mechanisms_page)
    return RedirectResponse(f"/items/{quote(item['no'])}?done=assign", status_code=303)
