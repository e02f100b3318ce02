"""Progress reports: per-unit figures, every one counted set-based in SQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, cast, func, select, text

from duban import permissions
from duban.services.common import actor, business_date
from duban.services.items import due_band, green_from
from statemachines.item import DEADLINE_STATES, ITEM
from storage.models import Escalation, OrgUnit, ProblemItem
from storage.uow import UnitOfWork

LIGHTS = ("red", "yellow", "green")
ESCALATION_LEVELS = ("催办", "督办", "挂牌督办", "问责")
# 逾期: the deadline has passed and the item is not yet verified (paused or awaiting verification included).
OVERDUE_STATES = ("assigned", "rectifying", "submitted")


def unit_report(uow: UnitOfWork, login: str, *, campaign: str | None = None,
                today: dt.date | None = None) -> list[dict]:
    """One row per unit: items per state and per light, overdue, escalations, relapses, on-time rate.

    The on-time rate is the share of verified items verified on or before their (possibly
    extended) deadline; None while a unit has no verified item. One aggregate query: the items
    and the escalations (each carrying its item's unit) are each counted in two levels, first
    per unit and state (or level), read in that order off an index that holds every column
    counted (ix_problem_items_report, ix_escalations_report: no table rows read, no hash of the
    rows), then folded per unit over those few rows.
    """
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    items, escalations = _item_counts(camp, today), _escalation_counts(camp)
    query = (select(OrgUnit.code, OrgUnit.name, items, escalations)
             .outerjoin(items, items.c.unit_id == OrgUnit.id)
             .outerjoin(escalations, escalations.c.unit_id == OrgUnit.id)
             .order_by(OrgUnit.code))
    if uow.engine.dialect.name == "postgresql":
        # JIT compilation of this one query took ~0.55 s of its ~2.2 s at 1 M items (bench/README.md).
        uow.session.execute(text("SET LOCAL jit = off"))
    return [_row(r._mapping) for r in uow.session.execute(query)]


def _item_counts(camp, today: dt.date):
    """Per unit: items per state, per light, overdue, relapses, verified and verified on time.

    A FILTER evaluated on every item (14 of them, several comparing the state with a list) cost
    more than reading the items (bench/README.md); per unit and state only the dates are compared
    per item, the state once per group."""
    first_green = green_from(camp, today)
    not_paused = ProblemItem.paused_since.is_(None)
    by_state = (
        select(ProblemItem.unit_id, ProblemItem.state, _int(func.count()).label("n"),
               *[_int(func.count().filter(not_paused & due_band(light, today, first_green))).label(light)
                 for light in LIGHTS],
               _int(func.count().filter(ProblemItem.due < today)).label("past_due"),
               _int(func.sum(ProblemItem.relapse_count)).label("relapses"),
               _int(func.count(ProblemItem.verified_on)).label("verified"),
               _int(func.count().filter(ProblemItem.verified_on <= ProblemItem.due)).label("verified_on_time"))
        .where(ProblemItem.campaign_id == camp.id)
        .group_by(ProblemItem.unit_id, ProblemItem.state).subquery()
    )
    g = by_state.c
    running = g.state.in_(DEADLINE_STATES)  # with a due date and not paused: the per-item part above
    return (
        select(g.unit_id, func.sum(g.n).label("items"),
               *[func.sum(g.n).filter(g.state == s).label(f"state_{s}") for s in ITEM.states],
               *[func.sum(g[light]).filter(running).label(f"light_{light}") for light in LIGHTS],
               func.sum(g.past_due).filter(g.state.in_(OVERDUE_STATES)).label("overdue"),
               func.sum(g.relapses).label("relapses"), func.sum(g.verified).label("verified"),
               func.sum(g.verified_on_time).label("verified_on_time"))
        .group_by(g.unit_id).subquery()
    )


def _escalation_counts(camp):
    """Per unit: escalations per level; each row carries its item's unit (no join to the items)."""
    by_level = (select(Escalation.unit_id, Escalation.level, _int(func.count()).label("n"))
                .where(Escalation.campaign_id == camp.id)
                .group_by(Escalation.unit_id, Escalation.level).subquery())
    g = by_level.c
    return (select(g.unit_id.label("unit_id"),
                   *[func.sum(g.n).filter(g.level == level).label(f"level_{n}")
                     for n, level in enumerate(ESCALATION_LEVELS)])
            .group_by(g.unit_id).subquery())


def _int(count):
    """A group's count as an integer: PostgreSQL sums bigints as numeric, which made folding the
    groups per unit several times slower than summing integers (bench/README.md)."""
    return cast(count, Integer)


def _row(r) -> dict:
    verified = int(r["verified"] or 0)
    return {
        "unit_code": r["code"], "unit": r["name"], "items": int(r["items"] or 0),
        "states": {s: int(r[f"state_{s}"] or 0) for s in ITEM.states},
        "lights": {light: int(r[f"light_{light}"] or 0) for light in LIGHTS},
        "overdue": int(r["overdue"] or 0),
        "escalations": {level: int(r[f"level_{n}"] or 0) for n, level in enumerate(ESCALATION_LEVELS)},
        "relapses": int(r["relapses"] or 0), "verified": verified,
        "on_time_rate": round(int(r["verified_on_time"]) / verified, 4) if verified else None,
    }
