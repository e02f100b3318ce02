"""Unannounced, verifiable random draws: 随机暗访抽查, 作风纪律检查 and 回头看.

Nobody can know a draw beforehand, and everybody can check it afterwards (commit–reveal):

    secret       32 random bytes (hex) per draw; when a phase opens, the tick commits one
                 per block of working days and draw duty and publishes only their SHA-256
                 (event ``draws_committed``); a manual draw commits its own in its event
    draw day     the block's working day number int(SHA-256(secret + ":day"), 16) mod len(block)
    population   deterministic, sorted list (eligible unit codes, or item numbers for 回头看)
    seed         SHA-256 of canonical JSON [campaign code, kind, date, secret, salt, SHA-256(population)]
    selection    random.Random(int(seed, 16)).sample(population, k)

The secret is revealed (event ``draw_revealed``) on the first day processed after the
draw; until then the draw is pending and only the office sees it. ``audit_draw``
recomputes a revealed draw from its stored inputs and the hash-chained log, and
checks the secret against the hash published before the draw. Draws made before
commit–reveal (algorithm v1: the seed from public inputs and the plan's salt) stay
verifiable as they were.

Which units can be drawn is plan data (``rules.spot_check``): units of the kinds in
``unit_kinds``, without those where someone of ``exclude_roles`` works (by default the
leadership and the campaign office: they check, they are not checked).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import secrets

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput, NotFound, PermissionDenied, RuleViolation
from duban.services.common import actor, business_date, work_calendar
from storage.eventlog import canonical_json
from storage.models import Campaign, Draw, DrawSecret, Event, OrgUnit, Person, ProblemItem
from storage.uow import UnitOfWork, campaign_chain

ALGORITHM_V1 = "sha256-seed/python-random-sample/v1"
ALGORITHM = "sha256-commit-reveal/python-random-sample/v2"
COMMITTED_TRIGGER, REVEALED_TRIGGER = "draws_committed", "draw_revealed"
# The plan duties that draw, named by the plan; targeted_check: units failing an evaluation
# (duban.services.evaluation), labelled by duban.labels.
KINDS = ("spot_check", "discipline_check", "recheck", "targeted_check")
DRAW_TRIGGER = "draw"


def population_hash(population: list[str]) -> str:
    return hashlib.sha256(canonical_json(population).encode()).hexdigest()


def compute_seed(campaign_code: str, kind: str, on_date: dt.date, salt: str, population: list[str],
                 secret: str | None = None) -> str:
    """The v2 seed with the draw's secret; without one, the v1 seed of older draws."""
    inputs = [campaign_code, kind, on_date.isoformat(), salt, population_hash(population)]
    if secret is not None:
        inputs = [campaign_code, kind, on_date.isoformat(), secret, salt, population_hash(population)]
    return hashlib.sha256(canonical_json(inputs).encode()).hexdigest()


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def day_in_block(secret: str, block_days: list[dt.date]) -> dt.date:
    return block_days[int(hashlib.sha256(f"{secret}:day".encode()).hexdigest(), 16) % len(block_days)]


def select_sample(seed: str, population: list[str], size: int) -> list[str]:
    return random.Random(int(seed, 16)).sample(population, min(size, len(population)))


def _rules(campaign: Campaign) -> dict:
    return campaign.plan.get("rules", {})


def seed_salt(campaign: Campaign) -> str:
    return _rules(campaign).get("spot_check", {}).get("seed_salt", "spot-check")


def kind_label(campaign: Campaign, kind: str) -> str:
    """What the plan calls the duty that draws (e.g. 随机暗访抽查), else the code's label."""
    from duban.services.phase_gate import duty_name

    return duty_name(campaign, kind, table="draw")


def phase_duty(campaign: Campaign, kind: str, day: dt.date, *, any_phase: bool = False) -> dict:
    """The plan duty ``kind`` in the phase of ``day`` (its checklist, sources, sample size), or {};
    with ``any_phase``, a day outside such a phase (an office override) takes the first phase's."""
    for phase in campaign.phases:
        if phase.start_date <= day <= phase.end_date:
            found = next((d for d in phase.duties if d.get("code") == kind), None)
            if found is not None:
                return found
    if any_phase:
        return next((d for p in campaign.phases for d in p.duties if d.get("code") == kind), {})
    return {}


