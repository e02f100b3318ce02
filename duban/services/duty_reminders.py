"""The plan duties that are first of all people's work: what the daily tick does for them.

Each sends reminders (``Reminder`` rows, one per key, so a rerun the same week changes
nothing; ``duban.services.reminders.send``) and records one ``reminders_sent`` event per
run that sent any. The texts are ``templates/text/programme.yaml``'s (``duban.wording``),
filled from the plan and the organisation.

* ``study`` (every working day, keyed per ISO week): units without a session in the phase,
  people who missed one (``duban.services.study``);
* ``problem_lists``: people without a problem list, once per ISO week (``duban.services.reminders``);
* ``collect_opinions`` (weekly): every unit (of the duty's ``unit_kinds``, when the plan
  names them) with no item yet from the duty's sources in this phase is asked to collect
  and register opinions;
* ``reports`` (every working day): reports past their handling deadline are escalated to the
  office once (``report_overdue``), and the office is reminded once of each report still not
  handled and each item from the duty's sources still not assigned after a working day — the
  number, channel and dates only, never what the reporter said;
* ``satisfaction``: the units the plan evaluates without a round in the phase, once per ISO week;
  and a targeted draw of failing units still waiting for the check the plan asks for
  (``duban.services.evaluation``);
* ``mechanisms``: each plan mechanism not registered or not yet verified, once per ISO week
  (``duban.services.mechanisms``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select

from duban.services.common import work_calendar
from duban.services.duties import duty, weekly
from duban.services.reminders import iso_week, send
from duban.wording import reminder_text
from storage.models import Campaign, Opinion, OrgUnit, Person, Phase, ProblemItem
from storage.uow import UnitOfWork

def _plan_duty(phase: Phase, code: str) -> dict:
    return next(d for d in phase.duties if d.get("code") == code)


def _source_names(campaign: Campaign, codes: list[str]) -> list[str]:
    names = {s["code"]: s["name"] for s in campaign.plan.get("sources", [])}
    return [names.get(code, code) for code in codes]


@duty("study", order=10)  # its reminders are keyed per ISO week and per absence
def remind_study(uow: UnitOfWork, campaign: Campaign, who: Person, phase: Phase, day: dt.date) -> dict:
    from duban.services.study import remind_study as remind

    return remind(uow, campaign, who, day, phase)


@duty("problem_lists", order=20)
def remind_problem_lists(uow: UnitOfWork, campaign: Campaign, who: Person, phase: Phase, day: dt.date) -> dict:
    from duban.services.reminders import remind_problem_lists as remind

    return remind(uow, campaign, who, day)


@duty("collect_opinions", order=30, due=weekly)
def remind_collect_opinions(uow: UnitOfWork, campaign: Campaign, who: Person, phase: Phase,
                            day: dt.date) -> dict:
    planned = _plan_duty(phase, "collect_opinions")
    names = _source_names(campaign, planned.get("sources", []))
    has_item = exists().where(
        ProblemItem.campaign_id == campaign.id, ProblemItem.unit_id == OrgUnit.id, ProblemItem.source.in_(names),
        ProblemItem.identified_on >= phase.start_date, ProblemItem.identified_on <= phase.end_date)
    has_opinion = exists().where(  # opinions the unit collected (duban opinion add), triaged or not
        Opinion.campaign_id == campaign.id, Opinion.collected_by_id == OrgUnit.id,
        Opinion.source.in_(planned.get("sources", [])), Opinion.received_on >= phase.start_date,
        Opinion.received_on <= phase.end_date)
    query = select(OrgUnit).where(~has_item, ~has_opinion).order_by(OrgUnit.code)
    if planned.get("unit_kinds"):  # e.g. only the working units: the leadership is not asked
        query = query.where(OrgUnit.kind.in_(planned["unit_kinds"]))
    units = list(uow.session.scalars(query)) if names else []
    week = iso_week(day)
    wanted = {f"collect_opinions:{campaign.code}:{unit.code}:{week}": {
        "unit_id": unit.id, "person_id": unit.head_id,
        "text": reminder_text("collect_opinions", unit=unit.name, duty=planned["name"], sources="、".join(names))}
        for unit in units}
    new = send(uow, campaign, who, day, kind="collect_opinions", note=planned["name"], wanted=wanted)
    return {"kind": "collect_opinions", "wanted": len(wanted), "sent": len(new), "sources": names}


@duty("reports", order=35)
def remind_reports(uow: UnitOfWork, campaign: Campaign, who: Person, phase: Phase, day: dt.date) -> dict:
    from duban.services.tips import escalate_overdue_reports, unhandled_reports

    planned = _plan_duty(phase, "reports")
    names = _source_names(campaign, planned.get("sources", []))
    channels = {s["code"]: s["name"] for s in campaign.plan.get("sources", [])}
    calendar = work_calendar()
    escalated = escalate_overdue_reports(uow, campaign, who, day)
    wanted = {}
    for report in unhandled_reports(uow, campaign, before=day):
        days = calendar.workdays_between(report.received_on, day)
        if days >= 1:
            wanted[f"reports:{campaign.code}:{report.no}"] = {"text": reminder_text(
                "report_unhandled", no=report.no, channel=channels.get(report.channel, report.channel), received_on=report.received_on.isoformat(), days=days,
                due=report.due.isoformat())}
    rows = uow.session.execute(
        select(ProblemItem.no, ProblemItem.unit_id, ProblemItem.source, ProblemItem.identified_on)
        .where(ProblemItem.campaign_id == campaign.id, ProblemItem.source.in_(names),
               ProblemItem.state == "identified", ProblemItem.identified_on < day)
        .order_by(ProblemItem.seq)).all()
    units = {u.id: u for u in uow.org.units()} if rows else {}
    for no, unit_id, source, identified_on in rows:
        days = calendar.workdays_between(identified_on, day)
        if days >= 1:
            wanted[f"reports:{campaign.code}:{no}"] = {"unit_id": unit_id, "text": reminder_text(
                "reports", no=no, unit=units[unit_id].name, source=source, identified_on=identified_on.isoformat(),
                days=days)}
    new = send(uow, campaign, who, day, kind="reports", note=planned["name"], wanted=wanted)
    return {"kind": "reports", "wanted": len(wanted), "sent": len(new), "sources": names,
            "unassigned": len(rows), "escalated": [r.no for r in escalated]}


@duty("satisfaction", order=60)
def remind_satisfaction(uow: UnitOfWork, campaign: Campaign, who: Person, phase: Phase, day: dt.date) -> dict:
    from duban.services.evaluation import draw_awaiting
    from duban.services.reminders import remind_satisfaction_rounds

    # failing units still waiting for the targeted check the plan's on_fail asks for are drawn first
    return {**remind_satisfaction_rounds(uow, campaign, who, day, phase), **draw_awaiting(uow, campaign, who, day)}


@duty("mechanisms", order=70)  # its reminders are keyed per ISO week
def remind_mechanisms(uow: UnitOfWork, campaign: Campaign, who: Person, phase: Phase, day: dt.date) -> dict:
    from duban.services.mechanisms import remind_mechanisms as remind

    return remind(uow, campaign, who, day, phase)
