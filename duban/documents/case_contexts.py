"""Contexts of a case's documents (问责文书): 效能监察建议书, 通报批评, 诫勉谈话通知书,
责令书面检查通知书 and 处理决定, from the case, its items and the plan. The sentences are the
macros of ``templates/wording/cases.txt.j2``; here only the facts are gathered."""

from __future__ import annotations

import datetime as dt

from duban.documents import planfacts
from duban.documents.contexts import (
    all_units,
    basis,
    case_measure,
    copied_to,
    head,
    item_facts,
    leading_group,
    office_name,
    plan_title,
    workdays,
)
from duban.documents.kinds import KINDS
from duban.errors import RuleViolation
from duban.wording import sentence, wording
from storage.models import AccountabilityCase, Campaign, Event, OrgUnit, Person

ADMONITION_WORKING_DAYS = 5  # 诫勉谈话 within this many working days when the plan sets none


def _subject(case: AccountabilityCase) -> tuple[str, str, OrgUnit | None]:
    """(how the text names the subject, how it is addressed, the unit concerned)."""
    person = case.subject_person
    if person is None:
        return case.subject_unit.name, case.subject_unit.name, case.subject_unit
    unit, common = person.unit, wording("common")
    named = common.say("person_named", unit=unit.name if unit else "", title=person.title, name=person.name)
    return named, common.say("person_addressed", name=person.name), unit


def _names(case: AccountabilityCase) -> list[str]:
    """The names a title keeps whole on one line: the unit, the post, the person as addressed."""
    person = case.subject_person
    if person is None:
        return [case.subject_unit.name]
    addressed = wording("common").say("person_addressed", name=person.name)
    return [name for name in (person.unit.name if person.unit else "", person.title, addressed) if name]


def _stated_grounds(case: AccountabilityCase) -> list[str]:
    """The proposer's own reason and facts; a case the automation proposed (``origin``) states none:
    its reason is a proposal's, and its items are described as they stand on the document's date."""
    if case.origin:
        return []
    return [sentence(text) for text in (case.reason, case.facts) if text]


def _case_facts(case: AccountabilityCase, items: list[dict]) -> list[str]:
    common = wording("common")
    return _stated_grounds(case) + [common.say("item_fact", item=item) for item in items]


def _deadline(case: AccountabilityCase, measure: dict) -> dt.date:
    if case.measure_due is None:
        raise RuleViolation(f"{case.no} 的问责措施「{measure['name']}」没有限期，不能制发文书")
    return case.measure_due


def _talk_day(case: AccountabilityCase) -> dt.date | None:
    """The day a 诫勉谈话 was recorded as held, for the 谈话记录's 谈话时间 (None: left for the pen):
    the measure recorded done, or, for a talk the plan gives no deadline, the case executed."""
    from sqlalchemy import select
    from sqlalchemy.orm import object_session

    if case.measure_done_on is not None or case.measure_due is not None:
        return case.measure_done_on
    return object_session(case).scalar(select(Event.business_date).where(
        Event.case_id == case.id, Event.trigger == "execute").order_by(Event.id.desc()).limit(1))


def _person(case: AccountabilityCase, person_id: int | None) -> Person | None:
    from sqlalchemy.orm import object_session

    return object_session(case).get(Person, person_id) if person_id else None


def case_document(campaign: Campaign, case: AccountabilityCase, kind: str, clerk: Person,
                  today: dt.date) -> dict:
    measure = case_measure(campaign, case)
    subject, addressed, unit = _subject(case)
    office, title = office_name(campaign), planfacts.plan_title(campaign)
    items = [item_facts(item, today) for item in case.items]
    say = wording("cases")
    if kind == "efficiency_advice":
        common = wording("common")
        return head(
            campaign, kind, date=today, recipient=unit.name if unit else addressed,
            opening=say.say("advice_opening", **basis(campaign), office=office, subject=subject,
                            campaign_kind=planfacts.campaign_kind(campaign)),
            facts=_case_facts(case, items),
            findings=[{"title": sentence(item["title"]), "detail": common.say("item_status", item=item)}
                      for item in items],
            recommendations=say.lines("advice_recommendations", items=items, unit=unit.name if unit else ""),
            reply_by=_deadline(case, measure), reply_to=office,
        )
    if kind == "circulated_criticism":
        return head(
            campaign, kind, date=today, title=say.say("criticism_title", subject=subject), title_names=_names(case),
            recipient=all_units(campaign, case), cc=copied_to(campaign), subject=subject,
            subject_is_unit=case.subject_person_id is None, facts=_case_facts(case, items),
            decision=say.say("criticism_decision", subject=subject, leading_group=leading_group(campaign)),
            requirements=say.lines("criticism_requirements", plan_title=title, office=office,
                                   hotlines=planfacts.hotlines(campaign)),
        )
    if kind == "admonition_notice":
        person = case.subject_person
        if person is None:
            raise RuleViolation(f"{case.no} 的被问责对象是单位，诫勉谈话只适用于个人")
        talk_by = case.measure_due or workdays().add_workdays(today, ADMONITION_WORKING_DAYS)
        decider = _person(case, case.decided_by_id)
        return head(
            campaign, kind, date=today, recipient=addressed, person=person.name,
            position=wording("common").say("person_post", unit=person.unit.name if person.unit else "",
                                            title=person.title),
            reason=say.say("admonition_reason", grounds=_stated_grounds(case), items=items, plan_title=title),
            talk_time=say.say("admonition_time", talk_by=talk_by), talk_place=office,
            talked_on=_talk_day(case),
            talker=(wording("common").say("person_label", name=decider.name, title=decider.title) if decider
                    else leading_group(campaign)),
            recorder=office if "system" in clerk.role_set else clerk.name,
            requirements=say.lines("admonition_requirements", office=office),
            attachments=say.lines("admonition_attachments"),
        )
    if kind == "written_check_notice":
        return head(
            campaign, kind, date=today, recipient=subject, person=subject, facts=_case_facts(case, items),
            requirements=say.lines("written_check_requirements", plan_title=title),
            submit_by=_deadline(case, measure), submit_to=office, plan_title=plan_title(campaign),
        )
    if kind == "decision":
        given, regulation = _decided(measure, case)
        return head(
            campaign, kind, date=today, title=say.say("decision_title", subject=subject, given=given), title_names=_names(case),
            recipient=all_units(campaign, case), cc=copied_to(campaign), measure=given, subject=subject,
            facts=_case_facts(case, items),
            basis=say.say("decision_basis", regulation=regulation, plan_title=title,
                          leading_group=leading_group(campaign)),
            decision=say.say("decision", subject=subject, given=given, due=case.measure_due),
            requirements=say.lines("decision_requirements", addressed=addressed, unit=unit.name if unit else "",
                                   office=office),
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
    return wording("cases").say("measure_given", measure=measure["name"]), measure.get("regulation")
