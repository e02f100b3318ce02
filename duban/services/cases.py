"""Accountability cases (问责案件) and commendations (表彰先进典型).

The measures and their severity grades come from the campaign plan (seed §五(二)2,
§六(三)). Rules enforced here, beyond the lifecycle's guards:

* 屡犯从重: a case's minimum grade is one above the lightest if a linked item has
  relapsed, and one above the heaviest measure already carried out on the same
  person in this campaign (seed §三(五) 经过教育仍不改正的: cases still pending do
  not count, so one sweep finding three overdue items does not escalate itself;
  dismissed cases never count). The reasons go into the propose event.
* 职责分离: the subject (the person, or a head of the subject unit or a unit above
  it) can only read and appeal their case. Every decision is approved by a
  领导小组 member who neither proposed nor decided it; an appeal is resolved by a
  member who neither decided nor approved the decision appealed against.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import select

from duban import permissions
from duban.documents.planfacts import campaign_kind
from duban.errors import BadInput, ConcurrentModification, PermissionDenied, RuleViolation
from duban.services.common import actor, business_date, clean_text, resolve_due
from duban.services.views import event_view
from statemachines.case import APPEAL_OUTCOMES, CASE, CaseFacts
from storage.models import (
    AccountabilityCase,
    Campaign,
    Commendation,
    Event,
    OrgUnit,
    Person,
    ProblemItem,
)
from storage.uow import UnitOfWork, campaign_chain

TEXT_MAX = 5000
ORIGIN_MAX = 64
EDUCATED = ("executed", "appealed", "closed")  # a measure has been carried out


# --- plan and subject helpers ------------------------------------------------


def _ladder(campaign: Campaign):
    from duban.plan import Accountability  # pydantic loads only for case commands

    return Accountability.model_validate(campaign.plan["accountability"])


def _measure(ladder, key: str):
    for measure in ladder.measures:
        if key.strip() in (measure.code, measure.name):
            return measure
    raise BadInput(f"问责措施无效：{key}（可选：{'、'.join(m.name for m in ladder.measures)}）")


def _grade_name(ladder, code: str | None) -> str | None:
    return next((g.name for g in ladder.grades if g.code == code), None)


def _subject(uow: UnitOfWork, person: str | None, unit: str | None) -> tuple[Person | None, OrgUnit | None]:
    if bool(person) == bool(unit):
        raise BadInput("被问责（被表彰）对象须是一个人（--person）或一个单位（--unit），二者选一")
    if person:
        subject = uow.org.person_by_name_or_login(person)
        if permissions.is_system(subject):
            raise RuleViolation(f"{subject.name}（{subject.login}）是系统自动化，不能作为问责或表彰对象")
        return subject, None
    return None, uow.org.unit(unit)


def is_subject(person: Person, case: AccountabilityCase) -> bool:
    if case.subject_person_id is not None:
        return person.id == case.subject_person_id
    return permissions.heads_unit(person, case.subject_unit)


def _not_involved(who: Person, case: AccountabilityCase, action: str) -> None:
    if is_subject(who, case):
        labels = permissions.role_labels(None)  # neutral: the refusal names a relation, not the plan's role
        relation = labels["subject"] if case.subject_person_id else f"被问责单位的{labels['unit_head']}"
        raise PermissionDenied(
            f"{who.name}（{who.login}）是 {case.no} 的{relation}，"
            f"不能{permissions.ACTION_LABELS[action]}（职责分离，只能申诉）"
        )


def _within(unit: OrgUnit | None, ancestor: OrgUnit) -> bool:
    while unit is not None:
        if unit.id == ancestor.id:
            return True
        unit = unit.parent
    return False


# --- views -------------------------------------------------------------------


def _login(uow: UnitOfWork, person_id: int | None) -> str | None:
    return uow.session.get(Person, person_id).login if person_id else None


def case_view(uow: UnitOfWork, case: AccountabilityCase, ladder) -> dict:
    measure = _measure(ladder, case.measure) if case.measure else None
    return {
        "no": case.no,
        "subject_kind": "person" if case.subject_person_id else "unit",
        "subject": case.subject_person.name if case.subject_person_id else case.subject_unit.name,
        "subject_login": case.subject_person.login if case.subject_person_id else None,
        "subject_unit": case.subject_unit.code if case.subject_unit_id else None,
        "items": [item.no for item in case.items],
        "state": case.state,
        "state_label": CASE.label(case.state),
        "version": case.version,
        "reason": case.reason,
        "facts": case.facts,
        "min_grade": case.min_grade,
        "min_grade_label": _grade_name(ladder, case.min_grade),
        "measure": case.measure,
        "measure_label": measure.name if measure else None,
        "sanction": case.sanction,
        "grade": case.grade,
        "grade_label": _grade_name(ladder, case.grade),
        "document_title": measure.document_title if measure else None,
        "needs_leader_approval": measure.needs_leader_approval if measure else None,
        "measure_due": case.measure_due.isoformat() if case.measure_due else None,
        "measure_done_on": case.measure_done_on.isoformat() if case.measure_done_on else None,
        "proposed_by": _login(uow, case.proposed_by_id),
        "decided_by": _login(uow, case.decided_by_id),
        "approved_by": _login(uow, case.approved_by_id),
        "proposed_on": case.proposed_on.isoformat(),
        "decided_on": case.decided_on.isoformat() if case.decided_on else None,
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "origin": case.origin,
    }


# --- proposing ---------------------------------------------------------------


def _minimum_grade(uow: UnitOfWork, ladder, campaign: Campaign, items: list[ProblemItem],
                   person: Person | None, floor: tuple[int, str] | None) -> tuple[str, list[str]]:
    """The lightest grade this case may end with, and why it is not the lightest."""
    earlier = educated_cases(uow, campaign, [person.id])[person.id] if person is not None else []
    return grade_floor(ladder, items, earlier, floor)


def educated_cases(uow: UnitOfWork, campaign: Campaign, person_ids) -> dict[int, list[AccountabilityCase]]:
    """Person id → the person's earlier cases in the campaign whose measure was carried out, in order."""
    found: dict[int, list[AccountabilityCase]] = {person_id: [] for person_id in person_ids}
    for case in uow.session.scalars(select(AccountabilityCase).where(
            AccountabilityCase.campaign_id == campaign.id, AccountabilityCase.subject_person_id.in_(list(found)),
            AccountabilityCase.state.in_(EDUCATED)).order_by(AccountabilityCase.seq)):
        found[case.subject_person_id].append(case)
    return found