def eligible_units(uow: UnitOfWork, campaign: Campaign) -> list[str]:
    """Codes of the units the plan lets a spot check draw (see the module docstring)."""
    rules = _rules(campaign).get("spot_check", {})
    kinds = rules.get("unit_kinds")
    excluded_roles = set(rules.get("exclude_roles", ["leader", "deputy_leader", "office"]))
    checking = {p.unit_id for p in uow.session.scalars(select(Person).where(Person.active.is_(True)))
                if p.role_set & excluded_roles}
    query = select(OrgUnit.id, OrgUnit.code).order_by(OrgUnit.code)
    units = uow.session.execute(query.where(OrgUnit.kind.in_(kinds)) if kinds else query).all()
    return [code for id_, code in units if id_ not in checking]


def recheck_population(uow: UnitOfWork, campaign: Campaign, day: dt.date) -> list[str]:
    """Verified items at least N working days old, not drawn for 回头看 since their last verification.

    An item that relapsed and was verified again is due for 回头看 again.
    """
    wait = _rules(campaign).get("recheck", {}).get("after_working_days", 10)
    last_drawn: dict[str, dt.date] = {}
    for on_date, selection in uow.session.execute(
        select(Draw.on_date, Draw.selection).where(Draw.campaign_id == campaign.id, Draw.kind == "recheck")
    ):
        for no in selection:
            last_drawn[no] = max(on_date, last_drawn.get(no, on_date))
    rows = uow.session.execute(
        select(ProblemItem.no, ProblemItem.verified_on)
        .where(ProblemItem.campaign_id == campaign.id, ProblemItem.state == "verified",
               ProblemItem.verified_on.is_not(None))
        .order_by(ProblemItem.no)
    )
    calendar = work_calendar()
    return [no for no, verified_on in rows
            if (no not in last_drawn or last_drawn[no] < verified_on)
            and calendar.workdays_between(verified_on, day) >= wait]


def _population(uow: UnitOfWork, campaign: Campaign, kind: str, day: dt.date) -> list[str]:
    if kind == "recheck":
        return recheck_population(uow, campaign, day)
    if kind == "targeted_check":
        from duban.services.evaluation import awaiting_check

        return awaiting_check(uow, campaign, day)
    return eligible_units(uow, campaign)


def _sample_size(campaign: Campaign, kind: str, day: dt.date, population: list[str],
                 requested: int | None) -> int:
    if requested is not None:
        if requested < 1:
            raise BadInput(f"抽取数量应为正整数，实为 {requested}")
        return requested
    if kind == "recheck":
        ratio = _rules(campaign).get("recheck", {}).get("sample_ratio", 0.2)
        return math.ceil(len(population) * ratio)
    if kind == "targeted_check":  # every unit waiting for its check
        return len(population)
    duty = phase_duty(campaign, kind, day)
    return duty.get("sample_size") or _rules(campaign).get("spot_check", {}).get("sample_size", 3)


# --- commitments --------------------------------------------------------------------


def draw_blocks(campaign: Campaign, phase, duty: dict) -> list[list[dt.date]]:
    """The phase's working days in blocks of N (the duty's or the plan's frequency)."""
    every = duty.get("frequency_working_days") or _rules(campaign).get("spot_check", {}).get(
        "frequency_working_days", 5)
    days = work_calendar().workdays_in(phase.start_date - dt.timedelta(days=1), phase.end_date)
    return [days[i:i + every] for i in range(0, len(days), every)]


def block_of(campaign: Campaign, phase, duty: dict, day: dt.date) -> int | None:
    for number, days in enumerate(draw_blocks(campaign, phase, duty)):
        if day in days:
            return number
    return None


def phase_secret(session, campaign: Campaign, phase_code: str, kind: str, block: int) -> DrawSecret | None:
    return session.scalar(select(DrawSecret).where(
        DrawSecret.campaign_id == campaign.id, DrawSecret.phase == phase_code, DrawSecret.kind == kind,
        DrawSecret.block == block))


def is_draw_day(session, campaign: Campaign, phase, duty: dict, day: dt.date) -> bool:
    """The tick's schedule: ``day`` is the secret day of its block (False before the commitment)."""
    block = block_of(campaign, phase, duty, day)
    if block is None:
        return False
    found = phase_secret(session, campaign, phase.code, duty["code"], block)
    return found is not None and day_in_block(found.secret, draw_blocks(campaign, phase, duty)[block]) == day


def uncommitted(session, campaign: Campaign, phase) -> bool:
    """The phase has draw duties and no commitment yet."""
    kinds = [d["code"] for d in phase.duties if d.get("code") in KINDS]
    return bool(kinds) and session.scalar(select(DrawSecret.id).where(
        DrawSecret.campaign_id == campaign.id, DrawSecret.phase == phase.code, DrawSecret.kind.in_(kinds),
        DrawSecret.block.is_not(None)).limit(1)) is None


