"""What a sweep batch reads of its items (``read_batch``) and writes: its escalation rows, as
tuples, and their ``escalate`` events.

A sweep writes one row and one event per escalation, hundreds of thousands of them: no object
per row, and each event's payload written out as its canonical JSON (``escalate_event``). The
manual 督办 (``escalation.escalate_item``) writes its one row and event with the same functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import func, select

from duban.services.common import work_calendar
from duban.services.standing import Standing, in_campaign
from duban.wording import wording
from storage.eventlog import json_string
from storage.models import Escalation, ProblemItem
from storage.uow import UnitOfWork

REMIND = "催办"  # the first level: to the item's owner (the others go up its unit's supervision line)


class BatchRow(NamedTuple):
    """An item of a sweep batch as ``read_batch`` reads it. A named tuple, not SQLAlchemy's ``Row``:
    a batch reads each of these fields about a dozen times, and each of ``Row``'s attribute reads
    costs ≈ 1 µs (it looks for the name on its class first and pays for that AttributeError)."""

    id: int
    no: str
    title: str
    campaign_id: int
    unit_id: int
    state: str
    relapse_count: int
    due: dt.date | None
    paused_since: dt.date | None
    escalation_cycle: int
    owner_id: int | None
    identified_on: dt.date
    version: int


def read_batch(uow, camp, ids: list[int]) -> list[BatchRow]:
    """The campaign's items among ``ids``, in id order (the ids as one parameter on SQLite,
    ``storage.bulk.among``), through the connection: no ORM result for plain columns."""
    columns = ProblemItem.__table__.c
    query = select(*(columns[name] for name in BatchRow._fields)).where(
        in_campaign(camp, ids, uow.engine.dialect.name)).order_by(columns.id)
    return list(map(BatchRow._make, uow.session.connection().execute(query).all()))  # one fetchall


def new_ids(uow, before: int, level: str, rows: list[tuple]) -> list[int]:
    """The ids of the escalation ``rows`` just inserted, in their order, all above ``before``.

    SQLite: one writer at a time, and a new row's id is one more than the largest, so when the
    largest is now ``before`` plus their count they are ``before + 1`` onwards, in insert order.
    Otherwise by a range of the primary key, not a lookup of each item (any other writer's rows in
    the range are for other keys, told apart by item and cycle); PostgreSQL reserves its ids
    before inserting instead (``insert_escalations``).
    """
    if uow.engine.dialect.name == "sqlite":
        if uow.session.scalar(select(func.max(Escalation.id))) == before + len(rows):
            return list(range(before + 1, before + len(rows) + 1))
    ids_of = {(item_id, cycle): id_ for id_, item_id, cycle in uow.session.connection().execute(
        select(Escalation.id, Escalation.item_id, Escalation.cycle).where(
            Escalation.id > before, Escalation.level == level)).all()}
    return [ids_of[values[1], values[3]] for values in rows]


# An escalation row's columns, in the order of the tuples the sweep inserts.
ESCALATION_ROW = ("campaign_id", "item_id", "level", "cycle", "on_date", "reason", "addressee_id", "actor", "automatic",
                  "unit_id")  # the item's unit: `report units` counts escalations without the items


def escalation_rows(camp, level: str, today: dt.date, login: str, read: list, judged: dict[int, Standing],
                     lines: Callable[[int], tuple[int | None, ...]]) -> list[tuple]:
    """The automatic escalation rows (``ESCALATION_ROW``) of a batch's due items ``read``, each as it
    stood on ``today``: as judged afresh (``judged``, by id), else as its row stands. Tuples, not
    objects: a sweep makes one per escalation."""
    reasons: dict[dt.date, str] = {}
    rows = []
    for row in read:
        standing = judged.get(row.id)
        if standing is None:
            due, cycle, owner_id = row.due, row.escalation_cycle, row.owner_id
        else:
            due, cycle, owner_id = standing.due, standing.cycle, standing.owner_id
        reason = reasons.get(due)
        if reason is None:
            reason = reasons[due] = sweep_reason(camp, level, due, today)
        rows.append((row.campaign_id, row.id, level, cycle, today, reason,
                     addressee(level, lines(row.unit_id), owner_id), login, True, row.unit_id))
    return rows


def insert_escalations(uow: UnitOfWork, level: str, rows: list[tuple]) -> tuple[list[int], Callable[[], None] | None]:
    """A batch's escalation rows (``ESCALATION_ROW``) inserted, or to be: their ids, in order, and the
    insert still to run (None: done here). A racing writer's unique violation surfaces in the insert.

    PostgreSQL: the ids are taken from the sequence first and inserted with the rows, by the
    returned insert, which the caller runs while it hashes their events (``UnitOfWork.record_many``).
    Elsewhere (SQLite) the INSERT assigns them here (``new_ids``)."""
    table = Escalation.__table__
    ids = uow.reserved_ids(table, len(rows))
    if ids is not None:
        return ids, lambda: uow.insert_rows(table, [(*values, id_) for values, id_ in zip(rows, ids)],
                                            (*ESCALATION_ROW, "id"))
    before = uow.session.scalar(select(func.max(Escalation.id))) or 0
    uow.insert_rows(table, rows, ESCALATION_ROW)
    return new_ids(uow, before, level, rows), None


def addressee(level: str, line: tuple[int | None, ...], owner_id: int | None) -> int | None:
    """催办 goes to the owner (as the item stood), 督办 and 问责 to the first up the unit's supervision
    line (``line``) who is not that owner: pressure passes one level up, never back to the person
    who owns the item."""
    if level == REMIND:
        return owner_id
    return next((id_ for id_ in line if id_ is not None and id_ != owner_id), None)


def sweep_reason(camp, level: str, due: dt.date, today: dt.date) -> str:
    calendar = work_calendar()
    days = calendar.workdays_between(today, due) if level == REMIND else calendar.workdays_between(due, today)
    rules = camp.plan.get("rules", {}).get("escalation", {})
    measures = {m["code"]: m["name"] for m in camp.plan.get("accountability", {}).get("measures", [])}
    return wording("sheets").say("sweep_reason", level=level, due=due, days=days,
                                 grace=rules.get("case_after_working_days", 5),
                                 measure=measures.get(rules.get("case_measure")))


def escalate_event(escalation_id: int, values: tuple, chain: str) -> dict:
    """The ``escalate`` event of an escalation row (its ``id`` and ``ESCALATION_ROW`` values)."""
    campaign_id, item_id, level, cycle, on_date, reason, addressee_id, login, automatic, _unit = values
    return {"chain": chain, "actor": login, "business_date": on_date, "trigger": "escalate",
            "item_id": item_id, "campaign_id": campaign_id, "note": reason,
            # the canonical JSON of {"escalation", "level", "cycle", "addressee_id", "automatic"}, written
            # out in its key order (``storage.eventlog.payload_text``): a sweep writes one per escalation
            "payload": f'{{"addressee_id":{_json_id(addressee_id)},"automatic":{"true" if automatic else "false"},'
                       f'"cycle":{int(cycle)},"escalation":{int(escalation_id)},"level":{json_string(level)}}}'}


def _json_id(value: int | None) -> str:
    return "null" if value is None else str(int(value))