def grade_floor(ladder, items, earlier: list[AccountabilityCase],
                floor: tuple[int, str] | None) -> tuple[str, list[str]]:
    """``_minimum_grade`` from the items (relapsed ones raise it) and the subject's ``earlier`` cases."""
    rank, why = 0, []
    if floor is not None:
        rank, why = floor[0], [floor[1]]
    relapsed = [item for item in items if item.relapse_count > 0]
    if relapsed:
        rank = max(rank, 1)
        why.append("问题反弹：" + "、".join(f"{i.no}（{i.relapse_count} 次）" for i in relapsed))
    for case in earlier:
        rank = max(rank, ladder.grade_rank(case.grade) + 1)
        why.append(f"屡犯：已受问责 {case.no}（{_measure(ladder, case.measure).name}，{_grade_name(ladder, case.grade)}）")
    return ladder.grades[min(rank, len(ladder.grades) - 1)].code, why


def unrelated(item_no: str, subject_name: str) -> RuleViolation:
    return RuleViolation(f"问题 {item_no} 与被问责对象{subject_name}无关（既非其负责的问题，也不属其单位）")


def require_answers_for(person: Person, item, unit: OrgUnit | None) -> None:
    """A person is held to account for an item that is their own or in a unit (``unit``, the item's)
    they head; else refused."""
    if item.owner_id != person.id and not permissions.heads_unit(person, unit):
        raise unrelated(item.no, person.name)


def case_no(campaign: Campaign, seq: int) -> str:
    return f"{campaign.code}-W{seq:03d}"


def propose_payload(person: Person | None, unit: OrgUnit | None, item_nos: list[str], min_grade: str,
                    why: list[str], origin: str | None, facts: str) -> dict:
    """The ``propose`` event's payload."""
    return {"subject": person.login if person else unit.code, "subject_kind": "person" if person else "unit",
            "items": item_nos, "min_grade": min_grade, "min_grade_reasons": why,
            "origin": origin, "facts_sha256": hashlib.sha256(facts.encode()).hexdigest()}


