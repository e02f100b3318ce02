"""Renderer contexts built from database records.

Everything a document says comes from the campaign plan and the records: the
problem, its unit, owner and deadline, the case's subject, reason and measure,
the escalation. The fixed wording here only joins those facts into sentences,
so nothing is typed twice. Each builder returns exactly the fields that
`duban.documents.kinds` lists for its kind; the caller adds ``doc_number``.

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
from duban.documents.kinds import CASE_KINDS, KINDS, prefixes_by_kind, shared_prefixes
from duban.errors import RuleViolation
from duban.services.reporter_protection import reporter_supplied
from storage.models import (
    AccountabilityCase,
    Campaign,
    Escalation,
    Event,
    OrgUnit,
    Person,
    ProblemItem,
    SatisfactionRound,
)

ITEM_KINDS = ("rectification_notice",)
ESCALATION_KINDS = {"催办": "reminder_sheet", "督办": "supervision_sheet", "挂牌督办": "supervision_sheet"}
CASE_STATES = ("approved", "executed", "appealed", "closed")  # a measure has been decided and approved
ADMONITION_WORKING_DAYS = 5  # 诫勉谈话 within this many working days when the plan sets none
PUBLICITY_WORKING_DAYS = 5  # 公示期
PUBLISHED_ITEM_STATES = ("verified", "rechecked")


def cn_date(value: dt.date | None) -> str:
    return "" if value is None else f"{value.year}年{value.month}月{value.day}日"


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
        measure = _measure(campaign, case)
        raise RuleViolation(f"“{measure['name']}”轻于通报，不制发文书：由{office_name(campaign)}记录在案，"
                            "需要时当面告知本人")
    return kind


def documented_kind(campaign: Campaign, case: AccountabilityCase) -> str | None:
    """The case's document kind; None for a measure lighter than anything circulated (e.g. 批评教育).

    A measure without a document of its own gets a 处理决定 only from the lightest grade the plan
    circulates (a measure whose document is a 通报批评) upwards, or the heaviest grade if none is."""
    measure = _measure(campaign, case)
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


# --- shared wording from the plan ----------------------------------------------------


def _plan_title(campaign: Campaign) -> str:
    return f"《{planfacts.plan_title(campaign)}》"


def _basis(campaign: Campaign) -> str:
    refs = "、".join(f"{ref['issuer']}《{ref['title']}》（{ref['number']}）"
                     for ref in planfacts.basis_documents(campaign))
    return f"根据{refs}和{_plan_title(campaign)}要求" if refs else f"根据{_plan_title(campaign)}要求"


def office_name(campaign: Campaign) -> str:
    """The campaign office as the plan names it on documents (``issuing.office``)."""
    return planfacts.names(campaign)["office"]


_office_short = office_name


def _leading_group(campaign: Campaign) -> str:
    return planfacts.names(campaign)["leading_group"]


# Circulated to all units: a 文件-style 版头 (发文机关标志 with 文件).
FILE_KINDS = ("circulated_criticism", "decision", "commendation_notice")


def _head(campaign: Campaign, kind: str, **fields) -> dict:
    """Common fields: 版头, 署名 and 印发机关 as the plan names them; forms are the office's own."""
    names = planfacts.names(campaign)
    if not KINDS[kind].gongwen:
        issuer = mark = names["office"]
    else:
        issuer, mark = names["signature"], names["file_masthead" if kind in FILE_KINDS else "masthead"]
    return {"issuer": issuer, "issuer_mark": mark, "doc_number": None, "printer": names["printer"],
            "cc": [], "seal_text": None, "title": KINDS[kind].name, **fields}


def _consequences(campaign: Campaign) -> str:
    """What awaits a unit that does not rectify: the plan's measures from the lightest to the heaviest."""
    measures = campaign.plan["accountability"]["measures"]
    ranks = {grade["code"]: rank for rank, grade in enumerate(campaign.plan["accountability"]["grades"])}
    ordered = sorted(measures, key=lambda m: ranks[m["grade"]])  # stable: plan order within a grade
    span = ordered[0]["name"] + (f"直至{ordered[-1]['name']}" if len(ordered) > 1 else "")
    return (f"逾期未完成整改或整改不到位的，将依照{_plan_title(campaign)}严肃问责，"
            f"视情节轻重对相关责任人予以{span}。")


