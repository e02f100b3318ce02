"""组织集中学习: study sessions, attendance per person and unit, and the study duty's reminders.

A session has a date, a form and a topic from the plan's study duties (``forms`` and
``topics``; a plan that lists none accepts any), a host unit and its participants.
Participants default to the active people of the host unit and the units below it;
``absent`` names those who missed it, each optionally ``login:reason``. Every session is
one ``study_recorded`` event carrying the whole record, so ``audit verify`` can rebuild it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import exists, select

from duban import permissions
from duban.errors import BadInput
from duban.services.common import actor, business_date, clean_text, warn_outside_campaign
from duban.services.phase_gate import require_open
from duban.wording import reminder_text
from storage.models import Campaign, OrgUnit, Person, Phase, Reminder, StudyAttendance, StudySession
from storage.uow import UnitOfWork, campaign_chain

STUDY = "study"
NOTE_MAX = 2000
REASON_MAX = 200


def study_duties(campaign: Campaign) -> list[dict]:
    return [duty for phase in campaign.plan.get("phases", []) for duty in phase.get("duties", [])
            if duty.get("code") == STUDY]


def plan_choices(campaign: Campaign, field: str) -> list[str]:
    """The plan's study forms or topics, in plan order, without repeats."""
    seen: dict[str, None] = {}
    for duty in study_duties(campaign):
        for value in duty.get(field, []):
            seen.setdefault(value, None)
    return list(seen)


def _choose(campaign: Campaign, field: str, what: str, value: str) -> str:
    value = clean_text(value, what, max_len=200)
    allowed = plan_choices(campaign, field)
    if not allowed:
        return value
    if value in allowed:
        return value
    if value.isdigit() and 1 <= int(value) <= len(allowed):  # 专题 by its number in the plan
        return allowed[int(value) - 1]
    raise BadInput(f"{what}无效：{value}（方案所列：{'、'.join(allowed)}）")


def _units_below(uow: UnitOfWork, unit: OrgUnit) -> set[int]:
    children = defaultdict(list)
    for row in uow.org.units():
        children[row.parent_id].append(row.id)
    found, todo = set(), [unit.id]
    while todo:
        current = todo.pop()
        found.add(current)
        todo += children[current]
    return found


def _absences(uow: UnitOfWork, absent: list[str]) -> dict[int, tuple[Person, str]]:
    found: dict[int, tuple[Person, str]] = {}
    for entry in absent:
        key, _, reason = entry.replace("：", ":").partition(":")
        person = uow.org.person_by_name_or_login(key.strip())
        found[person.id] = (person, clean_text(reason, "缺席原因", max_len=REASON_MAX, required=False))
    return found


def add_session(uow: UnitOfWork, login: str, *, unit: str, form: str, topic: str, on: dt.date | None = None,
                attendees: list[str] = (), absent: list[str] = (), note: str = "",
                campaign: str | None = None, today: dt.date | None = None) -> dict:
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    day = business_date(camp, today)
    who = actor(uow, login)
    host = uow.org.unit(unit)
    permissions.require(who, "study.record", unit=host)
    on = on or day
    if on > day:
        raise BadInput(f"学习日期 {on.isoformat()} 晚于业务日期 {day.isoformat()}：只能登记已举行的学习")
    warn_outside_campaign(camp, on)
    form = _choose(camp, "forms", "学习形式", form)
    topic = _choose(camp, "topics", "学习专题", topic)
    note = clean_text(note, "备注", max_len=NOTE_MAX, required=False)
    missing = _absences(uow, list(absent))
    if attendees:
        present = {p.id: p for p in (uow.org.person_by_name_or_login(key) for key in attendees)}
    else:
        below = _units_below(uow, host)
        present = {p.id: p for p in uow.org.persons() if p.active and p.unit_id in below
                   and not permissions.is_system(p)}
    both = sorted(set(present) & set(missing))
    if both and attendees:
        raise BadInput(f"{missing[both[0]][0].name} 同时列为参加和缺席")
    for person_id in missing:
        present.pop(person_id, None)
    if not present and not missing:
        raise BadInput(f"{host.name} 没有参加人员：请用 --attendee 指定")
    require_open(uow, camp, day=on, duty=STUDY)  # held on a day of a phase with the study duty
    session = StudySession(campaign_id=camp.id, seq=_next_seq(uow, camp), on_date=on, form=form, topic=topic,
                           unit_id=host.id, note=note, recorded_by_id=who.id)
    session.attendance = (
        [StudyAttendance(person_id=p.id, present=True, reason="") for p in present.values()]
        + [StudyAttendance(person_id=p.id, present=False, reason=reason) for p, reason in missing.values()])
    uow.session.add(session)
    uow.flush()
    uow.record(chain=campaign_chain(camp), actor=who.login, today=day, trigger="study_recorded",
               campaign_id=camp.id, note=f"{host.name} {form}",
               payload=session_payload(session, host, {**present, **{k: v[0] for k, v in missing.items()}}))
    uow.commit()
    return session_view(session, host, {p.id: p for p in uow.org.persons()})


