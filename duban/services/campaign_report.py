"""The campaign's 总结 from the database: facts (JSON), Markdown and a GB/T 9704 report with charts.

``collect`` counts everything at ``today`` from the database (the demo's summary.json is the same
call); ``write_report`` (``duban campaign report``) writes report.json, the Markdown
(``templates/text/campaign_report.md.j2``) and the PDF (``templates/kinds/campaign_report.html.j2``
through the document renderer, registered like the 台账). Besides problem items, escalations,
cases and draws it shows how problems came in (problem lists, opinions, reports), study attendance, the long-term mechanisms and the evaluation ranking.
Nothing a reporter supplied is read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from duban import permissions
from duban.services.common import actor, business_date
from duban.services.items import light_condition
from duban.services.reports import unit_report
from statemachines.case import CASE
from statemachines.item import ITEM
from storage.models import (
    AccountabilityCase,
    Category,
    Commendation,
    DeadlineChange,
    Document,
    Draw,
    Escalation,
    Event,
    Opinion,
    OrgUnit,
    Person,
    ProblemItem,
    ProblemList,
    Reminder,
    Report,
    SatisfactionRound,
)
from storage.uow import UnitOfWork

ESCALATION_LEVELS = ("催办", "督办", "挂牌督办", "问责")
DRAW_KINDS = {"spot_check": "随机暗访抽查", "discipline_check": "作风纪律检查", "recheck": "回头看"}


def collect(uow: UnitOfWork, campaign: str, *, seed: int | None, today: dt.date) -> dict:
    camp = uow.campaigns.get(campaign)
    plan = camp.plan
    # problems only: the long-term mechanisms (kind "mechanism") have a section of their own
    in_campaign = (ProblemItem.campaign_id == camp.id) & (ProblemItem.kind == "problem")
    session = uow.session

    def count(query) -> int:
        return session.scalar(query) or 0

    def grouped(column, *where) -> Counter:
        query = select(column, func.count()).group_by(column)
        for condition in where:
            query = query.where(condition)
        return Counter(dict(session.execute(query).all()))

    states = grouped(ProblemItem.state, in_campaign)
    categories = Counter({name: n for name, n in session.execute(
        select(Category.name, func.count()).join(ProblemItem, ProblemItem.category_id == Category.id)
        .where(in_campaign).group_by(Category.name)).all()})
    sources = grouped(ProblemItem.source, in_campaign)
    lights = {light: count(select(func.count()).where(in_campaign, light_condition(camp, light, today)))
              for light in ("red", "yellow", "green")}
    units = [{"unit": row["unit"], "items": row["items"],
              "closed": row["states"]["verified"] + row["states"]["rechecked"] + row["states"]["withdrawn"],
              "overdue": row["overdue"], "relapses": row["relapses"],
              "escalations": sum(row["escalations"].values()), "on_time_rate": row["on_time_rate"]}
             for row in unit_report(uow, "system", campaign=camp.code, today=today) if row["items"]]
    escalations = grouped(Escalation.level, Escalation.campaign_id == camp.id)
    changes = Counter(f"{kind}:{status}" for kind, status in session.execute(
        select(DeadlineChange.kind, DeadlineChange.status).join(ProblemItem).where(in_campaign)).all())
    cases = session.scalars(select(AccountabilityCase).where(AccountabilityCase.campaign_id == camp.id)
                            .order_by(AccountabilityCase.seq)).all()
    measures = {m["code"]: m["name"] for m in plan["accountability"]["measures"]}
    case_events = grouped(Event.trigger, Event.campaign_id == camp.id, Event.case_id.is_not(None))
    rules = plan.get("rules", {}).get("satisfaction", {})
    max_score, pass_score = rules.get("max_score", 100), rules.get("pass_score", 80)
    rounds = session.execute(
        select(SatisfactionRound, OrgUnit.name).join(OrgUnit, OrgUnit.id == SatisfactionRound.unit_id)
        .where(SatisfactionRound.campaign_id == camp.id).order_by(SatisfactionRound.on_date, OrgUnit.code)).all()
    commendations = session.scalars(select(Commendation).where(Commendation.campaign_id == camp.id)).all()
    return {
        "campaign": {"code": camp.code, "name": camp.name, "start": camp.start_date.isoformat(),
                     "end": camp.end_date.isoformat(), "as_of": today.isoformat()},
        "seed": seed,
        "bureau": {"units": count(select(func.count(OrgUnit.id))),
                   "persons": count(select(func.count(Person.id)).where(Person.login != "system"))},
        "items": {
            "total": sum(states.values()),
            "by_state": {label: states.get(code, 0) for code, label in ITEM.states.items()},
            "by_category": {c["name"]: categories.get(c["name"], 0) for c in plan["categories"]},
            "by_source": {s["name"]: sources.get(s["name"], 0) for s in plan["sources"]},
            "lights": {"红灯": lights["red"], "黄灯": lights["yellow"], "绿灯": lights["green"]},
            "by_unit": units,
        },
        "escalations": {level: escalations.get(level, 0) for level in ESCALATION_LEVELS},
        "deadline_changes": {
            "延期申请": sum(n for key, n in changes.items() if key.startswith("extension:")),
            "延期批准": changes.get("extension:approved", 0),
            "延期未批准": changes.get("extension:refused", 0),
            "挂起": sum(n for key, n in changes.items() if key.startswith("pause:")),
        },
        "cases": {
            "total": len(cases),
            "by_measure": {name: sum(c.measure == code for c in cases) for code, name in measures.items()},
            "by_state": {label: sum(c.state == code for c in cases) for code, label in CASE.states.items()},
            "unit_cases": sum(c.subject_unit_id is not None for c in cases),
            "appeals": case_events.get("appeal", 0),
            "dismissed": sum(c.state == "dismissed" for c in cases),
        },
        "commendations": {"persons": sum(c.person_id is not None for c in commendations),
                          "units": sum(c.unit_id is not None for c in commendations)},
        "recheck": {
            "drawn": sum(len(s) for s in session.scalars(
                select(Draw.selection).where(Draw.campaign_id == camp.id, Draw.kind == "recheck"))),
            "passed": count(select(func.count()).where(in_campaign, ProblemItem.rechecked_on.is_not(None))),
            "relapses": count(select(func.sum(ProblemItem.relapse_count)).where(in_campaign)),
            "relapsed_items": count(select(func.count()).where(in_campaign, ProblemItem.relapse_count > 0)),
        },
        "satisfaction": [
            {"unit": name, "date": row.on_date.isoformat(), "method": row.method, "responses": row.responses,
             "satisfied": row.satisfied, "score": round(row.satisfied / row.responses * max_score, 1),
             "passed": row.satisfied / row.responses * max_score >= pass_score, "published": row.published}
            for row, name in rounds
        ],
        "draws": {label: count(select(func.count()).where(Draw.campaign_id == camp.id, Draw.kind == kind))
                  for kind, label in DRAW_KINDS.items()},
        "reminders": dict(sorted(grouped(Reminder.kind, Reminder.campaign_id == camp.id).items())),
        "documents": {"total": count(select(func.count()).where(Document.campaign_id == camp.id)),
                      "by_kind": dict(sorted(grouped(Document.kind, Document.campaign_id == camp.id).items()))},
        "events": count(select(func.count(Event.id))),
        "intake": intake(uow, camp),
        **programme(uow, camp, today),
    }


def intake(uow: UnitOfWork, camp) -> dict:
    """How problems came in besides inspections: problem lists, opinions and reports, each by its fate."""
    from duban.services.problem_lists import LIST_STATES
    from statemachines.opinion import OPINION
    from statemachines.report import REPORT

    def by_state(model, labels: dict[str, str]) -> dict[str, int]:
        counts = dict(uow.session.execute(select(model.state, func.count()).where(model.campaign_id == camp.id)
                                          .group_by(model.state)).all())
        return {label: counts.get(code, 0) for code, label in labels.items()}

    return {"problem_lists": by_state(ProblemList, LIST_STATES), "opinions": by_state(Opinion, OPINION.states),
            "reports": by_state(Report, REPORT.states)}


def programme(uow: UnitOfWork, camp, today: dt.date) -> dict:
    """Study attendance, long-term mechanisms and the evaluation ranking (the programme beyond items)."""
    from duban.services.evaluation import ranking
    from duban.services.mechanisms import list_mechanisms
    from duban.services.study import attendance, list_sessions

    sessions = list_sessions(uow, "system", campaign=camp.code)
    study = attendance(uow, "system", campaign=camp.code)
    expected = sum(p["expected"] for p in study["persons"])
    attended = sum(p["attended"] for p in study["persons"])
    mechanisms = [{"name": m["name"], "registered": m["registered"],
                   "unit": m["item"]["unit"] if m["item"] else None,
                   "state": ITEM.label(m["item"]["state"]) if m["item"] else None,
                   "adopted_doc": (m["item"] or {}).get("adopted_doc") or ""}
                  for m in list_mechanisms(uow, "system", campaign=camp.code, today=today)]
    evaluated = uow.session.scalar(select(func.count(SatisfactionRound.id)).where(
        SatisfactionRound.campaign_id == camp.id, SatisfactionRound.on_date <= today)) or 0
    evaluation = ranking(uow, "system", campaign=camp.code, today=today) if evaluated else None
    return {
        "study": {"sessions": len(sessions), "expected": expected, "attended": attended,
                  "rate": round(attended / expected, 3) if expected else None,
                  "units_without_session": [u["unit"] for u in study["units"] if not u["sessions"]],
                  "absent_persons": sum(1 for p in study["persons"] if p["attended"] < p["expected"])},
        "mechanisms": mechanisms,
        "evaluation": None if evaluation is None else {
            "round": evaluation["round"], "pass_score": evaluation["pass_score"], "rounds": evaluation["rounds"],
            "evaluated": evaluation["evaluated"], "failed": evaluation["failed"],
            "ranking": [{k: e[k] for k in ("rank", "unit", "score", "passed", "previous", "change", "trend")}
                        for e in evaluation["ranking"]]},
    }


# The 工作总结's tables, each a macro of templates/wording/summaries.txt.j2 (its wording lives there).
TABLES = ("by_state", "by_category", "by_source", "by_unit", "escalations", "by_measure", "cases_by_state",
          "satisfaction", "intake", "study", "mechanisms", "ranking")


def named_tables(summary: dict) -> dict[str, tuple[str, list[str], list[list[str]]]]:
    """The summary's tables by name, as (title, columns, rows); a table with nothing to show is left out."""
    from duban.labels import table
    from duban.wording import wording

    say, found = wording("summaries"), {}
    for name in TABLES:
        facts = {"trends": table("trend")} if name == "ranking" else {}  # the trend codes' labels
        lines = say.rows(f"table_{name}", summary=summary, **facts)
        if lines:
            [title], columns, *rows = lines
            found[name] = (title, columns, rows)
    return found


