"""What evaluation rounds lead to: follow-ups of a failing unit, rankings, trends, annual records.

A failing round (score below the plan's ``pass_score``) brings, in the round's transaction:

* always a rectification item of the unit (through ``items.register_item``), from the
  evaluation duty's first source, owned by the unit's head with the plan's deadline
  (``rectify_working_days``, else ``default_rectify_working_days``), origin ``evaluation:<round>``;
* with ``inquiry`` in ``on_fail``: a 质询 — a notice to the unit's head asking for a written
  explanation within ``inquiry_working_days`` (a ``Reminder`` of kind ``inquiry``);
* with ``spot_check`` or ``discipline_check`` in ``on_fail``: a targeted check — a draw of
  kind ``targeted_check`` whose population is the failing units not yet checked, all of them
  selected; the office visits them with that duty's checklist (``duban inspect record``).
  A unit failing after the day's targeted draw is drawn by the evaluation duty of the next tick.

Every round also recomputes the unit's annual assessment record (``AnnualAssessment``):
rounds, failures, average and latest score of the year, for summaries and 述职.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput
from duban.services.common import actor, business_date, work_calendar
from duban.wording import text
from storage.models import AnnualAssessment, Campaign, Draw, OrgUnit, Person, SatisfactionRound
from storage.uow import UnitOfWork

TARGETED = "targeted_check"
CHECK_KINDS = ("spot_check", "discipline_check")
INQUIRY = "inquiry"


def evaluation_duty(campaign: Campaign, day: dt.date) -> dict:
    """The plan's evaluation duty in force on ``day`` (else the first one of the plan)."""
    from duban.services.satisfaction import SATISFACTION

    duties = [(p, d) for p in campaign.phases for d in p.duties if d.get("code") == SATISFACTION]
    for phase, duty in duties:
        if phase.start_date <= day <= phase.end_date:
            return duty
    return duties[0][1] if duties else {}


def check_kind(campaign: Campaign) -> str | None:
    """The check a failing unit gets under the plan (``spot_check``, ``discipline_check`` or none)."""
    from duban.services.satisfaction import rules_of

    return next((k for k in rules_of(campaign)["on_fail"] if k in CHECK_KINDS), None)


def _source(campaign: Campaign, duty: dict) -> str:
    names = {s["code"]: s["name"] for s in campaign.plan.get("sources", [])}
    codes = duty.get("sources") or []
    return names.get(codes[0], codes[0]) if codes else duty.get("name", "")


def after_round(uow: UnitOfWork, campaign: Campaign, who: Person, day: dt.date, row: SatisfactionRound,
                unit: OrgUnit, rules: dict) -> None:
    """The round's consequences, in the caller's transaction (see the module)."""
    from duban.services.satisfaction import score_of

    score = score_of(row, rules)
    if score < rules["pass_score"]:
        row.followups = _follow_up(uow, campaign, who, day, row, unit, rules, score)
    update_assessment(uow, unit, day.year, day)


def _follow_up(uow: UnitOfWork, campaign: Campaign, who: Person, day: dt.date, row: SatisfactionRound,
               unit: OrgUnit, rules: dict, score: float) -> dict:
    from duban.services.items import register_item
    from duban.services.reminders import send

    duty = evaluation_duty(campaign, day)
    facts = {"unit": unit.name, "method": row.method, "round": row.round_no, "date": day.isoformat(),
             "score": score, "pass_score": rules["pass_score"], "duty": duty.get("name", "")}
    head = unit.head if unit.head is not None and unit.head.active else None
    days = rules.get("rectify_working_days") or campaign.plan.get("rules", {}).get("default_rectify_working_days", 15)
    item = register_item(uow, who, campaign, day, unit=unit.code, title=text("evaluation", "item_title", **facts),
                         person=head.login if head else None, category=None, source=_source(campaign, duty),
                         description=text("evaluation", "item_description", **facts), due=None,
                         due_days=days if head else None, origin=f"evaluation:{row.id}", action="item.add",
                         gated=False)
    followups: dict = {"item": item.no}
    if INQUIRY in rules["on_fail"]:
        due = work_calendar().add_workdays(day, rules.get("inquiry_working_days") or 5)
        key = f"inquiry:{campaign.code}:{unit.code}:{row.id}"
        send(uow, campaign, who, day, kind=INQUIRY, note=text("evaluation", "inquiry_note", **facts), wanted={
            key: {"unit_id": unit.id, "person_id": head.id if head else None,
                  "text": text("evaluation", "inquiry", **facts, due=due.isoformat())}})
        followups["inquiry"] = key
    kind = check_kind(campaign)
    if kind is not None:
        from duban.services.draws import make_draw

        followups["check"] = kind
        uow.flush()
        row.followups = followups  # the population reads it
        uow.flush()
        drawn, _created = make_draw(uow, campaign, who, TARGETED, day)
        if drawn is not None and unit.code in drawn.selection:
            followups["draw"] = drawn.id
    return dict(followups)


