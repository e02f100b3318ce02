"""What the tick does for the plan duties that are first of all people's work:
``collect_opinions`` and ``reports`` (``study`` is ``duban.services.study``, ``mechanisms``
``duban.services.mechanisms``: this module only registers them).

Each sends reminders (``Reminder`` rows, one per key, so a rerun the same week changes
nothing) and records one ``reminders_sent`` event per run that sent any. The texts are
templates under ``templates/reminders/`` filled from the plan and the organisation.

* ``collect_opinions`` (weekly): every unit with no item yet from the duty's sources in
  this phase is asked to collect and register opinions;
* ``reports`` (every working day): the office is reminded of each report (an item from
  the duty's sources) still not assigned after a working day — the number, unit, source
  and dates only, never what the reporter said;
* ``mechanisms``: each plan mechanism not registered or not yet verified, once per ISO week.

Later work builds on the same keys: opinion intake
can narrow who is reminded (only those with nothing recorded yet).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from sqlalchemy import exists, select

from duban.services.common import work_calendar
from duban.services.duties import duty, weekly
from duban.services.reminders import iso_week
from storage.models import Campaign, OrgUnit, Person, Phase, ProblemItem, Reminder
from storage.uow import UnitOfWork, campaign_chain

# Units that answer for their own work (the leadership and the campaign office supervise).
SUPERVISING_UNIT_KINDS = ("领导班子",)


@lru_cache(maxsize=None)
def _template(kind: str):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from duban.documents.render import templates_dir

    env = Environment(loader=FileSystemLoader(templates_dir()), autoescape=False, undefined=StrictUndefined,
                      keep_trailing_newline=False)
    return env.get_template(f"reminders/{kind}.txt.j2")


def reminder_text(kind: str, **context) -> str:
    return _template(kind).render(**context).strip()


def _send(uow: UnitOfWork, campaign: Campaign, who: Person, day: dt.date, kind: str, note: str,
          wanted: dict[str, dict]) -> dict:
    """Insert the reminders whose keys are new; one event for the run."""
    present = set(uow.session.scalars(select(Reminder.key).where(Reminder.key.in_(list(wanted))))) if wanted else set()
    new = [key for key in wanted if key not in present]
    for key in new:
        uow.session.add(Reminder(campaign_id=campaign.id, key=key, kind=kind, on_date=day, **wanted[key]))
    if new:
        uow.record(chain=campaign_chain(campaign), actor=who.login, today=day, trigger="reminders_sent",
                   campaign_id=campaign.id, note=note,
                   payload={"kind": kind, "week": iso_week(day), "count": len(new)})
    return {"kind": kind, "wanted": len(wanted), "sent": len(new)}


def _plan_duty(phase: Phase, code: str) -> dict:
    return next(d for d in phase.duties if d.get("code") == code)


def working_units(uow: UnitOfWork) -> list[OrgUnit]:
    return list(uow.session.scalars(
        select(OrgUnit).where(OrgUnit.kind.not_in(SUPERVISING_UNIT_KINDS)).order_by(OrgUnit.code)))


def _source_names(campaign: Campaign, codes: list[str]) -> list[str]:
    names = {s["code"]: s["name"] for s in campaign.plan.get("sources", [])}
    return [names.get(code, code) for code in codes]


def _to_heads(campaign: Campaign, kind: str, day: dt.date, units: list[OrgUnit], text) -> dict[str, dict]:
    week = iso_week(day)
    return {f"{kind}:{campaign.code}:{unit.code}:{week}": {"unit_id": unit.id, "person_id": unit.head_id,
                                                           "text": text(unit)}
            for unit in units}


@duty("collect_opinions", order=30, due=weekly)
def remind_collect_opinions(uow: UnitOfWork, campaign: Campaign, who: Person, phase: Phase,
                            day: dt.date) -> dict:
    planned = _plan_duty(phase, "collect_opinions")
    names = _source_names(campaign, planned.get("sources", []))
    has_opinion = exists().where(
        ProblemItem.campaign_id == campaign.id, ProblemItem.unit_id == OrgUnit.id, ProblemItem.source.in_(names),
        ProblemItem.identified_on >= phase.start_date, ProblemItem.identified_on <= phase.end_date)
    units = list(uow.session.scalars(select(OrgUnit).where(
        OrgUnit.kind.not_in(SUPERVISING_UNIT_KINDS), ~has_opinion).order_by(OrgUnit.code))) if names else []
    wanted = _to_heads(campaign, "collect_opinions", day, units, lambda unit: reminder_text(
        "collect_opinions", unit=unit.name, duty=planned["name"], sources=names))
    return {**_send(uow, campaign, who, day, "collect_opinions", planned["name"], wanted), "sources": names}


@duty("reports", order=35)
def remind_unassigned_reports(uow: UnitOfWork, campaign: Campaign, who: Person, phase: Phase,
                              day: dt.date) -> dict:
    planned = _plan_duty(phase, "reports")
    names = _source_names(campaign, planned.get("sources", []))
    calendar = work_calendar()
    rows = uow.session.execute(
        select(ProblemItem.no, ProblemItem.unit_id, ProblemItem.source, ProblemItem.identified_on)
        .where(ProblemItem.campaign_id == campaign.id, ProblemItem.source.in_(names),
               ProblemItem.state == "identified", ProblemItem.identified_on < day)
        .order_by(ProblemItem.seq)).all()
    units = {u.id: u for u in uow.org.units()}
    wanted = {}
    for no, unit_id, source, identified_on in rows:
        days = calendar.workdays_between(identified_on, day)
        if days < 1:
            continue
        wanted[f"reports:{campaign.code}:{no}"] = {
            "unit_id": unit_id,
            "text": reminder_text("reports", no=no, unit=units[unit_id].name, source=source,
                                  identified_on=identified_on.isoformat(), days=days)}
    return {**_send(uow, campaign, who, day, "reports", planned["name"], wanted), "sources": names,
            "unassigned": len(rows)}


@duty("mechanisms", order=70)  # its reminders are keyed per ISO week
def remind_mechanisms(uow: UnitOfWork, campaign: Campaign, who: Person, phase: Phase, day: dt.date) -> dict:
    from duban.services.mechanisms import remind_mechanisms as remind

    return remind(uow, campaign, who, day, phase)
