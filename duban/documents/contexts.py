"""Renderer contexts built from database records.

Everything a document says comes from the campaign plan and the records: the
problem, its unit, owner and deadline, the case's subject, reason and measure,
the escalation. A builder gathers those facts; the sentences they go into are
macros of ``templates/wording/*.txt.j2`` (`duban.wording`). Each builder
returns exactly the fields that `duban.documents.kinds` lists for its kind; the
caller adds ``doc_number``. Case documents are built in `case_contexts`, the 台账
and 公示 in `report_contexts`.

Which document a record gets:

* an item → 整改通知书 (rectification_notice);
* an escalation → 催办单 (催办) or 督办单 (督办, 挂牌督办);
* a case → the document of its measure in the plan (``accountability.measures[].document``, checked
  when the plan is loaded); measures without one get a 处理决定 (decision);
* the campaign → 整改落实台账 (ledger) and 公示 (publicity).
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from duban.documents import planfacts
from duban.documents.kinds import CASE_KINDS, KINDS
from duban.documents.prefixes import prefixes_by_kind, shared_prefixes
from duban.errors import RuleViolation
from duban.services.reporter_protection import reporter_supplied
from duban.wording import sentence, wording
from storage.models import AccountabilityCase, Campaign, Escalation, OrgUnit, Person, ProblemItem

ITEM_KINDS = ("rectification_notice",)
ESCALATION_KINDS = {"催办": "reminder_sheet", "督办": "supervision_sheet", "挂牌督办": "supervision_sheet"}
CASE_STATES = ("approved", "executed", "appealed", "closed")  # a measure has been decided and approved


def format_doc_number(prefix: str, year: int, number: int) -> str:
    """X改〔2015〕7号: year in 〔〕, no zero padding, no 第 (GB/T 9704 7.2.4)."""
    return f"{prefix}〔{year}〕{number}号"


def document_prefixes(campaign: Campaign) -> dict[str, str]:
    """发文字号 prefix of every numbered kind; two kinds never share one."""
    prefixes = prefixes_by_kind(campaign.doc_prefix, campaign.plan.get("document_prefixes") or {})
    clash = shared_prefixes(prefixes)
    if clash:
        raise RuleViolation(f"方案中多种文书的发文字号前缀相同（{'、'.join(sorted(clash))}），请在 document_prefixes 中区分")
    return prefixes


def json_safe(value):
    """The context as stored with the document: dates become YYYY-MM-DD."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=lambda v: v.isoformat()))


# --- which kind ------------------------------------------------------------------


def case_kind(campaign: Campaign, case: AccountabilityCase) -> str:
    kind = documented_kind(campaign, case)
    if kind is None:
        measure = case_measure(campaign, case)
        raise RuleViolation(f"“{measure['name']}”轻于通报，不制发文书：由{office_name(campaign)}记录在案，"
                            "需要时当面告知本人")
    return kind


def documented_kind(campaign: Campaign, case: AccountabilityCase) -> str | None:
    """The case's document kind; None for a measure lighter than anything circulated (e.g. 批评教育).

    A measure without a document of its own gets a 处理决定 only from the lightest grade the plan
    circulates (a measure whose document is a 通报批评) upwards, or the heaviest grade if none is."""
    measure = case_measure(campaign, case)
    document = measure.get("document")
    if document:
        if document not in CASE_KINDS:
            raise RuleViolation(f"问责措施“{measure['name']}”的文书种类 {document} 没有对应的文书模板，请修正方案后重新导入")
        return document
    ladder = campaign.plan["accountability"]
    rank = {grade["code"]: n for n, grade in enumerate(ladder["grades"])}
    circulated = [rank[m["grade"]] for m in ladder["measures"] if m.get("document") == "circulated_criticism"]
    return "decision" if rank[measure["grade"]] >= min(circulated, default=len(rank) - 1) else None


def escalation_kind(escalation: Escalation) -> str:
    kind = ESCALATION_KINDS.get(escalation.level)
    if kind is None:
        raise RuleViolation(f"{escalation.level}不制发催办单或督办单（问责由问责案件的文书处理）")
    return kind


# --- facts from the plan shared by the documents ---------------------------------------------


