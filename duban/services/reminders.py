"""Reminders the campaign sends on its own, each at most once per key.

* 问题清单: in a phase with the problem_lists duty, every leader, office member, unit
  head and cadre who has not submitted a problem list is reminded once per ISO week
  (key ``problem-list:<campaign>:<login>:<2015-W37>``).
* 满意度测评: in a phase with the satisfaction duty, every 民生 unit without a
  round in that phase is brought to the office's attention once per ISO week
  (key ``satisfaction:<campaign>:<unit code>:<2015-W45>``).

Both run inside the caller's transaction and insert only keys not yet present,
so running them again the same week changes nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select

from duban import permissions
from duban.services.common import actor, business_date
from duban.wording import reminder_text, text
from storage.models import Campaign, OrgUnit, Person, Phase, ProblemList, Reminder, SatisfactionRound
from storage.uow import UnitOfWork, campaign_chain

# Seed §五(一)2: 每个领导班子成员和党员干部都要列出问题整改清单 — the office's staff too.
LIST_KEEPING_ROLES = ("leader", "deputy_leader", "office", "unit_head", "cadre")


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def insert_missing(uow: UnitOfWork, campaign: Campaign, kind: str, day: dt.date,
                   wanted: dict[str, dict]) -> list[str]:
    """Insert the reminders whose keys are absent; returns the new keys."""
    if not wanted:
        return []
    present = set(uow.session.scalars(select(Reminder.key).where(Reminder.key.in_(list(wanted)))))
    new = [key for key in wanted if key not in present]
    for key in new:
        uow.session.add(Reminder(campaign_id=campaign.id, key=key, kind=kind, on_date=day, **wanted[key]))
    return new


def announce(uow: UnitOfWork, campaign: Campaign, who: Person, day: dt.date, *, kind: str, count: int,
             note: str | None = None) -> None:
    """One ``reminders_sent`` event for a run that sent any; its note is the plan duty's name or the kind's."""
    if count:
        uow.record(chain=campaign_chain(campaign), actor=who.login, today=day, trigger="reminders_sent",
                   campaign_id=campaign.id, note=note or text("reminder_notes", kind),
                   payload={"kind": kind, "week": iso_week(day), "count": count})


def send(uow: UnitOfWork, campaign: Campaign, who: Person, day: dt.date, *, kind: str, wanted: dict[str, dict],
         note: str | None = None) -> list[str]:
    """The reminders of ``wanted`` not sent before, and their event; returns the new keys."""
    new = insert_missing(uow, campaign, kind, day, wanted)
    announce(uow, campaign, who, day, kind=kind, count=len(new), note=note)
    return new


def persons_without_problem_list(uow: UnitOfWork, campaign: Campaign) -> list[Person]:
    """People who should file a list and have none submitted (owning an item is not filing a list)."""
    filed = exists().where(ProblemList.campaign_id == campaign.id, ProblemList.person_id == Person.id,
                           ProblemList.state.in_(("submitted", "approved")))
    people = uow.session.scalars(select(Person).where(Person.active.is_(True), ~filed).order_by(Person.login))
    return [p for p in people if p.role_set & set(LIST_KEEPING_ROLES)]


def remind_problem_lists(uow: UnitOfWork, campaign: Campaign, who: Person, day: dt.date) -> dict:
    uow.lock(campaign_chain(campaign))
    week = iso_week(day)
    wanted = {
        f"problem-list:{campaign.code}:{p.login}:{week}": {
            "person_id": p.id, "unit_id": p.unit_id,
            "text": reminder_text("problem_list", name=p.name),
        }
        for p in persons_without_problem_list(uow, campaign)
    }
    new = send(uow, campaign, who, day, kind="problem_list", wanted=wanted)
    return {"week": week, "missing": len(wanted), "sent": len(new)}


def units_without_satisfaction_round(uow: UnitOfWork, campaign: Campaign, phase: Phase) -> list[OrgUnit]:
    """The units the plan evaluates (rules.satisfaction: unit_kinds, serves_public) without a round in the phase."""
    from duban.services.satisfaction import is_target, rules_of

    has_round = exists().where(
        SatisfactionRound.campaign_id == campaign.id, SatisfactionRound.unit_id == OrgUnit.id,
        SatisfactionRound.on_date >= phase.start_date, SatisfactionRound.on_date <= phase.end_date,
    )
    rules = rules_of(campaign)
    return [unit for unit in uow.session.scalars(select(OrgUnit).where(~has_round).order_by(OrgUnit.code))
            if is_target(rules, unit)]


def remind_satisfaction_rounds(uow: UnitOfWork, campaign: Campaign, who: Person, day: dt.date,
                               phase: Phase) -> dict:
    from duban.services.satisfaction import rules_of

    uow.lock(campaign_chain(campaign))
    week = iso_week(day)
    duty = next((d for d in phase.duties if d.get("code") == "satisfaction"), {})
    methods = "、".join(rules_of(campaign)["methods"]) or duty.get("name", "")
    wanted = {
        f"satisfaction:{campaign.code}:{unit.code}:{week}": {
            "unit_id": unit.id,
            "text": reminder_text("satisfaction", unit=unit.name, duty=duty.get("name", ""), methods=methods),
        }
        for unit in units_without_satisfaction_round(uow, campaign, phase)
    }
    new = send(uow, campaign, who, day, kind="satisfaction", wanted=wanted)
    return {"week": week, "missing": len(wanted), "sent": len(new)}


def list_reminders(uow: UnitOfWork, login: str, *, campaign: str | None = None, kind: str | None = None,
                   today: dt.date | None = None) -> list[dict]:
    camp = uow.campaigns.only_or(campaign)
    who = actor(uow, login)
    permissions.require(who, "read")
    query = select(Reminder).where(Reminder.campaign_id == camp.id).order_by(Reminder.on_date, Reminder.key)
    if not permissions.allowed(who, "report.read"):  # that a report came in is the office's business
        query = query.where(Reminder.kind != "reports")
    if kind:
        query = query.where(Reminder.kind == kind)
    if today is not None:
        query = query.where(Reminder.on_date <= business_date(camp, today))
    people = {p.id: p for p in uow.org.persons()}
    return [{"key": r.key, "kind": r.kind, "date": r.on_date.isoformat(), "text": r.text,
             "person": people[r.person_id].login if r.person_id in people else None}
            for r in uow.session.scalars(query)]