def _hotlines(campaign: Campaign) -> str:
    return "、".join(planfacts.hotlines(campaign))


def _sentence(text: str) -> str:
    text = (text or "").strip()
    return text if not text or text[-1] in "。！？；.!?;" else text + "。"


def _person_label(person: Person | None) -> str:
    if person is None:
        return ""
    return f"{person.name}（{person.title}）" if person.title else person.name


def _contact(campaign: Campaign, clerk: Person) -> str:
    """The clerk and the office's phones; the automation's sheets give the phones (the office issues them)."""
    phones = _hotlines(campaign)
    if "system" in clerk.role_set:
        return phones or _office_short(campaign)
    return f"{clerk.name}　{phones}" if phones else clerk.name


def _workdays():
    from duban.services.common import work_calendar

    return work_calendar()


def _state_label(item: ProblemItem) -> str:
    from statemachines.item import ITEM

    return ITEM.label(item.state)


def _item_status(item: ProblemItem, today: dt.date) -> str:
    """One sentence on where an item stands, for findings and facts."""
    text = f"该问题于{cn_date(item.identified_on)}经{item.source}发现"
    if item.assigned_on and item.due:
        when = "同日" if item.assigned_on == item.identified_on else cn_date(item.assigned_on)
        owner = item.owner.name if item.owner else ""
        text += f"，{when}交{item.unit.name}{owner}负责整改，整改期限为{cn_date(item.due)}"
    text += f"；截至{cn_date(today)}，处于“{_state_label(item)}”状态"
    if item.due and item.state in ("assigned", "rectifying") and item.due < today:
        text += f"，已逾期{_workdays().workdays_between(item.due, today)}个工作日"
    if item.relapse_count:
        text += f"，销号后反弹{item.relapse_count}次"
    return text + "。"


# --- 整改通知书 -------------------------------------------------------------------


def rectification_notice(campaign: Campaign, item: ProblemItem, today: dt.date) -> dict:
    if item.state not in ("assigned", "rectifying") or item.due is None:
        raise RuleViolation(f"{item.no} 当前状态「{_state_label(item)}」不能制发整改通知书（须已交办并有整改期限）")
    if item.paused_since:
        raise RuleViolation(f"{item.no} 自 {item.paused_since.isoformat()} 起挂起，期限暂停，恢复后再制发整改通知书")
    working_days = _workdays().workdays_between(today, item.due)
    if working_days < 1:
        raise RuleViolation(f"{item.no} 整改期限 {item.due.isoformat()} 已到或已过，不能再制发整改通知书（逾期事项以督办单督办）")
    category = item.category
    # A reported item's description may quote the reporter: never printed (reporter protection).
    details = [_sentence(item.description)] if item.description and not reporter_supplied(item) else []
    details.append(f"（问题编号：{item.no}；问题类别：{category.name if category else '未分类'}；"
                   f"责任人：{item.owner.name if item.owner else '未指定'}）")
    requirements = [
        f"你单位主要负责人要切实履行第一责任人职责，组织责任人{item.owner.name if item.owner else ''}认真剖析问题根源，"
        "制定整改措施，明确整改时限，确保按期整改到位。",
    ]
    if category is not None:
        requirements.append(f"对照{category.title}的具体表现，举一反三，全面排查同类问题，防止问题反弹。")
    requirements.append(f"整改完成后，由责任人上传佐证材料并提交验收，经{_office_short(campaign)}验收合格后销号。")
    return _head(
        campaign, "rectification_notice", date=today, recipient=item.unit.name,
        basis=f"{_basis(campaign)}，经{item.source}（{cn_date(item.identified_on)}），发现你单位存在以下问题：",
        problems=[{"title": _sentence(item.title), "detail": "".join(details)}],
        requirements=requirements, working_days=working_days, deadline=item.due,
        report_to=office_name(campaign), consequences=_consequences(campaign),
    )


