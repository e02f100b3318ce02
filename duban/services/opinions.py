"""Opinions (意见建议) from the plan's 座谈会、走访群众、问卷调查、征求意见表: record, suggest, triage.

The channels are the sources of the plan's ``collect_opinions`` duties, the respondent
types its ``respondents``. An opinion giver is anonymous and stays so: only the respondent
type is kept, the text is read by the office alone, items made from opinions carry the
office's own title (never the opinion's words) and events carry hashes of free text.

The office decides each opinion's fate — a new item (several opinions may become one),
merged into an existing item, or dismissed with a reason — helped by a category
suggestion from the plan's manifestation lists (``duban.categorize``) that it confirms.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import exists, func, select

from duban import permissions
from duban.categorize import suggest
from duban.errors import BadInput, ConcurrentModification, NotFound, RuleViolation
from duban.services.common import actor, business_date, clean_text, warn_outside_campaign
from duban.services.items import TEXT_MAX, register_item
from duban.services.phase_gate import require_open
from statemachines.opinion import OPINION, OpinionFacts
from storage.models import Campaign, Opinion, OrgUnit, Phase, ProblemItem
from storage.uow import UnitOfWork, campaign_chain

RESPONDENT_MAX = 16


def _sha(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest() if text else None


def _collect_duties(plan: dict) -> list[dict]:
    return [duty for phase in plan.get("phases", []) for duty in phase.get("duties", [])
            if duty.get("code") == "collect_opinions"]


def opinion_sources(plan: dict) -> dict[str, str]:
    """code → name of the plan's opinion channels (sources of its collect_opinions duties)."""
    codes = {code for duty in _collect_duties(plan) for code in duty.get("sources", [])}
    return {s["code"]: s["name"] for s in plan.get("sources", []) if s["code"] in codes}


def _channel(campaign: Campaign, given: str) -> str:
    sources = opinion_sources(campaign.plan)
    for code, name in sources.items():
        if given in (code, name):
            return code
    shown = "、".join(sources.values()) or "（方案未设征求意见渠道）"
    raise BadInput(f"意见来源无效：{given}（可选：{shown}）")


def _respondent(campaign: Campaign, given: str) -> str:
    allowed = [r for duty in _collect_duties(campaign.plan) for r in duty.get("respondents", [])]
    value = clean_text(given, "意见提出者类别", max_len=RESPONDENT_MAX)
    if allowed and value not in allowed:
        raise BadInput(f"意见提出者类别无效：{value}（可选：{'、'.join(dict.fromkeys(allowed))}）")
    return value


def opinion_choices(campaign: Campaign) -> dict:
    """What a recording form offers: the plan's opinion channels and respondent kinds."""
    return {"sources": opinion_sources(campaign.plan),
            "respondents": list(dict.fromkeys(r for duty in _collect_duties(campaign.plan)
                                              for r in duty.get("respondents", [])))}


def suggestions(campaign: Campaign, text: str) -> list[dict]:
    return suggest(text, campaign.plan.get("categories", []))


def opinion_view(opinion: Opinion) -> dict:
    """The office's view of an opinion, with the category suggestion and the phrases behind it."""
    names = opinion_sources(opinion.campaign.plan)
    return {
        "no": opinion.no, "source": names.get(opinion.source, opinion.source), "source_code": opinion.source,
        "received_on": opinion.received_on.isoformat(), "respondent": opinion.respondent,
        "collected_by": opinion.collected_by.name, "unit": opinion.unit.name if opinion.unit else None,
        "text": opinion.text, "state": opinion.state, "state_label": OPINION.label(opinion.state),
        "item": opinion.item.no if opinion.item else None, "reason": opinion.reason,
        "triaged_on": opinion.triaged_on.isoformat() if opinion.triaged_on else None,
        "suggestions": suggestions(opinion.campaign, opinion.text), "version": opinion.version,
    }