def office_name(campaign: Campaign) -> str:
    """The campaign office as the plan names it on documents (``issuing.office``)."""
    return planfacts.names(campaign)["office"]


def leading_group(campaign: Campaign) -> str:
    return planfacts.names(campaign)["leading_group"]


def plan_title(campaign: Campaign) -> str:
    """The plan's title in running text (《……》)."""
    return wording("common").say("book_title", title=planfacts.plan_title(campaign))


def basis(campaign: Campaign) -> dict:
    """What 根据……要求 needs: the plan's basis documents and its title."""
    return {"refs": planfacts.basis_documents(campaign), "plan_title": planfacts.plan_title(campaign)}


# Circulated to all units: a 文件-style 版头 (发文机关标志 with 文件).
FILE_KINDS = ("circulated_criticism", "decision", "commendation_notice")


def head(campaign: Campaign, kind: str, **fields) -> dict:
    """Common fields: 版头, 署名 and 印发机关 as the plan names them; forms are the office's own."""
    names = planfacts.names(campaign)
    if not KINDS[kind].gongwen:
        issuer = mark = names["office"]
    else:
        issuer, mark = names["signature"], names["file_masthead" if kind in FILE_KINDS else "masthead"]
    return {"issuer": issuer, "issuer_mark": mark, "doc_number": None, "printer": names["printer"],
            "cc": [], "seal_text": None, "title": KINDS[kind].name, **fields}


def measures_by_weight(campaign: Campaign) -> list[str]:
    """The plan's measures from the lightest to the heaviest (plan order within a grade)."""
    measures = campaign.plan["accountability"]["measures"]
    ranks = {grade["code"]: rank for rank, grade in enumerate(campaign.plan["accountability"]["grades"])}
    return [m["name"] for m in sorted(measures, key=lambda m: ranks[m["grade"]])]


def workdays():
    from duban.services.common import work_calendar

    return work_calendar()


def state_label(item: ProblemItem) -> str:
    from statemachines.item import ITEM

    return ITEM.label(item.state)


def item_facts(item: ProblemItem, today: dt.date) -> dict:
    """An item as it stands on the document's date (what ``common.item_status`` says)."""
    overdue = item.due is not None and item.state in ("assigned", "rectifying") and item.due < today
    return {"no": item.no, "title": item.title, "source": item.source, "identified_on": item.identified_on,
            "assigned_on": item.assigned_on, "due": item.due, "unit": item.unit.name,
            "owner": item.owner.name if item.owner else "", "today": today, "state": state_label(item),
            "overdue_days": workdays().workdays_between(item.due, today) if overdue else None,
            "relapses": item.relapse_count}


# --- 整改通知书 -------------------------------------------------------------------


def rectification_notice(campaign: Campaign, item: ProblemItem, today: dt.date) -> dict:
    if item.state not in ("assigned", "rectifying") or item.due is None:
        raise RuleViolation(f"{item.no} 当前状态「{state_label(item)}」不能制发整改通知书（须已交办并有整改期限）")
    if item.paused_since:
        raise RuleViolation(f"{item.no} 自 {item.paused_since.isoformat()} 起挂起，期限暂停，恢复后再制发整改通知书")
    working_days = workdays().workdays_between(today, item.due)
    if working_days < 1:
        raise RuleViolation(f"{item.no} 整改期限 {item.due.isoformat()} 已到或已过，不能再制发整改通知书（逾期事项以督办单督办）")
    say = wording("rectification_notice")
    category, owner = item.category, item.owner.name if item.owner else ""
    # A reported item's description may quote the reporter: never printed (reporter protection).
    description = sentence(item.description) if item.description and not reporter_supplied(item) else ""
    return head(
        campaign, "rectification_notice", date=today, recipient=item.unit.name,
        basis=say.say("opening", **basis(campaign), source=item.source, identified_on=item.identified_on),
        problems=[{"title": sentence(item.title), "detail": description + say.say(
            "particulars", no=item.no, category=category.name if category else "", owner=owner)}],
        requirements=say.lines("requirements", owner=owner, category_title=category.title if category else "",
                               office=office_name(campaign)),
        working_days=working_days, deadline=item.due, report_to=office_name(campaign),
        consequences=say.say("consequences", plan_title=planfacts.plan_title(campaign),
                             measures=measures_by_weight(campaign)),
    )