def tables(summary: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """The summary as (title, columns, rows) tables: for summary.md and the CLI's closing table."""
    return list(named_tables(summary).values())


def headline(summary: dict) -> list[str]:
    """The overall figures, one sentence per line (templates/wording/summaries.txt.j2)."""
    from duban.wording import wording

    closed = summary["items"]["by_state"]["已销号"] + summary["items"]["by_state"]["回头看通过"]
    return wording("summaries").lines("headline", summary=summary, closed=closed)


def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from duban.wording import cn_date, templates_dir

    env = Environment(loader=FileSystemLoader(templates_dir()), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["percent"] = lambda v: "—" if v is None else f"{v:.0%}"
    env.filters["cn_date"] = cn_date
    env.filters["cell"] = lambda v: str(v).replace("|", "／")
    return env


def markdown(summary: dict) -> str:
    """The 总结 for people (summary.md, report.md): templates/text/campaign_report.md.j2."""
    return _env().get_template("text/campaign_report.md.j2").render(
        summary=summary, headline=headline(summary), tables=tables(summary))


def chart_data(summary: dict) -> list[dict]:
    """Bar charts of the report: problems per unit (closed / open) and per category."""
    from duban.wording import text

    closed, open_ = text("summaries", "closed"), text("summaries", "open")
    units = [[u["unit"], {closed: u["closed"], open_: u["items"] - u["closed"]}, u["items"]]
             for u in sorted(summary["items"]["by_unit"], key=lambda u: -u["items"])]
    categories = [[name, {closed: 0, open_: n}, n] for name, n in summary["items"]["by_category"].items()]
    charts = []
    if units:
        charts.append({"name": "by-unit", "title": text("summaries", "chart_by_unit"), "dimension": "unit",
                       "series": [closed, open_], "rows": units})
    if any(n for _name, _c, n in categories):
        charts.append({"name": "by-category", "title": text("summaries", "chart_by_category"),
                       "dimension": "category", "series": [open_], "rows": categories})
    return charts


def report_pdf(uow: UnitOfWork, login: str, camp, summary: dict, path: Path, day: dt.date) -> str:
    """The 总结 as a GB/T 9704 PDF with charts, written to ``path`` and registered; its SHA-256."""
    from duban.documents.planfacts import names
    from duban.services.documents.reports import _write_pdf
    from duban.wording import text

    named = named_tables(summary)
    context = {"issuer": names(camp)["signature"], "title": text("summaries", "campaign_title", campaign=camp.name),
               "title_names": [camp.name],
               "date": day, "facts": summary, "headline": headline(summary), "charts": chart_data(summary),
               "opening": " ".join(str(camp.plan.get("goals") or "").split()),
               "attachments": [text("summaries", "charts_attachment")] if chart_data(summary) else [],
               "rows": {name: named[name][2] if name in named else [] for name in ("by_unit", "mechanisms", "ranking")}}
    return _write_pdf(uow, login, camp, "campaign_report", context, path, day)


def write_report(uow: UnitOfWork, login: str, *, out: str | Path, campaign: str | None = None,
                 today: dt.date | None = None) -> dict:
    """``duban campaign report``: report.json, the Markdown and the PDF with charts in ``out``."""
    from duban.documents.render import write_atomically
    from duban.services.documents.reports import _out_dir
    from duban.wording import text

    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "doc.render")
    day = business_date(camp, today)
    summary = collect(uow, camp.code, seed=None, today=day)
    title = text("summaries", "campaign_title", campaign=camp.name)
    where = _out_dir(out)
    stem = f"总结-{camp.code}-{day.isoformat()}"
    json_path, md_path, pdf_path = (where / f"{stem}.{ext}" for ext in ("json", "md", "pdf"))
    write_atomically(json_path, (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    write_atomically(md_path, markdown(summary).encode("utf-8"))
    digest = report_pdf(uow, login, camp, summary, pdf_path, day)
    return {"title": title, "pdf": str(pdf_path), "markdown": str(md_path), "json": str(json_path),
            "sha256": digest, "summary": summary}