def _propose(uow: UnitOfWork, who: Person, campaign: Campaign, ladder, today: dt.date, *,
             items: list[str], person: Person | None, unit: OrgUnit | None, reason: str, facts: str,
             origin: str | None, floor: tuple[int, str] | None = None) -> dict:
    if origin is not None:
        if not origin or len(origin) > ORIGIN_MAX:
            raise BadInput(f"来源标识应为 1–{ORIGIN_MAX} 个字符：{origin!r}")
        existing = uow.session.scalar(select(AccountabilityCase).where(AccountabilityCase.origin == origin))
        if existing is not None:
            return {**case_view(uow, existing, ladder), "created": False}
    reason = clean_text(reason, "问责事由", max_len=TEXT_MAX)
    facts = clean_text(facts, "事实与依据", max_len=TEXT_MAX, required=False)
    linked = [uow.items.get(no) for no in dict.fromkeys(n.strip() for n in items)]
    if not linked:
        raise BadInput("问责须关联至少一个整改问题（--item）")
    for item in linked:
        if item.campaign_id != campaign.id:
            raise BadInput(f"问题 {item.no} 不属于活动 {campaign.code}")
        if item.state == "withdrawn":
            raise RuleViolation(f"问题 {item.no} 已撤销，不能作为问责依据")
        if person:
            require_answers_for(person, item, item.unit)
        elif not _within(item.unit, unit):
            raise unrelated(item.no, unit.name)
    min_grade, why = _minimum_grade(uow, ladder, campaign, linked, person, floor)
    seq = uow.cases.next_seq(campaign.id)
    case = AccountabilityCase(
        campaign_id=campaign.id, seq=seq, no=case_no(campaign, seq),
        subject_person=person, subject_unit=unit, state=CASE.initial, version=0,
        reason=reason, facts=facts, min_grade=min_grade, proposed_by_id=who.id, proposed_on=today,
        origin=origin, items=linked,
    )
    uow.session.add(case)
    uow.flush()
    uow.record(chain=campaign_chain(campaign), actor=who.login, today=today, trigger="propose", case=case,
               campaign_id=campaign.id, to_state=case.state, note=reason,
               payload=propose_payload(person, unit, [i.no for i in linked], min_grade, why, origin, facts))
    return {**case_view(uow, case, ladder), "created": True}


def propose_case(uow: UnitOfWork, login: str, *, items: list[str], person: str | None = None,
                 unit: str | None = None, reason: str, facts: str = "", origin: str | None = None,
                 campaign: str | None = None, today: dt.date | None = None) -> dict:
    """提出问责. With ``origin`` it is idempotent: an existing case of that origin is returned unchanged."""
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    today = business_date(camp, today)
    who = actor(uow, login)
    permissions.require(who, "case.propose")
    subject_person, subject_unit = _subject(uow, person, unit)
    result = _propose(uow, who, camp, _ladder(camp), today, items=items, person=subject_person,
                      unit=subject_unit, reason=reason, facts=facts, origin=origin)
    uow.commit()
    return result