# --- 催办单 and 督办单 ---------------------------------------------------------------


def _sheet_item(item: ProblemItem) -> dict:
    return {"no": item.no, "problem": item.title, "category": item.category.name if item.category else "",
            "source": item.source, "owner": item.owner.name if item.owner else ""}


def _contact(campaign: Campaign, clerk: Person) -> dict:
    """The clerk and the office's phones; the automation's sheets give the phones (the office issues them),
    under a label that says which."""
    facts = {"clerk": None if "system" in clerk.role_set else clerk.name, "phones": planfacts.hotlines(campaign)}
    common = wording("common")
    return {"contact": common.say("contact", **facts, office=office_name(campaign)),
            "contact_label": common.say("contact_label", **facts)}


def escalation_sheet(campaign: Campaign, escalation: Escalation, item: ProblemItem, clerk: Person,
                     today: dt.date) -> dict:
    kind = escalation_kind(escalation)
    if item.due is None:
        raise RuleViolation(f"{item.no} 没有整改期限，不能制发{KINDS[kind].name}")
    if item.state not in ("assigned", "rectifying"):
        raise RuleViolation(f"{item.no} 当前状态“{state_label(item)}”，已不需{escalation.level}，不制发{KINDS[kind].name}")
    calendar, say = workdays(), wording("sheets")
    common = {"date": today, "to_unit": item.unit.name, "item": _sheet_item(item),
              **_contact(campaign, clerk)}
    if kind == "reminder_sheet":
        left = calendar.workdays_between(today, item.due)  # facts as they stand on the document's date
        return head(
            campaign, kind, **common, original_due=item.original_due or item.due, due=item.due,
            overdue_days=max(0, calendar.workdays_between(item.due, today)), round=item_escalations(item, escalation),
            requirements=say.say("reminder", due=item.due, days_left=left),
        )
    grace = campaign.plan.get("rules", {}).get("escalation", {}).get("case_after_working_days", 5)
    overdue = item.due < today
    due = max(calendar.add_workdays(item.due, grace), calendar.add_workdays(today, 1)) if overdue else item.due
    overdue_days = calendar.workdays_between(item.due, today) if overdue else None
    return head(
        campaign, kind, **common, title=say.say("title", level=escalation.level), due=due,
        requirements=say.say("supervision", level=escalation.level, due=item.due, overdue_days=overdue_days,
                             reason=None if escalation.automatic else (escalation.reason or ""),
                             grace=grace if overdue else None),
    )


def item_escalations(item: ProblemItem, upto: Escalation) -> int:
    """Which 催办 this is for the item (1 for the first)."""
    from sqlalchemy.orm import object_session

    ids = object_session(item).scalars(select(Escalation.id).where(
        Escalation.item_id == item.id, Escalation.level == upto.level, Escalation.id <= upto.id)).all()
    return len(ids)


# --- what a case's documents share --------------------------------------------------------


def case_measure(campaign: Campaign, case: AccountabilityCase) -> dict:
    """The plan's measure the case decided (refused unless it was decided and approved)."""
    if case.state not in CASE_STATES or not case.measure:
        from statemachines.case import CASE

        raise RuleViolation(f"{case.no} 当前状态「{CASE.label(case.state)}」不能制发问责文书（处理决定须已批准）")
    for measure in campaign.plan["accountability"]["measures"]:
        if measure["code"] == case.measure:
            return measure
    raise RuleViolation(f"{case.no} 的问责措施 {case.measure} 不在方案中")


def all_units(campaign: Campaign, record) -> str:
    """主送 of a circulated document: every kind of unit the organisation has, as the plan addresses it."""
    from sqlalchemy.orm import object_session

    return planfacts.addressees(campaign, object_session(record).scalars(select(OrgUnit.kind).distinct()))


def copied_to(campaign: Campaign) -> list[str]:
    """抄送: the issuers of the plan's basis documents."""
    return list(dict.fromkeys(ref["issuer"] for ref in planfacts.basis_documents(campaign)))
