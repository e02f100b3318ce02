"""The one-page summary of a campaign: summary.json (data) and summary.md (for people).

Everything is counted from the database at the end of the campaign; nothing
depends on the wall clock, so the same seed gives the same summary.json.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

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
    OrgUnit,
    Person,
    ProblemItem,
    Reminder,
    SatisfactionRound,
)
from storage.uow import UnitOfWork

ESCALATION_LEVELS = ("催办", "督办", "挂牌督办", "问责")
DRAW_KINDS = {"spot_check": "随机暗访抽查", "discipline_check": "作风纪律检查", "recheck": "回头看"}


def collect(uow: UnitOfWork, campaign: str, *, seed: int | None, today: dt.date) -> dict:
    camp = uow.campaigns.get(campaign)
    plan = camp.plan
    in_campaign = ProblemItem.campaign_id == camp.id
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
    }


def tables(summary: dict) -> list[tuple[str, list[str], list[list]]]:
    """The summary as (title, columns, rows) tables: for summary.md and the CLI's closing table."""
    items, cases = summary["items"], summary["cases"]
    return [
        ("整改问题（按状态）", ["状态", "数量"], [[k, v] for k, v in items["by_state"].items()]),
        ("整改问题（按类别）", ["类别", "数量"], [[k, v] for k, v in items["by_category"].items()]),
        ("整改问题（按来源）", ["来源", "数量"], [[k, v] for k, v in items["by_source"].items() if v]),
        ("各单位整改情况", ["单位", "问题", "已办结", "逾期", "反弹", "催办督办", "按期销号率"],
         [[u["unit"], u["items"], u["closed"], u["overdue"], u["relapses"], u["escalations"],
           "—" if u["on_time_rate"] is None else f"{u['on_time_rate']:.0%}"] for u in items["by_unit"]]),
        ("催办、督办、问责", ["级别", "次数"], [[k, v] for k, v in summary["escalations"].items()]),
        ("问责处理（按措施）", ["措施", "案件数"], [[k, v] for k, v in cases["by_measure"].items()]),
        ("问责案件（按状态）", ["状态", "案件数"], [[k, v] for k, v in cases["by_state"].items() if v]),
        ("满意度测评", ["单位", "日期", "方式", "样本", "满意", "得分", "合格", "已公开"],
         [[r["unit"], r["date"], r["method"], r["responses"], r["satisfied"], r["score"],
           "是" if r["passed"] else "否", "是" if r["published"] else "否"] for r in summary["satisfaction"]]),
    ]


def headline(summary: dict) -> list[str]:
    items, cases, recheck = summary["items"], summary["cases"], summary["recheck"]
    changes, praise = summary["deadline_changes"], summary["commendations"]
    closed = items["by_state"]["已销号"] + items["by_state"]["回头看通过"]
    return [
        f"单位 {summary['bureau']['units']} 个，人员 {summary['bureau']['persons']} 人；"
        f"整改问题 {items['total']} 个，已销号 {closed} 个，活动结束时红灯 {items['lights']['红灯']} 个。",
        f"延期申请 {changes['延期申请']} 件（批准 {changes['延期批准']}、未批准 {changes['延期未批准']}），挂起 {changes['挂起']} 件。",
        f"问责案件 {cases['total']} 件（其中单位 {cases['unit_cases']} 件，申诉 {cases['appeals']} 件，撤销 {cases['dismissed']} 件）；"
        f"表彰个人 {praise['persons']} 名、单位 {praise['units']} 个。",
        f"回头看抽取 {recheck['drawn']} 个问题，通过 {recheck['passed']} 个，反弹 {recheck['relapses']} 次。",
        f"制发文书 {summary['documents']['total']} 份；事件日志 {summary['events']} 条。",
    ]


def markdown(summary: dict) -> str:
    camp = summary["campaign"]
    lines = [f"# {camp['name']}：专项整治汇总", "",
             f"活动 {camp['code']}，{camp['start']} 至 {camp['end']}，统计截至 {camp['as_of']}"
             + (f"（演示数据，随机种子 {summary['seed']}）" if summary.get("seed") is not None else "") + "。", ""]
    lines += [f"- {text}" for text in headline(summary)]
    for title, columns, rows in tables(summary):
        lines += ["", f"## {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(str(v).replace("|", "／") for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_summary(db_url: str, out: Path, *, campaign: str, seed: int | None, today: dt.date) -> dict:
    with UnitOfWork(db_url) as uow:
        summary = collect(uow, campaign, seed=seed, today=today)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "summary.md").write_text(markdown(summary), encoding="utf-8")
    return summary