def propose_unit_cases(uow: UnitOfWork, login: str, *, campaign: str | None = None,
                       today: dt.date | None = None, min_overdue: int = 3) -> list[dict]:
    """Proposals of the plan's ``accountability.unit_measure`` for units running the campaign poorly: ≥ N overdue items, a failed spot check
    (an item found by one relapsed), or a visit this month that found problems (``duban inspect record``).

    Idempotent per unit and month (origin ``unit-poor:<unit>:<YYYY-MM>``).
    """
    from duban.services.standing import lit_on
    from duban.services.visits import units_with_findings

    if min_overdue < 1:
        raise BadInput(f"逾期问题数下限应不小于 1，实为 {min_overdue}")
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    today = business_date(camp, today)
    who = actor(uow, login)
    permissions.require(who, "case.propose")
    ladder = _ladder(camp)
    if ladder.unit_measure is None:
        raise RuleViolation("方案未规定对开展活动不力的单位提出的问责措施（accountability.unit_measure）")
    measure = ladder.measure(ladder.unit_measure)
    floor = (ladder.grade_rank(measure.grade), f"开展{campaign_kind(camp)}不力的单位应予{measure.name}")
    in_campaign = select(ProblemItem).where(ProblemItem.campaign_id == camp.id).order_by(ProblemItem.seq)
    overdue = uow.session.scalars(in_campaign.where(lit_on(uow.session, camp, "red", today))).all()
    failed = uow.session.scalars(in_campaign.where(
        ProblemItem.origin.startswith("spotcheck:") | ProblemItem.origin.startswith("draw:"),
        ProblemItem.relapse_count > 0)).all()
    visited = units_with_findings(uow, camp, today.replace(day=1), today)
    units = sorted({item.unit for item in [*overdue, *failed]} | {uow.session.get(OrgUnit, id_) for id_ in visited},
                   key=lambda u: u.code)
    results = []
    for unit in units:
        late = [item for item in overdue if item.unit_id == unit.id]
        relapsed = [item for item in failed if item.unit_id == unit.id]
        found = visited.get(unit.id, [])
        if len(late) < min_overdue and not relapsed and not found:
            continue
        found_items = [no for visit in found for no in visit.items]
        results.append(_propose(
            uow, who, camp, ladder, today, items=list(dict.fromkeys([*(i.no for i in [*late, *relapsed]), *found_items])),
            person=None, unit=unit,
            reason=f"{unit.name}开展{campaign_kind(camp)}不力：逾期未整改问题 {len(late)} 个，暗访抽查发现问题反弹 {len(relapsed)} 个"
                   f"，暗访检查发现问题 {len(found)} 次",
            facts="逾期：" + ("、".join(i.no for i in late) or "无") + "；抽查反弹：" + ("、".join(i.no for i in relapsed) or "无")
                  + "；暗访检查：" + ("、".join(f"{v.on_date.isoformat()}（抽取 #{v.draw_id}）" for v in found) or "无"),
            origin=f"unit-poor:{unit.code}:{today:%Y-%m}", floor=floor))
    uow.commit()
    return results


# --- moving a case along -----------------------------------------------------


def _open(uow: UnitOfWork, login: str, no: str, action: str, expect_version: int | None,
          today: dt.date | None) -> tuple[AccountabilityCase, Campaign, Person, dt.date]:
    """Lock the campaign, load the case, check its version and the actor's right to act."""
    case = uow.cases.get(no)
    camp = uow.session.get(Campaign, case.campaign_id)
    uow.lock(campaign_chain(camp))
    uow.session.refresh(case)
    if expect_version is not None and case.version != expect_version:
        raise ConcurrentModification(
            f"{case.no} 已被他人修改：期望版本 {expect_version}，当前版本 {case.version}（状态：{CASE.label(case.state)}）")
    who = actor(uow, login)
    permissions.require(who, action, subject_id=who.id if is_subject(who, case) else None)
    if action != "case.appeal":
        _not_involved(who, case, action)
    return case, camp, who, business_date(camp, today)


def _step(uow: UnitOfWork, who: Person, camp: Campaign, case: AccountabilityCase, trigger: str,
          facts: CaseFacts, *, ladder=None, note: str = "", payload: dict | None = None, **changes) -> dict:
    """Fire the trigger, apply the changes, record one event and commit."""
    before = case.state
    case.state = CASE.fire(before, trigger, facts)
    for field, value in changes.items():
        setattr(case, field, value)
    uow.record(chain=campaign_chain(camp), actor=who.login, today=facts.today, trigger=trigger, case=case,
               campaign_id=camp.id, from_state=before, to_state=case.state, note=note, payload=payload or {})
    uow.commit()
    return case_view(uow, case, ladder or _ladder(camp))


def _sanction(measure, sanction: str | None) -> str | None:
    """The sanction named for a measure that has a list of them (纪律处分 → 记过处分); none otherwise."""
    sanction = (sanction or "").strip() or None
    if measure is None or not measure.sanctions:
        if sanction:
            what = f"“{measure.name}”" if measure else "未选定的措施"
            raise BadInput(f"{what}没有处理种类可选，不能指定 --sanction {sanction}")
        return None
    if sanction is None:
        options = "、".join(s.name for s in measure.sanctions)
        raise BadInput(f"“{measure.name}”须用 --sanction 指定种类（可选：{options}）")
    return measure.sanction(sanction).name  # NotFound (bad input) lists the choices


