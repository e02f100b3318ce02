"""Verifiable random draws: 随机暗访抽查, 作风纪律检查 and 回头看.

Anyone can check a draw afterwards, and the seed can be announced before it:

    population   deterministic, sorted list (unit codes or item numbers)
    seed         SHA-256 of canonical JSON [campaign code, kind, date, salt, SHA-256(population)]
    selection    random.Random(int(seed, 16)).sample(population, k)

The seed depends only on public facts (and the plan's salt), so nobody chooses
who is checked; storing population, seed and selection — and the population's
hash in the hash-chained event log — lets ``verify_draw`` recompute everything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput, NotFound
from duban.services.common import actor, business_date, work_calendar
from storage.eventlog import canonical_json
from storage.models import Campaign, Draw, Event, OrgUnit, ProblemItem
from storage.uow import UnitOfWork, campaign_chain

ALGORITHM = "sha256-seed/python-random-sample/v1"
KINDS = {"spot_check": "随机暗访抽查", "discipline_check": "作风纪律检查", "recheck": "回头看"}
DRAW_TRIGGER = "draw"


def population_hash(population: list[str]) -> str:
    return hashlib.sha256(canonical_json(population).encode()).hexdigest()


def compute_seed(campaign_code: str, kind: str, on_date: dt.date, salt: str, population: list[str]) -> str:
    inputs = [campaign_code, kind, on_date.isoformat(), salt, population_hash(population)]
    return hashlib.sha256(canonical_json(inputs).encode()).hexdigest()


def select_sample(seed: str, population: list[str], size: int) -> list[str]:
    return random.Random(int(seed, 16)).sample(population, min(size, len(population)))


def _rules(campaign: Campaign) -> dict:
    return campaign.plan.get("rules", {})


def seed_salt(campaign: Campaign) -> str:
    return _rules(campaign).get("spot_check", {}).get("seed_salt", "spot-check")


def _phase_duty(campaign: Campaign, kind: str, day: dt.date) -> dict:
    for phase in campaign.phases:
        if phase.start_date <= day <= phase.end_date:
            return next((d for d in phase.duties if d["code"] == kind), {})
    return {}


def _unit_population(uow: UnitOfWork) -> list[str]:
    return list(uow.session.scalars(select(OrgUnit.code).order_by(OrgUnit.code)))


def recheck_population(uow: UnitOfWork, campaign: Campaign, day: dt.date) -> list[str]:
    """Verified items at least N working days old, never drawn for 回头看 before."""
    wait = _rules(campaign).get("recheck", {}).get("after_working_days", 10)
    drawn: set[str] = set()
    for selection in uow.session.scalars(
        select(Draw.selection).where(Draw.campaign_id == campaign.id, Draw.kind == "recheck")
    ):
        drawn.update(selection)
    rows = uow.session.execute(
        select(ProblemItem.no, ProblemItem.verified_on)
        .where(ProblemItem.campaign_id == campaign.id, ProblemItem.state == "verified",
               ProblemItem.verified_on.is_not(None))
        .order_by(ProblemItem.no)
    )
    calendar = work_calendar()
    return [no for no, verified_on in rows
            if no not in drawn and calendar.workdays_between(verified_on, day) >= wait]


def _population(uow: UnitOfWork, campaign: Campaign, kind: str, day: dt.date) -> list[str]:
    if kind == "recheck":
        return recheck_population(uow, campaign, day)
    return _unit_population(uow)


def _sample_size(campaign: Campaign, kind: str, day: dt.date, population: list[str],
                 requested: int | None) -> int:
    if requested is not None:
        if requested < 1:
            raise BadInput(f"抽取数量应为正整数，实为 {requested}")
        return requested
    if kind == "recheck":
        ratio = _rules(campaign).get("recheck", {}).get("sample_ratio", 0.2)
        return math.ceil(len(population) * ratio)
    duty = _phase_duty(campaign, kind, day)
    return duty.get("sample_size") or _rules(campaign).get("spot_check", {}).get("sample_size", 3)


def make_draw(uow: UnitOfWork, campaign: Campaign, who, kind: str, day: dt.date, *,
              sample_size: int | None = None) -> tuple[Draw | None, bool]:
    """Draw inside the caller's transaction; returns (draw, created).

    The day's existing draw is returned unchanged. An empty population (no item is
    due for 回头看 yet) stores nothing and returns (None, False).
    """
    if kind not in KINDS:
        raise BadInput(f"抽查类型无效：{kind}（可选：{'、'.join(KINDS)}）")
    uow.lock(campaign_chain(campaign))
    existing = uow.session.scalar(
        select(Draw).where(Draw.campaign_id == campaign.id, Draw.kind == kind, Draw.on_date == day)
    )
    if existing is not None:
        return existing, False
    population = _population(uow, campaign, kind, day)
    if not population:
        return None, False
    size = min(_sample_size(campaign, kind, day, population, sample_size), len(population))
    seed = compute_seed(campaign.code, kind, day, seed_salt(campaign), population)
    row = Draw(campaign_id=campaign.id, kind=kind, on_date=day, seed=seed, algorithm=ALGORITHM,
               population=population, sample_size=size, selection=select_sample(seed, population, size),
               actor=who.login)
    uow.session.add(row)
    uow.flush()
    uow.record(chain=campaign_chain(campaign), actor=who.login, today=day, trigger=DRAW_TRIGGER,
               campaign_id=campaign.id, note=KINDS[kind],
               payload={"draw_id": row.id, "kind": kind, "seed": seed, "algorithm": ALGORITHM, "salt": seed_salt(campaign),
                        "population_size": len(population), "population_sha256": population_hash(population),
                        "sample_size": size, "selection": row.selection})
    return row, True


def draw(uow: UnitOfWork, login: str, *, kind: str, campaign: str | None = None,
         today: dt.date | None = None, sample_size: int | None = None) -> dict:
    """Draw today's sample of ``kind``; a second draw on the same day returns the first."""
    camp = uow.campaigns.only_or(campaign)
    who = actor(uow, login)
    permissions.require(who, "draw")
    day = business_date(camp, today)
    row, created = make_draw(uow, camp, who, kind, day, sample_size=sample_size)
    uow.commit()
    if row is None:
        return {"kind": kind, "kind_label": KINDS[kind], "date": day.isoformat(), "created": False,
                "population": [], "selection": [], "message": "没有符合条件的抽取对象"}
    return {**draw_view(row, camp), "created": created}


