"""The overdue sweep's 问责 proposals, set-based: a batch's cases in a handful of statements.

The same cases ``cases.propose_case`` makes one by one, in the sweep batch's transaction (which
holds the campaign's lock): idempotent per origin (``sweep:<item>:<cycle>``), against the item's
owner as it stood on the day judged, the minimum grade raised by a relapse and by the owner's
earlier cases whose measure was carried out, one ``propose`` event each on the campaign's chain.
Its refusals are ``propose_case``'s: a subject who is missing or the system, an item not the
subject's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput
from duban.services.cases import (ORIGIN_MAX, _ladder, _subject, case_no, educated_cases, grade_floor,
                                  propose_payload, require_answers_for)
from duban.services.common import clean_text, work_calendar
from duban.services.items import TEXT_MAX
from duban.wording import wording
from statemachines.case import CASE
from storage.models import AccountabilityCase, CaseItem, OrgUnit, Person
from storage.uow import UnitOfWork, campaign_chain


@dataclass(frozen=True)
class Proposal:
    """A case to propose against ``person_id`` for one item (a row with id, no, owner_id, unit_id,
    relapse_count)."""

    item: object
    person_id: int | None
    reason: str
    facts: str
    origin: str


def proposals(read: list, standings: dict, rows: list[dict], today: dt.date) -> list[Proposal]:
    """A 问责 batch's proposals: one per item (``read``, its rows), against its owner as it stood on the day
    judged (``standings``), for the reason of its escalation (``rows``)."""
    calendar, found, say = work_calendar(), [], wording("cases")
    for item, row in zip(read, rows):
        standing = standings[item.id]
        facts = say.say("overdue_facts", title=item.title, due=standing.due, today=today,
                        overdue=calendar.workdays_between(standing.due, today))
        found.append(Proposal(item, standing.owner_id, row["reason"], facts, f"sweep:{item.no}:{row['cycle']}"))
    return found


def propose_for_items(uow: UnitOfWork, who: Person, camp, today: dt.date, proposals: list[Proposal]) -> list[str]:
    """The case numbers, in order: an existing case of the same origin, else a new one."""
    if not proposals:
        return []
    permissions.require(who, "case.propose")
    ladder = _ladder(camp)
    session = uow.session
    for p in proposals:
        if len(p.origin) > ORIGIN_MAX:
            raise BadInput(f"来源标识应为 1–{ORIGIN_MAX} 个字符：{p.origin!r}")
    existing = dict(session.execute(select(AccountabilityCase.origin, AccountabilityCase.no).where(
        AccountabilityCase.origin.in_([p.origin for p in proposals]))).all())
    new = [p for p in proposals if p.origin not in existing]
    people = {person.id: person for person in session.scalars(
        select(Person).where(Person.id.in_({p.person_id for p in new if p.person_id is not None})))}
    for p in new:
        person = people.get(p.person_id)
        if person is None or permissions.is_system(person):  # propose_case's refusal, word for word
            _subject(uow, person.login if person else None, None)
        require_answers_for(person, p.item, session.get(OrgUnit, p.item.unit_id))
    earlier = educated_cases(uow, camp, {p.person_id for p in new})
    seq = uow.cases.next_seq(camp.id) - 1
    rows, events = [], []
    for p in new:
        seq += 1
        person = people[p.person_id]
        reason = clean_text(p.reason, "问责事由", max_len=TEXT_MAX)
        facts = clean_text(p.facts, "事实与依据", max_len=TEXT_MAX, required=False)
        min_grade, why = grade_floor(ladder, [p.item], earlier[p.person_id], None)
        rows.append({"campaign_id": camp.id, "seq": seq, "no": case_no(camp, seq), "subject_person_id": person.id,
                     "subject_unit_id": None, "state": CASE.initial, "version": 0, "reason": reason, "facts": facts,
                     "min_grade": min_grade, "proposed_by_id": who.id, "proposed_on": today, "origin": p.origin})
        events.append({"chain": campaign_chain(camp), "actor": who.login, "business_date": today,
                       "trigger": "propose", "campaign_id": camp.id, "to_state": CASE.initial, "note": reason,
                       "payload": propose_payload(person, None, [p.item.no], min_grade, why, p.origin, facts)})
    if rows:
        uow.insert_rows(AccountabilityCase.__table__, rows)
        ids = dict(session.execute(select(AccountabilityCase.origin, AccountabilityCase.id).where(
            AccountabilityCase.origin.in_([row["origin"] for row in rows]))).all())
        uow.insert_rows(CaseItem.__table__, [{"case_id": ids[p.origin], "item_id": p.item.id} for p in new])
        for p, event in zip(new, events):
            event["case_id"] = ids[p.origin]
        uow.record_many(events)
    numbers = {**existing, **{row["origin"]: row["no"] for row in rows}}
    return [numbers[p.origin] for p in proposals]