def _record(uow: UnitOfWork, who_login: str, opinion: Opinion, today: dt.date, trigger: str, *,
            from_state: str | None = None, payload: dict) -> None:
    opinion.version += 1
    uow.record(chain=campaign_chain(opinion.campaign), actor=who_login, today=today, trigger=trigger,
               campaign_id=opinion.campaign_id, from_state=from_state, to_state=opinion.state,
               payload={"opinion": opinion.id, "no": opinion.no, **payload})


def record_opinion(uow: UnitOfWork, login: str, *, source: str, text: str, respondent: str,
                   collected_by: str | None = None, unit: str | None = None, campaign: str | None = None,
                   received_on: dt.date | None = None, today: dt.date | None = None) -> dict:
    """Record one opinion as it was given; ``collected_by`` (default: the recorder's unit) held
    the 座谈会 or returned the form, ``unit`` is the unit the opinion is about, if any."""
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    today = business_date(camp, today)
    warn_outside_campaign(camp, today)
    who = actor(uow, login)
    collector = uow.org.unit(collected_by) if collected_by else who.unit
    if collector is None:
        raise BadInput("请用 --collected-by 指定组织征求意见的单位")
    permissions.require(who, "opinion.record", unit=collector)
    received_on = received_on or today
    if received_on > today:
        raise BadInput(f"收集日期 {received_on.isoformat()} 晚于业务日期 {today.isoformat()}")
    channel = _channel(camp, source)
    respondent = _respondent(camp, respondent)
    text = clean_text(text, "意见内容", max_len=TEXT_MAX)
    require_open(uow, camp, day=received_on, source=channel)  # collected while the plan opens its channel
    opinion = Opinion(
        campaign=camp, seq=(uow.session.scalar(select(func.max(Opinion.seq)).where(Opinion.campaign_id == camp.id))
                            or 0) + 1,
        source=channel, received_on=received_on, respondent=respondent, text=text, collected_by=collector,
        unit=uow.org.unit(unit) if unit else None, state=OPINION.initial, version=0,
    )
    opinion.no = f"{camp.code}-Y{opinion.seq:04d}"
    uow.session.add(opinion)
    uow.flush()
    _record(uow, who.login, opinion, today, "opinion_recorded", payload=recorded_payload(opinion))
    uow.commit()
    return opinion_view(opinion)


def recorded_payload(opinion: Opinion) -> dict:
    """What ``opinion_recorded`` says of the new row (the text only as its hash)."""
    return {"source": opinion.source, "received_on": opinion.received_on.isoformat(),
            "respondent": opinion.respondent, "collected_by": opinion.collected_by.code,
            "unit": opinion.unit.code if opinion.unit else None, "text_sha256": _sha(opinion.text)}


def _load(uow: UnitOfWork, no: str) -> Opinion:
    opinion = uow.session.scalar(select(Opinion).where(Opinion.no == no))
    if opinion is None:
        raise NotFound(f"意见不存在：{no}")
    return opinion


