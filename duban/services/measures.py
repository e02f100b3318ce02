"""Measure follow-up: a decided measure with a deadline is watched like an item.

A measure whose plan entry has ``deadline_working_days`` (书面检查 submitted, 效能监察建议书
answered, a 限期整改 report) gets ``measure_due`` when decided. Once the case is executed
the deadline runs: it has a light (the plan's ``yellow_working_days``), the daily sweep
sends 催办 at yellow and 督办 once red and the 催办 is ``interval_working_days`` old, each
once (a ``Reminder`` keyed by case and level, plus a ``case_escalated`` event on the case);
the office records delivery with ``measure_done`` (``duban case measure-done``) and can
escalate by hand (``duban case escalate``). ``overdue_cases`` lists what is late.

Addressees follow the item ladder: 催办 to the subject (a person, or the unit's head),
督办 one level up (``supervision_line`` of the subject's unit).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import object_session

from duban import permissions
from duban.errors import BadInput, RuleViolation
from duban.services.common import actor, business_date, clean_text, work_calendar
from duban.services.escalation import MANUAL_LEVELS, REMIND, SUPERVISE, grace_cutoff
from duban.services.supervision import supervision_line
from duban.services.standing import MeasureStanding, case_changed_after, measures_on
from duban.wording import wording
from storage.models import AccountabilityCase, Campaign, Event, OrgUnit, Person, Reminder
from storage.uow import UnitOfWork, campaign_chain

RUNNING = ("executed",)  # the measure is being carried out; appeal and closing stop the clock
TEXT_MAX = 2000


def measure_light(campaign: Campaign, case: AccountabilityCase | MeasureStanding, today: dt.date) -> str | None:
    if case.state not in RUNNING or case.measure_due is None or case.measure_done_on is not None:
        return None
    yellow = campaign.plan.get("rules", {}).get("yellow_working_days", 3)
    return work_calendar().light(today, case.measure_due, yellow)


def _running(campaign: Campaign):
    return select(AccountabilityCase).where(
        AccountabilityCase.campaign_id == campaign.id, AccountabilityCase.state.in_(RUNNING),
        AccountabilityCase.measure_due.is_not(None), AccountabilityCase.measure_done_on.is_(None))


def overdue_cases(uow: UnitOfWork, login: str, *, campaign: str | None = None, today: dt.date | None = None) -> list:
    """Executed cases whose measure deadline has passed without the measure being done."""
    from duban.services.cases import _ladder, case_view

    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    query = _running(camp).where(AccountabilityCase.measure_due < today).order_by(AccountabilityCase.seq)
    ladder = _ladder(camp)
    return [{**case_view(uow, case, ladder), "light": "red",
             "overdue_working_days": work_calendar().workdays_between(case.measure_due, today)}
            for case in uow.session.scalars(query)]


def measure_done(uow: UnitOfWork, login: str, no: str, *, note: str, today: dt.date | None = None,
                 expect_version: int | None = None) -> dict:
    """The office records that the measure was carried out (检查已交、建议书已复函…)."""
    from duban.services.cases import _ladder, _open, case_view

    case, camp, who, today = _open(uow, login, no, "case.execute", expect_version, today)
    if case.state not in RUNNING or case.measure_due is None:
        raise RuleViolation(f"{case.no} 没有正在执行的限期问责措施")
    if case.measure_done_on is not None:
        raise RuleViolation(f"{case.no} 的问责措施已于 {case.measure_done_on.isoformat()} 登记落实")
    note = clean_text(note, "落实情况", max_len=TEXT_MAX)
    case.measure_done_on = today
    uow.record(chain=campaign_chain(camp), actor=who.login, today=today, trigger="measure_done", case=case,
               campaign_id=camp.id, note=note,
               payload={"due": case.measure_due.isoformat(), "late": today > case.measure_due})
    uow.commit()
    return case_view(uow, case, _ladder(camp))


def _subject_person(case: AccountabilityCase) -> Person | None:
    if case.subject_person is not None:
        return case.subject_person
    return case.subject_unit.head if case.subject_unit is not None else None


def _supervisor(case: AccountabilityCase) -> Person | None:
    unit: OrgUnit | None = case.subject_unit or (case.subject_person.unit if case.subject_person else None)
    if unit is None:
        return None
    subject, session = _subject_person(case), object_session(case)
    found = next((id_ for id_ in supervision_line(session, unit.id)
                  if id_ is not None and (subject is None or id_ != subject.id)), None)
    return session.get(Person, found) if found is not None else None


def _escalate(uow: UnitOfWork, camp: Campaign, who: Person, case: AccountabilityCase, level: str,
              today: dt.date, reason: str, *, automatic: bool, due: dt.date) -> bool:
    """One 催办/督办 of a measure due on ``due``: a keyed reminder to the addressee and an event on the case."""
    key = f"measure:{case.no}:{level}"
    if uow.session.scalar(select(Reminder.id).where(Reminder.key == key)) is not None:
        return False
    addressee = _subject_person(case) if level == REMIND else _supervisor(case)
    text = f"{case.no} 问责措施限期 {due.isoformat()}：{reason}"
    uow.session.add(Reminder(campaign_id=camp.id, key=key, kind="measure", on_date=today, text=text,
                             person_id=addressee.id if addressee else None,
                             unit_id=case.subject_unit_id or (case.subject_person.unit_id if case.subject_person else None)))
    uow.record(chain=campaign_chain(camp), actor=who.login, today=today, trigger="case_escalated", case=case,
               campaign_id=camp.id, note=reason,
               payload={"level": level, "addressee": addressee.login if addressee else None, "automatic": automatic,
                        "due": due.isoformat()})
    return True


def _escalated_on(uow: UnitOfWork, case: AccountabilityCase, level: str) -> dt.date | None:
    row = uow.session.scalar(select(Reminder.on_date).where(Reminder.key == f"measure:{case.no}:{level}"))
    return row


def follow_up(uow: UnitOfWork, campaign: Campaign, who: Person, today: dt.date) -> dict:
    """The sweep's part for measures: 催办 at yellow (or found red), 督办 after the interval once red.

    Each case is judged as it stood on ``today`` (a catch-up sweeps days gone by): a measure
    delivered late was still running on the days before."""
    uow.lock(campaign_chain(campaign))
    rules = campaign.plan.get("rules", {}).get("escalation", {})
    interval = rules.get("interval_working_days", 2)
    counts = {REMIND: 0, SUPERVISE: 0}
    past = measures_on(uow.session, campaign, today)
    unchanged = uow.session.scalars(_running(campaign).where(~case_changed_after(today)))
    changed = uow.session.scalars(select(AccountabilityCase).where(AccountabilityCase.id.in_(list(past))))
    watched = [(case, MeasureStanding.of(case)) for case in unchanged] + [(case, past[case.id]) for case in changed]
    for case, standing in sorted(watched, key=lambda pair: pair[0].seq):
        light, due = measure_light(campaign, standing, today), standing.measure_due
        if light not in ("yellow", "red"):
            continue
        reminded = _escalated_on(uow, case, REMIND)
        if reminded is None:
            left = work_calendar().workdays_between(today, due)
            reason = wording("sheets").say("measure_reason", level=REMIND, days=abs(left), late=light == "red")
            counts[REMIND] += _escalate(uow, campaign, who, case, REMIND, today, reason, automatic=True, due=due)
        elif light == "red" and reminded < grace_cutoff(today, interval - 1):
            overdue = work_calendar().workdays_between(due, today)
            counts[SUPERVISE] += _escalate(uow, campaign, who, case, SUPERVISE, today,
                                           wording("sheets").say("measure_reason", level=SUPERVISE, days=overdue, late=True),
                                           automatic=True, due=due)
    return {"measures": counts}


def escalate_case(uow: UnitOfWork, login: str, no: str, *, level: str, reason: str, today: dt.date | None = None,
                  expect_version: int | None = None) -> dict:
    """``duban case escalate``: the office or leadership supervises a measure by hand, once per level."""
    from duban.services.cases import _ladder, _open, case_view

    if level not in MANUAL_LEVELS:
        raise BadInput(f"督办级别无效：{level}（可选：{'、'.join(MANUAL_LEVELS)}）")
    case, camp, who, today = _open(uow, login, no, "item.escalate", expect_version, today)
    if case.state not in RUNNING or case.measure_due is None or case.measure_done_on is not None:
        raise RuleViolation(f"{case.no} 没有正在执行、尚未落实的限期问责措施，不能督办")
    reason = clean_text(reason, "督办事由", max_len=TEXT_MAX)
    if not _escalate(uow, camp, who, case, level, today, reason, automatic=False, due=case.measure_due):
        raise RuleViolation(f"{case.no} 的问责措施已{level}，不能重复{level}")
    uow.commit()
    return {**case_view(uow, case, _ladder(camp)), "level": level}


def case_escalations(uow: UnitOfWork, case: AccountabilityCase) -> list[dict]:
    import json

    return [{"date": ev.business_date.isoformat(), **json.loads(ev.payload or "{}")}
            for ev in uow.session.scalars(select(Event).where(Event.case_id == case.id,
                                                              Event.trigger == "case_escalated").order_by(Event.id))]
