"""The demo's intake, through the services the CLI calls: problem lists, opinions, reports, 对账销号.

* 问题整改清单: a unit's people hand in their lists on a day of their filing window; the unit
  head (the office for the 局领导班子) fills the unit's sheet of the generated template and
  imports it (``duban template problem-list``, ``duban problem-list import``); the head approves
  the 党员干部 lists, the leading group the 领导班子 lists.
* 意见建议: each unit records the opinions it collected, as given; the office accepts each as an
  item with a title of its own, merges repeats into the item an earlier opinion became, or
  dismisses it with a reason.
* 举报: the office receives a report with the reporter's name and phone (sealed with the report
  key) and hands out a receipt code; it triages the report (new item, merged, 不属实) and the
  reporter later looks the code up. The scripted cases that start with a report come in the same way.
* 对账销号: one unit returns its part of the 台账 with its claimed progress; the office lists the
  mismatches, then confirms, and the lifecycle takes what it allows. Both answers are kept in
  ``reconcile/``.

Scheduled by ``Simulation`` with its generator: the same seed gives the same intake.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from duban.demo import scenario
from duban.demo.bureau import LEADERSHIP_UNIT
from duban.services.ledger import COLUMNS, SHEET, export_ledger
from duban.services.opinions import record_opinion, triage_opinions
from duban.services.problem_lists import FIRST_ROW, columns, import_lists, list_duty, review_list, write_template
from duban.services.reconcile import reconcile_ledger
from duban.services.tips import receive_report, report_status, triage_report
from statemachines.item import ITEM
from storage.models import ItemPlan, OrgUnit, Person, ProblemItem
from storage.uow import UnitOfWork

PAUSES = 2  # opinions whose item's clock stops while another authority decides
RECONCILE_DIR = "reconcile"
CLAIMED_DONE = 2  # lines a unit claims done that the office has not verified


@dataclass
class Intake:
    """What the intake remembers between days."""

    templates: dict[str, Path] = field(default_factory=dict)  # unit code -> its problem-list template
    opinion_items: dict[int, str] = field(default_factory=dict)  # index in OPINIONS -> the item it became
    unit_items: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # from opinions
    receipts: dict[str, str] = field(default_factory=dict)  # report no -> receipt code (the reporter's)


def schedule(sim) -> None:
    _schedule_lists(sim)
    _schedule_opinions(sim)
    _schedule_reports(sim)
    sim.agenda.at(scenario.RECONCILE_DAY, _return_ledger, sim)


# --- problem lists (September) -----------------------------------------------------


def _schedule_lists(sim) -> None:
    rng = sim.rng
    windows = [sim.calendar.workdays_in(first - dt.timedelta(days=1), last) for _, (first, last) in scenario.LIST_FILING]
    late_first, late_last = scenario.LIST_FILING[-1][1]
    sim.agenda.at(late_first, _open_late_lists, sim, late_first, late_last)
    filers: dict[tuple[str, int], list[str]] = defaultdict(list)
    for person in sim.bureau.persons:
        roll, total, window = rng.random(), 0.0, 0
        for window, (share, _) in enumerate(scenario.LIST_FILING):
            total += share
            if roll < total:
                break
        filers[(person.unit, window)].append(person.login)
    for (unit, window), logins in filers.items():
        sim.agenda.at(rng.choice(windows[window]), _file_lists, sim, unit, logins)


def _open_late_lists(uow: UnitOfWork, sim, first: dt.date, last: dt.date) -> None:
    from duban.services.phase_gate import closed_reason, override

    campaign = uow.campaigns.get(sim.campaign)
    if closed_reason(campaign, first, source="self_check") or closed_reason(campaign, last, source="self_check"):
        override(uow, sim.cast.office[0], reason=scenario.LATE_LISTS_REASON, source="self_check", start=first,
                 until=last, campaign=sim.campaign, today=sim.today)


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _file_lists(uow: UnitOfWork, sim, unit: str, logins: list[str]) -> None:
    """The unit's sheet of the template, filled in for these people and imported by the unit head."""
    from openpyxl import load_workbook

    rng = sim.rng
    camp = uow.campaigns.get(sim.campaign)
    importer = sim.cast.heads.get(unit, sim.cast.registrar)  # the 局领导班子's lists go through the office
    template = sim.intake.templates.get(unit)
    if template is None:
        template = sim.intake.templates[unit] = sim.evidence_dir / f"问题整改清单模板-{unit}.xlsx"
        write_template(uow, importer, unit=unit, out=template, campaign=sim.campaign)
    duty = list_duty(camp)
    levels = duty.get("levels") or []
    leading = next((lv["name"] for lv in levels if lv.get("reviewed_by") == "leading_group"), "")
    member = next((lv["name"] for lv in reversed(levels) if lv.get("reviewed_by") != "leading_group"), "")
    comparisons = duty.get("comparisons") or [""]
    names = {c.code: c.name for c in camp.categories}
    keys = [key for key, _ in columns(camp)]
    rows = []
    for login in logins:
        leads = unit == LEADERSHIP_UNIT or login == sim.cast.heads.get(unit)
        for category in rng.sample(sorted(scenario.SELF_CHECK), rng.choice((1, 2, 2, 3))):
            due = sim.wd(sim.today, rng.choice((10, 15, 15, 15, 20)))
            line = {"person": sim.people[login].name, "level": leading if leads and leading else member,
                    "comparison": rng.choice(comparisons), "category": names.get(category, category),
                    "title": rng.choice(scenario.SELF_CHECK[category]), "measures": rng.choice(scenario.MEASURES),
                    "milestones": scenario.MILESTONES.format(first=_md(sim.wd(sim.today, 3)), due=_md(due)),
                    "due": due}
            rows.append([line[key] for key in keys])
    book = load_workbook(template)
    sheet = next(s for s in book.worksheets if s["B1"].value == unit)
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=FIRST_ROW + offset, column=column, value=value)
    path = sim.evidence_dir / f"问题整改清单-{unit}-{sim.today.isoformat()}.xlsx"
    book.save(path)
    result = import_lists(uow, importer, path, campaign=sim.campaign, today=sim.today)
    lists = [entry["id"] for entry in result["lists"]]
    filed = uow.session.execute(
        select(ProblemItem.no, Person.login, ProblemItem.due).join(ItemPlan, ItemPlan.item_id == ProblemItem.id)
        .join(Person, Person.id == ProblemItem.owner_id).where(ItemPlan.list_id.in_(lists))
        .order_by(ProblemItem.seq)).all()
    for no, owner, due in filed:
        sim._plan_rectification(no, owner, due)
    for entry in result["lists"]:
        sim.later(rng.choice((1, 2, 3)), _review_list, sim, entry["id"], _reviewer(sim, unit, entry))