def triage_opinions(uow: UnitOfWork, login: str, nos: list[str], outcome: str, *, item: str | None = None,
                    unit: str | None = None, title: str | None = None, category: str | None = None,
                    person: str | None = None, due: dt.date | None = None, due_days: int | None = None,
                    reason: str = "", today: dt.date | None = None,
                    expect_version: int | None = None) -> list[dict]:
    """accept: one new item written by the office from one or more opinions; merge: into an
    existing item; dismiss: 不予采纳 with a reason. All the opinions change, or none."""
    if outcome not in OPINION.triggers:
        raise BadInput(f"未知操作：{outcome}")
    nos = list(dict.fromkeys(nos))
    if not nos:
        raise BadInput("请给出意见编号")
    if expect_version is not None and len(nos) > 1:
        raise BadInput("--expect-version 只能用于一条意见")
    opinions = [_load(uow, no) for no in nos]
    camp = opinions[0].campaign
    if any(o.campaign_id != camp.id for o in opinions):
        raise RuleViolation("这些意见不属于同一活动，不能一并办理")
    uow.lock(campaign_chain(camp))
    for opinion in opinions:
        uow.session.refresh(opinion)
    if expect_version is not None and opinions[0].version != expect_version:
        raise ConcurrentModification(f"{opinions[0].no} 已被他人修改：期望版本 {expect_version}，"
                                     f"当前版本 {opinions[0].version}")
    today = business_date(camp, today)
    who = actor(uow, login)
    permissions.require(who, "opinion.triage")
    reason = clean_text(reason, "理由", max_len=TEXT_MAX, required=False)
    for opinion in opinions:  # every opinion must be open before anything is written
        OPINION.fire(opinion.state, outcome, OpinionFacts(item_no="-", reason=reason or "-"))
    target: ProblemItem | None = None
    if outcome == "accept":
        if not unit or not title:
            raise BadInput("立为问题须给出 --unit 和 --title（问题标题由办公室撰写，不照录意见原文）")
        names = opinion_sources(camp.plan)
        target = register_item(uow, who, camp, today, unit=unit, title=title, person=person, category=category,
                               source=names[opinions[0].source], description="", due=due, due_days=due_days,
                               origin=f"opinion:{opinions[0].no}", action="item.add")
    elif outcome == "merge":
        if not item:
            raise BadInput("并入问题须给出 --item 问题编号")
        target = uow.items.get(item)
        if target.campaign_id != camp.id:
            raise RuleViolation(f"{target.no} 不属于 {camp.code}，不能并入")
    for opinion in opinions:
        before = opinion.state
        opinion.state = OPINION.fire(before, outcome, OpinionFacts(item_no=target.no if target else None,
                                                                   reason=reason))
        opinion.item = target
        opinion.reason = reason or None
        opinion.triaged_on, opinion.triaged_by = today, who
        uow.flush()
        _record(uow, who.login, opinion, today, "opinion_triaged", from_state=before, payload={
            "item": target.no if target else None, "reason_sha256": _sha(opinion.reason)})
    uow.commit()
    return [opinion_view(o) for o in opinions]


def show_opinion(uow: UnitOfWork, login: str, no: str) -> dict:
    opinion = _load(uow, no)
    permissions.require(actor(uow, login), "opinion.read")
    return opinion_view(opinion)


def list_opinions(uow: UnitOfWork, login: str, *, campaign: str | None = None, state: str | None = None,
                  source: str | None = None, unit: str | None = None) -> list[dict]:
    """Every opinion and its fate (state, item), oldest first."""
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "opinion.read")
    query = select(Opinion).where(Opinion.campaign_id == camp.id).order_by(Opinion.seq)
    if state:
        codes = {shown: code for code, shown in OPINION.states.items()}
        if state not in OPINION.states and state not in codes:
            raise BadInput(f"状态无效：{state}（可选：{'、'.join(OPINION.states.values())}）")
        query = query.where(Opinion.state == codes.get(state, state))
    if source:
        query = query.where(Opinion.source == _channel(camp, source))
    if unit:
        the_unit = uow.org.unit(unit)
        query = query.where((Opinion.unit_id == the_unit.id) | (Opinion.collected_by_id == the_unit.id))
    return [opinion_view(o) for o in uow.session.scalars(query)]


def units_without_opinions(uow: UnitOfWork, campaign: Campaign, phase: Phase, units) -> list[OrgUnit]:
    """Of ``units`` (a select of OrgUnit), those that collected no opinion during ``phase``:
    no 座谈会 held, no form returned, nobody visited — whom ``collect_opinions`` reminds."""
    collected = exists().where(
        Opinion.campaign_id == campaign.id, Opinion.collected_by_id == OrgUnit.id,
        Opinion.received_on >= phase.start_date, Opinion.received_on <= phase.end_date)
    return list(uow.session.scalars(units.where(~collected).order_by(OrgUnit.code)))