def awaiting_check(uow: UnitOfWork, campaign: Campaign, day: dt.date) -> list[str]:
    """Codes of units whose failing round asks for a check that no targeted draw has made yet."""
    checked: dict[str, list[dt.date]] = {}
    for on_date, selection in uow.session.execute(select(Draw.on_date, Draw.selection).where(
            Draw.campaign_id == campaign.id, Draw.kind == TARGETED, Draw.on_date <= day)):
        for code in selection:
            checked.setdefault(code, []).append(on_date)
    waiting = set()
    for row, unit in uow.session.execute(
            select(SatisfactionRound, OrgUnit).join(OrgUnit, OrgUnit.id == SatisfactionRound.unit_id)
            .where(SatisfactionRound.campaign_id == campaign.id, SatisfactionRound.on_date <= day)):
        if (row.followups or {}).get("check") and not any(d >= row.on_date for d in checked.get(unit.code, [])):
            waiting.add(unit.code)
    return sorted(waiting)


def draw_awaiting(uow: UnitOfWork, campaign: Campaign, who: Person, day: dt.date) -> dict:
    """The evaluation duty's daily step: a targeted draw for failing units still waiting for one."""
    from duban.services.draws import make_draw

    if not awaiting_check(uow, campaign, day):
        return {"targeted": 0}
    drawn, created = make_draw(uow, campaign, who, TARGETED, day)
    return {"targeted": len(drawn.selection) if drawn is not None and created else 0}


# --- annual assessment record --------------------------------------------------------------


def update_assessment(uow: UnitOfWork, unit: OrgUnit, year: int, day: dt.date) -> AnnualAssessment:
    """Recompute ``unit``'s record of ``year`` from every evaluation round of that year (any campaign)."""
    from duban.services.satisfaction import rules_of, score_of

    campaigns = {c.id: c for c in uow.session.scalars(select(Campaign))}
    rows = uow.session.scalars(select(SatisfactionRound).where(
        SatisfactionRound.unit_id == unit.id, SatisfactionRound.on_date >= dt.date(year, 1, 1),
        SatisfactionRound.on_date <= dt.date(year, 12, 31))
        .order_by(SatisfactionRound.on_date, SatisfactionRound.id)).all()
    scored = [(row, rules_of(campaigns[row.campaign_id])) for row in rows]
    record = uow.session.scalar(select(AnnualAssessment).where(
        AnnualAssessment.unit_id == unit.id, AnnualAssessment.year == year))
    if record is None:
        record = AnnualAssessment(unit_id=unit.id, year=year)
        uow.session.add(record)
    scores = [score_of(row, rules) for row, rules in scored]
    record.rounds = len(scored)
    record.failed = sum(score < rules["pass_score"] for score, (_row, rules) in zip(scores, scored))
    record.average_score = round(sum(scores) / len(scores), 1) if scores else None
    record.latest_score = scores[-1] if scores else None
    record.max_score = scored[-1][1]["max_score"] if scored else 100
    record.updated_on = day
    return record