def _reviewer(sim, unit: str, entry: dict) -> str:
    """The unit head for a 党员干部 list; for a 领导班子 list the leading group: the unit's 分管领导,
    for the 局领导班子 the 组长 (his own list: the first 副组长)."""
    if entry["login"] == sim.cast.heads.get(unit):
        return sim.bureau.leader_in_charge(unit).login
    if unit == LEADERSHIP_UNIT:
        return next(login for login in sim.cast.leadership if login != entry["login"])
    return sim.cast.heads[unit]


def _review_list(uow: UnitOfWork, sim, list_id: int, reviewer: str) -> None:
    review_list(uow, reviewer, decision="approved", list_id=list_id, note=scenario.LIST_APPROVED,
                campaign=sim.campaign, today=sim.today)


# --- opinions (September) ----------------------------------------------------------


def _schedule_opinions(sim) -> None:
    paused = set(sim.rng.sample(range(len(scenario.OPINIONS)), PAUSES))
    for index, (source, unit, category, respondent, said, title) in enumerate(scenario.OPINIONS):
        sim.agenda.at(scenario.OPINION_DAYS[source], _record_opinion, sim, source, sim._unit(unit), respondent, said,
                      (_accept_opinion, index, category, title, index in paused))
    for source, unit, respondent, said, index in scenario.MERGED_OPINIONS:
        sim.agenda.at(scenario.OPINION_DAYS[source], _record_opinion, sim, source, sim._unit(unit), respondent, said,
                      (_merge_opinion, index))
    for source, unit, respondent, said, reason in scenario.DISMISSED_OPINIONS:
        sim.agenda.at(scenario.OPINION_DAYS[source], _record_opinion, sim, source, sim._unit(unit), respondent, said,
                      (_dismiss_opinion, reason))