def _decision(camp: Campaign, case: AccountabilityCase, today: dt.date, measure: str | None,
              due: dt.date | None, due_days: int | None, reason: str = "", sanction: str | None = None):
    """Facts, changes and payload for choosing a measure (decide, or change on appeal)."""
    ladder = _ladder(camp)
    chosen = _measure(ladder, measure) if measure else None
    sanction = _sanction(chosen, sanction)
    due = resolve_due(today, due, due_days)
    if chosen is not None and due is None and chosen.deadline_working_days:
        due = resolve_due(today, None, chosen.deadline_working_days)
    previous = _measure(ladder, case.measure).name if case.measure else None
    facts = CaseFacts(
        today=today, subject_kind="person" if case.subject_person_id else "unit",
        measure=chosen.name if chosen else None, measure_target=chosen.target if chosen else "both",
        measure_rank=ladder.grade_rank(chosen.grade) if chosen else 0, previous_measure=previous,
        min_rank=ladder.grade_rank(case.min_grade), min_grade_name=_grade_name(ladder, case.min_grade),
        needs_deadline=bool(chosen and chosen.deadline_working_days), due=due, reason=reason,
    )
    changes = {"measure": chosen.code if chosen else None, "grade": chosen.grade if chosen else None,
               "sanction": sanction, "measure_due": due, "decided_on": today}
    payload = {"measure": changes["measure"], "grade": changes["grade"], "sanction": sanction,
               "due": due.isoformat() if due else None, "previous_measure": case.measure}
    return ladder, facts, changes, payload


def investigate_case(uow: UnitOfWork, login: str, no: str, *, note: str = "", today: dt.date | None = None,
                     expect_version: int | None = None) -> dict:
    case, camp, who, today = _open(uow, login, no, "case.investigate", expect_version, today)
    return _step(uow, who, camp, case, "investigate", CaseFacts(today=today),
                 note=clean_text(note, "调查说明", max_len=TEXT_MAX, required=False))


def decide_case(uow: UnitOfWork, login: str, no: str, *, measure: str, sanction: str | None = None,
                note: str = "", due: dt.date | None = None, due_days: int | None = None,
                today: dt.date | None = None, expect_version: int | None = None) -> dict:
    """作出处理决定: choose a measure from the plan (and its sanction, when the plan lists them);
    限期 measures get their deadline in working days."""
    case, camp, who, today = _open(uow, login, no, "case.decide", expect_version, today)
    ladder, facts, changes, payload = _decision(camp, case, today, measure, due, due_days, sanction=sanction)
    return _step(uow, who, camp, case, "decide", facts, ladder=ladder, payload=payload,
                 note=clean_text(note, "决定说明", max_len=TEXT_MAX, required=False),
                 decided_by_id=who.id, **changes)


def send_back_case(uow: UnitOfWork, login: str, no: str, *, reason: str, today: dt.date | None = None,
                   expect_version: int | None = None) -> dict:
    """The approver refuses the decision and sends the case back for a new one."""
    case, camp, who, today = _open(uow, login, no, "case.approve", expect_version, today)
    reason = clean_text(reason, "退回理由", max_len=TEXT_MAX)
    return _step(uow, who, camp, case, "send_back", CaseFacts(today=today, reason=reason), note=reason,
                 payload={"measure": case.measure}, measure=None, grade=None, sanction=None, measure_due=None,
                 decided_by_id=None, decided_on=None)


def approve_case(uow: UnitOfWork, login: str, no: str, *, note: str = "", today: dt.date | None = None,
                 expect_version: int | None = None) -> dict:
    case, camp, who, today = _open(uow, login, no, "case.approve", expect_version, today)
    if who.id in (case.proposed_by_id, case.decided_by_id):
        relation = "提出问责" if who.id == case.proposed_by_id else "作出处理决定"
        raise PermissionDenied(
            f"{who.name}（{who.login}）{relation}了 {case.no}，不能再批准（职责分离：须由其他领导小组成员批准）")
    return _step(uow, who, camp, case, "approve", CaseFacts(today=today),
                 note=clean_text(note, "批准意见", max_len=TEXT_MAX, required=False), approved_by_id=who.id)


def execute_case(uow: UnitOfWork, login: str, no: str, *, document_no: str | None = None, note: str = "",
                 today: dt.date | None = None, expect_version: int | None = None) -> dict:
    """Record that the decision was carried out (document issued and served)."""
    case, camp, who, today = _open(uow, login, no, "case.execute", expect_version, today)
    document_no = clean_text(document_no, "文书编号", max_len=64, required=False) or None
    return _step(uow, who, camp, case, "execute", CaseFacts(today=today), payload={"document_no": document_no},
                 note=clean_text(note, "执行情况", max_len=TEXT_MAX, required=False))


