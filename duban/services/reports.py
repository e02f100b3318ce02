"""Progress reports: per-unit figures, every one counted set-based in SQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, select

from duban import permissions
from duban.services.common import actor, business_date
from duban.services.items import light_condition
from statemachines.item import ITEM
from storage.models import Escalation, ProblemItem
from storage.uow import UnitOfWork

LIGHTS = ("red", "yellow", "green")
ESCALATION_LEVELS = ("催办", "督办", "挂牌督办", "问责")
# 逾期: the deadline has passed and the item is not yet verified (paused or awaiting verification included).
OVERDUE_STATES = ("assigned", "rectifying", "submitted")


def unit_report(uow: UnitOfWork, login: str, *, campaign: str | None = None,
                today: dt.date | None = None) -> list[dict]:
    """One row per unit: items per state and per light, overdue, escalations, relapses, on-time rate.

    The on-time rate is the share of verified items verified on or before their (possibly
    extended) deadline; None while a unit has no verified item.
    """
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    in_campaign = ProblemItem.campaign_id == camp.id

    def per_unit(*columns, where=None, group=()):
        query = select(ProblemItem.unit_id, *group, *columns).where(in_campaign).group_by(ProblemItem.unit_id, *group)
        return uow.session.execute(query if where is None else query.where(where)).all()

    rows = {unit.id: _empty_row(unit) for unit in uow.org.units()}
    for unit_id, state, count in per_unit(func.count(), group=(ProblemItem.state,)):
        rows[unit_id]["states"][state] = count
        rows[unit_id]["items"] += count
    for light in LIGHTS:
        for unit_id, count in per_unit(func.count(), where=light_condition(camp, light, today)):
            rows[unit_id]["lights"][light] = count
    overdue = ProblemItem.state.in_(OVERDUE_STATES) & (ProblemItem.due < today)
    for unit_id, count in per_unit(func.count(), where=overdue):
        rows[unit_id]["overdue"] = count
    on_time = func.sum(case((ProblemItem.verified_on <= ProblemItem.due, 1), else_=0))
    for unit_id, relapses, verified, verified_on_time in per_unit(
            func.coalesce(func.sum(ProblemItem.relapse_count), 0), func.count(ProblemItem.verified_on), on_time):
        row = rows[unit_id]
        row["relapses"], row["verified"] = int(relapses), verified
        row["on_time_rate"] = round(int(verified_on_time) / verified, 4) if verified else None
    escalations = (select(ProblemItem.unit_id, Escalation.level, func.count())
                   .join(ProblemItem, Escalation.item_id == ProblemItem.id).where(in_campaign)
                   .group_by(ProblemItem.unit_id, Escalation.level))
    for unit_id, level, count in uow.session.execute(escalations):
        rows[unit_id]["escalations"][level] = count
    return list(rows.values())


def _empty_row(unit) -> dict:
    return {
        "unit_code": unit.code, "unit": unit.name, "items": 0,
        "states": dict.fromkeys(ITEM.states, 0),
        "lights": dict.fromkeys(LIGHTS, 0),
        "overdue": 0,
        "escalations": dict.fromkeys(ESCALATION_LEVELS, 0),
        "relapses": 0, "verified": 0, "on_time_rate": None,
    }
