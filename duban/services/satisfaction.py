"""常态开展评议: 满意度测评 of the units that directly serve the public (民生单位).

A round records how many people answered and how many were satisfied; the score
is satisfied / responses × max_score (100 by default) and passes at
rules.satisfaction.pass_score. Published rounds are the public table (向社会公开).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput, RuleViolation
from duban.services.common import actor, business_date
from duban.services.phase_gate import require_open
from storage.models import Campaign, OrgUnit, SatisfactionRound
from storage.uow import UnitOfWork, campaign_chain

SATISFACTION = "satisfaction"
METHODS = ("电话抽查", "问卷调查", "满意度测评")
MAX_RESPONSES = 1_000_000


def _rules(campaign: Campaign) -> dict:
    return {"pass_score": 80, "max_score": 100, "publish": True,
            **campaign.plan.get("rules", {}).get("satisfaction", {})}


def record_round(uow: UnitOfWork, login: str, *, unit: str, method: str, responses: int, satisfied: int,
                 today: dt.date | None = None, campaign: str | None = None) -> dict:
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    who = actor(uow, login)
    permissions.require(who, "satisfaction")
    day = business_date(camp, today)
    the_unit = uow.org.unit(unit)
    if not the_unit.serves_public:
        raise RuleViolation(f"{the_unit.name} 不是直接关系民生的单位，不开展满意度测评")
    if method not in METHODS:
        raise BadInput(f"测评方式无效：{method}（可选：{'、'.join(METHODS)}）")
    if not 1 <= responses <= MAX_RESPONSES:
        raise BadInput(f"有效样本数应在 1–{MAX_RESPONSES} 之间，实为 {responses}")
    if not 0 <= satisfied <= responses:
        raise BadInput(f"满意人数应在 0–{responses} 之间，实为 {satisfied}")
    if uow.session.scalar(select(SatisfactionRound.id).where(
            SatisfactionRound.campaign_id == camp.id, SatisfactionRound.unit_id == the_unit.id,
            SatisfactionRound.on_date == day)) is not None:
        raise RuleViolation(f"{the_unit.name} 在 {day.isoformat()} 已有测评记录")
    require_open(uow, camp, day=day, duty=SATISFACTION)  # the plan's 常态开展评议 phases only
    row = SatisfactionRound(campaign_id=camp.id, unit_id=the_unit.id, on_date=day, method=method,
                            responses=responses, satisfied=satisfied, published=False)
    uow.session.add(row)
    uow.flush()
    uow.record(chain=campaign_chain(camp), actor=who.login, today=day, trigger="satisfaction_recorded",
               campaign_id=camp.id, note=the_unit.name,
               payload={"round_id": row.id, "unit": the_unit.code, "method": method,
                        "responses": responses, "satisfied": satisfied})
    uow.commit()
    return round_view(row, the_unit, _rules(camp))


def round_view(row: SatisfactionRound, unit: OrgUnit, rules: dict) -> dict:
    score = round(row.satisfied / row.responses * rules["max_score"], 1)
    return {"id": row.id, "unit": unit.name, "unit_code": unit.code, "date": row.on_date.isoformat(),
            "method": row.method, "responses": row.responses, "satisfied": row.satisfied,
            "score": score, "pass_score": rules["pass_score"], "passed": score >= rules["pass_score"],
            "published": row.published}


def _rounds(uow: UnitOfWork, campaign: Campaign, **where) -> list[tuple[SatisfactionRound, OrgUnit]]:
    query = (select(SatisfactionRound, OrgUnit).join(OrgUnit, OrgUnit.id == SatisfactionRound.unit_id)
             .where(SatisfactionRound.campaign_id == campaign.id)
             .order_by(SatisfactionRound.on_date, OrgUnit.code))
    for column, value in where.items():
        query = query.where(getattr(SatisfactionRound, column) == value)
    return [tuple(row) for row in uow.session.execute(query)]


def publish_pending(uow: UnitOfWork, campaign: Campaign, who, day: dt.date) -> dict:
    """Mark unpublished rounds published inside the caller's transaction; returns the public table."""
    rules = _rules(campaign)
    if not rules["publish"]:
        raise RuleViolation("方案规定满意度测评结果不向社会公开（rules.satisfaction.publish: false）")
    uow.lock(campaign_chain(campaign))
    pending = _rounds(uow, campaign, published=False)
    for row, _unit in pending:
        row.published = True
    if pending:
        uow.record(chain=campaign_chain(campaign), actor=who.login, today=day, trigger="satisfaction_published",
                   campaign_id=campaign.id, payload={"round_ids": [row.id for row, _ in pending]})
    rows = [round_view(row, unit, rules) for row, unit in _rounds(uow, campaign, published=True)]
    return {"date": day.isoformat(), "newly_published": len(pending), "pass_score": rules["pass_score"],
            "rounds": rows}


def publish_results(uow: UnitOfWork, login: str, *, campaign: str | None = None,
                    today: dt.date | None = None) -> dict:
    camp = uow.campaigns.only_or(campaign)
    who = actor(uow, login)
    permissions.require(who, "satisfaction")
    result = publish_pending(uow, camp, who, business_date(camp, today))
    uow.commit()
    return result


def list_rounds(uow: UnitOfWork, login: str, *, campaign: str | None = None, unit: str | None = None) -> list[dict]:
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    where = {"unit_id": uow.org.unit(unit).id} if unit else {}
    rules = _rules(camp)
    return [round_view(row, the_unit, rules) for row, the_unit in _rounds(uow, camp, **where)]