# --- 催办单 and 督办单 ---------------------------------------------------------------


def _sheet_item(item: ProblemItem) -> dict:
    return {"no": item.no, "problem": item.title, "category": item.category.name if item.category else "",
            "source": item.source, "owner": item.owner.name if item.owner else ""}


def escalation_sheet(campaign: Campaign, escalation: Escalation, item: ProblemItem, clerk: Person,
                     today: dt.date) -> dict:
    kind = escalation_kind(escalation)
    if item.due is None:
        raise RuleViolation(f"{item.no} 没有整改期限，不能制发{KINDS[kind].name}")
    if item.state not in ("assigned", "rectifying"):
        raise RuleViolation(f"{item.no} 当前状态“{_state_label(item)}”，已不需{escalation.level}，不制发{KINDS[kind].name}")
    calendar = _workdays()
    common = {"date": today, "to_unit": item.unit.name, "item": _sheet_item(item),
              "contact": _contact(campaign, clerk)}
    if kind == "reminder_sheet":
        left = calendar.workdays_between(today, item.due)  # facts as they stand on the document's date
        rounds = item_escalations(item, escalation)
        state = (f"整改期限为{cn_date(item.due)}，仅剩{left}个工作日" if left >= 0
                 else f"整改期限{cn_date(item.due)}已过{-left}个工作日")
        return _head(
            campaign, kind, **common, original_due=item.original_due or item.due, due=item.due,
            overdue_days=max(0, calendar.workdays_between(item.due, today)), round=rounds,
            requirements=f"该事项{state}，仍未完成整改。请抓紧整改，按期提交验收；逾期未完成的，将予以督办。",
        )
    grace = campaign.plan.get("rules", {}).get("escalation", {}).get("case_after_working_days", 5)
    overdue = item.due < today
    due = max(calendar.add_workdays(item.due, grace), calendar.add_workdays(today, 1)) if overdue else item.due
    # A sheet is one page: the wording stays short, the facts are the dates.
    if escalation.automatic:
        why = (f"整改期限{cn_date(item.due)}，已逾期{calendar.workdays_between(item.due, today)}个工作日。" if overdue
               else f"整改期限{cn_date(item.due)}。")
    else:
        why = f"{escalation.level}事由：{_sentence(escalation.reason)}"
    later = f"逾期超过{grace}个工作日仍未整改的，将提出问责。" if overdue else "逾期未整改的，将提出问责。"
    return _head(
        campaign, kind, **common, title="挂牌督办单" if escalation.level == "挂牌督办" else "督办单", due=due,
        requirements=f"{why}请单位负责人督促整改，于办结期限前书面报告；{later}",
    )


def item_escalations(item: ProblemItem, upto: Escalation) -> int:
    """Which 催办 this is for the item (1 for the first)."""
    from sqlalchemy.orm import object_session

    ids = object_session(item).scalars(select(Escalation.id).where(
        Escalation.item_id == item.id, Escalation.level == upto.level, Escalation.id <= upto.id)).all()
    return len(ids)


# --- 问责文书 -----------------------------------------------------------------------


def _measure(campaign: Campaign, case: AccountabilityCase) -> dict:
    if case.state not in CASE_STATES or not case.measure:
        from statemachines.case import CASE

        raise RuleViolation(f"{case.no} 当前状态「{CASE.label(case.state)}」不能制发问责文书（处理决定须已批准）")
    for measure in campaign.plan["accountability"]["measures"]:
        if measure["code"] == case.measure:
            return measure
    raise RuleViolation(f"{case.no} 的问责措施 {case.measure} 不在方案中")


def _subject(case: AccountabilityCase) -> tuple[str, str, OrgUnit]:
    """(how the text names the subject, how it is addressed, the unit concerned)."""
    person = case.subject_person
    if person is None:
        return case.subject_unit.name, case.subject_unit.name, case.subject_unit
    unit = person.unit
    full = f"{unit.name if unit else ''}{person.title}{person.name}同志"
    return full, f"{person.name}同志", unit


