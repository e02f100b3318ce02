"""How an item (or a case's measure) stood on a past day, for a catch-up over days gone by.

A catch-up (the tick after downtime, ``duban sweep --as-of``) judges each missed day by the
item as it was that day: its state, deadline, paused clock, escalation cycle and owner after
its events dated on or before it, read with the audit's replay rules (the log has one reading).
Only an item changed after the day needs the replay; for the others the row is the day's
truth and set-based SQL applies. ``changed_after`` tells the two apart. A case's measure
(state, deadline, delivery) is judged the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select

from storage.bulk import among
from storage.models import AccountabilityCase, Event, Person, ProblemItem

# Events that change what a record is judged by without moving its lifecycle (those carry to_state).
DEADLINE_TRIGGERS = ("deadline_approve", "deadline_pause", "deadline_resume")
MEASURE_TRIGGERS = ("measure_done",)


@dataclass(frozen=True)
class Standing:
    """An item's state, deadline, paused clock, escalation cycle and owner on one day."""

    state: str | None
    due: dt.date | None
    paused_since: dt.date | None
    cycle: int
    owner_id: int | None

    @classmethod
    def of(cls, item: ProblemItem) -> Standing:
        """As the row says: the item has not changed since the day in question."""
        return cls(item.state, item.due, item.paused_since, item.escalation_cycle, item.owner_id)


def changed_after(day: dt.date):
    """SQL condition: the item's state, deadline or clock changed after ``day``."""
    return exists().where(Event.item_id == ProblemItem.id, *_changes(day))


def changed_among(session, ids: list[int], day: dt.date) -> set[int]:
    """Which of the items ``ids`` changed after ``day`` (``changed_after``), by a lookup of their events."""
    return set(session.scalars(select(Event.item_id).where(Event.item_id.in_(ids), *_changes(day)).distinct()))


def _changes(day: dt.date) -> tuple:
    return Event.business_date > day, Event.to_state.is_not(None) | Event.trigger.in_(DEADLINE_TRIGGERS)


def in_campaign(campaign, ids: list[int] | None = None, dialect: str | None = None):
    """SQL condition: the campaign's items (among ``ids`` if given; with the ``dialect``'s name,
    the ids as ``storage.bulk.among`` passes them).

    With ``ids`` (a sweep batch) the campaign test is ``campaign_id + 0``, which no campaign-led
    index serves, so the ids are looked up by primary key: SQLite would otherwise range-scan all
    the campaign's items in a light's due range for every batch (quadratic over a sweep).
    """
    if ids is None:
        return ProblemItem.campaign_id == campaign.id
    return ((ProblemItem.campaign_id + 0) == campaign.id) & among(ProblemItem.id, ids, dialect)


def standings_on(session, campaign, day: dt.date, ids: list[int] | None = None) -> dict[int, Standing]:
    """Item id → how it stood on ``day``, for the campaign's items with a deadline that changed after
    ``day`` (among ``ids`` if given); items not registered by then are left out."""
    from duban.services.audit.replay import replay_items

    query = select(ProblemItem.id, ProblemItem.owner_id).where(
        in_campaign(campaign, ids), ProblemItem.due.is_not(None), ProblemItem.identified_on <= day,
        changed_after(day))
    owner_now = dict(session.execute(query.order_by(ProblemItem.id)).all())
    replayed = replay_items(session, list(owner_now), day)
    logins = {s["owner"] for s in replayed.values() if isinstance(s["owner"], str)}
    owners = dict(session.execute(select(Person.login, Person.id).where(Person.login.in_(sorted(logins)))).all())
    return {item_id: Standing(state=s["state"], due=_day(s["due"]), paused_since=_day(s["paused_since"]),
                              cycle=s["escalation_cycle"], owner_id=owners.get(s["owner"], owner_now[item_id]))
            for item_id, s in replayed.items() if s["state"] is not None}


def lit_on(session, campaign, light: str, day: dt.date):
    """SQL condition: the item showed ``light`` on ``day``, as it stood then."""
    from duban.services.common import light_of
    from duban.services.items import light_condition

    past = [item_id for item_id, standing in standings_on(session, campaign, day).items()
            if light_of(campaign, standing, day) == light]
    return ((light_condition(campaign, light, day) & (ProblemItem.identified_on <= day) & ~changed_after(day))
            | ProblemItem.id.in_(past))


@dataclass(frozen=True)
class MeasureStanding:
    """A case's state, measure deadline and delivery on one day (what ``measure_light`` reads)."""

    state: str | None
    measure_due: dt.date | None
    measure_done_on: dt.date | None

    @classmethod
    def of(cls, case: AccountabilityCase) -> MeasureStanding:
        return cls(case.state, case.measure_due, case.measure_done_on)


def case_changed_after(day: dt.date):
    """SQL condition: the case's state, measure deadline or delivery changed after ``day``."""
    return exists().where(Event.case_id == AccountabilityCase.id, Event.business_date > day,
                          Event.to_state.is_not(None) | Event.trigger.in_(MEASURE_TRIGGERS))


def measures_on(session, campaign, day: dt.date) -> dict[int, MeasureStanding]:
    """Case id → how its measure stood on ``day``, for the campaign's cases changed after ``day``."""
    from duban.services.audit.replay import replay_cases

    query = select(AccountabilityCase.id).where(AccountabilityCase.campaign_id == campaign.id,
                                                case_changed_after(day))
    replayed = replay_cases(session, list(session.scalars(query.order_by(AccountabilityCase.id))), day)
    return {case_id: MeasureStanding(s["state"], _day(s["measure_due"]), _day(s["measure_done_on"]))
            for case_id, s in replayed.items() if s["state"] is not None}


def _day(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None
