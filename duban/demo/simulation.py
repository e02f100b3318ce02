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

import datetime as dt
import os
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from duban.demo import intake, scenario
from duban.demo.accountability import Accountability
from duban.demo.bureau import Bureau, PersonSpec
from duban.demo.programme import schedule as schedule_programme
from duban.errors import DubanError
from duban.services import cases as case_service
from duban.services import deadlines, documents, items
from duban.services.common import work_calendar
from duban.services.satisfaction import record_round
from storage.models import AccountabilityCase, Draw, ProblemItem
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
class Simulation(Accountability):
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
        self.intake = intake.Intake()

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
        self.grades = [g["code"] for g in plan["accountability"]["grades"]]
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
        intake.schedule(self)
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

    # --- problems the units own --------------------------------------------------

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