def _stated_grounds(case: AccountabilityCase) -> list[str]:
    """The proposer's own reason and facts; a case the automation proposed (``origin``) states none:
    its reason is a proposal's, and its items are described as they stand on the document's date."""
    if case.origin:
        return []
    return [_sentence(text) for text in (case.reason, case.facts) if text]


def _case_facts(case: AccountabilityCase, today: dt.date) -> list[str]:
    facts = _stated_grounds(case)
    for item in case.items:
        facts.append(f"“{item.title}”问题（编号{item.no}）：{_item_status(item, today)}")
    return facts


def _deadline(case: AccountabilityCase, measure: dict) -> dt.date:
    if case.measure_due is None:
        raise RuleViolation(f"{case.no} 的问责措施「{measure['name']}」没有限期，不能制发文书")
    return case.measure_due


def case_document(campaign: Campaign, case: AccountabilityCase, kind: str, clerk: Person,
                  today: dt.date) -> dict:
    measure = _measure(campaign, case)
    subject, addressed, unit = _subject(case)
    office, plan_title = office_name(campaign), _plan_title(campaign)
    decider = _person(case, case.decided_by_id)
    if kind == "efficiency_advice":
        findings = [{"title": _sentence(item.title), "detail": _item_status(item, today)} for item in case.items]
        recommendations = [f"对“{item.title}”问题限期整改到位，上传整改佐证材料并提交验收。" for item in case.items]
        recommendations += [
            f"{unit.name if unit else '你单位'}主要负责人要切实履行主体责任，对照本建议书逐项研究整改措施，明确责任领导和责任人。",
            "举一反三，健全首问负责、限时办结、责任追究等制度，建立防止问题反弹的长效机制。",
        ]
        return _head(
            campaign, kind, date=today, recipient=unit.name if unit else addressed,
            opening=f"{_basis(campaign)}，{office}对{subject}在{planfacts.campaign_kind(campaign)}中存在的问题进行了效能监察。"
                    "现将有关情况和监察建议函告如下。",
            facts=_case_facts(case, today),
            findings=findings, recommendations=recommendations,
            reply_by=_deadline(case, measure), reply_to=office,
        )
    if kind == "circulated_criticism":
        return _head(
            campaign, kind, date=today, title=f"关于对{subject}予以通报批评的通报",
            recipient=_all_units(campaign, case), cc=_cc(campaign), subject=subject,
            subject_is_unit=case.subject_person_id is None, facts=_case_facts(case, today),
            decision=f"为严肃工作纪律，经{_leading_group(campaign)}研究，决定对{subject}予以通报批评。",
            requirements=[
                "各单位要以此为戒，组织干部职工认真学习本通报，深刻汲取教训，切实增强纪律观念。",
                f"各单位主要负责人要切实履行主体责任，对照{plan_title}查摆的问题开展自查自纠，发现问题立行立改。",
                f"{office}将继续采取明察暗访等方式开展督促检查，发现问题一律严肃处理。"
                + (f"举报电话：{_hotlines(campaign)}。" if _hotlines(campaign) else ""),
            ],
        )
    if kind == "admonition_notice":
        person = case.subject_person
        if person is None:
            raise RuleViolation(f"{case.no} 的被问责对象是单位，诫勉谈话只适用于个人")
        talk_by = case.measure_due or _workdays().add_workdays(today, ADMONITION_WORKING_DAYS)
        return _head(
            campaign, kind, date=today, recipient=addressed, person=person.name,
            position=f"{person.unit.name if person.unit else ''}{person.title}",
            # Short cells: the 谈话记录 table must stay on one page with its heading.
            reason="".join(_stated_grounds(case) or [f"“{item.title}”问题：{_item_status(item, today)}" for item in case.items])
                   + f"涉及问题编号：{'、'.join(item.no for item in case.items)}。"
                   f"根据{plan_title}有关规定，决定对你进行诫勉谈话。",
            talk_time=f"{cn_date(talk_by)}前", talk_place=_office_short(campaign),
            talker=_person_label(decider) or _leading_group(campaign),
            recorder=office if "system" in clerk.role_set else clerk.name,
            requirements=[
                "按时到达指定地点，不得无故缺席或委托他人代为参加。",
                "如实说明有关情况，对存在的问题作出深刻反思，提出整改措施。",
                f"谈话结束后五个工作日内，向{office}提交书面整改报告。",
            ],
            attachments=["谈话记录"],
        )
    if kind == "written_check_notice":
        return _head(
            campaign, kind, date=today, recipient=subject, person=subject,
            facts=_case_facts(case, today),
            requirements=[
                f"对照{plan_title}的要求，深刻剖析问题产生的思想根源。",
                "说明问题的具体经过，认清问题的性质和危害。",
                "提出切实可行的整改措施和完成时限。",
                "检查材料须本人签名（单位检查须经主要负责人签字并加盖公章）。",
            ],
            submit_by=_deadline(case, measure), submit_to=office, plan_title=plan_title,
        )
    if kind == "decision":
        due = f"，限于{cn_date(case.measure_due)}前执行到位" if case.measure_due else ""
        given, regulation = _decided(measure, case)
        rests_on = f"{regulation}和{plan_title}" if regulation else plan_title
        return _head(
            campaign, kind, date=today, title=f"关于给予{subject}{given}的决定",
            recipient=_all_units(campaign, case), cc=_cc(campaign), measure=given, subject=subject,
            facts=_case_facts(case, today),
            basis=f"依据{rests_on}有关规定，经{_leading_group(campaign)}研究",
            decision=f"给予{subject}{given}{due}。",
            requirements=[
                f"{addressed}要深刻反省，认真整改，将整改情况书面报告{office}。",
                f"{unit.name if unit else '相关单位'}要加强对干部职工的教育管理，督促问题整改到位。",
            ],
        )
    raise RuleViolation(f"{KINDS[kind].name}不是问责文书")


