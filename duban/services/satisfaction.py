"""常态开展评议: evaluation rounds (满意度测评、作风评议 …) of the units the plan names.

Who is evaluated, by which methods, the pass mark and what a failure brings are plan data
(``rules.satisfaction``: ``unit_kinds``, ``serves_public``, ``methods``, ``pass_score``,
``on_fail``). A round records how many people answered and how many were satisfied; the
score is satisfied / responses × max_score (100 by default) and passes at ``pass_score``.
Rounds are numbered per unit (第几轮, ``round_no``) so that rankings and trends compare like
with like. A failing round brings, in the same transaction, what ``duban.services.evaluation``
does for it (rectification item, 质询, targeted check) and every round updates the unit's
annual assessment record. Published rounds are the public table (向社会公开).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from duban import permissions
from duban.errors import BadInput, RuleViolation
from duban.services.common import actor, business_date
from duban.services.phase_gate import require_open
from storage.models import Campaign, OrgUnit, SatisfactionRound
from storage.uow import UnitOfWork, campaign_chain

SATISFACTION = "satisfaction"
MAX_RESPONSES = 1_000_000
METHOD_MAX = 16
MAX_ROUND = 1000

DEFAULT_RULES = {"pass_score": 80, "max_score": 100, "publish": True, "methods": [], "unit_kinds": None,
                 "serves_public": False, "on_fail": [], "rectify_working_days": None, "inquiry_working_days": 5}


def rules_of(campaign: Campaign) -> dict:
    rules = {**DEFAULT_RULES, **campaign.plan.get("rules", {}).get(SATISFACTION, {})}
    for mark in ("pass_score", "max_score"):  # 80.0 → 80: marks print as the plan wrote them
        if float(rules[mark]).is_integer():
            rules[mark] = int(rules[mark])
    return rules


_rules = rules_of  # older name, used by callers outside this module


def is_target(rules: dict, unit: OrgUnit) -> bool:
    """Whether the plan evaluates ``unit`` (its kind, and 民生 when the plan says so)."""
    kinds = rules.get("unit_kinds")
    return (not rules.get("serves_public") or unit.serves_public) and (not kinds or unit.kind in kinds)


def target_units(uow: UnitOfWork, campaign: Campaign) -> list[OrgUnit]:
    rules = rules_of(campaign)
    return [unit for unit in uow.org.units() if is_target(rules, unit)]


def _refuse_outside_targets(rules: dict, unit: OrgUnit) -> None:
    if rules.get("serves_public") and not unit.serves_public:
        raise RuleViolation(f"{unit.name} 不是直接关系民生的单位，不在方案规定的测评范围内")
    kinds = rules.get("unit_kinds")
    if kinds and unit.kind not in kinds:
        raise RuleViolation(f"{unit.name}（{unit.kind}）不在方案规定的测评范围内（测评对象：{'、'.join(kinds)}）")


def _check_method(rules: dict, method: str) -> str:
    method = (method or "").strip()
    methods = rules.get("methods") or []
    if methods and method not in methods:
        raise BadInput(f"测评方式无效：{method}（方案规定：{'、'.join(methods)}）")
    if not method or len(method) > METHOD_MAX:
        raise BadInput(f"测评方式应为 1–{METHOD_MAX} 个字")
    return method


def _next_round(uow: UnitOfWork, campaign: Campaign, unit: OrgUnit) -> int:
    latest = uow.session.scalar(select(func.max(SatisfactionRound.round_no)).where(
        SatisfactionRound.campaign_id == campaign.id, SatisfactionRound.unit_id == unit.id))
    return (latest or 0) + 1


def record_round(uow: UnitOfWork, login: str, *, unit: str, method: str, responses: int, satisfied: int,
                 round_no: int | None = None, today: dt.date | None = None, campaign: str | None = None) -> dict:
    from duban.services.evaluation import after_round

    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    who = actor(uow, login)
    permissions.require(who, "satisfaction")
    day = business_date(camp, today)
    rules = rules_of(camp)
    the_unit = uow.org.unit(unit)
    _refuse_outside_targets(rules, the_unit)
    method = _check_method(rules, method)
    if not 1 <= responses <= MAX_RESPONSES:
        raise BadInput(f"有效样本数应在 1–{MAX_RESPONSES} 之间，实为 {responses}")
    if not 0 <= satisfied <= responses:
        raise BadInput(f"满意人数应在 0–{responses} 之间，实为 {satisfied}")
    if round_no is not None and not 1 <= round_no <= MAX_ROUND:
        raise BadInput(f"测评轮次应在 1–{MAX_ROUND} 之间，实为 {round_no}")
    if uow.session.scalar(select(SatisfactionRound.id).where(
            SatisfactionRound.campaign_id == camp.id, SatisfactionRound.unit_id == the_unit.id,
            SatisfactionRound.on_date == day)) is not None:
        raise RuleViolation(f"{the_unit.name} 在 {day.isoformat()} 已有测评记录")
    round_no = round_no or _next_round(uow, camp, the_unit)
    if uow.session.scalar(select(SatisfactionRound.id).where(
            SatisfactionRound.campaign_id == camp.id, SatisfactionRound.unit_id == the_unit.id,
            SatisfactionRound.round_no == round_no)) is not None:
        raise RuleViolation(f"{the_unit.name} 第 {round_no} 轮已有测评记录")
    require_open(uow, camp, day=day, duty=SATISFACTION)  # the phases whose duties open evaluation only
    row = SatisfactionRound(campaign_id=camp.id, unit_id=the_unit.id, on_date=day, method=method,
                            responses=responses, satisfied=satisfied, published=False, round_no=round_no)
    uow.session.add(row)
    uow.flush()
    uow.record(chain=campaign_chain(camp), actor=who.login, today=day, trigger="satisfaction_recorded",
               campaign_id=camp.id, note=the_unit.name,
               payload={"round_id": row.id, "unit": the_unit.code, "method": method, "round_no": round_no,
                        "responses": responses, "satisfied": satisfied})
    after_round(uow, camp, who, day, row, the_unit, rules)
    uow.commit()
    return round_view(row, the_unit, rules)


def score_of(row: SatisfactionRound, rules: dict) -> float:
    return round(row.satisfied / row.responses * rules["max_score"], 1)


def round_view(row: SatisfactionRound, unit: OrgUnit, rules: dict) -> dict:
    score = score_of(row, rules)
    return {"id": row.id, "unit": unit.name, "unit_code": unit.code, "unit_kind": unit.kind,
            "date": row.on_date.isoformat(), "round": row.round_no,
            "method": row.method, "responses": row.responses, "satisfied": row.satisfied,
            "score": score, "pass_score": rules["pass_score"], "passed": score >= rules["pass_score"],
            "published": row.published, "followups": dict(row.followups or {})}


def rounds_of(uow: UnitOfWork, campaign: Campaign, **where) -> list[tuple[SatisfactionRound, OrgUnit]]:
    query = (select(SatisfactionRound, OrgUnit).join(OrgUnit, OrgUnit.id == SatisfactionRound.unit_id)
             .where(SatisfactionRound.campaign_id == campaign.id)
             .order_by(SatisfactionRound.on_date, OrgUnit.code))
    for column, value in where.items():
        query = query.where(getattr(SatisfactionRound, column) == value)
    return [tuple(row) for row in uow.session.execute(query)]


_rounds = rounds_of


def publish_pending(uow: UnitOfWork, campaign: Campaign, who, day: dt.date) -> dict:
    """Mark unpublished rounds published inside the caller's transaction; returns the public table."""
    rules = rules_of(campaign)
    if not rules["publish"]:
        raise RuleViolation("方案规定测评结果不向社会公开（rules.satisfaction.publish: false）")
    uow.lock(campaign_chain(campaign))
    pending = rounds_of(uow, campaign, published=False)
    for row, _unit in pending:
        row.published = True
    if pending:
        uow.record(chain=campaign_chain(campaign), actor=who.login, today=day, trigger="satisfaction_published",
                   campaign_id=campaign.id, payload={"round_ids": [row.id for row, _ in pending]})
    rows = [public_view(row, unit, rules) for row, unit in rounds_of(uow, campaign, published=True)]
    return {"date": day.isoformat(), "newly_published": len(pending), "pass_score": rules["pass_score"],
            "rounds": rows}


def public_view(row: SatisfactionRound, unit: OrgUnit, rules: dict) -> dict:
    """A round as the public sees it: no follow-up details (items, 质询) of the office's."""
    view = round_view(row, unit, rules)
    view.pop("followups")
    return view


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
    rules = rules_of(camp)
    return [round_view(row, the_unit, rules) for row, the_unit in rounds_of(uow, camp, **where)]
