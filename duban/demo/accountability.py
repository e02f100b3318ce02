"""The demo's accountability: the scripted cases (scenario.INCIDENTS) and the cases the sweep
proposes, from proposal to closing, by the people the plan names for each step.

A mixin of ``Simulation`` (its agenda, cast, generator and rectification planning): the cases
are one seam of the campaign, kept apart from the day-to-day rectification.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from duban.demo import intake, scenario
from duban.documents.contexts import documented_kind
from duban.services import cases as case_service
from duban.services import documents, items
from storage.models import AccountabilityCase, Escalation, Person, ProblemItem
from storage.uow import UnitOfWork

SERIOUS = ("serious",)  # grades the 纪检组长 decides
UNIT_MEASURE = "circulated_criticism"  # §二(五): 对开展活动不力的单位要通报批评


class Accountability:
    """Cases, from the finding that starts one to its closing (mixed into ``Simulation``)."""

    def _subject_for(self, uow: UnitOfWork, unit: str, deputy: bool) -> str:
        """A cadre of the unit with no case yet (so the ladder's lighter rungs stay open to them)."""
        taken = set(uow.session.scalars(select(AccountabilityCase.subject_person_id)
                                        .where(AccountabilityCase.subject_person_id.is_not(None))))
        members = self.cast.members[unit]
        candidates = members[1:2] if deputy else [m for m in members[2:] if m not in self.cast.office]
        free = [m for m in candidates if uow.org.person(m).id not in taken]
        return self.rng.choice(free or candidates or members[1:])

    def _open_incident(self, uow: UnitOfWork, number: int, incident: scenario.Incident) -> None:
        unit = self._unit(incident.unit)
        subject = None if incident.subject_unit else self._subject_for(uow, unit, incident.subject_deputy)
        if incident.said:  # a report: received with its reporter's identity and triaged into the item
            no = intake.report_incident(uow, self, number, incident, unit, subject)
        else:
            no = items.add_item(
                uow, self.cast.inspector, campaign=self.campaign, unit=unit, title=incident.title, person=subject,
                category=incident.category, source=incident.source, today=self.today,
                due_days=None if subject is None else 10,
                origin=f"spotcheck:incident-{number}" if incident.source == "暗访抽查" else None,
                description=incident.facts)["no"]
        if subject is None:
            self.later(1, self._assign_in_unit, no, unit, False)
        else:
            self._plan_rectification(no, subject, uow.items.get(no).due)
        case = case_service.propose_case(
            uow, self.cast.inspector, items=[no], person=subject, unit=None if subject else unit,
            reason=incident.title, facts=incident.facts, origin=f"demo-incident:{number}",
            campaign=self.campaign, today=self.today)
        self.handled_cases.add(case["no"])
        self.later(1, self._handle_case, case["no"], incident)

    def _ensure_unit_case(self, uow: UnitOfWork) -> None:
        """开展活动不力的单位要通报批评: if the month-end proposals found no unit, name the worst one."""
        exists = uow.session.scalar(select(AccountabilityCase.id)
                                    .where(AccountabilityCase.subject_unit_id.is_not(None),
                                           AccountabilityCase.origin.like("unit-poor:%")).limit(1))
        if exists:
            return
        escalated = uow.session.execute(
            select(ProblemItem.no, ProblemItem.unit_id).where(ProblemItem.id.in_(select(Escalation.item_id)))
            .order_by(ProblemItem.seq)).all()
        if not escalated:
            return
        per_unit: dict[int, list[str]] = defaultdict(list)
        for no, unit_id in escalated:
            per_unit[unit_id].append(no)
        unit_id, nos = max(per_unit.items(), key=lambda pair: (len(pair[1]), -pair[0]))
        unit = next(u for u in uow.org.units() if u.id == unit_id)
        case = case_service.propose_case(
            uow, self.cast.inspector, items=nos[:10], unit=unit.code, campaign=self.campaign, today=self.today,
            reason=f"{unit.name}开展专项整治不力，{len(nos)} 个问题被催办、督办",
            facts="被催办、督办的问题：" + "、".join(nos[:10]), origin=f"unit-poor:{unit.code}:demo")
        self.handled_cases.add(case["no"])
        self.later(1, self._handle_case, case["no"], None)

    # --- a case from proposal to closing -------------------------------------

    def _others(self, uow: UnitOfWork, case_no: str, pool: list[str]) -> list[str]:
        """People of ``pool`` who are not the case's subject (nor a head of its subject unit)."""
        case = uow.cases.get(case_no)
        return [login for login in pool if not case_service.is_subject(uow.org.person(login), case)]

    def _handle_case(self, uow: UnitOfWork, case_no: str, incident: scenario.Incident | None) -> None:
        office = self._others(uow, case_no, [self.cast.investigator, self.cast.inspector, *self.cast.office])
        case_service.investigate_case(uow, office[0], case_no, today=self.today,
                                      note="调取记录、询问当事人和相关人员，核实有关情况")
        self.later(self.rng.choice((1, 2)), self._decide, case_no, incident)

    def _measure_for(self, case: AccountabilityCase, incident: scenario.Incident | None) -> str:
        """The scripted measure, else the lightest the case's grade allows (now and then the next one).

        A scripted measure lighter than the case's minimum grade (its subject was already held to
        account: in a small bureau the scripted cases share people) gives way to the lightest
        measure of that grade, as the rules require."""
        if case.subject_unit_id and incident is None:
            return UNIT_MEASURE
        options = [code for code, m in self.measures.items()
                   if m["grade"] == case.min_grade and m["target"] in ("person", "both")]
        if incident is not None:
            lighter = self.grades.index(self.measures[incident.measure]["grade"]) < self.grades.index(case.min_grade)
            return options[0] if lighter and options else incident.measure
        return options[1] if len(options) > 1 and self.rng.random() < 0.25 else options[0]

    def _decide(self, uow: UnitOfWork, case_no: str, incident: scenario.Incident | None) -> None:
        case = uow.cases.get(case_no)
        if incident is not None and incident.unfounded:
            case_service.dismiss_case(uow, self._others(uow, case_no, [self.cast.investigator, *self.cast.office])[0],
                                      case_no, reason=incident.facts, today=self.today)
            no = case.items[0].no
            items.transition(uow, self._others(uow, case_no, [self.cast.registrar, *self.cast.office])[0], no,
                             "withdraw", today=self.today, reason="经调查核实，举报反映问题不属实，予以撤销")
            return
        measure = self._measure_for(case, incident)
        serious = self.measures[measure]["grade"] in SERIOUS
        pool = [self.cast.discipline, *self.cast.deputies] if serious else [self.cast.investigator, *self.cast.office]
        decider = self._others(uow, case_no, pool)[0]
        sanctions = [entry["name"] for entry in self.measures[measure].get("sanctions") or []]
        scripted = incident.sanction if incident is not None else ""
        sanction = (scripted if scripted in sanctions else sanctions[0]) if sanctions else None
        case_service.decide_case(uow, decider, case_no, measure=measure, sanction=sanction, today=self.today,
                                 note="经集体研究，根据情节轻重作出处理决定")
        self.later(1, self._approve, case_no, incident)

    def _approve(self, uow: UnitOfWork, case_no: str, incident: scenario.Incident | None) -> None:
        """The 组长 approves the measures the plan reserves for the leadership; a 副组长 the others."""
        case = uow.cases.get(case_no)
        involved = {_login_of(uow, case.proposed_by_id), _login_of(uow, case.decided_by_id)}
        pool = [self.cast.leader, *self.cast.deputies] if self.measures[case.measure]["needs_leader_approval"] \
            else [*self.cast.deputies, self.cast.leader]
        approver = [login for login in self._others(uow, case_no, pool) if login not in involved][0]
        case_service.approve_case(uow, approver, case_no, today=self.today, note="同意")
        self.later(self.rng.choice((1, 2)), self._execute, case_no, incident)

    def _execute(self, uow: UnitOfWork, case_no: str, incident: scenario.Incident | None) -> None:
        clerk = self._others(uow, case_no, [self.cast.clerk, *self.cast.office])[0]
        document_no = None  # a measure lighter than anything circulated (批评教育) is recorded, not issued
        if documented_kind(uow.campaigns.get(self.campaign), uow.cases.get(case_no)) is not None:
            document_no = documents.issue_document(uow, clerk, None, case=case_no, today=self.today)["doc_number"]
        case_service.execute_case(uow, clerk, case_no, document_no=document_no, today=self.today,
                                  note="处理决定已送达并执行")
        if incident is not None and incident.appeal:
            self.later(2, self._appeal, case_no, incident.appeal)
        else:
            self.later(self.rng.randint(3, 6), self._close, case_no)

    def _appeal(self, uow: UnitOfWork, case_no: str, reason: str) -> None:
        subject = uow.cases.get(case_no).subject_person.login
        case_service.appeal_case(uow, subject, case_no, today=self.today, reason=reason)
        self.later(2, self._resolve_appeal, case_no)

    def _resolve_appeal(self, uow: UnitOfWork, case_no: str) -> None:
        case = uow.cases.get(case_no)
        involved = {_login_of(uow, case.decided_by_id), _login_of(uow, case.approved_by_id)}
        resolver = [login for login in self._others(uow, case_no, self.cast.leadership) if login not in involved][0]
        case_service.resolve_appeal(uow, resolver, case_no, outcome="upheld", today=self.today,
                                    reason="经复核，检查记录和现场照片证实事实清楚，维持原处理决定")
        self.later(3, self._close, case_no)

    def _close(self, uow: UnitOfWork, case_no: str) -> None:
        closer = self._others(uow, case_no, [self.cast.investigator, *self.cast.office])[0]
        case_service.close_case(uow, closer, case_no, today=self.today, note="处理决定已执行到位，予以结案")


def _login_of(uow: UnitOfWork, person_id: int | None) -> str | None:
    return uow.session.get(Person, person_id).login if person_id else None