def _record_opinion(uow: UnitOfWork, sim, source: str, unit: str, respondent: str, said: str,
                    triage: tuple) -> None:
    """The unit that held the 座谈会 (or returned the forms) records what it heard; the office triages."""
    view = record_opinion(uow, sim.cast.heads[unit], source=source, text=said, respondent=respondent,
                          collected_by=unit, unit=unit, campaign=sim.campaign, today=sim.today)
    action, *args = triage
    # a repeat is merged once the opinion it repeats has become an item (accepted within a day)
    delay = 2 if action is _merge_opinion else sim.rng.choice((0, 1))
    sim.later(delay, action, sim, view["no"], unit, *args)


def _accept_opinion(uow: UnitOfWork, sim, no: str, unit: str, index: int, category: str, title: str,
                    pause: bool) -> None:
    item = triage_opinions(uow, sim.cast.registrar, [no], "accept", unit=unit, title=title, category=category,
                           today=sim.today)[0]["item"]
    sim.intake.opinion_items[index] = item
    sim.intake.unit_items[unit].append(item)
    sim.unit_items.append(item)
    sim.later(1, sim._assign_in_unit, item, unit, pause)


def _merge_opinion(uow: UnitOfWork, sim, no: str, unit: str, index: int) -> None:
    triage_opinions(uow, sim.cast.registrar, [no], "merge", item=sim.intake.opinion_items[index], today=sim.today)


def _dismiss_opinion(uow: UnitOfWork, sim, no: str, unit: str, reason: str) -> None:
    triage_opinions(uow, sim.cast.registrar, [no], "dismiss", reason=reason, today=sim.today)


# --- reports (October, November) ----------------------------------------------------


def _reporter(index: int) -> tuple[str | None, str | None]:
    if index in scenario.UNSIGNED_LETTERS:
        return None, None
    return scenario.REPORTERS[index % len(scenario.REPORTERS)]


def _schedule_reports(sim) -> None:
    days = sim.calendar.workdays_in(*scenario.REPORT_WINDOW)
    for index, (source, unit, category, said, outcome, text, reply) in enumerate(scenario.REPORTS):
        day = days[(index * 5 + sim.rng.randrange(4)) % len(days)]
        sim.agenda.at(day, _receive, sim, index, source, sim._unit(unit), category, said, outcome, text, reply)


def _receive(uow: UnitOfWork, sim, index: int, source: str, unit: str, category: str, said: str, outcome: str,
             text: str, reply: str) -> None:
    name, phone = _reporter(index)
    view = receive_report(uow, sim.cast.inspector, channel=source, content=said, unit=unit, reporter_name=name,
                          reporter_contact=phone, campaign=sim.campaign, today=sim.today)
    sim.intake.receipts[view["no"]] = view["receipt_code"]
    sim.later(sim.rng.choice((1, 2)), _triage, sim, view["no"], unit, category, outcome, text, reply)


def _triage(uow: UnitOfWork, sim, no: str, unit: str, category: str, outcome: str, text: str, reply: str) -> None:
    """The office writes the item's title itself (accept), joins a report to the unit's item on the
    same complaint (merge), or finds it 不属实 with a reason; the reply is what the reporter reads."""
    office = sim.cast.inspector
    if outcome == "accept":
        view = triage_report(uow, office, no, "accept", unit=unit, title=text, category=category,
                             reply=scenario.REPORT_REPLIES["accept"], today=sim.today)
        sim.later(1, sim._assign_in_unit, view["item"], unit, False)
    elif outcome == "merge":
        target = (sim.intake.unit_items.get(unit) or sim.unit_items)[0]
        triage_report(uow, office, no, "merge", item=target, reply=scenario.REPORT_REPLIES["merge"], today=sim.today)
    else:
        triage_report(uow, office, no, "dismiss", reason=text, reply=reply, today=sim.today)
    sim.later(sim.rng.randint(2, 5), _look_up, sim, no)


