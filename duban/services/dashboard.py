"""工作台: what needs the person now, in a handful of SQL queries.

The lists are hints computed from the permission table; whether an action is allowed is
decided again by the use case when the person takes it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, exists, func, not_, or_, select

from duban import permissions
from duban.services.common import actor, business_date
from duban.services.listing import LIGHTS, light_column
from statemachines.case import CASE
from storage.models import AccountabilityCase, Attachment, Event, OrgUnit, Person, ProblemItem, Report
from storage.uow import UnitOfWork

LIMIT = 20


def headed_unit_ids(uow: UnitOfWork, person: Person) -> set[int]:
    """The units this person heads and every unit below them (as ``permissions.heads_unit``)."""
    units = uow.org.units()
    return {u.id for u in units if permissions.heads_unit(person, u)} if units else set()


def _item(r) -> dict:
    return {"no": r.no, "title": r.title, "state": r.state, "due": r.due.isoformat() if r.due else None,
            "unit": r.unit, "light": r.light}


def dashboard(uow: UnitOfWork, login: str, *, campaign: str | None = None,
              today: dt.date | None = None) -> dict:
    uow.read_only()
    who = actor(uow, login)
    permissions.require(who, "read")
    camp = uow.campaigns.only_or(campaign)
    today = business_date(camp, today)
    light = light_column(camp, today)
    units = headed_unit_ids(uow, who)
    mine = or_(ProblemItem.owner_id == who.id, ProblemItem.unit_id.in_(units)) if units else (
        ProblemItem.owner_id == who.id)
    base = (select(ProblemItem.no, ProblemItem.title, ProblemItem.state, ProblemItem.due,
                   OrgUnit.name.label("unit"), light.label("light"))
            .join(OrgUnit, OrgUnit.id == ProblemItem.unit_id).where(ProblemItem.campaign_id == camp.id))

    counts = dict(uow.session.execute(
        select(light.label("light"), func.count()).where(ProblemItem.campaign_id == camp.id, mine,
                                                          light.is_not(None)).group_by(light)).all())
    urgent = uow.session.execute(base.where(mine, light.in_(("red", "yellow")))
                                 .order_by(ProblemItem.due, ProblemItem.seq).limit(LIMIT)).all()
    week_end = today + dt.timedelta(days=6 - today.weekday())
    this_week = uow.session.execute(base.where(mine, light.is_not(None), ProblemItem.due >= today,
                                               ProblemItem.due <= week_end)
                                    .order_by(ProblemItem.due, ProblemItem.seq).limit(LIMIT)).all()

    to_verify = []
    if permissions.allowed(who, "item.verify"):
        involved = or_(
            ProblemItem.owner_id == who.id, ProblemItem.reporter_id == who.id,
            exists().where(Attachment.item_id == ProblemItem.id, Attachment.uploaded_by_id == who.id),
            exists().where(Event.item_id == ProblemItem.id, Event.trigger == "submit", Event.actor == who.login))
        to_verify = uow.session.execute(base.where(ProblemItem.state == "submitted", not_(involved))
                                        .order_by(ProblemItem.submitted_on, ProblemItem.seq).limit(LIMIT)).all()

    case_states = [state for state, action in (("proposed", "case.investigate"), ("investigating", "case.decide"),
                                               ("decided", "case.approve")) if permissions.allowed(who, action)]
    cases = []
    if case_states:
        rows = uow.session.execute(
            select(AccountabilityCase.no, AccountabilityCase.state, AccountabilityCase.reason,
                   Person.name.label("subject"))
            .outerjoin(Person, Person.id == AccountabilityCase.subject_person_id)
            .where(AccountabilityCase.campaign_id == camp.id, AccountabilityCase.state.in_(case_states),
                   or_(AccountabilityCase.subject_person_id.is_(None),
                       AccountabilityCase.subject_person_id != who.id),
                   not_(and_(AccountabilityCase.state == "decided", AccountabilityCase.decided_by_id == who.id)))
            .order_by(AccountabilityCase.seq).limit(LIMIT)).all()
        cases = [{"no": r.no, "state": r.state, "state_label": CASE.label(r.state), "reason": r.reason,
                  "subject": r.subject} for r in rows]

    from duban.services.problem_lists import awaiting_review

    reports = []
    if permissions.allowed(who, "report.read"):
        from duban.services.tips import report_view

        reports = [report_view(r, today) for r in uow.session.scalars(
            select(Report).where(Report.campaign_id == camp.id, Report.state == "received")
            .order_by(Report.due, Report.seq).limit(LIMIT))]

    return {
        "reports": reports,
        "lists": awaiting_review(uow, who, camp)[:LIMIT],
        "campaign": camp.code, "campaign_name": camp.name, "today": today.isoformat(),
        "person": {"login": who.login, "name": who.name, "roles": sorted(who.role_set)},
        "lights": {key: counts.get(key, 0) for key in LIGHTS},
        "urgent": [_item(r) for r in urgent],
        "this_week": [_item(r) for r in this_week],
        "to_verify": [_item(r) for r in to_verify],
        "cases": cases,
    }
