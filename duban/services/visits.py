"""Visit records: what the office found at a unit an unannounced draw selected.

``duban inspect record DRAW --unit U --result 无问题|发现问题 [--problem 检查项 …] [--finding 标题 … [--category 类别]]``
records, for one unit of a 暗访抽查 or 作风纪律检查 draw, the plan's checklist for that duty
item by item (an entry named by ``--problem`` had a problem, the others had none), the
outcome, and registers each finding as a problem of the unit, from the duty's source, with
origin ``draw:<draw id>`` — in one transaction with the visit and its ``visit_recorded``
event. One visit per draw and unit; a unit the draw did not select cannot be visited under it.

A visit that found problems counts against its unit in ``case propose-units``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput, NotFound, RuleViolation
from duban.labels import code_of, label
from duban.services.common import actor, business_date, clean_text
from duban.services.draws import kind_label, phase_duty
from duban.services.items import TITLE_MAX, register_item
from storage.models import Campaign, Draw, OrgUnit, Person, Visit
from storage.uow import UnitOfWork, campaign_chain

VISITED_KINDS = ("spot_check", "discipline_check", "targeted_check")
TRIGGER = "visit_recorded"


def draw_origin(draw_id: int) -> str:
    return f"draw:{draw_id}"


def _plan_duty(campaign: Campaign, kind: str, day: dt.date) -> dict:
    """The duty of the draw's kind in the phase of its day (checklist and sources); a targeted
    check of a unit failing an evaluation uses the duty of the check the plan's on_fail names."""
    if kind == "targeted_check":
        from duban.services.evaluation import check_kind, evaluation_duty

        kind = check_kind(campaign) or "spot_check"
        if not any(d.get("code") == kind for p in campaign.phases for d in p.duties):
            return evaluation_duty(campaign, day)  # no such duty in the plan: the evaluation's sources
    return phase_duty(campaign, kind, day, any_phase=True)


def _source_of(campaign: Campaign, duty: dict) -> str:
    names = {s["code"]: s["name"] for s in campaign.plan.get("sources", [])}
    codes = duty.get("sources") or []
    if not codes:
        raise RuleViolation(f"方案中「{duty.get('name', '')}」没有规定问题来源，不能据此登记发现的问题")
    return names.get(codes[0], codes[0])


def visit_payload(visit: Visit, unit: OrgUnit, inspector: Person) -> dict:
    """What the event records and the audit compares: everything about the visit but its row id."""
    return {"visit": visit.id, "draw": visit.draw_id, "unit": unit.code, "date": visit.on_date.isoformat(),
            "inspector": inspector.login, "checks": visit.checks, "outcome": visit.outcome, "items": visit.items}


def visit_view(visit: Visit, unit: OrgUnit, inspector: Person, draw: Draw, campaign: Campaign) -> dict:
    return {**visit_payload(visit, unit, inspector), "id": visit.id, "unit_name": unit.name, "kind": draw.kind,
            "kind_label": kind_label(campaign, draw.kind), "outcome_label": label("visit_outcome", visit.outcome),
            "problems": [c["item"] for c in visit.checks if c["problem"]]}