def _look_up(uow: UnitOfWork, sim, no: str) -> None:
    """The reporter asks with the receipt code (``duban tip status``): state and reply, nothing else."""
    report_status(uow, sim.intake.receipts.pop(no), client="demo")


def report_incident(uow: UnitOfWork, sim, number: int, incident: scenario.Incident, unit: str,
                    subject: str | None) -> str:
    """A scripted case that starts with a report: received with the reporter's name and phone, and
    accepted the same day as an item about ``subject`` (the unit when None). The item's number."""
    name, phone = scenario.REPORTERS[(len(scenario.REPORTS) + number) % len(scenario.REPORTERS)]
    office = sim.cast.inspector
    view = receive_report(uow, office, channel=incident.source, content=incident.said, unit=unit, person=subject,
                          reporter_name=name, reporter_contact=phone, campaign=sim.campaign, today=sim.today)
    sim.intake.receipts[view["no"]] = view["receipt_code"]
    sim.later(5, _look_up, sim, view["no"])
    return triage_report(uow, office, view["no"], "accept", unit=unit, title=incident.title,
                         category=incident.category, person=subject, due_days=None if subject is None else 10,
                         reply=scenario.REPORT_REPLIES["accept"], today=sim.today)["item"]


# --- 对账销号 (November) -----------------------------------------------------------------


def _return_ledger(uow: UnitOfWork, sim) -> None:
    """The unit with the most open problems exports its part of the 台账, fills in its progress and
    returns it; the office lists the mismatches (nothing is written) and confirms the next day."""
    open_items = uow.session.execute(
        select(OrgUnit.code, func.count()).join(ProblemItem, ProblemItem.unit_id == OrgUnit.id)
        .where(ProblemItem.kind == "problem", ProblemItem.state.in_(("assigned", "rectifying")))
        .group_by(OrgUnit.code).order_by(func.count().desc(), OrgUnit.code)).all()
    unit = next((code for code, _ in open_items if code in sim.cast.heads), None)
    if unit is None:
        return
    folder = sim.out / RECONCILE_DIR
    folder.mkdir(exist_ok=True)
    path = folder / f"台账报回-{unit}.xlsx"
    export_ledger(uow, sim.cast.heads[unit], path, "xlsx", campaign=sim.campaign, unit=unit, today=sim.today)
    _claim_progress(path)
    result = reconcile_ledger(uow, sim.cast.registrar, path, campaign=sim.campaign, today=sim.today)
    _keep(folder / f"对账结果-{unit}.json", result, path)
    sim.later(1, _confirm, sim, unit, path)


def _claim_progress(path: Path) -> None:
    """What a unit writes into its returned part: work started on every assigned line, a couple of
    lines reported done before the office verified them, and a line of its own without a number."""
    from openpyxl import load_workbook

    labels = dict(COLUMNS)
    book = load_workbook(path)
    sheet = book[SHEET]
    header = [cell.value for cell in sheet[2]]
    title, state = (header.index(labels[key]) + 1 for key in ("title", "state"))
    done = 0
    for row in range(3, sheet.max_row + 1):
        cell = sheet.cell(row=row, column=state)
        if cell.value == ITEM.label("assigned"):
            cell.value = ITEM.label("rectifying")
        elif cell.value == ITEM.label("rectifying") and done < CLAIMED_DONE:
            cell.value, done = ITEM.label("verified"), done + 1
    added = sheet.max_row + 1
    sheet.cell(row=added, column=title, value=scenario.RECONCILE_ADDED_LINE)
    sheet.cell(row=added, column=state, value=ITEM.label("rectifying"))
    book.save(path)


def _confirm(uow: UnitOfWork, sim, unit: str, path: Path) -> None:
    """The office confirms: each line claimed ahead goes as far along the lifecycle as it allows."""
    result = reconcile_ledger(uow, sim.cast.registrar, path, campaign=sim.campaign, apply=True, today=sim.today)
    _keep(path.parent / f"对账销号-{unit}.json", result, path)


def _keep(out: Path, result: dict, returned: Path) -> None:
    out.write_text(json.dumps({**result, "file": returned.name}, ensure_ascii=False, indent=2) + "\n",
                   encoding="utf-8")
