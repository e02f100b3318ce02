"""Phases gate actions: what the plan opens in a phase is refused outside it.

The plan says which problem sources are open when: a source is open on the days of
every phase one of whose duties lists it (a source no duty lists is open in every
phase), and an action tied to a duty (a manual draw, a 满意度测评 round…) is open in the
phases that have that duty. Nothing is open before the campaign starts, after it ends
or between two phases.

The office can open a source or a duty for a window of dates with a reason
(``phase_override`` event on the campaign chain); the gate reads those events, so an
override is part of the hash-chained log and needs no table of its own.

    require_open(uow, campaign, day=today, source="举报电话")   # RuleViolation (exit 3) when closed
    require_open(uow, campaign, day=today, duty="spot_check")
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput, RuleViolation
from duban.services.common import actor, business_date, clean_text
from storage.models import Campaign, Event, Phase
from storage.uow import UnitOfWork, campaign_chain

OVERRIDE_TRIGGER = "phase_override"
REASON_MAX = 500


def _source_codes(campaign: Campaign) -> dict[str, str]:
    """Source code and name → code."""
    sources = campaign.plan.get("sources", [])
    return {**{s["code"]: s["code"] for s in sources}, **{s["name"]: s["code"] for s in sources}}


def source_code(campaign: Campaign, source: str) -> str:
    code = _source_codes(campaign).get(source)
    if code is None:
        names = "、".join(s["name"] for s in campaign.plan.get("sources", []))
        raise BadInput(f"问题来源无效：{source}（可选：{names}）")
    return code


def _source_name(campaign: Campaign, code: str) -> str:
    return next((s["name"] for s in campaign.plan.get("sources", []) if s["code"] == code), code)


def duty_name(campaign: Campaign, code: str, *, table: str = "duty") -> str:
    """The plan's name of duty ``code`` (its first phase's), else the label of ``code`` in ``table``."""
    from duban.labels import label

    for phase in campaign.phases:
        for duty in phase.duties:
            if duty.get("code") == code and duty.get("name"):
                return duty["name"]
    return label(table, code)


def phases_opening(campaign: Campaign, *, source: str | None = None, duty: str | None = None) -> list[Phase]:
    """The phases in which ``source`` (a code) or ``duty`` is open."""
    if duty is not None:
        return [p for p in campaign.phases if any(d.get("code") == duty for d in p.duties)]
    listing = [p for p in campaign.phases if any(source in d.get("sources", []) for d in p.duties)]
    return listing or list(campaign.phases)


def overrides(uow: UnitOfWork, campaign: Campaign) -> list[dict]:
    query = (select(Event).where(Event.campaign_id == campaign.id, Event.trigger == OVERRIDE_TRIGGER)
             .order_by(Event.id))
    return [{"id": ev.id, "date": ev.business_date.isoformat(), "actor": ev.actor, "reason": ev.note,
             **json.loads(ev.payload or "{}")} for ev in uow.session.scalars(query)]


def _overridden(uow: UnitOfWork, campaign: Campaign, day: dt.date, source: str | None, duty: str | None) -> bool:
    iso = day.isoformat()
    return any(o.get("source") == source and o.get("duty") == duty and o["from"] <= iso <= o["until"]
               for o in overrides(uow, campaign))


def closed_reason(campaign: Campaign, day: dt.date, *, source: str | None = None,
                  duty: str | None = None) -> str | None:
    """Why ``source``/``duty`` is closed on ``day`` (one Chinese sentence), or None when open."""
    what = f"问题来源「{_source_name(campaign, source)}」" if source else f"「{duty_name(campaign, duty)}」"
    if day < campaign.start_date:
        return f"{day.isoformat()} 活动尚未开始（{campaign.start_date.isoformat()} 开始），{what}未开放"
    if day > campaign.end_date:
        return f"{day.isoformat()} 活动已经结束（{campaign.end_date.isoformat()} 结束），{what}已关闭"
    open_in = phases_opening(campaign, source=source, duty=duty)
    phase = next((p for p in campaign.phases if p.start_date <= day <= p.end_date), None)
    if phase is not None and phase in open_in:
        return None
    where = f"「{phase.name}」阶段" if phase else "两个阶段之间"
    opened = "、".join(f"「{p.name}」（{p.start_date.isoformat()} 至 {p.end_date.isoformat()}）" for p in open_in)
    return f"{day.isoformat()} 处于{where}，{what}未开放（开放阶段：{opened or '无'}）"


def require_open(uow: UnitOfWork, campaign: Campaign, *, day: dt.date, source: str | None = None,
                 duty: str | None = None) -> None:
    """Refuse (exit 3) what the plan does not open on ``day``, unless the office opened it."""
    if (source is None) == (duty is None):
        raise ValueError("require_open needs exactly one of source and duty")
    reason = closed_reason(campaign, day, source=source, duty=duty)
    if reason is None or _overridden(uow, campaign, day, source, duty):
        return
    office = campaign.plan["organization"]["office"]["name"]
    raise RuleViolation(f"{reason}；如确需办理，请由{office}执行 duban phase override 说明理由后办理")


def override(uow: UnitOfWork, login: str, *, reason: str, source: str | None = None, duty: str | None = None,
             start: dt.date | None = None, until: dt.date | None = None, campaign: str | None = None,
             today: dt.date | None = None) -> dict:
    """The office opens a source or a duty on the days ``start``…``until`` (default: today), with a reason."""
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    who = actor(uow, login)
    permissions.require(who, "phase.override")
    today = business_date(camp, today)
    if (source is None) == (duty is None):
        raise BadInput("须且只能给出 --source 问题来源 或 --duty 工作职责 其中之一")
    if source is not None:
        source = source_code(camp, source)
    else:
        from duban.labels import code_of

        duty = code_of("duty", duty, "工作职责")
    start = start or today
    until = until or start
    if until < start:
        raise BadInput(f"结束日期 {until.isoformat()} 早于开始日期 {start.isoformat()}")
    if (until - start).days > 366:
        raise BadInput("放开期限最长一年")
    reason = clean_text(reason, "放开理由", max_len=REASON_MAX)
    payload = {"source": source, "duty": duty, "from": start.isoformat(), "until": until.isoformat()}
    event = uow.record(chain=campaign_chain(camp), actor=who.login, today=today, trigger=OVERRIDE_TRIGGER,
                       campaign_id=camp.id, note=reason, payload=payload)
    uow.commit()
    return {"id": event.id, "campaign": camp.code, "actor": who.login, "date": today.isoformat(),
            "reason": reason, **payload,
            "what": _source_name(camp, source) if source else duty_name(camp, duty)}


def phase_table(uow: UnitOfWork, login: str, *, campaign: str | None = None) -> dict:
    """The plan's phases with their duties and open sources, and the overrides recorded."""
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    phases = [{"code": p.code, "name": p.name, "start": p.start_date.isoformat(), "end": p.end_date.isoformat(),
               "duties": [d["code"] for d in p.duties],
               "sources": sorted({s for d in p.duties for s in d.get("sources", [])})} for p in camp.phases]
    return {"campaign": camp.code, "phases": phases, "overrides": overrides(uow, camp)}