def _decided(measure: dict, case: AccountabilityCase) -> tuple[str, str | None]:
    """What the decision gives (the sanction the case recorded, or the measure itself) and the
    regulation it rests on (the sanction's own, else the measure's; None: the plan alone)."""
    sanctions = {entry["name"]: entry for entry in measure.get("sanctions") or []}
    if sanctions and case.sanction not in sanctions:
        raise RuleViolation(f"{case.no} 的处理决定未写明{measure['name']}的种类（可选：{'、'.join(sanctions)}），"
                            "请重新作出处理决定")
    if case.sanction in sanctions:
        return case.sanction, sanctions[case.sanction].get("regulation") or measure.get("regulation")
    return f"{measure['name']}处理", measure.get("regulation")


def _person(case: AccountabilityCase, person_id: int | None) -> Person | None:
    from sqlalchemy.orm import object_session

    return object_session(case).get(Person, person_id) if person_id else None


def _all_units(campaign: Campaign, record) -> str:
    """主送 of a circulated document: every kind of unit the organisation has, as the plan addresses it."""
    from sqlalchemy.orm import object_session

    return planfacts.addressees(campaign, object_session(record).scalars(select(OrgUnit.kind).distinct()))


def _cc(campaign: Campaign) -> list[str]:
    issuers = [ref["issuer"] for ref in planfacts.basis_documents(campaign)]
    return list(dict.fromkeys(issuers))


# --- 台账 and 公示 -------------------------------------------------------------------


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
    return {"issuer": office_name(campaign), "title": f"{campaign.name}整改落实台账", "date": today,
            "as_of": today, "items": [i for i, kind in zip(items, kinds) if kind == "problem"],
            "mechanisms": [i for i, kind in zip(items, kinds) if kind != "problem"],
            "states": [ITEM.label(state) for state in ITEM.states]}