def _next_seq(uow: UnitOfWork, campaign: Campaign) -> int:
    from sqlalchemy import func

    return (uow.session.scalar(select(func.max(StudySession.seq)).where(StudySession.campaign_id == campaign.id))
            or 0) + 1


def session_payload(session: StudySession, host: OrgUnit, people: dict[int, Person]) -> dict:
    """What the event records, in the shape ``audit verify`` compares with the rows."""
    return {"session": session.id, "seq": session.seq, "date": session.on_date.isoformat(), "form": session.form,
            "topic": session.topic, "unit": host.code,
            "present": sorted(people[a.person_id].login for a in session.attendance if a.present),
            "absent": sorted(people[a.person_id].login for a in session.attendance if not a.present)}


def session_view(session: StudySession, host: OrgUnit, people: dict[int, Person]) -> dict:
    present = [people[a.person_id] for a in session.attendance if a.present]
    absent = [(people[a.person_id], a.reason) for a in session.attendance if not a.present]
    return {"no": session.seq, "date": session.on_date.isoformat(), "form": session.form, "topic": session.topic,
            "unit": host.name, "unit_code": host.code, "note": session.note,
            "present": [p.login for p in present], "present_names": [p.name for p in present],
            "absent": [{"login": p.login, "name": p.name, "reason": reason} for p, reason in absent],
            "expected": len(session.attendance), "attended": len(present)}


def _sessions(uow: UnitOfWork, campaign: Campaign, unit: OrgUnit | None = None) -> list[StudySession]:
    query = (select(StudySession).where(StudySession.campaign_id == campaign.id)
             .order_by(StudySession.on_date, StudySession.seq))
    if unit is not None:
        query = query.where(StudySession.unit_id == unit.id)
    return list(uow.session.scalars(query))


def list_sessions(uow: UnitOfWork, login: str, *, campaign: str | None = None, unit: str | None = None,
                  topic: str | None = None) -> list[dict]:
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    units = {u.id: u for u in uow.org.units()}
    people = {p.id: p for p in uow.org.persons()}
    chosen = _choose(camp, "topics", "学习专题", topic) if topic else None
    return [session_view(s, units[s.unit_id], people)
            for s in _sessions(uow, camp, uow.org.unit(unit) if unit else None)
            if chosen is None or s.topic == chosen]