def record_visit(uow: UnitOfWork, login: str, draw_id: int, *, unit: str, outcome: str,
                 problems: list[str] = (), findings: list[tuple[str, str | None]] = (),
                 today: dt.date | None = None) -> dict:
    """Record the visit to ``unit`` under draw ``draw_id`` and register its findings, each
    ``(title, category or None)`` (see the module)."""
    outcome = code_of("visit_outcome", outcome, "--result")
    draw = uow.session.get(Draw, draw_id)
    if draw is None:
        raise NotFound(f"没有编号为 {draw_id} 的随机抽取")
    campaign = uow.session.get(Campaign, draw.campaign_id)
    uow.lock(campaign_chain(campaign))
    who = actor(uow, login)
    permissions.require(who, "draw")
    today = business_date(campaign, today)
    the_unit = uow.org.unit(unit)
    if draw.kind not in VISITED_KINDS:
        raise RuleViolation(f"抽取 #{draw_id} 是{kind_label(campaign, draw.kind)}，抽中的是问题而不是单位，不登记暗访检查")
    if the_unit.code not in draw.selection:
        raise RuleViolation(f"{the_unit.name}（{the_unit.code}）不在抽取 #{draw_id} 抽中的单位之中"
                            f"（抽中：{'、'.join(draw.selection) or '无'}）")
    if today < draw.on_date:
        raise RuleViolation(f"业务日期 {today.isoformat()} 早于抽取日期 {draw.on_date.isoformat()}")
    earlier = uow.session.scalar(select(Visit).where(Visit.draw_id == draw.id, Visit.unit_id == the_unit.id))
    if earlier is not None:
        raise RuleViolation(f"抽取 #{draw_id} 对{the_unit.name}的检查已于 {earlier.on_date.isoformat()} 登记，不能重复登记")
    duty = _plan_duty(campaign, draw.kind, draw.on_date)
    checklist = list(duty.get("checklist") or [])
    unknown = [p for p in problems if p not in checklist]
    if unknown:
        raise BadInput(f"检查项无效：{'、'.join(unknown)}（方案规定：{'、'.join(checklist) or '无'}）")
    titles = [(clean_text(title, "发现的问题", max_len=TITLE_MAX), category) for title, category in findings]
    if outcome == "clean" and (problems or titles):
        raise BadInput("结果为「无问题」时不能同时给出 --problem 或 --finding")
    if outcome == "found" and not (problems or titles):
        raise BadInput("结果为「发现问题」时须给出 --problem 检查项 或 --finding 发现的问题")
    source = _source_of(campaign, duty) if titles else None
    items = [register_item(uow, who, campaign, today, unit=the_unit.code, title=title, person=None,
                           category=category, source=source, description="", due=None, due_days=None,
                           origin=draw_origin(draw.id), action="item.add").no for title, category in titles]
    visit = Visit(campaign_id=campaign.id, draw_id=draw.id, unit_id=the_unit.id, on_date=today, inspector_id=who.id,
                  checks=[{"item": entry, "problem": entry in problems} for entry in checklist],
                  outcome=outcome, items=items)
    uow.session.add(visit)
    uow.flush()
    uow.record(chain=campaign_chain(campaign), actor=who.login, today=today, trigger=TRIGGER, campaign_id=campaign.id,
               note=f"{kind_label(campaign, draw.kind)} #{draw.id} {the_unit.name}：{label('visit_outcome', outcome)}",
               payload=visit_payload(visit, the_unit, who))
    uow.commit()
    return visit_view(visit, the_unit, who, draw, campaign)


def list_visits(uow: UnitOfWork, login: str, *, campaign: str | None = None, draw_id: int | None = None,
                unit: str | None = None) -> list[dict]:
    """The visits recorded (the office's; a unit head sees their own unit's)."""
    camp = uow.campaigns.only_or(campaign)
    who = actor(uow, login)
    permissions.require(who, "read")
    query = select(Visit).where(Visit.campaign_id == camp.id).order_by(Visit.on_date, Visit.id)
    if draw_id is not None:
        query = query.where(Visit.draw_id == draw_id)
    if unit is not None:
        query = query.where(Visit.unit_id == uow.org.unit(unit).id)
    if not permissions.allowed(who, "draw.pending"):  # outside the office: only one's own unit
        query = query.where(Visit.unit_id == who.unit_id)
    units = {u.id: u for u in uow.org.units()}
    people = {p.id: p for p in uow.org.persons()}
    draws = {d.id: d for d in uow.session.scalars(select(Draw).where(Draw.campaign_id == camp.id))}
    return [visit_view(v, units[v.unit_id], people[v.inspector_id], draws[v.draw_id], camp)
            for v in uow.session.scalars(query)]


def units_with_findings(uow: UnitOfWork, campaign: Campaign, since: dt.date, until: dt.date) -> dict[int, list[Visit]]:
    """Unit id → its visits between ``since`` and ``until`` that found problems and registered them
    (a case needs items to stand on), for unit accountability."""
    found: dict[int, list[Visit]] = {}
    for visit in uow.session.scalars(select(Visit).where(
            Visit.campaign_id == campaign.id, Visit.outcome == "found", Visit.on_date >= since,
            Visit.on_date <= until).order_by(Visit.on_date, Visit.id)):
        if visit.items:
            found.setdefault(visit.unit_id, []).append(visit)
    return found
