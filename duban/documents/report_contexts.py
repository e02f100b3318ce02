"""Contexts of the campaign's reports: 整改落实台账 and 公示. The sentences are the macros of
``templates/wording/reports.txt.j2``; here only the facts are gathered."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from duban.documents import planfacts
from duban.documents.contexts import office_name, workdays
from duban.wording import wording
from storage.models import Campaign, Event, OrgUnit, ProblemItem, SatisfactionRound

PUBLICITY_WORKING_DAYS = 5  # 公示期
PUBLISHED_ITEM_STATES = ("verified", "rechecked")


def ledger(campaign: Campaign, rows: list[dict], today: dt.date) -> dict:
    """整改落实台账 from `duban.services.ledger.ledger_rows` (the same rows as the XLSX)."""
    from statemachines.item import ITEM

    items = [{
        "no": row["no"], "problem": row["title"], "category": row["category"], "unit": row["unit"],
        "owner": row["owner"], "source": row["source"], "original_due": row["original_due"], "due": row["due"],
        "state": row["state"], "light": row["light"].removesuffix("灯"), "assigned_on": row["assigned_on"],
        "submitted_on": row["submitted_on"], "closed_on": row["verified_on"], "verifier": row["verified_by"],
        "recurrences": row["relapse_count"],
        "adopted_doc": row.get("adopted_doc", ""),
    } for row in rows]
    # 长效机制 share the lifecycle but are listed (and counted) in a section of their own
    kinds = [row.get("kind", "problem") for row in rows]
    return {"issuer": office_name(campaign), "title": wording("reports").say("ledger_title", campaign=campaign.name),
            "date": today, "as_of": today, "items": [i for i, kind in zip(items, kinds) if kind == "problem"],
            "mechanisms": [i for i, kind in zip(items, kinds) if kind != "problem"],
            "states": [ITEM.label(state) for state in ITEM.states]}


def publicity(uow, campaign: Campaign, today: dt.date) -> dict:
    """公示: rectified items the office decided to publish, per unit, with the latest published
    满意度测评 of each unit. No person is named: who verified an item is internal."""
    session, say, office = uow.session, wording("reports"), office_name(campaign)
    items = session.scalars(select(ProblemItem).where(
        ProblemItem.campaign_id == campaign.id, ProblemItem.state.in_(PUBLISHED_ITEM_STATES),
        ProblemItem.publishable.is_(True))
        .order_by(ProblemItem.unit_id, ProblemItem.seq)).all()
    ids = [item.id for item in items]
    notes = dict(session.execute(select(Event.item_id, Event.note).where(
        Event.item_id.in_(ids), Event.trigger == "submit").order_by(Event.id)).all())
    sent_back = set(session.scalars(select(Event.item_id).where(Event.item_id.in_(ids), Event.trigger == "reject")))
    calendar = workdays()
    units: dict[str, list[dict]] = {}
    for item in items:
        # Only what is true of this item: late, sent back, verified by whom and when.
        done_on = item.submitted_on or item.verified_on
        late = item.due is not None and done_on is not None and done_on > item.due
        units.setdefault(item.unit.name, []).append({
            "no": item.no, "problem": item.title,
            "result": say.say("publicity_result", late_days=calendar.workdays_between(item.due, done_on) if late else None,
                              sent_back=item.id in sent_back, verified_on=item.verified_on,
                              rechecked_on=item.rechecked_on if item.state == "rechecked" else None),
            "measures": notes.get(item.id) or say.say("publicity_measures", evidence_count=len(item.attachments)),
        })
    duty = _publish_duty(campaign)
    intro = say.say("publicity_intro", plan_title=planfacts.plan_title(campaign), purpose=duty.get("description"),
                    issuer=campaign.issuer, campaign_kind=planfacts.campaign_kind(campaign),
                    satisfaction=_satisfaction(session, campaign))
    return {
        "issuer": campaign.issuer, "title": say.say("publicity_title", campaign=campaign.name), "date": today,
        "title_names": [campaign.name],
        "intro": intro, "period_start": today,
        "period_end": calendar.add_workdays(today, PUBLICITY_WORKING_DAYS),
        "units": [{"unit": unit, "items": rows} for unit, rows in units.items()],
        "verified": say.say("publicity_verified", office=office),
        "contact": say.say("publicity_contact", hotlines=planfacts.hotlines(campaign),
                           channels=duty.get("channels") or [], office=office),
    }


def _publish_duty(campaign: Campaign) -> dict:
    for phase in campaign.phases:
        for duty in phase.duties:
            if duty.get("code") == "publish":
                return duty
    return {}


def _satisfaction(session, campaign: Campaign) -> str:
    """The latest published 满意度测评 of each unit, as ``publicity_satisfaction`` says it ("" if none)."""
    rules = {"pass_score": 80, "max_score": 100, **campaign.plan.get("rules", {}).get("satisfaction", {})}
    rounds = session.scalars(select(SatisfactionRound).where(
        SatisfactionRound.campaign_id == campaign.id, SatisfactionRound.published.is_(True))
        .order_by(SatisfactionRound.unit_id, SatisfactionRound.on_date.desc())).all()
    latest: dict[int, SatisfactionRound] = {}
    for row in rounds:
        latest.setdefault(row.unit_id, row)
    facts = []
    for row in latest.values():
        score = row.satisfied / row.responses * rules["max_score"]
        facts.append({"unit": session.get(OrgUnit, row.unit_id).name, "score": score, "on_date": row.on_date,
                      "method": row.method, "responses": row.responses, "passed": score >= rules["pass_score"]})
    return wording("reports").say("publicity_satisfaction", rounds=facts, max_score=rules["max_score"],
                                  pass_score=rules["pass_score"])
