"""Escalation (催办 → 督办 → 问责): the overdue sweep and manual 督办/挂牌督办.

Exactly once per item, level and cycle (cycle = the item's escalation_cycle, bumped by relapse and reopen):
the ``escalations`` table has a unique key on (item_id, level, cycle). The sweep
selects pending items set-based in SQL, then works in batches, one transaction
each: under the campaign lock it re-reads which keys already exist, inserts only
the rest and records each item's event in the same transaction. A batch's writes are
set-based: one INSERT of its escalations, one of its events (each chain's links computed in
one pass), one UPDATE of the items' versions, the supervision lines of all units read in one
query; a 问责 batch then proposes its cases in the same transaction. A crash loses at
most the uncommitted batch, and a rerun skips what was committed. A unique
violation (a writer that raced us) rolls the batch back and it is retried, when
the raced rows are seen as already done.

A sweep as of a past day (a catch-up) judges each item as it stood that day
(``duban.services.standing``): verified later, it was still open then; relapsed
later, it was still closed; its deadline extended later, the old one still ran.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import object_session

from duban import collector, permissions
from duban.errors import BadInput, ConcurrentModification, RuleViolation
from duban.services.common import actor, business_date, clean_text, light_of, work_calendar
from duban.services.items import TEXT_MAX, load_for_change, light_condition
from duban.services.standing import Standing, changed_after, changed_among, standings_on
from duban.services.supervision import supervision_line, supervision_lines, unit_head  # noqa: F401  (unit_head: bench/generate.py)
from duban.services.sweep_cases import proposals, propose_for_items
from duban.services.sweep_rows import (ESCALATION_ROW, REMIND, addressee, escalate_event, escalation_rows,
                                      insert_escalations, read_batch)
from statemachines.item import DEADLINE_STATES, ITEM
from storage.models import Escalation, Person, ProblemItem
from storage.uow import UnitOfWork, campaign_chain, item_chain, unit_chain

SUPERVISE, SUPERVISE_LISTED, CASE = "督办", "挂牌督办", "问责"  # after REMIND (催办, ``sweep_rows``)
SWEEP_LEVELS = (REMIND, SUPERVISE, CASE)  # in the order a sweep processes them
MANUAL_LEVELS = (SUPERVISE, SUPERVISE_LISTED)
BATCH_ATTEMPTS = 3
# Items per batch unless told: larger batches spread the per-batch locks, reads, round trips and
# commit over more items. SQLite holds its one write lock for a whole batch: 2,000 items hold it
# ≈ 0.1–0.3 s (bench/README.md); PostgreSQL locks only the batch's chains.
BATCH_SIZE = {"sqlite": 2000, "postgresql": 2000}


@collector.paused()  # millions of short-lived rows freed by reference counting (duban.collector)
def sweep(start_uow: Callable[[], UnitOfWork], login: str, *, campaign: str | None = None,
          as_of: dt.date | None = None, batch_size: int | None = None,
          progress: Callable[[int, int], None] | None = None) -> dict:
    """逾期巡查: escalate every yellow and red item per the campaign's rules, committing per batch.

    催办 goes to the owner, 督办 and 问责 one level up (``supervisor_of``); 问责 also proposes a
    case against the owner. ``new_red`` lists the items whose 督办 this run issued, i.e. red for the first time in
    their current cycle (empty when the plan turns ``supervise_at_red`` off).
    """
    started = time.perf_counter()
    if batch_size is not None and batch_size < 1:
        raise BadInput(f"批大小应为正整数，实为 {batch_size}")
    with start_uow() as uow:
        camp = uow.campaigns.only_or(campaign)
        permissions.require(actor(uow, login), "sweep")
        code, today = camp.code, business_date(camp, as_of)
        past = standings_on(uow.session, camp, today)
        pending = {rung.level: _due_ids(uow, camp, rung, today, past) for rung in _rungs(camp, today)}
        lines = supervision_lines(uow.session)  # once per sweep day, not per batch
        batch_size = batch_size or BATCH_SIZE.get(uow.engine.dialect.name, 500)
    total = sum(map(len, pending.values()))
    counts = {level: 0 for level in SWEEP_LEVELS}
    new_red: list[str] = []
    cases: list[str] = []
    done = batches = 0
    if progress:
        progress(0, total)
    for level, selected in pending.items():
        ids = list(selected)
        for start in range(0, len(ids), batch_size):
            batch = {item_id: selected[item_id] for item_id in ids[start:start + batch_size]}
            escalated, proposed = _escalate_batch(start_uow, login, code, level, batch, today, lines)
            counts[level] += len(escalated)
            cases += proposed
            if level == SUPERVISE:
                new_red += escalated
            done += len(batch)
            batches += 1
            if progress:
                progress(done, total)
    return {
        "campaign": code, "as_of": today.isoformat(), "counts": counts, "new_red": new_red,
        "cases": cases, "candidates": total, "batches": batches,
        "seconds": round(time.perf_counter() - started, 3),
    }


def sweep_through(start_uow: Callable[[], UnitOfWork], login: str, *, campaign: str | None = None,
                  as_of: dt.date | None = None, batch_size: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> dict:
    """The manual sweep (``duban sweep``, the sweep-and-escalate flow): a catch-up like the tick's.

    Every day the tick would have swept since the last sweep the tick or this ran (or the
    campaign start) is swept as of that day, through the tick's own sweep duty (exactly once
    per day, with the measures' follow-up), so each level is recorded on the day it fell due;
    ``as_of`` itself is then swept (again, harmlessly, if the tick already did). The result
    is ``sweep``'s, summed over the days, with ``days`` the dates swept.
    """
    from storage.models import DutyRun

    from duban.services.duties import duties_due
    from duban.services.tick import _done_duties, _run_duty

    with start_uow() as uow:
        camp = uow.campaigns.only_or(campaign)
        permissions.require(actor(uow, login), "sweep")
        code, as_of = camp.code, business_date(camp, as_of)
        last = uow.session.scalar(select(func.max(DutyRun.business_date)).where(
            DutyRun.campaign_id == camp.id, DutyRun.duty == "sweep", DutyRun.business_date < as_of))
        first = last + timedelta(days=1) if last else camp.start_date
        missed = [first + timedelta(days=n) for n in range((min(as_of, camp.end_date + timedelta(days=1)) - first).days)]
        missed = [day for day in missed if "sweep" in duties_due(camp, day)[1]]
        today_due = "sweep" in duties_due(camp, as_of)[1] and "sweep" not in _done_duties(uow, camp, as_of)
    options = {"batch_size": batch_size, "progress": progress}
    results = [_run_duty(start_uow, login, code, day, "sweep", options) for day in missed]
    if today_due:
        results.append(_run_duty(start_uow, login, code, as_of, "sweep", options))
    else:
        results.append(sweep(start_uow, login, campaign=code, as_of=as_of, batch_size=batch_size, progress=progress))
    swept = [r for r in results if "counts" in r]
    return {
        "campaign": code, "as_of": as_of.isoformat(),
        "counts": {level: sum(r["counts"].get(level, 0) for r in swept) for level in SWEEP_LEVELS},
        "new_red": [no for r in swept for no in r["new_red"]], "cases": [no for r in swept for no in r["cases"]],
        "candidates": sum(r["candidates"] for r in swept), "batches": sum(r["batches"] for r in swept),
        "seconds": round(sum(r["seconds"] for r in swept), 3),
        "days": [*(day.isoformat() for day in missed), as_of.isoformat()],
    }


def escalate_item(uow: UnitOfWork, login: str, no: str, *, level: str, reason: str, today: dt.date | None = None,
                  expect_version: int | None = None) -> dict:
    """Manual 督办 or 挂牌督办 of one item by the office or leadership; once per level and cycle."""
    if level not in MANUAL_LEVELS:
        raise BadInput(f"督办级别无效：{level}（可选：{'、'.join(MANUAL_LEVELS)}）")
    item = load_for_change(uow, no, expect_version)
    today = business_date(item.campaign, today)
    who = actor(uow, login)
    permissions.require(who, "item.escalate", unit=item.unit)
    if item.state not in DEADLINE_STATES:
        raise RuleViolation(f"{item.no} 当前状态「{ITEM.label(item.state)}」不能督办（仅限已交办、整改中的问题）")
    reason = clean_text(reason, "督办事由", max_len=TEXT_MAX)
    earlier = uow.session.scalar(select(Escalation).where(
        Escalation.item_id == item.id, Escalation.level == level, Escalation.cycle == item.escalation_cycle))
    if earlier is not None:
        raise RuleViolation(f"{item.no} 本轮已{level}（{earlier.on_date.isoformat()}，{earlier.actor}），不能重复{level}")
    values = (item.campaign_id, item.id, level, item.escalation_cycle, today, reason,
              addressee(level, supervision_line(uow.session, item.unit_id), item.owner_id), who.login, False,
              item.unit_id)
    row = Escalation(**dict(zip(ESCALATION_ROW, values)))
    uow.session.add(row)
    uow.flush()
    event = escalate_event(row.id, values, item_chain(item))
    uow.record(item=item, today=today, **{key: event[key] for key in ("chain", "actor", "trigger", "campaign_id",
                                                                      "note", "payload")})
    uow.commit()
    return escalation_view(row, item)


def escalation_view(row: Escalation, item: ProblemItem) -> dict:
    addressee = object_session(item).get(Person, row.addressee_id) if row.addressee_id else None
    return {
        "id": row.id, "no": item.no, "level": row.level, "cycle": row.cycle, "on_date": row.on_date.isoformat(),
        "reason": row.reason, "addressee": addressee.login if addressee else None, "actor": row.actor,
        "automatic": row.automatic, "item_version": item.version,
    }


def grace_cutoff(today: dt.date, grace_working_days: int) -> dt.date:
    """``due < cutoff`` ⟺ more than ``grace_working_days`` working days overdue on ``today``.

    The cutoff is the (grace+1)-th most recent working day on or before today: (due, today]
    holds at least grace+1 working days exactly when due lies before it.
    """
    calendar, day, counted = work_calendar(), today, 0
    while True:
        counted += calendar.is_workday(day)
        if counted > grace_working_days:
            return day
        day -= timedelta(days=1)


@dataclass(frozen=True)
class Rung:
    """One level of the ladder on a day: due for an item lit one of ``lights`` that got ``after``
    in its current cycle before ``cutoff`` (no ``after``: whose deadline lies before ``cutoff``,
    if any), has none of ``not_below`` by then, and has not had this level in this cycle."""

    level: str
    lights: tuple[str, ...]
    after: str | None = None
    cutoff: dt.date | None = None
    not_below: tuple[str, ...] = ()


def _rungs(camp, today: dt.date) -> list[Rung]:
    """The levels a sweep processes, in order, per the plan's escalation rules.

    One level at a time (一级一级传导压力): 催办 when the item turns yellow (or is found red), unless
    it already has a 督办; 督办 once it is red and its 催办 is at least ``interval_working_days``
    old; 问责 once its 督办 is more than ``case_after_working_days`` working days old. A level
    the plan turns off is skipped, and the next one counts from the level before it (or from
    the deadline).
    """
    rules = camp.plan.get("rules", {}).get("escalation", {})
    interval = rules.get("interval_working_days", 2)
    grace = rules.get("case_after_working_days", 5)
    rungs, previous = [], None
    if rules.get("remind_at_yellow", True):
        rungs.append(Rung(REMIND, ("yellow", "red"), not_below=MANUAL_LEVELS))
        previous = REMIND
    if rules.get("supervise_at_red", True):
        rungs.append(Rung(SUPERVISE, ("red",), previous, grace_cutoff(today, interval - 1) if previous else None))
        previous = SUPERVISE
    wait = {SUPERVISE: grace, REMIND: max(grace, interval), None: grace}[previous]
    rungs.append(Rung(CASE, ("red",), previous, grace_cutoff(today, wait)))
    return rungs


def _rung(camp, level: str, today: dt.date) -> Rung:
    return next(rung for rung in _rungs(camp, today) if rung.level == level)


class Selected(NamedTuple):  # a tuple: a sweep holds one per due item
    """A due item as the selection saw it: its version then (None: judged as it stood on a past
    day, so its batch judges it afresh) and its unit (whose chain its batch locks)."""

    version: int | None
    unit_id: int


def _due_ids(uow: UnitOfWork, camp, rung: Rung, today: dt.date,
             past: dict[int, Standing]) -> dict[int, Selected]:
    """The campaign's items for which ``rung`` is due on ``today``, each judged as it stood then,
    in id order.

    Items unchanged since are selected in SQL from their rows; those changed since (``past``,
    their standing on the day) are judged in Python against the escalations of their cycle then.
    """
    query = select(ProblemItem.id, ProblemItem.version, ProblemItem.unit_id).where(
        ProblemItem.campaign_id == camp.id, _condition(camp, rung, today), ~changed_after(today))
    due = {item_id: Selected(version, unit_id)
           for item_id, version, unit_id in uow.session.connection().execute(query).all()}
    if past:
        given = _levels_given(uow, list(past))
        judged = [item_id for item_id, standing in past.items()
                  if _holds(camp, rung, standing, given.get((item_id, standing.cycle), {}), today)]
        if judged:
            due.update((item_id, Selected(None, unit_id)) for item_id, unit_id in uow.session.execute(
                select(ProblemItem.id, ProblemItem.unit_id).where(ProblemItem.id.in_(judged))))
    return dict(sorted(due.items()))


def _levels_given(uow: UnitOfWork, ids: list[int]) -> dict[tuple[int, int], dict[str, dt.date]]:
    """(item id, cycle) → its levels → their dates, for the items ``ids``."""
    given: dict[tuple[int, int], dict[str, dt.date]] = {}
    for item_id, level, cycle, on_date in uow.session.execute(
            select(Escalation.item_id, Escalation.level, Escalation.cycle, Escalation.on_date)
            .where(Escalation.item_id.in_(ids))):
        given.setdefault((item_id, cycle), {})[level] = on_date
    return given


def _still_due(uow: UnitOfWork, camp, rung: Rung, today: dt.date, batch: dict[int, Selected]) -> tuple[list, dict]:
    """``_due_in_batch`` for a batch of the selection, under its lock, trusting the selection's
    judgment of each item whose version has not moved since: every change to an item, an
    escalation included, is an event that raises its version (``UnitOfWork.record``), so an item
    at the same version stands as the selection judged it and as its row stands. The others are
    judged afresh; how those stood on the day is returned by id (the rest stand as their rows)."""
    read = read_batch(uow, camp, list(batch))
    moved = [row.id for row in read if batch[row.id].version != row.version]
    if not moved:
        return read, {}
    kept = [row for row in read if batch[row.id].version == row.version]
    judged, standings = _due_in_batch(uow, camp, rung, today, moved)
    return sorted(kept + judged, key=lambda row: row.id), standings


def _due_in_batch(uow: UnitOfWork, camp, rung: Rung, today: dt.date, ids: list[int]) -> tuple[list, dict]:
    """``_due_ids`` among a batch's ``ids``, under its lock: the rows (in id order) for which ``rung`` is
    due, and how each stood on ``today``.

    Each row is read by its id and judged in Python (``_holds``, the same rule as ``_condition``)
    against its escalations: as the row stands, or as the item stood on the day if it changed since.
    Lookups by id only, so the work per batch stays flat however large the campaign, whatever the
    planner's statistics say of the tables the sweep is filling.
    """
    read = read_batch(uow, camp, ids)
    changed = changed_among(uow.session, ids, today)
    past = standings_on(uow.session, camp, today, sorted(changed)) if changed else {}
    given = _levels_given(uow, ids)
    due, standings = [], {}
    for row in read:
        if row.id in changed:
            standing = past.get(row.id)
        else:
            standing = Standing.of(row) if row.identified_on <= today else None
        if standing is not None and _holds(camp, rung, standing, given.get((row.id, standing.cycle), {}), today):
            due.append(row)
            standings[row.id] = standing
    return due, standings


def _condition(camp, rung: Rung, today: dt.date):
    """SQL condition on ProblemItem: ``rung`` is due on ``today`` for the item as its row stands."""
    condition = (or_(*(light_condition(camp, light, today) for light in rung.lights))
                 & (ProblemItem.identified_on <= today)  # a catch-up: not before it existed
                 & _not_escalated(rung.level))
    if rung.not_below:
        condition &= ~_escalated_before(rung.not_below, today + timedelta(days=1))
    if rung.after:
        condition &= _escalated_before((rung.after,), rung.cutoff)
    elif rung.cutoff:
        condition &= ProblemItem.due < rung.cutoff
    return condition


def _holds(camp, rung: Rung, standing: Standing, given: dict[str, dt.date], today: dt.date) -> bool:
    """``_condition`` for an item as it stood on ``today``; ``given``: its levels of that cycle → dates."""
    if rung.level in given or light_of(camp, standing, today) not in rung.lights:
        return False
    if any(given.get(level, today + timedelta(days=1)) <= today for level in rung.not_below):
        return False
    if rung.after:
        return rung.after in given and given[rung.after] < rung.cutoff
    return rung.cutoff is None or standing.due < rung.cutoff


def _escalated_before(levels: tuple[str, ...], cutoff: dt.date):
    """The item got one of ``levels`` in its current cycle on a date before ``cutoff``."""
    return exists().where(Escalation.item_id == ProblemItem.id, Escalation.level.in_(levels),
                          Escalation.cycle == ProblemItem.escalation_cycle, Escalation.on_date < cutoff)


def _not_escalated(level: str):
    return ~exists().where(Escalation.item_id == ProblemItem.id, Escalation.level == level,
                           Escalation.cycle == ProblemItem.escalation_cycle)


def _escalate_batch(start_uow, login: str, campaign_code: str, level: str, batch: dict[int, Selected],
                    today: dt.date, lines: Callable[[int], tuple[int | None, ...]]) -> tuple[list[str], list[str]]:
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        if attempt > 1:  # after a conflict, judge every item afresh: a racer need not have raised a version
            batch = {item_id: selected._replace(version=None) for item_id, selected in batch.items()}
        try:
            with start_uow() as uow:
                return _escalate_batch_once(uow, login, campaign_code, level, batch, today, lines)
        except ConcurrentModification:
            if attempt == BATCH_ATTEMPTS:
                raise


def _escalate_batch_once(uow: UnitOfWork, login: str, campaign_code: str, level: str, batch: dict[int, Selected],
                         today: dt.date, lines: Callable[[int], tuple[int | None, ...]]) -> tuple[list[str], list[str]]:
    camp = uow.campaigns.get(campaign_code)
    uow.lock(campaign_chain(camp))
    uow.lock_units(camp, {selected.unit_id for selected in batch.values()})
    who = actor(uow, login)
    # Re-checked under the lock: an item may have been submitted, extended or escalated since selection.
    read, judged = _still_due(uow, camp, _rung(camp, level, today), today, batch)
    if level == CASE:  # withdrawn since the day judged: no ground for a case (propose_case refuses it)
        read = [row for row in read if row.state != "withdrawn"]
    if not read:
        uow.commit()
        return [], []
    rows = escalation_rows(camp, level, today, who.login, read, judged, lines)
    ids, pending = insert_escalations(uow, level, rows)  # a racing writer's unique violation surfaces in it
    chains = {unit_id: unit_chain(camp, unit_id) for unit_id in {row.unit_id for row in read}}
    uow.record_many([escalate_event(id_, values, chains[item.unit_id]) for item, values, id_ in zip(read, rows, ids)],
                    meanwhile=pending)
    proposed = []
    if level == CASE:
        standings = {row.id: judged.get(row.id) or Standing.of(row) for row in read}
        fields = [dict(zip(ESCALATION_ROW, values)) for values in rows]
        proposed = propose_for_items(uow, who, camp, today, proposals(read, standings, fields, today))
    uow.commit()
    return [row.no for row in read], proposed