def assessment_view(record: AnnualAssessment, unit: OrgUnit) -> dict:
    return {"unit": unit.name, "unit_code": unit.code, "year": record.year, "rounds": record.rounds,
            "failed": record.failed, "average_score": record.average_score, "latest_score": record.latest_score,
            "max_score": record.max_score, "updated_on": record.updated_on.isoformat()}


def list_assessments(uow: UnitOfWork, login: str, *, year: int | None = None, unit: str | None = None) -> list[dict]:
    permissions.require(actor(uow, login), "read")
    query = (select(AnnualAssessment, OrgUnit).join(OrgUnit, OrgUnit.id == AnnualAssessment.unit_id)
             .order_by(AnnualAssessment.year, OrgUnit.code))
    if year is not None:
        query = query.where(AnnualAssessment.year == year)
    if unit is not None:
        query = query.where(AnnualAssessment.unit_id == uow.org.unit(unit).id)
    return [assessment_view(record, the_unit) for record, the_unit in uow.session.execute(query)]


# --- ranking and trend -------------------------------------------------------------------------


def _trend(change: float | None) -> str | None:
    if change is None:
        return None
    return "up" if change > 0 else "down" if change < 0 else "same"


def ranking(uow: UnitOfWork, login: str, *, campaign: str | None = None, round_no: int | None = None,
            today: dt.date | None = None) -> dict:
    """Units of one round (default: the latest) by score, with rank, pass/fail and the change since
    their previous round; and per round the number evaluated, passed and the average (the trend)."""
    from duban.services.satisfaction import rounds_of, rules_of, score_of

    camp = uow.campaigns.only_or(campaign)
    who = actor(uow, login)
    permissions.require(who, "read")
    rules = rules_of(camp)
    day = business_date(camp, today)
    rows = [(row, unit, score_of(row, rules)) for row, unit in rounds_of(uow, camp) if row.on_date <= day]
    numbers = sorted({row.round_no for row, _unit, _score in rows})
    if round_no is None:
        round_no = numbers[-1] if numbers else 1
    elif round_no not in numbers:
        raise BadInput(f"没有第 {round_no} 轮测评（已有：{'、'.join(map(str, numbers)) or '无'}）")
    by_unit: dict[int, dict[int, float]] = {}
    for row, unit, score in rows:
        by_unit.setdefault(unit.id, {})[row.round_no] = score
    office = permissions.allowed(who, "satisfaction")
    current = sorted(((row, unit, score) for row, unit, score in rows if row.round_no == round_no),
                     key=lambda r: (-r[2], r[1].code))
    ranked, rank = [], 0
    for position, (row, unit, score) in enumerate(current, start=1):
        if position == 1 or score != current[position - 2][2]:
            rank = position
        earlier = [n for n in by_unit[unit.id] if n < round_no]
        previous = by_unit[unit.id][max(earlier)] if earlier else None
        change = round(score - previous, 1) if previous is not None else None
        entry = {"rank": rank, "unit": unit.name, "unit_code": unit.code, "unit_kind": unit.kind,
                 "date": row.on_date.isoformat(), "method": row.method, "score": score,
                 "passed": score >= rules["pass_score"], "previous": previous, "change": change,
                 "trend": _trend(change), "scores": [by_unit[unit.id][n] for n in sorted(by_unit[unit.id])]}
        if office:  # follow-ups (items, 质询, checks) are the office's view
            entry["followups"] = dict(row.followups or {})
        ranked.append(entry)
    rounds = []
    for number in numbers:
        scores = [score for row, _unit, score in rows if row.round_no == number]
        rounds.append({"round": number, "units": len(scores), "passed": sum(s >= rules["pass_score"] for s in scores),
                       "average": round(sum(scores) / len(scores), 1)})
    return {"campaign": camp.code, "round": round_no, "pass_score": rules["pass_score"],
            "max_score": rules["max_score"], "targets": len(target_units_codes(uow, camp)),
            "evaluated": len(ranked), "failed": sum(not r["passed"] for r in ranked), "ranking": ranked,
            "rounds": rounds}


def target_units_codes(uow: UnitOfWork, campaign: Campaign) -> list[str]:
    from duban.services.satisfaction import target_units

    return [unit.code for unit in target_units(uow, campaign)]