def commit_phase(uow: UnitOfWork, campaign: Campaign, who, phase, day: dt.date) -> dict:
    """One fresh secret per block and draw duty of ``phase``; only their hashes are published."""
    uow.lock(campaign_chain(campaign))
    rows = []
    for duty in phase.duties:
        if duty.get("code") not in KINDS:
            continue
        for block in range(len(draw_blocks(campaign, phase, duty))):
            if phase_secret(uow.session, campaign, phase.code, duty["code"], block) is None:
                rows.append(_new_secret(campaign, phase.code, duty["code"], block, day))
    uow.session.add_all(rows)
    uow.flush()
    commitments = [{"secret_id": r.id, "kind": r.kind, "block": r.block, "sha256": r.secret_sha256} for r in rows]
    if rows:
        uow.record(chain=campaign_chain(campaign), actor=who.login, today=day, trigger=COMMITTED_TRIGGER,
                   campaign_id=campaign.id, note=phase.name, payload={"phase": phase.code, "commitments": commitments})
    return {"committed": len(rows)}


def _random_secret() -> str:
    return secrets.token_hex(32)


# Where draw secrets come from. Only the demo replaces it (with its seeded generator) so that a seed
# replays the same campaign; a real campaign's secrets are unknowable beforehand.
secret_source = _random_secret


def _new_secret(campaign: Campaign, phase_code: str, kind: str, block: int | None, day: dt.date) -> DrawSecret:
    secret = secret_source()
    return DrawSecret(campaign_id=campaign.id, phase=phase_code, kind=kind, block=block, secret=secret,
                      secret_sha256=secret_hash(secret), committed_on=day)


def reveal_due(uow: UnitOfWork, campaign: Campaign, who, day: dt.date) -> dict:
    """Reveal the secrets of draws made before ``day``, and the unused ones of phases ended before it."""
    uow.lock(campaign_chain(campaign))
    ended = [p.code for p in campaign.phases if p.end_date < day]
    used = (select(DrawSecret).join(Draw, Draw.id == DrawSecret.draw_id)
            .where(DrawSecret.campaign_id == campaign.id, DrawSecret.revealed_on.is_(None), Draw.on_date < day))
    unused = select(DrawSecret).where(DrawSecret.campaign_id == campaign.id, DrawSecret.revealed_on.is_(None),
                                      DrawSecret.draw_id.is_(None), DrawSecret.phase.in_(ended))
    rows = sorted({*uow.session.scalars(used), *uow.session.scalars(unused)}, key=lambda r: r.id)
    for row in rows:
        row.revealed_on = day
    if rows:
        uow.record(chain=campaign_chain(campaign), actor=who.login, today=day, trigger=REVEALED_TRIGGER,
                   campaign_id=campaign.id, note="揭示抽取密钥",
                   payload={"secrets": [{"secret_id": r.id, "draw_id": r.draw_id, "secret": r.secret} for r in rows]})
    return {"revealed": len(rows)}


def reveal_pending(uow: UnitOfWork, login: str, *, campaign: str | None = None,
                   today: dt.date | None = None) -> dict:
    """``duban draw reveal``: the office reveals what is due now (the tick does it every day)."""
    camp = uow.campaigns.only_or(campaign)
    who = actor(uow, login)
    permissions.require(who, "draw")
    result = reveal_due(uow, camp, who, business_date(camp, today))
    uow.commit()
    return result


def needs_reveal(session, campaign: Campaign, day: dt.date) -> bool:
    ended = [p.code for p in campaign.phases if p.end_date < day]
    pending_draw = (select(DrawSecret.id).join(Draw, Draw.id == DrawSecret.draw_id)
                    .where(DrawSecret.campaign_id == campaign.id, DrawSecret.revealed_on.is_(None),
                           Draw.on_date < day).limit(1))
    unused = (select(DrawSecret.id).where(DrawSecret.campaign_id == campaign.id, DrawSecret.revealed_on.is_(None),
                                          DrawSecret.draw_id.is_(None), DrawSecret.phase.in_(ended)).limit(1))
    return session.scalar(pending_draw) is not None or session.scalar(unused) is not None


# --- drawing ---------------------------------------------------------------------------


def _phase_on(campaign: Campaign, day: dt.date):
    return next((p for p in campaign.phases if p.start_date <= day <= p.end_date), None)


