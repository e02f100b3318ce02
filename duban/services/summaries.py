"""述职 material: one person's or one unit's campaign on one page (PDF and Markdown).

``person_facts`` / ``unit_facts`` count from the database what the plan asks a 述职 to show:
problems found and rectified, deadlines kept, checks, study attendance, accountability,
commendations (and, for a unit, its evaluation rounds and annual assessment record, its
long-term mechanisms). The wording is ``templates/kinds/work_summary.html.j2`` (the PDF, a
GB/T 9704 page through the document renderer) and ``templates/text/work_summary.md.j2``.
Nothing a reporter supplied is read: items are counted, never quoted beyond their titles.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from duban import permissions
from duban.labels import label
from duban.services.common import actor, business_date
from statemachines.case import CASE
from statemachines.item import ITEM
from storage.models import (
    AccountabilityCase,
    AnnualAssessment,
    Campaign,
    Commendation,
    DeadlineChange,
    Draw,
    OrgUnit,
    Person,
    ProblemItem,
    Visit,
)
from storage.uow import UnitOfWork

CLOSED_STATES = ("verified", "rechecked")
OPEN_STATES = ("identified", "assigned", "rectifying", "submitted", "paused")


def _items_facts(uow: UnitOfWork, campaign: Campaign, items: list[ProblemItem], today: dt.date) -> dict:
    problems = [i for i in items if i.kind == "problem" and i.state != "withdrawn"]
    closed = [i for i in problems if i.state in CLOSED_STATES]
    ids = [i.id for i in problems]
    extensions = uow.session.scalars(select(DeadlineChange).where(
        DeadlineChange.item_id.in_(ids), DeadlineChange.kind == "extension",
        DeadlineChange.status == "approved")).all() if ids else []
    on_time = [i for i in closed if i.verified_on and i.due and i.verified_on <= i.due]
    overdue = [i for i in problems if i.state in OPEN_STATES and i.due is not None and i.due < today]
    by_source: dict[str, int] = {}
    for item in problems:
        by_source[item.source] = by_source.get(item.source, 0) + 1
    return {
        "found": len(problems), "rectified": len(closed), "open": len(problems) - len(closed),
        "by_source": by_source,
        "on_time": len(on_time), "late": len(closed) - len(on_time), "overdue_open": len(overdue),
        "extended": len({c.item_id for c in extensions}),
        "on_time_rate": round(len(on_time) / len(closed), 3) if closed else None,
        "relapses": sum(i.relapse_count or 0 for i in problems),
        "rechecked": sum(i.state == "rechecked" for i in problems),
        "list": [{"no": i.no, "title": i.title, "state": ITEM.label(i.state),
                  "due": i.due.isoformat() if i.due else None,
                  "verified_on": i.verified_on.isoformat() if i.verified_on else None} for i in problems],
        "mechanisms": [{"no": i.no, "title": i.title, "state": ITEM.label(i.state), "adopted_doc": i.adopted_doc or ""}
                       for i in items if i.kind != "problem" and i.state != "withdrawn"],
    }


def _cases(uow: UnitOfWork, campaign: Campaign, **subject) -> list[dict]:
    measures = {m["code"]: m["name"] for m in campaign.plan["accountability"]["measures"]}
    query = select(AccountabilityCase).where(AccountabilityCase.campaign_id == campaign.id)
    for column, value in subject.items():
        query = query.where(getattr(AccountabilityCase, column) == value)
    return [{"no": c.no, "measure": measures.get(c.measure, c.measure or ""), "sanction": c.sanction or "",
             "state": CASE.label(c.state)} for c in uow.session.scalars(query.order_by(AccountabilityCase.seq))
            if c.state != "dismissed"]


def _commendations(uow: UnitOfWork, campaign: Campaign, **subject) -> list[dict]:
    query = select(Commendation).where(Commendation.campaign_id == campaign.id)
    for column, value in subject.items():
        query = query.where(getattr(Commendation, column) == value)
    return [{"date": c.on_date.isoformat()} for c in uow.session.scalars(query.order_by(Commendation.on_date))]


def _campaign_view(campaign: Campaign, today: dt.date) -> dict:
    return {"code": campaign.code, "name": campaign.name, "start": campaign.start_date.isoformat(),
            "end": campaign.end_date.isoformat(), "as_of": today.isoformat()}


def person_facts(uow: UnitOfWork, campaign: Campaign, person: Person, today: dt.date, login: str) -> dict:
    from duban.services.study import attendance

    items = uow.session.scalars(select(ProblemItem).where(
        ProblemItem.campaign_id == campaign.id, ProblemItem.owner_id == person.id)
        .order_by(ProblemItem.seq)).all()
    facts = _items_facts(uow, campaign, items, today)
    from_checks = sum(1 for i in items if (i.origin or "").startswith(("draw:", "evaluation:")))
    study = attendance(uow, login, campaign=campaign.code, person=person.login)["persons"]
    mine = study[0] if study else {"expected": 0, "attended": 0, "missed": [], "rate": None}
    return {
        "subject": {"kind": "person", "name": person.name, "login": person.login, "title": person.title,
                    "unit": person.unit.name if person.unit else ""},
        "campaign": _campaign_view(campaign, today),
        "problems": facts,
        "checks": {"items_from_checks": from_checks, "rechecked": facts["rechecked"], "relapses": facts["relapses"]},
        "study": {"expected": mine["expected"], "attended": mine["attended"], "rate": mine["rate"],
                  "missed": [{"date": m["date"], "topic": m["topic"]} for m in mine["missed"]]},
        "accountability": _cases(uow, campaign, subject_person_id=person.id),
        "commendations": _commendations(uow, campaign, person_id=person.id),
    }


def unit_facts(uow: UnitOfWork, campaign: Campaign, unit: OrgUnit, today: dt.date, login: str) -> dict:
    from duban.services.satisfaction import rounds_of, rules_of, score_of
    from duban.services.study import attendance

    items = uow.session.scalars(select(ProblemItem).where(
        ProblemItem.campaign_id == campaign.id, ProblemItem.unit_id == unit.id)
        .order_by(ProblemItem.seq)).all()
    facts = _items_facts(uow, campaign, items, today)
    draws = {d.id: d for d in uow.session.scalars(select(Draw).where(Draw.campaign_id == campaign.id))}
    visits = uow.session.scalars(select(Visit).where(Visit.campaign_id == campaign.id, Visit.unit_id == unit.id)
                                 .order_by(Visit.on_date, Visit.id)).all()
    drawn = sum(unit.code in d.selection for d in draws.values() if d.kind != "recheck" and d.on_date <= today)
    study = attendance(uow, login, campaign=campaign.code, unit=unit.code)["units"]
    held = study[0] if study else {}
    rules = rules_of(campaign)
    rounds = [{"round": row.round_no, "date": row.on_date.isoformat(), "method": row.method,
               "score": score_of(row, rules), "passed": score_of(row, rules) >= rules["pass_score"]}
              for row, _u in rounds_of(uow, campaign, unit_id=unit.id) if row.on_date <= today]
    record = uow.session.scalar(select(AnnualAssessment).where(
        AnnualAssessment.unit_id == unit.id, AnnualAssessment.year == today.year))
    return {
        "subject": {"kind": "unit", "name": unit.name, "code": unit.code, "unit_kind": unit.kind,
                    "head": unit.head.name if unit.head else ""},
        "campaign": _campaign_view(campaign, today),
        "problems": facts,
        "checks": {"drawn": drawn, "visits": [{"date": v.on_date.isoformat(),
                                               "kind": label("draw", draws[v.draw_id].kind),
                                               "outcome": label("visit_outcome", v.outcome),
                                               "findings": len(v.items)} for v in visits],
                   "rechecked": facts["rechecked"], "relapses": facts["relapses"]},
        "study": {"sessions": held.get("sessions", 0), "expected": held.get("expected", 0),
                  "attended": held.get("attended", 0), "rate": held.get("rate"),
                  "topics_covered": held.get("topics_covered", []), "topics_missing": held.get("topics_missing", [])},
        "evaluation": {"pass_score": rules["pass_score"], "rounds": rounds,
                       "assessment": None if record is None else {
                           "year": record.year, "rounds": record.rounds, "failed": record.failed,
                           "average_score": record.average_score, "latest_score": record.latest_score}},
        "accountability": _cases(uow, campaign, subject_unit_id=unit.id),
        "commendations": _commendations(uow, campaign, unit_id=unit.id),
    }


# --- output ----------------------------------------------------------------------------------


def markdown(facts: dict) -> str:
    from duban.documents.render import templates_dir
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(templates_dir()), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["percent"] = _percent
    return env.get_template("text/work_summary.md.j2").render(**facts)


def _percent(value) -> str:
    return "—" if value is None else f"{value:.0%}"


def _context(campaign: Campaign, facts: dict, today: dt.date) -> dict:
    from duban.documents.planfacts import names

    signed = names(campaign)
    return {"issuer": signed["signature"], "title": "", "date": today, "facts": facts}


def _write(uow: UnitOfWork, login: str, campaign: Campaign, facts: dict, out_dir: str | Path, stem: str,
           today: dt.date) -> dict:
    from duban.documents.render import write_atomically
    from duban.services.documents.reports import _out_dir, _write_pdf

    out = _out_dir(out_dir)
    context = _context(campaign, facts, today)
    context["title"] = _title(facts)
    md_path = out / f"{stem}.md"
    write_atomically(md_path, markdown({**facts, "title": context["title"]}).encode("utf-8"))
    pdf_path = out / f"{stem}.pdf"
    digest = _write_pdf(uow, login, campaign, "work_summary", context, pdf_path, today)
    return {**facts, "title": context["title"], "pdf": str(pdf_path), "markdown": str(md_path), "sha256": digest}


def _title(facts: dict) -> str:
    from duban.wording import text

    subject, campaign = facts["subject"], facts["campaign"]
    return text("summaries", f"{subject['kind']}_title", name=subject["name"], campaign=campaign["name"])


def person_summary(uow: UnitOfWork, login: str, name: str, *, out: str | Path, campaign: str | None = None,
                   today: dt.date | None = None) -> dict:
    """``duban person summary NAME``: the person's 述职 page (PDF + Markdown) in ``out``."""
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    who = actor(uow, login)
    person = uow.org.person_by_name_or_login(name)
    if person.id != who.id and not permissions.heads_unit(who, person.unit):  # oneself, one's head, the office
        permissions.require(who, "doc.render")
    day = business_date(camp, today)
    facts = person_facts(uow, camp, person, day, login)
    return _write(uow, login, camp, facts, out, f"述职-{person.login}-{day.isoformat()}", day)


def unit_summary(uow: UnitOfWork, login: str, unit: str, *, out: str | Path, campaign: str | None = None,
                 today: dt.date | None = None) -> dict:
    """``duban unit summary UNIT``: the unit's 述职 page (PDF + Markdown) in ``out``."""
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    who = actor(uow, login)
    the_unit = uow.org.unit(unit)
    if not permissions.heads_unit(who, the_unit):  # the unit's head, the office
        permissions.require(who, "doc.render")
    day = business_date(camp, today)
    facts = unit_facts(uow, camp, the_unit, day, login)
    return _write(uow, login, camp, facts, out, f"述职-{the_unit.code}-{day.isoformat()}", day)