def close_case(uow: UnitOfWork, login: str, no: str, *, note: str = "", today: dt.date | None = None,
               expect_version: int | None = None) -> dict:
    case, camp, who, today = _open(uow, login, no, "case.close", expect_version, today)
    return _step(uow, who, camp, case, "close", CaseFacts(today=today), closed_on=today,
                 note=clean_text(note, "结案说明", max_len=TEXT_MAX, required=False))


def dismiss_case(uow: UnitOfWork, login: str, no: str, *, reason: str, today: dt.date | None = None,
                 expect_version: int | None = None) -> dict:
    case, camp, who, today = _open(uow, login, no, "case.dismiss", expect_version, today)
    reason = clean_text(reason, "撤销理由", max_len=TEXT_MAX, required=False)
    return _step(uow, who, camp, case, "dismiss", CaseFacts(today=today, reason=reason), note=reason,
                 closed_on=today)


def _appeals_on_decision(uow: UnitOfWork, case: AccountabilityCase) -> int:
    count = 0
    for trigger in uow.session.scalars(select(Event.trigger).where(Event.case_id == case.id).order_by(Event.id)):
        count = 0 if trigger in ("decide", "change") else count + (trigger == "appeal")
    return count


def appeal_case(uow: UnitOfWork, login: str, no: str, *, reason: str, today: dt.date | None = None,
                expect_version: int | None = None) -> dict:
    """申诉: only the subject (or a head of the subject unit), once per decision."""
    case, camp, who, today = _open(uow, login, no, "case.appeal", expect_version, today)
    reason = clean_text(reason, "申诉理由", max_len=TEXT_MAX, required=False)
    facts = CaseFacts(today=today, reason=reason, appeals_on_decision=_appeals_on_decision(uow, case))
    return _step(uow, who, camp, case, "appeal", facts, note=reason)


def resolve_appeal(uow: UnitOfWork, login: str, no: str, *, outcome: str, reason: str,
                   measure: str | None = None, sanction: str | None = None, due: dt.date | None = None,
                   due_days: int | None = None, today: dt.date | None = None,
                   expect_version: int | None = None) -> dict:
    """upheld → 维持原决定（已执行）; overturned → 撤销问责; changed → 新的处理决定，须重新批准."""
    if outcome not in APPEAL_OUTCOMES:
        raise BadInput(f"申诉处理结果无效：{outcome}（可选：{'、'.join(APPEAL_OUTCOMES)}）")
    if outcome != "changed" and (measure or sanction or due or due_days):
        raise BadInput("只有变更处理（changed）才能指定新的问责措施或期限")
    case, camp, who, today = _open(uow, login, no, "case.resolve_appeal", expect_version, today)
    if who.id in (case.decided_by_id, case.approved_by_id):
        raise PermissionDenied(
            f"{who.name}（{who.login}）参与了 {case.no} 原处理决定，不能处理该申诉（须由其他领导小组成员处理）")
    reason = clean_text(reason, "处理意见", max_len=TEXT_MAX, required=False)
    trigger = APPEAL_OUTCOMES[outcome]
    if outcome == "changed":
        ladder, facts, changes, payload = _decision(camp, case, today, measure, due, due_days, reason, sanction)
        return _step(uow, who, camp, case, trigger, facts, ladder=ladder, note=reason, payload=payload,
                     decided_by_id=who.id, approved_by_id=None, **changes)
    extra = {"closed_on": today} if outcome == "overturned" else {}
    return _step(uow, who, camp, case, trigger, CaseFacts(today=today, reason=reason), note=reason, **extra)


# --- reading -----------------------------------------------------------------


def show_case(uow: UnitOfWork, login: str, no: str) -> dict:
    case = uow.cases.get(no)
    permissions.require(actor(uow, login), "read")
    # The latest execution is the current one only while its decision stands.
    executed = case.state in ("executed", "appealed", "closed") and uow.session.scalar(
        select(Event.payload).where(Event.case_id == case.id, Event.trigger == "execute")
        .order_by(Event.id.desc()).limit(1))
    return {**case_view(uow, case, _ladder(uow.session.get(Campaign, case.campaign_id))),
            "document_no": json.loads(executed).get("document_no") if executed else None}