def make_draw(uow: UnitOfWork, campaign: Campaign, who, kind: str, day: dt.date, *,
              sample_size: int | None = None, scheduled: bool = False) -> tuple[Draw | None, bool]:
    """Draw inside the caller's transaction; returns (draw, created).

    The tick's draw (``scheduled``) uses the secret committed for the day's block; a
    manual draw commits a fresh one in its own event. The day's existing draw is returned unchanged. An empty
    population (no item is due for 回头看 yet) stores nothing and returns (None, False).
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
    phase = _phase_on(campaign, day)
    duty = phase_duty(campaign, kind, day)
    committed = None
    if scheduled and phase is not None and duty:
        block = block_of(campaign, phase, duty, day)
        committed = phase_secret(uow.session, campaign, phase.code, kind, block) if block is not None else None
        if committed is not None and (committed.draw_id is not None or committed.revealed_on is not None):
            committed = None  # used (or revealed) already: this draw needs a secret of its own
    secret = committed or _new_secret(campaign, phase.code if phase else "", kind, None, day)
    if committed is None:
        uow.session.add(secret)
    size = min(_sample_size(campaign, kind, day, population, sample_size), len(population))
    seed = compute_seed(campaign.code, kind, day, seed_salt(campaign), population, secret=secret.secret)
    row = Draw(campaign_id=campaign.id, kind=kind, on_date=day, seed=seed, algorithm=ALGORITHM,
               population=population, sample_size=size, selection=select_sample(seed, population, size),
               actor=who.login)
    uow.session.add(row)
    uow.flush()
    secret.draw_id = row.id
    uow.record(chain=campaign_chain(campaign), actor=who.login, today=day, trigger=DRAW_TRIGGER,
               campaign_id=campaign.id, note=kind_label(campaign, kind),
               payload={"draw_id": row.id, "kind": kind, "seed": seed, "algorithm": ALGORITHM,
                        "salt": seed_salt(campaign), "secret_id": secret.id, "secret_sha256": secret.secret_sha256,
                        "committed": committed is not None,
                        "population_size": len(population), "population_sha256": population_hash(population),
                        "sample_size": size, "selection": row.selection})
    return row, True


def draw(uow: UnitOfWork, login: str, *, kind: str, campaign: str | None = None,
         today: dt.date | None = None, sample_size: int | None = None) -> dict:
    """Draw today's sample of ``kind``; a second draw on the same day returns the first."""
    from duban.services.phase_gate import require_open

    camp = uow.campaigns.only_or(campaign)
    who = actor(uow, login)
    permissions.require(who, "draw")
    day = business_date(camp, today)
    if kind in KINDS:
        require_open(uow, camp, day=day, duty=kind)
    row, created = make_draw(uow, camp, who, kind, day, sample_size=sample_size)
    uow.commit()
    if row is None:
        return {"kind": kind, "kind_label": kind_label(camp, kind), "date": day.isoformat(), "created": False,
                "population": [], "selection": [], "message": "没有符合条件的抽取对象"}
    return {**draw_view(row, camp, _secret_of(uow, row)), "created": created}


def _secret_of(uow: UnitOfWork, row: Draw) -> DrawSecret | None:
    return uow.session.scalar(select(DrawSecret).where(DrawSecret.draw_id == row.id))


def draw_view(row: Draw, campaign: Campaign, secret: DrawSecret | None = None) -> dict:
    revealed = secret is not None and secret.revealed_on is not None
    inputs = {"campaign": campaign.code, "kind": row.kind, "date": row.on_date.isoformat(),
              "salt": seed_salt(campaign), "population_sha256": population_hash(row.population)}
    if secret is not None:
        inputs.update(secret=secret.secret if revealed else None, secret_sha256=secret.secret_sha256)
    return {
        "id": row.id, "campaign": campaign.code, "kind": row.kind, "kind_label": kind_label(campaign, row.kind),
        "date": row.on_date.isoformat(), "seed": row.seed, "algorithm": row.algorithm,
        "status": "revealed" if revealed or row.algorithm == ALGORITHM_V1 else "pending",
        "revealed_on": secret.revealed_on.isoformat() if revealed else None,
        "seed_inputs": inputs,
        "population": row.population, "population_size": len(row.population),
        "sample_size": row.sample_size, "selection": row.selection, "actor": row.actor,
    }


def _get(uow: UnitOfWork, draw_id: int) -> Draw:
    row = uow.session.get(Draw, draw_id)
    if row is None:
        raise NotFound(f"抽查记录不存在：{draw_id}")
    return row


def _sees_pending(who) -> bool:
    return permissions.allowed(who, "draw.pending")


def _pending_refusal(campaign: Campaign, draw_id: int) -> PermissionDenied:
    office = campaign.plan["organization"]["office"]["name"]
    return PermissionDenied(f"抽取 #{draw_id} 尚未揭示，只有{office}可以查看（不打招呼、不定时间）")