def publicity(uow, campaign: Campaign, today: dt.date) -> dict:
    """公示: rectified items the office decided to publish, per unit, with the latest published
    满意度测评 of each unit. No person is named: who verified an item is internal."""
    session = uow.session
    items = session.scalars(select(ProblemItem).where(
        ProblemItem.campaign_id == campaign.id, ProblemItem.state.in_(PUBLISHED_ITEM_STATES),
        ProblemItem.publishable.is_(True))
        .order_by(ProblemItem.unit_id, ProblemItem.seq)).all()
    ids = [item.id for item in items]
    notes = dict(session.execute(select(Event.item_id, Event.note).where(
        Event.item_id.in_(ids), Event.trigger == "submit").order_by(Event.id)).all())
    sent_back = set(session.scalars(select(Event.item_id).where(Event.item_id.in_(ids), Event.trigger == "reject")))
    calendar = _workdays()
    units: dict[str, list[dict]] = {}
    for item in items:
        # Only what is true of this item: late, sent back, verified by whom and when.
        done_on = item.submitted_on or item.verified_on
        late = item.due is not None and done_on is not None and done_on > item.due
        timing = f"逾期{calendar.workdays_between(item.due, done_on)}个工作日完成整改" if late else "按期完成整改"
        if item.id in sent_back:
            timing = "经退回重新整改，" + timing
        result = f"{timing}，经{office_name(campaign)}验收于{cn_date(item.verified_on)}销号"
        if item.state == "rechecked":
            result += f"，{cn_date(item.rechecked_on)}回头看通过"
        units.setdefault(item.unit.name, []).append({
            "no": item.no, "problem": item.title, "result": result + "。",
            "measures": notes.get(item.id) or f"提交整改佐证材料{len(item.attachments)}份",
        })
    duty = _publish_duty(campaign)
    intro = (f"按照{_plan_title(campaign)}要求，{duty.get('description') or '公开整改问题，公布整改成效，接受群众监督。'}"
             f"现将{campaign.issuer}{planfacts.campaign_kind(campaign)}中问题整改情况予以公示。对整改情况有意见和建议的，请在公示期内反映。")
    satisfaction = _satisfaction_text(session, campaign)
    if satisfaction:
        intro += satisfaction
    channels = "、".join(duty.get("channels") or [])
    phones = _hotlines(campaign)
    contact = "意见反映渠道：" + "；".join(part for part in (
        f"监督电话 {phones}" if phones else "", f"公开载体 {channels}" if channels else "",
        office_name(campaign)) if part) + "。"
    return {
        "issuer": campaign.issuer, "title": f"关于{campaign.name}整改情况的公示", "date": today,
        "intro": intro, "period_start": today,
        "period_end": _workdays().add_workdays(today, PUBLICITY_WORKING_DAYS),
        "units": [{"unit": unit, "items": rows} for unit, rows in units.items()], "contact": contact,
    }


def _publish_duty(campaign: Campaign) -> dict:
    for phase in campaign.phases:
        for duty in phase.duties:
            if duty.get("code") == "publish":
                return duty
    return {}


def _satisfaction_text(session, campaign: Campaign) -> str:
    rules = {"pass_score": 80, "max_score": 100, **campaign.plan.get("rules", {}).get("satisfaction", {})}
    rounds = session.scalars(select(SatisfactionRound).where(
        SatisfactionRound.campaign_id == campaign.id, SatisfactionRound.published.is_(True))
        .order_by(SatisfactionRound.unit_id, SatisfactionRound.on_date.desc())).all()
    latest: dict[int, SatisfactionRound] = {}
    for row in rounds:
        latest.setdefault(row.unit_id, row)
    parts = []
    for row in latest.values():
        unit = session.get(OrgUnit, row.unit_id)
        score = row.satisfied / row.responses * rules["max_score"]
        verdict = "合格" if score >= rules["pass_score"] else "不合格"
        parts.append(f"{unit.name}{score:.1f}分（{cn_date(row.on_date)}{row.method}，有效样本{row.responses}份，{verdict}）")
    return f"满意度测评结果（满分{rules['max_score']:g}分，{rules['pass_score']:g}分合格）：{'；'.join(parts)}。" if parts else ""