def list_cases(uow: UnitOfWork, login: str, *, campaign: str | None = None, state: str | None = None,
               person: str | None = None, unit: str | None = None) -> list[dict]:
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    query = select(AccountabilityCase).where(AccountabilityCase.campaign_id == camp.id).order_by(AccountabilityCase.seq)
    if state:
        codes = {label: code for code, label in CASE.states.items()}
        if state not in CASE.states and state not in codes:
            raise BadInput(f"状态无效：{state}（可选：{'、'.join(CASE.states)}）")
        query = query.where(AccountabilityCase.state == codes.get(state, state))
    if person:
        query = query.where(AccountabilityCase.subject_person_id == uow.org.person_by_name_or_login(person).id)
    if unit:
        query = query.where(AccountabilityCase.subject_unit_id == uow.org.unit(unit).id)
    ladder = _ladder(camp)
    return [case_view(uow, case, ladder) for case in uow.session.scalars(query)]


def case_history(uow: UnitOfWork, login: str, no: str) -> list[dict]:
    case = uow.cases.get(no)
    permissions.require(actor(uow, login), "read")
    events = uow.session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id))
    return [event_view(ev) for ev in events]


# --- commendations -------------------------------------------------------------


def _commendation_view(uow: UnitOfWork, row: Commendation) -> dict:
    person = uow.session.get(Person, row.person_id) if row.person_id else None
    unit = uow.session.get(OrgUnit, row.unit_id) if row.unit_id else None
    return {
        "id": row.id,
        "subject_kind": "person" if person else "unit",
        "subject": person.name if person else unit.name,
        "subject_login": person.login if person else None,
        "subject_unit": unit.code if unit else None,
        "reason": row.reason,
        "on_date": row.on_date.isoformat(),
        "actor": row.actor,
    }


def commend(uow: UnitOfWork, login: str, *, person: str | None = None, unit: str | None = None, reason: str,
            campaign: str | None = None, today: dt.date | None = None) -> dict:
    """表彰先进典型 (seed §六(四)); nobody with a live case in the campaign can be commended."""
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    today = business_date(camp, today)
    who = actor(uow, login)
    permissions.require(who, "commend")
    rule = _ladder(camp).commendation
    if rule is None:
        raise RuleViolation("本方案未规定表彰先进典型")
    if rule.needs_leader_approval and not who.role_set & permissions.LEADERSHIP:
        labels = permissions.role_labels(camp)
        raise PermissionDenied(f"{who.name}（{who.login}）无权表彰：方案规定“{rule.name}”须由"
                               f"{labels['leader']}、{labels['deputy_leader']}决定")
    subject_person, subject_unit = _subject(uow, person, unit)
    kind = "person" if subject_person else "unit"
    if rule.target not in (kind, "both"):
        raise RuleViolation(f"“{rule.name}”只适用于{'个人' if rule.target == 'person' else '单位'}")
    column = AccountabilityCase.subject_person_id if subject_person else AccountabilityCase.subject_unit_id
    live = uow.session.scalar(select(AccountabilityCase.no).where(
        AccountabilityCase.campaign_id == camp.id, column == (subject_person or subject_unit).id,
        AccountabilityCase.state != "dismissed").limit(1))
    if live:
        raise RuleViolation(f"{(subject_person or subject_unit).name}在本次{campaign_kind(camp)}中有问责案件 {live}，不能表彰")
    row = Commendation(campaign_id=camp.id, person_id=subject_person and subject_person.id,
                       unit_id=subject_unit and subject_unit.id,
                       reason=clean_text(reason, "表彰事由", max_len=TEXT_MAX), on_date=today, actor=who.login)
    uow.session.add(row)
    uow.flush()
    uow.record(chain=campaign_chain(camp), actor=who.login, today=today, trigger="commend", campaign_id=camp.id,
               note=row.reason, payload={"commendation": row.id, "subject": subject_person.login if subject_person
                                         else subject_unit.code})
    uow.commit()
    return _commendation_view(uow, row)


def list_commendations(uow: UnitOfWork, login: str, *, campaign: str | None = None) -> list[dict]:
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    rows = uow.session.scalars(select(Commendation).where(Commendation.campaign_id == camp.id)
                               .order_by(Commendation.id))
    return [_commendation_view(uow, row) for row in rows]