def show_draw(uow: UnitOfWork, login: str, draw_id: int) -> dict:
    who = actor(uow, login)
    permissions.require(who, "read")
    row = _get(uow, draw_id)
    campaign = uow.session.get(Campaign, row.campaign_id)
    view = draw_view(row, campaign, _secret_of(uow, row))
    if view["status"] == "pending" and not _sees_pending(who):
        raise _pending_refusal(campaign, draw_id)
    return view


def list_draws(uow: UnitOfWork, login: str, *, campaign: str | None = None, kind: str | None = None) -> list[dict]:
    camp = uow.campaigns.only_or(campaign)
    who = actor(uow, login)
    permissions.require(who, "read")
    query = select(Draw, DrawSecret).outerjoin(DrawSecret, DrawSecret.draw_id == Draw.id).where(
        Draw.campaign_id == camp.id).order_by(Draw.on_date, Draw.id)
    if kind:
        query = query.where(Draw.kind == kind)
    views = [draw_view(row, camp, secret) for row, secret in uow.session.execute(query)]
    return views if _sees_pending(who) else [v for v in views if v["status"] != "pending"]


def audit_draw(uow: UnitOfWork, draw_id: int) -> dict:
    """Recompute a draw from its stored inputs; ``problems`` lists every mismatch (in Chinese).

    A pending (v2, not yet revealed) draw can only be checked against its event; ``pending`` says so.
    """
    row = _get(uow, draw_id)
    camp = uow.session.get(Campaign, row.campaign_id)
    problems = []
    population = list(row.population)
    if population != sorted(set(population)):
        problems.append("抽取范围不是去重后的有序列表")
    recorded = _recorded_payload(uow, row)
    # The salt in force at the time of the draw, from the hash-chained log: a later plan may change it.
    salt = recorded.get("salt", seed_salt(camp)) if recorded else seed_salt(camp)
    pending = False
    if row.algorithm == ALGORITHM_V1:
        seed = compute_seed(camp.code, row.kind, row.on_date, salt, population)
    elif row.algorithm == ALGORITHM:
        secret = _secret_of(uow, row)
        published = _published_hash(uow, camp, recorded, secret)
        if secret is None:
            problems.append("找不到本次抽取的密钥记录")
            seed = None
        elif secret.revealed_on is None:
            pending, seed = True, row.seed
        else:
            seed = compute_seed(camp.code, row.kind, row.on_date, salt, population, secret=secret.secret)
        if secret is not None and published != secret_hash(secret.secret):
            problems.append("密钥与抽取前公布的哈希不符")
    else:
        seed = None
        problems.append(f"未知抽取算法：{row.algorithm}")
    if seed is not None and seed != row.seed:
        problems.append("随机种子与抽取范围、日期、密钥、盐值不符")
    if seed is not None and select_sample(row.seed, population, row.sample_size) != list(row.selection):
        problems.append("抽中结果与随机种子不符")
    if recorded is None:
        problems.append("事件日志中没有本次抽取的记录")
    elif (recorded.get("population_sha256") != population_hash(population)
          or recorded.get("seed") != row.seed or recorded.get("selection") != list(row.selection)):
        problems.append("与事件日志中登记的抽取范围、种子或结果不一致")
    return {"id": row.id, "ok": not problems, "pending": pending, "problems": problems, "seed": row.seed,
            "recomputed_seed": None if pending else seed}


def _published_hash(uow: UnitOfWork, campaign: Campaign, recorded: dict | None, secret: DrawSecret | None):
    """The secret's hash as the log published it: at the phase's commitment, else in the draw's own event."""
    if secret is not None:
        for payload in uow.session.scalars(select(Event.payload).where(
                Event.campaign_id == campaign.id, Event.trigger == COMMITTED_TRIGGER)):
            for commitment in json.loads(payload).get("commitments", []):
                if commitment.get("secret_id") == secret.id:
                    return commitment.get("sha256")
    return (recorded or {}).get("secret_sha256")


def verify_for(uow: UnitOfWork, login: str, draw_id: int) -> dict:
    """``duban draw verify``: a pending draw cannot be verified yet (and only the office may know of it)."""
    who = actor(uow, login)
    permissions.require(who, "read")
    result = audit_draw(uow, draw_id)
    if result["pending"]:
        if not _sees_pending(who):
            raise _pending_refusal(uow.session.get(Campaign, _get(uow, draw_id).campaign_id), draw_id)
        raise RuleViolation(f"抽取 #{draw_id} 的密钥尚未揭示，揭示后（次一工作日）方可复核")
    return result


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
