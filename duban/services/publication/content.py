"""What a publication may show: the one place that reads records for the public.

``public_content`` returns plain data (no wording: the templates write the sentences) built
only from what the office decided to publish and from the plan:

* problems: the items marked publishable (``duban publish mark``), never withdrawn ones —
  number, title, category, unit, state, dates, the unit's measures for rectified ones;
* results: whether a rectified item was done on time, how late, whether it was sent back;
* rankings: the published 满意度测评 results (``rankings``, the one reader of evaluation);
* commendations: units, and persons only where the plan allows.

People: a reporter or a verifier is never read here. An owner's or a commended person's name
is read only when the plan's ``publication.persons`` lists ``owner`` / ``commended``.
An item's description (which may quote a reporter) and a report's content never are.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from duban.documents import planfacts
from duban.services.common import work_calendar
from statemachines.item import ITEM
from storage.models import Campaign, Commendation, Event, OrgUnit, Person, ProblemItem

RECTIFIED_STATES = ("verified", "rechecked")
HIDDEN_STATES = ("withdrawn",)


def allowed_persons(campaign: Campaign) -> set[str]:
    """Whose names the plan lets a publication print (``publication.persons``; default nobody's)."""
    return set((campaign.plan.get("publication") or {}).get("persons") or [])


def rankings(uow, campaign: Campaign, today: dt.date) -> dict:
    """The public ranking: each unit's latest published evaluation round, best score first, under
    the name of the plan's evaluation (its duty's first source, e.g. 满意度测评, else the duty's name).

    The only place a publication reads evaluation results, so a change there is one edit here."""
    from duban.services.evaluation import evaluation_duty
    from duban.services.satisfaction import public_view, rounds_of, rules_of

    rules = rules_of(campaign)
    latest: dict[str, dict] = {}
    for row, unit in rounds_of(uow, campaign, published=True):  # by date: the last one stays
        latest[unit.code] = public_view(row, unit, rules)
    rows = sorted(latest.values(), key=lambda r: (-r["score"], r["unit_code"]))
    ranked, previous = [], None
    for index, row in enumerate(rows, start=1):
        rank = ranked[-1]["rank"] if previous is not None and row["score"] == previous else index
        previous = row["score"]
        ranked.append({"rank": rank, "unit": row["unit"], "score": row["score"], "passed": row["passed"],
                       "method": row["method"], "date": dt.date.fromisoformat(row["date"]),
                       "responses": row["responses"]})
    duty = evaluation_duty(campaign, today)
    sources = {s["code"]: s["name"] for s in campaign.plan.get("sources", [])}
    codes = duty.get("sources") or []
    title = sources.get(codes[0], codes[0]) if codes else duty.get("name", "")
    return {"title": title, "pass_score": rules["pass_score"], "max_score": rules["max_score"], "rows": ranked,
            "round_ids": sorted(row["id"] for row in latest.values())}


def _problems(uow, campaign: Campaign, names: set[str]) -> list[dict]:
    session = uow.session
    items = session.scalars(select(ProblemItem).where(
        ProblemItem.campaign_id == campaign.id, ProblemItem.publishable.is_(True),
        ProblemItem.state.not_in(HIDDEN_STATES)).order_by(ProblemItem.unit_id, ProblemItem.seq)).all()
    ids = [item.id for item in items]
    measures = dict(session.execute(select(Event.item_id, Event.note).where(
        Event.item_id.in_(ids), Event.trigger == "submit").order_by(Event.id)).all()) if ids else {}
    sent_back = set(session.scalars(select(Event.item_id).where(
        Event.item_id.in_(ids), Event.trigger == "reject"))) if ids else set()
    calendar = work_calendar()
    problems = []
    for item in items:
        rectified = item.state in RECTIFIED_STATES
        done_on = item.submitted_on or item.verified_on
        late = bool(rectified and item.due and done_on and done_on > item.due)
        problems.append({
            "no": item.no, "title": item.title, "category": item.category.name if item.category else "",
            "unit": item.unit.name, "kind": item.kind, "state": item.state, "state_label": ITEM.label(item.state),
            "rectified": rectified, "identified_on": item.identified_on, "due": item.due,
            "closed_on": item.verified_on if rectified else None,
            "rechecked_on": item.rechecked_on if item.state == "rechecked" else None,
            "measures": (measures.get(item.id) or "") if rectified else "",
            "evidence": len(item.attachments) if rectified else 0,
            "late": late, "late_days": calendar.workdays_between(item.due, done_on) if late else 0,
            "sent_back": item.id in sent_back,
            "owner": item.owner.name if "owner" in names and item.owner else "",
        })
    return problems


def _commendations(uow, campaign: Campaign, names: set[str]) -> list[dict]:
    rows = uow.session.scalars(select(Commendation).where(Commendation.campaign_id == campaign.id)
                               .order_by(Commendation.on_date, Commendation.id)).all()
    out = []
    for row in rows:
        if row.unit_id is not None:
            out.append({"unit": uow.session.get(OrgUnit, row.unit_id).name, "person": "", "is_person": False,
                        "reason": row.reason, "date": row.on_date})
            continue
        person = uow.session.get(Person, row.person_id)
        named = "commended" in names
        # Without the plan's leave, a person is shown as one of the unit's staff, and the
        # office's reason (which may name them) stays out.
        out.append({"unit": person.unit.name if person.unit else "", "person": person.name if named else "",
                    "is_person": True, "reason": row.reason if named else "", "date": row.on_date})
    return out


def public_content(uow, campaign: Campaign, today: dt.date) -> dict:
    names = allowed_persons(campaign)
    problems = _problems(uow, campaign, names)
    ranking = rankings(uow, campaign, today)
    channels = [c for phase in campaign.phases for duty in phase.duties if duty.get("code") == "publish"
                for c in duty.get("channels") or []]
    return {
        "campaign": {"code": campaign.code, "name": campaign.name, "issuer": campaign.issuer,
                     "kind": planfacts.campaign_kind(campaign), "office": planfacts.names(campaign)["office"],
                     "start": campaign.start_date, "end": campaign.end_date},
        "date": today,
        "problems": problems,
        "units": _by_unit(problems),
        "counts": {"published": len(problems), "rectified": sum(p["rectified"] for p in problems),
                   "open": sum(not p["rectified"] for p in problems),
                   "on_time": sum(p["rectified"] and not p["late"] for p in problems)},
        "rankings": ranking,
        "commendations": _commendations(uow, campaign, names),
        "hotlines": planfacts.hotlines(campaign),
        "channels": list(dict.fromkeys(channels)),
    }


def _by_unit(problems: list[dict]) -> list[dict]:
    units: dict[str, list[dict]] = {}
    for problem in problems:
        units.setdefault(problem["unit"], []).append(problem)
    return [{"unit": unit, "problems": rows, "rectified": sum(p["rectified"] for p in rows)}
            for unit, rows in units.items()]