def attendance(uow: UnitOfWork, login: str, *, campaign: str | None = None, unit: str | None = None,
               person: str | None = None) -> dict:
    """Per person: sessions expected, attended, missed (with dates); per unit: sessions held, rate, topics."""
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    units = {u.id: u for u in uow.org.units()}
    people = {p.id: p for p in uow.org.persons()}
    only_person = uow.org.person_by_name_or_login(person) if person else None
    only_unit = uow.org.unit(unit) if unit else None
    sessions = _sessions(uow, camp)
    per_person: dict[int, dict] = {}
    held: dict[int, list[StudySession]] = defaultdict(list)
    for s in sessions:
        held[s.unit_id].append(s)
        for a in s.attendance:
            row = per_person.setdefault(a.person_id, {"expected": 0, "attended": 0, "missed": []})
            row["expected"] += 1
            row["attended"] += a.present
            if not a.present:
                row["missed"].append({"no": s.seq, "date": s.on_date.isoformat(), "topic": s.topic,
                                      "reason": a.reason})
    persons = []
    for person_id, row in sorted(per_person.items(), key=lambda kv: people[kv[0]].login):
        p = people[person_id]
        if only_person is not None and p.id != only_person.id:
            continue
        if only_unit is not None and p.unit_id != only_unit.id:
            continue
        persons.append({"login": p.login, "name": p.name, "unit": units[p.unit_id].name if p.unit_id else None,
                        **row, "rate": round(row["attended"] / row["expected"], 3)})
    topics = plan_choices(camp, "topics")
    unit_rows = []
    for u in sorted(units.values(), key=lambda u: u.code):
        if only_unit is not None and u.id != only_unit.id:
            continue
        members = [p for p in people.values() if p.unit_id == u.id]
        counts = Counter()
        for p in members:
            counts["expected"] += per_person.get(p.id, {}).get("expected", 0)
            counts["attended"] += per_person.get(p.id, {}).get("attended", 0)
        covered = sorted({s.topic for s in held[u.id]}, key=lambda t: topics.index(t) if t in topics else len(topics))
        unit_rows.append({"unit": u.name, "unit_code": u.code, "sessions": len(held[u.id]),
                          "expected": counts["expected"], "attended": counts["attended"],
                          "absences": counts["expected"] - counts["attended"],
                          "rate": round(counts["attended"] / counts["expected"], 3) if counts["expected"] else None,
                          "topics_covered": covered, "topics_total": len(topics),
                          "topics_missing": [t for t in topics if t not in covered]})
    return {"campaign": camp.code, "sessions": len(sessions), "topics": topics, "persons": persons,
            "units": unit_rows}


# --- the study duty's reminders (run by the daily tick) -------------------------------------------


def units_without_session(uow: UnitOfWork, campaign: Campaign, phase: Phase, day: dt.date) -> list[OrgUnit]:
    """Units that had held no session in the phase by ``day`` (a catch-up tick sees the past as it was)."""
    held = exists().where(StudySession.campaign_id == campaign.id, StudySession.unit_id == OrgUnit.id,
                          StudySession.on_date >= phase.start_date, StudySession.on_date <= day)
    return list(uow.session.scalars(select(OrgUnit).where(~held).order_by(OrgUnit.code)))


def remind_study(uow: UnitOfWork, campaign: Campaign, who: Person, day: dt.date, phase: Phase) -> dict:
    """Once per ISO week, each unit that has held no session in the phase; once per absence, the
    person who missed a session (补学)."""
    from duban.services.reminders import announce, insert_missing, iso_week

    uow.lock(campaign_chain(campaign))
    week = iso_week(day)
    wanted = {
        f"study:{campaign.code}:{unit.code}:{week}": {
            "unit_id": unit.id, "text": reminder_text("study_unit", unit=unit.name, phase=phase.name)}
        for unit in units_without_session(uow, campaign, phase, day)
    }
    absences = uow.session.execute(
        select(StudySession, Person)
        .join(StudyAttendance, StudyAttendance.session_id == StudySession.id)
        .join(Person, Person.id == StudyAttendance.person_id)
        .where(StudySession.campaign_id == campaign.id, StudyAttendance.present.is_(False),
               StudySession.on_date <= day)).all()
    missed = {
        f"study-absence:{campaign.code}:{s.seq}:{p.login}": {
            "person_id": p.id, "unit_id": p.unit_id,
            "text": reminder_text("study_absence", name=p.name, date=s.on_date.isoformat(), form=s.form,
                                  topic=s.topic)}
        for s, p in absences
    }
    new_units = insert_missing(uow, campaign, "study", day, wanted)
    new_absences = insert_missing(uow, campaign, "study_absence", day, missed)
    announce(uow, campaign, who, day, kind="study", count=len(new_units) + len(new_absences))
    return {"week": week, "units_without_session": len(wanted), "sent": len(new_units),
            "absences_reminded": len(new_absences)}