def draw_view(row: Draw, campaign: Campaign) -> dict:
    return {
        "id": row.id, "campaign": campaign.code, "kind": row.kind, "kind_label": KINDS.get(row.kind, row.kind),
        "date": row.on_date.isoformat(), "seed": row.seed, "algorithm": row.algorithm,
        "seed_inputs": {"campaign": campaign.code, "kind": row.kind, "date": row.on_date.isoformat(),
                        "salt": seed_salt(campaign), "population_sha256": population_hash(row.population)},
        "population": row.population, "population_size": len(row.population),
        "sample_size": row.sample_size, "selection": row.selection, "actor": row.actor,
    }


def _get(uow: UnitOfWork, draw_id: int) -> Draw:
    row = uow.session.get(Draw, draw_id)
    if row is None:
        raise NotFound(f"抽查记录不存在：{draw_id}")
    return row


def show_draw(uow: UnitOfWork, login: str, draw_id: int) -> dict:
    permissions.require(actor(uow, login), "read")
    row = _get(uow, draw_id)
    return draw_view(row, uow.session.get(Campaign, row.campaign_id))


def list_draws(uow: UnitOfWork, login: str, *, campaign: str | None = None, kind: str | None = None) -> list[dict]:
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    query = select(Draw).where(Draw.campaign_id == camp.id).order_by(Draw.on_date, Draw.id)
    if kind:
        query = query.where(Draw.kind == kind)
    return [draw_view(row, camp) for row in uow.session.scalars(query)]


def audit_draw(uow: UnitOfWork, draw_id: int) -> dict:
    """Recompute a draw from its stored inputs; ``problems`` lists every mismatch (in Chinese)."""
    row = _get(uow, draw_id)
    camp = uow.session.get(Campaign, row.campaign_id)
    problems = []
    population = list(row.population)
    if population != sorted(set(population)):
        problems.append("抽取范围不是去重后的有序列表")
    recorded = _recorded_payload(uow, row)
    # The salt in force at the time of the draw, from the hash-chained log: a later plan may change it.
    salt = recorded.get("salt", seed_salt(camp)) if recorded else seed_salt(camp)
    seed = compute_seed(camp.code, row.kind, row.on_date, salt, population)
    if seed != row.seed:
        problems.append("随机种子与抽取范围、日期、盐值不符")
    if row.algorithm != ALGORITHM:
        problems.append(f"未知抽取算法：{row.algorithm}")
    elif select_sample(row.seed, population, row.sample_size) != list(row.selection):
        problems.append("抽中结果与随机种子不符")
    if recorded is None:
        problems.append("事件日志中没有本次抽取的记录")
    elif (recorded.get("population_sha256") != population_hash(population)
          or recorded.get("seed") != row.seed or recorded.get("selection") != list(row.selection)):
        problems.append("与事件日志中登记的抽取范围、种子或结果不一致")
    return {"id": row.id, "ok": not problems, "problems": problems, "seed": row.seed,
            "recomputed_seed": seed}


def _recorded_payload(uow: UnitOfWork, row: Draw) -> dict | None:
    for payload in uow.session.scalars(
        select(Event.payload).where(Event.campaign_id == row.campaign_id, Event.trigger == DRAW_TRIGGER,
                                    Event.business_date == row.on_date)
    ):
        data = json.loads(payload)
        if data.get("draw_id") == row.id:
            return data
    return None


def verify_draw(uow: UnitOfWork, draw_id: int) -> bool:
    return audit_draw(uow, draw_id)["ok"]
