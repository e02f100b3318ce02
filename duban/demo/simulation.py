"""The reference campaign, played day by day through the real services.

People act through the same use cases the CLI calls (``add_item``, ``transition``,
``request_extension``, ``decide_case``…) with ``today=`` the simulated date; the
automation is ``run_tick``, the service the campaign-tick flow calls. An agenda
holds each person's next action by business date; what the automation produced
(draws, proposed cases) is read back from the database after each tick and
answered by the right people on the following working days.

Every random choice comes from one seeded ``random.Random`` and every query is
ordered, so the same seed gives the same campaign.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from duban.demo import scenario
from duban.demo.bureau import Bureau, PersonSpec
from duban.demo.programme import schedule as schedule_programme
from duban.documents.contexts import documented_kind
from duban.errors import BadInput, DubanError
from duban.services import cases as case_service
from duban.services import deadlines, documents, items
from duban.services.common import work_calendar
from duban.services.satisfaction import record_round
from storage.models import AccountabilityCase, Draw, Escalation, Person, ProblemItem
from storage.uow import UnitOfWork

# Rectification outcomes of a problem once it is assigned (shares add up to 1).
FATES = (
    ("on_time", 0.72),
    ("late", 0.12),  # a few working days late: 黄灯催办, 红灯督办
    ("very_late", 0.06),  # past the grace period: the sweep proposes a case
    ("extension", 0.07),  # asks for more time; most requests are approved
    ("never", 0.03),  # still open when the campaign ends
)
EXTENSION_APPROVED = 0.7
REJECT_RATE = 0.08  # 验收退回 on first submission
RELAPSE_RATE = 0.15  # 回头看 finds the problem back
PAUSES = 2  # items whose clock stops while another authority decides
SERIOUS = ("serious",)  # grades the 纪检组长 decides
UNIT_MEASURE = "circulated_criticism"  # §二(五): 对开展活动不力的单位要通报批评


@dataclass
class Failure:
    day: dt.date
    action: str
    message: str


@dataclass
class Cast:
    """Who plays which part, by login."""

    leader: str
    deputies: list[str]
    discipline: str  # 纪检组长: decides serious cases
    office: list[str]
    inspector: str  # 监察室: registers findings and reports, proposes cases
    investigator: str  # 监察室主任: investigates and decides lighter cases
    registrar: str  # 人教处: organises the campaign, registers opinions
    clerk: str  # 办公室: issues and serves documents
    heads: dict[str, str]  # unit code -> head login
    members: dict[str, list[str]]  # unit code -> logins, head first

    @classmethod
    def of(cls, bureau: Bureau) -> Cast:
        office = bureau.office
        by_unit = {unit: [p for p in office if p.unit == unit] for unit in ("JCS", "BGS", "RJC")}
        deputies = bureau.deputies
        discipline = next((p for p in deputies if "纪检" in p.title), deputies[0])
        return cls(
            leader=bureau.leader.login, deputies=[p.login for p in deputies], discipline=discipline.login,
            office=[p.login for p in office], inspector=by_unit["JCS"][-1].login,
            investigator=by_unit["JCS"][0].login, registrar=by_unit["RJC"][-1].login,
            clerk=by_unit["BGS"][0].login,
            heads={u.code: bureau.head_of(u.code).login for u in bureau.units},
            members={u.code: [p.login for p in bureau.members_of(u.code)] for u in bureau.units},
        )

    @property
    def leadership(self) -> list[str]:
        return [self.leader, *self.deputies]


class Agenda:
    """Actions by business date, run in the order they were scheduled."""

    def __init__(self):
        self._days: dict[dt.date, list[tuple[Callable, tuple]]] = defaultdict(list)

    def at(self, day: dt.date, action: Callable, *args) -> None:
        self._days[day].append((action, args))

    def take(self, day: dt.date) -> list[tuple[Callable, tuple]]:
        return self._days.pop(day, [])


@dataclass
class Simulation:
    db_url: str
    bureau: Bureau
    rng: random.Random
    evidence_dir: Path
    campaign: str
    start: dt.date
    end: dt.date
    workers: int = 2  # processes for batch rendering
    agenda: Agenda = field(default_factory=Agenda)
    failures: list[Failure] = field(default_factory=list)
    handled_cases: set[str] = field(default_factory=set)
    unit_items: list[str] = field(default_factory=list)  # problems from opinions, assigned to units
    last_ledger: dict | None = None  # the tick's latest 台账 publication: date, xlsx, pdf
    out: Path = Path(".")  # the demo folder (公示 is written there)

    def __post_init__(self):
        self.cast = Cast.of(self.bureau)
        self.calendar = work_calendar()
        self.people: dict[str, PersonSpec] = {p.login: p for p in self.bureau.persons}
        self.unit_codes = [u.code for u in self.bureau.units]
        self.today = self.start

    # --- running -------------------------------------------------------------

    def start_uow(self) -> UnitOfWork:
        return UnitOfWork(self.db_url)

    def run(self, on_day: Callable[[dt.date, int, int], None] | None = None) -> dict:
        from duban.services.tick import issue_supervision_sheets, run_tick

        from duban.services import draws as draw_service

        draw_service.secret_source = lambda: f"{self.rng.getrandbits(256):064x}"  # the seed replays the draws
        with self.start_uow() as uow:
            plan = uow.campaigns.get(self.campaign).plan
        self.measures = {m["code"]: m for m in plan["accountability"]["measures"]}
        self._schedule_campaign()
        with self.start_uow() as uow:  # 集中学习 and 长效机制, with a random generator of their own
            schedule_programme(self, uow)
        days = [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]
        ticks: dict[str, int] = defaultdict(int)
        for index, day in enumerate(days, start=1):
            self.today = day
            os.environ["DUBAN_TODAY"] = day.isoformat()  # for anything that falls back to "today"
            with self.start_uow() as uow:
                while batch := self.agenda.take(day):
                    for action, args in batch:
                        self._act(uow, action, args)
            # The weekly 台账 as XLSX, and as PDF with charts only at the end: a PDF of every
            # week's full ledger would add over a minute of rendering.
            result = run_tick(self.start_uow, "system", campaign=self.campaign, through=day,
                              ledger_pdf=day == self.end)
            for duty, count in result["duties_done"].items():
                ticks[duty] += count
            published = result["days"][-1]["results"].get("publish", {}).get("ledger") if result["days"] else None
            if published:
                self.last_ledger = {"date": day, **published}
            swept = [d["results"].get("sweep", {}).get("counts", {}) for d in result["days"]]
            if any(counts.get("催办") or counts.get("督办") for counts in swept):
                # What the escalate flow and render-documents do: a 催办单 or 督办单 for each new escalation.
                sheets = issue_supervision_sheets(self.start_uow, "system", campaign=self.campaign)
                ticks["supervision_sheets"] += len(sheets.get("issued", []))
                self.failures += [Failure(day, "issue_supervision_sheets", f["error"]) for f in sheets.get("failed", [])]
            with self.start_uow() as uow:
                self._answer_automation(uow, day)
            if on_day:
                on_day(day, index, len(days))
        return {"duties": dict(ticks), "failures": [f.__dict__ for f in self.failures]}

    def _act(self, uow: UnitOfWork, action: Callable, args: tuple) -> None:
        """One person's action; a refusal is logged and the campaign goes on."""
        try:
            action(uow, *args)
        except DubanError as exc:
            uow.session.rollback()
            self.failures.append(Failure(self.today, action.__name__.lstrip("_"), exc.message))

    def wd(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day`` (n = 0: ``day`` itself, or the next working day)."""
        return self.calendar.add_workdays(day, n)

    def later(self, n: int, action: Callable, *args) -> None:
        self.agenda.at(self.wd(self.today, n), action, *args)

    # --- the plan of the three months ----------------------------------------

    def _schedule_campaign(self) -> None:
        rng = self.rng
        windows = [(share, self.calendar.workdays_in(first - dt.timedelta(days=1), last))
                   for share, (first, last) in scenario.LIST_FILING]
        late_first, late_last = scenario.LIST_FILING[-1][1]
        self.agenda.at(late_first, self._open_late_lists, late_first, late_last)
        for person in self.bureau.persons:
            roll, total = rng.random(), 0.0
            for share, days in windows:
                total += share
                if roll < total:
                    break
            self.agenda.at(rng.choice(days), self._file_problem_list, person.login)
        paused = set(rng.sample(range(len(scenario.OPINIONS)), PAUSES))
        for index, (source, unit, category, text) in enumerate(scenario.OPINIONS):
            self.agenda.at(scenario.OPINION_DAYS[source], self._register_opinion, source, self._unit(unit),
                           category, text, index in paused)
        report_days = self.calendar.workdays_in(*scenario.REPORT_WINDOW)
        for index, (source, unit, category, text) in enumerate(scenario.REPORTS):
            day = report_days[(index * 5 + rng.randrange(4)) % len(report_days)]
            self.agenda.at(day, self._register_report, source, self._unit(unit), category, text)
        for number, incident in enumerate(scenario.INCIDENTS, start=1):
            self.agenda.at(incident.day, self._open_incident, number, incident)
        for day, method, sizes in scenario.SATISFACTION_ROUNDS:
            self.agenda.at(day, self._satisfaction_round, method, sizes)
        self.agenda.at(scenario.COMMENDATION_DAY, self._commend)
        self.agenda.at(scenario.NOTICE_DAY, self._issue_rectification_notices)
        self.agenda.at(scenario.PUBLICITY_DAY, self._publicity)
        self.agenda.at(self.wd(scenario.UNIT_CRITICISM_DAY, 1), self._ensure_unit_case)

    def _unit(self, code: str) -> str:
        """The scenario's unit, or in a smaller bureau (--units) a line unit standing in for it."""
        if code in self.unit_codes:
            return code
        line = [unit for unit in self.unit_codes if unit not in ("JCS", "BGS", "RJC")] or self.unit_codes
        return self.rng.choice(line)

    # --- problem lists and opinions (September) ------------------------------

    def _file_problem_list(self, uow: UnitOfWork, login: str) -> None:
        person = self.people[login]
        categories = self.rng.sample(sorted(scenario.SELF_CHECK), self.rng.choice((1, 2, 2, 3)))
        for category in categories:
            title = self.rng.choice(scenario.SELF_CHECK[category])
            measure = self.rng.choice(scenario.MEASURES)
            days = self.rng.choice((10, 15, 15, 15, 20))
            view = items.add_item(
                uow, login, campaign=self.campaign, unit=person.unit, title=title, person=login,
                category=category, source="自查", today=self.today, due_days=days,
                description=f"任务书：{measure}。时间表：{days}个工作日内完成。责任人：{person.name}。")
            self._plan_rectification(view["no"], login, dt.date.fromisoformat(view["due"]))

    def _open_late_lists(self, uow: UnitOfWork, first: dt.date, last: dt.date) -> None:
        from duban.services.phase_gate import closed_reason, override

        campaign = uow.campaigns.get(self.campaign)
        if closed_reason(campaign, first, source="self_check") or closed_reason(campaign, last, source="self_check"):
            override(uow, self.cast.office[0], reason=scenario.LATE_LISTS_REASON, source="self_check", start=first,
                     until=last, campaign=self.campaign, today=self.today)

    def _register_opinion(self, uow: UnitOfWork, source: str, unit: str, category: str, text: str,
                          pause: bool) -> None:
        view = items.add_item(uow, self.cast.registrar, campaign=self.campaign, unit=unit, title=text,
                              category=category, source=source, today=self.today,
                              description=f"{source}征求意见汇总：{text}。")
        self.unit_items.append(view["no"])
        self.later(self.rng.choice((1, 2)), self._assign_in_unit, view["no"], unit, pause)

    def _register_report(self, uow: UnitOfWork, source: str, unit: str, category: str, text: str) -> None:
        view = items.add_item(uow, self.cast.inspector, campaign=self.campaign, unit=unit, title=text,
                              category=category, source=source, today=self.today,
                              description=f"{source}受理登记，转{self._unit_name(unit)}核查整改。")
        self.later(1, self._assign_in_unit, view["no"], unit, False)

    def _unit_name(self, code: str) -> str:
        return next(u.name for u in self.bureau.units if u.code == code)

    def _assign_in_unit(self, uow: UnitOfWork, no: str, unit: str, pause: bool) -> None:
        members = self.cast.members[unit]
        owner = members[1] if self.rng.random() < 0.5 else self.rng.choice(members[1:])
        days = self.rng.choice((15, 15, 20))
        view = items.transition(uow, self.cast.heads[unit], no, "assign", today=self.today, person=owner,
                                due_days=days)
        self._plan_rectification(no, owner, dt.date.fromisoformat(view["due"]), pause=pause)

    # --- rectification -------------------------------------------------------

    def _fate(self) -> str:
        roll, total = self.rng.random(), 0.0
        for fate, share in FATES:
            total += share
            if roll < total:
                return fate
        return FATES[0][0]

    def _plan_rectification(self, no: str, owner: str, due: dt.date, *, pause: bool = False,
                            started: bool = False) -> None:
        """Decide now how this problem will go, and put the owner's next step on the agenda."""
        rng = self.rng
        begin = self.today if started else self.wd(self.today, rng.choice((0, 1, 1, 2)))
        if not started:
            self.agenda.at(begin, self._start, no, owner)
        left = max(1, self.calendar.workdays_between(begin, due))
        if pause:
            self.agenda.at(self.wd(begin, 1), self._pause, no)
            return
        fate = self._fate()
        if fate == "never":
            return
        if fate == "extension" and left > 2:
            self.agenda.at(self.wd(begin, rng.randint(1, left - 2)), self._request_extension, no, owner)
            return
        if fate == "very_late":
            submit = self.wd(due, rng.randint(7, 12))
        elif fate in ("late", "extension"):
            submit = self.wd(due, rng.randint(1, 4))
        else:  # on time: handed in early enough to be verified before the deadline
            submit = self.wd(begin, rng.randint(max(1, left // 3), max(1, left - 2)))
        self.agenda.at(submit, self._submit, no, owner)

    def _start(self, uow: UnitOfWork, no: str, owner: str) -> None:
        if uow.items.get(no).state == "assigned":
            items.transition(uow, owner, no, "start", today=self.today)

    def _evidence(self, no: str, title: str, round_: int) -> Path:
        path = self.evidence_dir / f"整改佐证材料-{no}-{round_}.txt"
        path.write_text(
            f"{no} 整改佐证材料（第{round_}份）\n问题：{title}\n整改情况：已按任务书落实整改措施，"
            f"相关制度、台账和记录附后。\n报送日期：{self.today.isoformat()}\n", encoding="utf-8")
        return path

    def _submit(self, uow: UnitOfWork, no: str, owner: str) -> None:
        item = uow.items.get(no)
        if item.state != "rectifying":
            return
        if item.paused_since is not None:
            self.later(1, self._submit, no, owner)
            return
        evidence = self._evidence(no, item.title, len(item.attachments) + 1)
        items.transition(uow, owner, no, "submit", today=self.today, evidence_files=[evidence],
                         note="已完成整改，提交验收")
        self.later(self.rng.choice((1, 1, 2, 3)), self._verify, no)

    def _checker(self, item: ProblemItem) -> str:
        """An office member who neither owns, reported nor verified the item (职责分离)."""
        allowed = [login for login in self.cast.office
                   if login not in (item.owner.login if item.owner else None,
                                    item.reporter.login if item.reporter else None,
                                    item.verified_by.login if item.verified_by else None)]
        return self.rng.choice(allowed or self.cast.deputies)

    def _verify(self, uow: UnitOfWork, no: str) -> None:
        item = uow.items.get(no)
        if item.state != "submitted":
            return
        checker = self._checker(item)
        if item.reject_count == 0 and self.rng.random() < REJECT_RATE:
            items.transition(uow, checker, no, "reject", today=self.today,
                             reason="佐证材料不充分，整改措施未落实到位，请补充完善后重新提交")
            self.later(self.rng.choice((2, 3)), self._submit, no, item.owner.login)
            return
        items.transition(uow, checker, no, "verify", today=self.today, note="经核查，整改到位，同意销号")

    def _request_extension(self, uow: UnitOfWork, no: str, owner: str) -> None:
        item = uow.items.get(no)
        if item.state not in ("assigned", "rectifying"):
            return
        view = deadlines.request_extension(
            uow, owner, no, days=self.rng.choice((5, 10)), today=self.today,
            reason="整改涉及制度修订，需经局务会研究，申请延长整改期限")
        self.later(self.rng.choice((1, 2)), self._decide_extension, view["id"], no, owner)

    def _decide_extension(self, uow: UnitOfWork, request_id: int, no: str, owner: str) -> None:
        approve = self.rng.random() < EXTENSION_APPROVED
        item = uow.items.get(no)
        view = deadlines.decide_extension(
            uow, self._checker(item), request_id, approve=approve, today=self.today,
            note="理由充分，同意延期" if approve else "理由不充分，不同意延期，请按原期限完成整改")
        due = dt.date.fromisoformat(view["due"])
        if approve:
            left = max(1, self.calendar.workdays_between(self.today, due))
            self.later(self.rng.randint(max(1, left // 2), left), self._submit, no, owner)
        else:
            self.agenda.at(self.wd(due, self.rng.randint(1, 3)), self._submit, no, owner)

    def _pause(self, uow: UnitOfWork, no: str) -> None:
        item = uow.items.get(no)
        deadlines.pause(uow, self._checker(item), no, today=self.today,
                        reason="整改涉及市规划、国土等部门会签，待外部审批期间暂停计时")
        self.later(self.rng.randint(5, 8), self._resume, no)

    def _resume(self, uow: UnitOfWork, no: str) -> None:
        item = uow.items.get(no)
        view = deadlines.resume(uow, self._checker(item), no, today=self.today)
        left = max(1, self.calendar.workdays_between(self.today, dt.date.fromisoformat(view["due"])))
        self.later(self.rng.randint(max(1, left // 2), left), self._submit, no, item.owner.login)

    # --- October: checks, reports, cases -------------------------------------

    def _answer_automation(self, uow: UnitOfWork, day: dt.date) -> None:
        """Draws the tick made today are carried out; cases it proposed are handled."""
        draws = uow.session.scalars(select(Draw).where(Draw.on_date == day).order_by(Draw.id)).all()
        for draw in draws:
            if draw.kind == "recheck":
                for no in draw.selection:
                    self.agenda.at(self.wd(day, self.rng.choice((1, 2))), self._recheck, no)
            else:  # visited the next working day, within the draw's phase (its findings' source closes with it)
                phase_end = max(p.end_date for p in uow.campaigns.get(self.campaign).phases if p.start_date <= day)
                self.agenda.at(min(self.wd(day, 1), phase_end), self._inspect, draw.id, draw.kind,
                               list(draw.selection))
        proposed = uow.session.scalars(
            select(AccountabilityCase).where(AccountabilityCase.state == "proposed")
            .order_by(AccountabilityCase.seq)).all()
        for case in proposed:
            if case.no not in self.handled_cases:
                self.handled_cases.add(case.no)
                self.agenda.at(self.wd(day, 1), self._handle_case, case.no, None)

    def _inspect(self, uow: UnitOfWork, draw_id: int, kind: str, units: list[str]) -> None:
        """The visit to each drawn unit is recorded against its draw; what it found is assigned at once."""
        from duban.services.visits import record_visit

        source = "暗访抽查" if kind == "spot_check" else "作风纪律检查"
        phases = uow.campaigns.get(self.campaign).phases
        checklist = next((d.get("checklist") or [] for p in phases for d in p.duties if d.get("code") == kind), [])
        for unit in units:
            if unit not in self.unit_codes:
                continue
            found = [self.rng.choice(scenario.FINDINGS[source]) for _ in range(self.rng.choice((0, 0, 1, 1, 1, 2)))]
            visit = record_visit(uow, self.cast.inspector, draw_id, unit=unit, outcome="发现问题" if found else "无问题",
                                 problems=[self.rng.choice(checklist)] if found and checklist else [],
                                 findings=[(text, category) for category, text in found], today=self.today)
            for no in visit["items"]:
                offender = self.rng.choice(self.cast.members[unit][1:])
                view = items.transition(uow, self.cast.inspector, no, "assign", today=self.today, person=offender,
                                        due_days=self.rng.choice((5, 10)))
                self._plan_rectification(no, offender, dt.date.fromisoformat(view["due"]))

    def _recheck(self, uow: UnitOfWork, no: str) -> None:
        item = uow.items.get(no)
        if item.state != "verified":
            return
        checker = self._checker(item)
        if self.rng.random() < RELAPSE_RATE:
            view = items.transition(uow, checker, no, "relapse", today=self.today, due_days=10,
                                    reason=self.rng.choice(scenario.RECHECK_RELAPSES))
            self._plan_rectification(no, item.owner.login, dt.date.fromisoformat(view["due"]), started=True)
        else:
            items.transition(uow, checker, no, "recheck", today=self.today, note="回头看：整改成果巩固，未发现反弹")

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
        view = items.add_item(
            uow, self.cast.inspector, campaign=self.campaign, unit=unit, title=incident.title, person=subject,
            category=incident.category, source=incident.source, today=self.today,
            due_days=None if subject is None else 10,
            origin=f"spotcheck:incident-{number}" if incident.source == "暗访抽查" else None,
            description=incident.facts)
        if subject is None:
            self.later(1, self._assign_in_unit, view["no"], unit, False)
        else:
            self._plan_rectification(view["no"], subject, dt.date.fromisoformat(view["due"]))
        case = case_service.propose_case(
            uow, self.cast.inspector, items=[view["no"]], person=subject, unit=None if subject else unit,
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
        """The scripted measure, else the lightest the case's grade allows (now and then the next one)."""
        if incident is not None:
            return incident.measure
        if case.subject_unit_id:
            return UNIT_MEASURE
        options = [code for code, m in self.measures.items()
                   if m["grade"] == case.min_grade and m["target"] in ("person", "both")]
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
        sanction = ((incident.sanction if incident is not None else "") or sanctions[0]) if sanctions else None
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

    # --- documents the office issues in one go -----------------------------------

    def _issue_rectification_notices(self, uow: UnitOfWork) -> None:
        """整改通知书 to the units for the problems the public raised, rendered as one batch."""
        clerk = self.cast.clerk
        wanted = set(self.unit_items)
        pending = documents.pending_jobs(uow, clerk, "rectification_notice", campaign=self.campaign, today=self.today)
        jobs = [job for job in pending if job["item"] in wanted]
        uow.session.rollback()  # the batch writes in its own transactions: hold no lock meanwhile
        result = documents.issue_batch(self.start_uow, clerk, jobs, workers=self.workers, today=self.today)
        for failed in result["failed"]:
            self.failures.append(Failure(self.today, "issue_rectification_notices", failed["error"]))

    def _publicity(self, uow: UnitOfWork) -> None:
        """公开: the office decides to publish the rectified problems and the 满意度测评 results, then
        releases them (公示, 整改公开栏, the static site, the 电子显示屏's loop) into ``publication/``."""
        from duban.services import publication
        from duban.services.publication.release import release
        from duban.services.satisfaction import publish_results

        closed = [row["no"] for row in publication.list_items(uow, self.cast.clerk, campaign=self.campaign)
                  if row["state"] in ("verified", "rechecked")]
        if closed:
            publication.mark(uow, self.cast.clerk, closed, campaign=self.campaign, today=self.today)
        publish_results(uow, self.cast.clerk, campaign=self.campaign, today=self.today)
        uow.session.rollback()  # the release writes in its own transactions: hold no lock meanwhile
        release(self.start_uow, self.cast.clerk, out=self.out / "publication", campaign=self.campaign,
                today=self.today)

    # --- November: satisfaction, commendations -------------------------------

    def _satisfaction_round(self, uow: UnitOfWork, method: str, sizes: tuple[int, int]) -> None:
        public_units = [u.code for u in self.bureau.units if u.serves_public]
        weakest = public_units[0] if public_units else None
        first = method == scenario.SATISFACTION_ROUNDS[0][1]
        for unit in public_units:
            responses = self.rng.randint(*sizes)
            rate = self.rng.uniform(0.70, 0.76) if unit == weakest and first else self.rng.uniform(0.82, 0.97)
            view = record_round(uow, self.cast.registrar, unit=unit, method=method, responses=responses,
                                satisfied=round(responses * rate), today=self.today, campaign=self.campaign)
            if not view["passed"]:  # the plan puts a failing unit on the problem list, owned by its head
                item = uow.items.get(view["followups"]["item"])
                if item.owner is not None and item.due is not None:
                    self._plan_rectification(item.no, item.owner.login, item.due)

    def _commend(self, uow: UnitOfWork) -> None:
        """表彰先进典型: cadres whose problems were all closed on time and the unit with the best record."""
        rows = uow.session.execute(
            select(ProblemItem.owner_id, ProblemItem.unit_id, ProblemItem.state, ProblemItem.verified_on,
                   ProblemItem.original_due, ProblemItem.relapse_count).order_by(ProblemItem.seq)).all()
        cased_people = set(uow.session.scalars(select(AccountabilityCase.subject_person_id)))
        cased_units = set(uow.session.scalars(select(AccountabilityCase.subject_unit_id)))
        good: dict[int, bool] = {}
        unit_score: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for owner_id, unit_id, state, verified_on, original_due, relapses in rows:
            on_time = state in ("verified", "rechecked") and verified_on <= original_due and not relapses
            if owner_id is not None:
                good[owner_id] = good.get(owner_id, True) and on_time
            unit_score[unit_id][0] += on_time
            unit_score[unit_id][1] += 1
        people = {p.id: p for p in uow.org.persons()}
        exemplary = [people[pid] for pid, ok in sorted(good.items())
                     if ok and pid not in cased_people and "cadre" in people[pid].role_set]
        leader = self.cast.leader
        for person in self.rng.sample(exemplary, min(3, len(exemplary))):
            case_service.commend(uow, leader, person=person.login, campaign=self.campaign, today=self.today,
                                 reason=f"{person.name}同志认真查摆问题，整改措施具体，全部问题按期整改销号，起到了示范带头作用")
        units = {u.id: u for u in uow.org.units()}
        ranked = sorted((uid for uid in unit_score if uid not in cased_units and units[uid].code in self.unit_codes),
                        key=lambda uid: (-unit_score[uid][0] / unit_score[uid][1], units[uid].code))
        if ranked:
            best = units[ranked[0]]
            case_service.commend(uow, leader, unit=best.code, campaign=self.campaign, today=self.today,
                                 reason=f"{best.name}专项整治组织有力，问题按期整改率全局第一")


def _login_of(uow: UnitOfWork, person_id: int | None) -> str | None:
    return uow.session.get(Person, person_id).login if person_id else None


# --- the whole demo ----------------------------------------------------------------

PLAN_FILE = Path(__file__).resolve().parents[2] / "campaigns" / "lanzhou-2015.yaml"
SETUP_DAY = dt.date(2015, 8, 31)  # the office loads the plan and the roster the day before
DB_FILE = "duban.sqlite"
ORG_SHEET = "org.csv"
LEDGER_XLSX = "ledger.xlsx"
LEDGER_PDF = "ledger.pdf"
# Everything the demo writes; --force removes these and nothing else.
OWN_FILES = (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", f"{DB_FILE}-journal", ORG_SHEET, LEDGER_XLSX,
             LEDGER_PDF, "summary.md", "summary.json", "summary.pdf", "evidence", "documents", "ledgers", "publication",
             "publications", "预览")


def prepare_out(out: Path, force: bool) -> None:
    """An empty (or new) folder; with ``force``, the demo's own earlier output is removed first."""
    import shutil

    out.mkdir(parents=True, exist_ok=True)
    present = sorted(p.name for p in out.iterdir())
    if not present:
        return
    if not force:
        raise BadInput(f"输出目录 {out} 不是空目录（{'、'.join(present[:5])}…）：请换一个目录，"
                       "或加 --force 删除其中由 duban demo 生成的文件")
    from storage.db import get_engine

    get_engine(_db_url(out)).dispose()  # no pooled connection may keep the old file open
    for name in OWN_FILES:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _db_url(out: Path) -> str:
    return f"sqlite:///{(out / DB_FILE).resolve()}"


def _skip_fsync(dbapi_conn, _record) -> None:
    dbapi_conn.execute("PRAGMA synchronous=NORMAL")


def _fast_commits(db_url: str) -> None:
    """The demo database is scratch: commits need not wait for the disk (WAL keeps it consistent).

    Thousands of small transactions otherwise spend most of the run in fsync.
    """
    from sqlalchemy import event

    from storage.db import get_engine

    engine = get_engine(db_url)
    if not event.contains(engine, "connect", _skip_fsync):
        event.listen(engine, "connect", _skip_fsync)


@contextlib.contextmanager
def _demo_environment(out: Path):
    """Files go into ``out``; anything that falls back to "today" sees the simulated date (set per day)."""
    saved = {key: os.environ.get(key) for key in ("DUBAN_FILES", "DUBAN_TODAY")}
    os.environ["DUBAN_FILES"] = str(out.resolve())
    os.environ["DUBAN_TODAY"] = SETUP_DAY.isoformat()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_demo(out: Path, *, seed: int, units: int = 15, cadres: int = 200, force: bool = False,
             workers: int = 2, on_day: Callable[[dt.date, int, int], None] | None = None,
             on_stage: Callable[[str], None] | None = None) -> dict:
    """Create a database in ``out``, run the campaign from its first to its last day, write the results."""
    from duban.demo.bureau import generate_bureau
    from duban.demo.previews import write_previews
    from duban.demo.summary import write_summary
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.db import get_engine

    stage = on_stage or (lambda text: None)
    out = Path(out)
    rng = random.Random(seed)
    bureau = generate_bureau(rng, units=units, cadres=cadres)  # bad options fail before the folder is touched
    prepare_out(out, force)
    db_url = _db_url(out)
    with _demo_environment(out), tempfile.TemporaryDirectory(prefix="duban-demo-") as scratch:
        stage("建库、导入方案和组织机构")
        _fast_commits(db_url)
        init_db(db_url)
        with UnitOfWork(db_url) as uow:
            plan = load_campaign(uow, "system", PLAN_FILE, today=SETUP_DAY)
        with UnitOfWork(db_url) as uow:
            campaign = uow.campaigns.get(plan["code"])
            start, end = campaign.start_date, campaign.end_date
            import_org(uow, "system", bureau.write_sheet(out / ORG_SHEET), today=SETUP_DAY)

        simulation = Simulation(db_url, bureau, rng, Path(scratch), plan["code"], start, end,
                                workers=workers, out=out)
        stage("逐日运行专项整治")
        played = simulation.run(on_day)
        stage("整改落实台账")
        files = _final_ledger(db_url, out, plan["code"], end, simulation.last_ledger)
        stage("生成汇总")
        summary = write_summary(db_url, out, campaign=plan["code"], seed=seed, today=end)
        stage("文书预览图")
        previews = write_previews(db_url, out, plan["code"])
    get_engine(db_url).dispose()
    return {"out": str(out), "db_url": db_url, "summary": summary, "files": files, "previews": previews, **played}


def _final_ledger(db_url: str, out: Path, campaign: str, end: dt.date, published: dict | None) -> dict:
    """The 台账 as at the last day: the tick's own publication of that day, else made now."""
    import shutil

    from duban.services.ledger import export_ledger

    if published and published["date"] == end and published.get("pdf"):
        shutil.copyfile(published["xlsx"], out / LEDGER_XLSX)
        shutil.copyfile(published["pdf"], out / LEDGER_PDF)
    else:
        with UnitOfWork(db_url) as uow:
            export_ledger(uow, "system", out / LEDGER_XLSX, "xlsx", campaign=campaign, today=end)
            documents.ledger_pdf(uow, "system", campaign=campaign, today=end, out=out / LEDGER_PDF)
    return {"ledger_xlsx": LEDGER_XLSX, "ledger_pdf": LEDGER_PDF}
