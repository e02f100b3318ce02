"""Personal problem lists (问题整改清单: 任务书、时间表、责任人) as XLSX: template, import, review.

The template has one sheet per unit: the unit's people, the plan's categories and, where the
plan's ``problem_lists`` duty names them, its comparisons (对照) and levels (层面) as validated
drop-downs. Importing reads every sheet, reports every bad cell by sheet, row and column, and
writes nothing until the whole file is clean; then each line becomes an item assigned to its
person with its measures (任务书) and timetable (时间表), and each person's list per level is
submitted for review by the unit head (or the leading group, for levels the plan says so).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput, ConcurrentModification, NotFound, RuleViolation
from duban.services.common import actor, business_date, clean_text
from duban.services.items import TEXT_MAX, TITLE_MAX, apply_trigger, register_item
from duban.wording import cn_date, text
from statemachines.item import OPEN
from storage.models import Campaign, ItemPlan, OrgUnit, Person, ProblemItem, ProblemList
from storage.uow import UnitOfWork, campaign_chain, item_chain

MARK = "单位编码"  # A1 of every list sheet; B1 holds the unit's code
OPTIONS_SHEET = "选项"
HEADER_ROW, FIRST_ROW, TEMPLATE_ROWS = 2, 3, 200
LIST_STATES = {"submitted": "已报送", "approved": "已审核", "returned": "已退回"}


def list_duty(campaign: Campaign) -> dict:
    """The plan's first ``problem_lists`` duty (its comparisons, levels and sources)."""
    for phase in campaign.plan.get("phases", []):
        for duty in phase.get("duties", []):
            if duty.get("code") == "problem_lists":
                return duty
    return {}


def columns(campaign: Campaign) -> list[tuple[str, str]]:
    """(key, header) of the list sheet for this plan; levels and comparisons only if it has them."""
    duty = list_duty(campaign)
    cols = [("person", "责任人"), ("level", "层面"), ("comparison", "对照"), ("category", "类别"),
            ("title", "问题"), ("measures", "整改措施（任务书）"), ("milestones", "时间表"), ("due", "完成时限")]
    return [c for c in cols if (c[0] != "level" or duty.get("levels")) and (c[0] != "comparison" or duty.get("comparisons"))]


def _units_under(uow: UnitOfWork, unit: OrgUnit) -> list[OrgUnit]:
    every = uow.org.units()
    found, frontier = [unit], [unit.id]
    while frontier:
        children = [u for u in every if u.parent_id in frontier and u not in found]
        found += children
        frontier = [u.id for u in children]
    return found


def _people(uow: UnitOfWork, unit: OrgUnit) -> list[Person]:
    return [p for p in uow.session.scalars(select(Person).where(Person.unit_id == unit.id, Person.active.is_(True))
                                           .order_by(Person.login)) if not permissions.is_system(p)]


# --- template ----------------------------------------------------------------


def write_template(uow: UnitOfWork, login: str, *, unit: str, out: Path, campaign: str | None = None) -> dict:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    units = _units_under(uow, uow.org.unit(unit))
    duty = list_duty(camp)
    choices = {"category": [c.name for c in camp.categories], "level": [lv["name"] for lv in duty.get("levels", [])],
               "comparison": list(duty.get("comparisons", []))}
    book = Workbook()
    options = book.active
    options.title, options.sheet_state = OPTIONS_SHEET, "hidden"
    used: list[str] = []

    def option_column(values: list[str]) -> str:
        """A column of the hidden options sheet; drop-downs refer to it (no 255-character limit)."""
        col = get_column_letter(len(used) + 1)
        used.append(col)
        for row, value in enumerate(values, start=1):
            options[f"{col}{row}"] = value
        return f"'{OPTIONS_SHEET}'!${col}$1:${col}${max(len(values), 1)}"

    shared = {key: option_column(values) for key, values in choices.items() if values}
    cols = columns(camp)
    for the_unit in units:
        sheet = book.create_sheet(the_unit.name[:31])
        sheet.append([MARK, the_unit.code, "单位", the_unit.name, "活动", camp.code])
        sheet.append([header for _, header in cols])
        for cell in sheet[HEADER_ROW]:
            cell.font = Font(bold=True)
        people = [p.name for p in _people(uow, the_unit)]
        lists = {**shared, "person": option_column(people)} if people else dict(shared)
        for index, (key, header) in enumerate(cols, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = 14 if key in ("person", "level", "category", "due") else 30
            cells = f"{letter}{FIRST_ROW}:{letter}{FIRST_ROW + TEMPLATE_ROWS - 1}"
            if key in lists:
                rule = DataValidation(type="list", formula1=lists[key], allow_blank=True, showErrorMessage=True,
                                      errorTitle=header, error=f"请从下拉列表中选择{header}")
            elif key == "due":
                rule = DataValidation(type="date", operator="between", allow_blank=True, showErrorMessage=True,
                                      formula1=f"DATE({camp.start_date.year},{camp.start_date.month},{camp.start_date.day})",
                                      formula2=f"DATE({camp.end_date.year},{camp.end_date.month},{camp.end_date.day})",
                                      errorTitle=header,
                                      error=f"{header}应为 {camp.start_date.isoformat()} 至 {camp.end_date.isoformat()} 之间的日期")
            else:
                continue
            rule.add(cells)
            sheet.add_data_validation(rule)
        for row in range(FIRST_ROW, FIRST_ROW + TEMPLATE_ROWS):
            sheet.cell(row=row, column=[k for k, _ in cols].index("due") + 1).number_format = "yyyy-mm-dd"
    book.active = 1
    book.save(out)
    return {"out": str(out), "units": [u.code for u in units], "columns": [h for _, h in cols]}


# --- import ------------------------------------------------------------------


def open_workbook(path: Path, *, made_by: str = "duban template problem-list 生成的模板"):
    """An XLSX file to read back; anything else is bad input naming what the file should be."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not path.is_file():
        raise BadInput(f"文件不存在：{path}")
    if path.suffix.lower() != ".xlsx":
        raise BadInput(f"{path.name} 不是 XLSX 文件：请用 {made_by}填写")
    try:
        return load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise BadInput(f"{path.name} 无法作为 XLSX 文件读取（文件损坏，或是改了扩展名的其他格式）") from None


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def read_lists(uow: UnitOfWork, camp: Campaign, who: Person, path: Path, today: dt.date) -> tuple[list[dict], list[str]]:
    """Every line of every list sheet, checked; (lines, problems). Nothing is written."""
    from openpyxl.utils import get_column_letter

    book = open_workbook(path)
    duty = list_duty(camp)
    cols = columns(camp)
    headers = [h for _, h in cols]
    levels = [lv["name"] for lv in duty.get("levels", [])]
    comparisons = list(duty.get("comparisons", []))
    categories = {c.name: c.code for c in camp.categories} | {c.code: c.code for c in camp.categories}
    lines, problems = [], []
    sheets = [s for s in book.worksheets if s.title != OPTIONS_SHEET]
    for sheet in sheets:
        where = f"工作表「{sheet.title}」"
        code = _text(sheet["B1"].value)
        if _text(sheet["A1"].value) != MARK or not code:
            problems.append(f"{where}不是问题整改清单（第1行应为“{MARK}”和单位编码；请用模板填写）")
            continue
        unit = uow.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            problems.append(f"{where}第1行B列：单位编码 {code} 不存在")
            continue
        if not permissions.allowed(who, "problem_list.import", unit=unit):
            problems.append(f"{where}：{who.name}无权报送{unit.name}的问题整改清单")
            continue
        found = [_text(c.value) for c in sheet[HEADER_ROW]][:len(headers)]
        if found != headers:
            problems.append(f"{where}第{HEADER_ROW}行表头与模板不符：应为 {'、'.join(headers)}（请用本方案的模板）")
            continue
        people = {p.name: p for p in _people(uow, unit)} | {p.login: p for p in _people(uow, unit)}
        for row in sheet.iter_rows(min_row=FIRST_ROW, max_col=len(cols)):
            values = {key: cell.value for (key, _), cell in zip(cols, row)}
            if all(_text(v) == "" for v in values.values()):
                continue
            number = row[0].row
            line = {"sheet": sheet.title, "row": number, "unit": unit}

            def bad(key: str, message: str) -> None:
                index = [k for k, _ in cols].index(key)
                problems.append(f"{where}第{number}行{get_column_letter(index + 1)}列（{cols[index][1]}）：{message}")

            person = people.get(_text(values["person"]))
            if person is None:
                bad("person", f"“{_text(values['person'])}”不是{unit.name}的人员" if _text(values["person"]) else "不能为空")
            line["person"] = person
            if levels:
                line["level"] = _text(values["level"])
                if line["level"] not in levels:
                    bad("level", f"应为 {'、'.join(levels)} 之一")
            else:
                line["level"] = ""
            line["comparison"] = _text(values.get("comparison"))
            if comparisons and line["comparison"] not in comparisons:
                bad("comparison", "应从下拉列表中选择")
            line["category"] = categories.get(_text(values["category"]))
            if line["category"] is None:
                bad("category", f"应为 {'、'.join(c.name for c in camp.categories)} 之一")
            for key, limit in (("title", TITLE_MAX), ("measures", TEXT_MAX), ("milestones", TEXT_MAX)):
                try:
                    line[key] = clean_text(_text(values[key]), dict(cols)[key], max_len=limit,
                                           required=key != "milestones")
                except BadInput as exc:
                    bad(key, exc.message)
            due = _date(values["due"])
            if due is None:
                bad("due", "应为日期 YYYY-MM-DD")
            elif not today <= due <= camp.end_date:
                bad("due", f"应在 {today.isoformat()} 至 {camp.end_date.isoformat()}（活动结束）之间")
            line["due"] = due
            lines.append(line)
    if not sheets:
        problems.append("文件中没有问题整改清单工作表")
    elif not lines and not problems:
        problems.append("问题整改清单是空的：没有任何一行")
    return lines, problems


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def import_lists(uow: UnitOfWork, login: str, path: Path, *, campaign: str | None = None,
                 today: dt.date | None = None) -> dict:
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    today = business_date(camp, today)
    who = actor(uow, login)
    lines, problems = read_lists(uow, camp, who, path, today)
    lists: dict[tuple[int, str], ProblemList] = {}
    for line in lines:
        if line.get("person") is None:
            continue
        key = (line["person"].id, line["level"])
        if key not in lists:
            existing = uow.session.scalar(select(ProblemList).where(
                ProblemList.campaign_id == camp.id, ProblemList.person_id == key[0], ProblemList.level == key[1]))
            if existing is not None and existing.state != "returned":
                problems.append(f"工作表「{line['sheet']}」第{line['row']}行：{line['person'].name}的"
                                f"{line['level'] or ''}问题整改清单已{LIST_STATES[existing.state]}，不能重复报送")
            lists[key] = existing
    if problems:
        shown = "；".join(problems[:30]) + (f"；……共 {len(problems)} 处" if len(problems) > 30 else "")
        raise BadInput(f"问题整改清单有 {len(problems)} 处错误，未导入任何内容：{shown}")
    names = {s["code"]: s["name"] for s in camp.plan.get("sources", [])}
    source = next(iter(list_duty(camp).get("sources", [])), None) or next(iter(names))
    by_list: dict[int, list] = {}
    for line in lines:
        key = (line["person"].id, line["level"])
        plist = lists[key]
        if plist is None:
            plist = lists[key] = ProblemList(campaign_id=camp.id, person=line["person"], unit=line["unit"],
                                             level=line["level"], state="submitted", submitted_on=today, version=0)
            uow.session.add(plist)
            uow.flush()
        elif plist.state == "returned":
            _supersede(uow, who, plist, today)
            plist.state, plist.submitted_on, plist.reviewed_by, plist.reviewed_on = "submitted", today, None, None
        item = register_item(uow, who, camp, today, unit=line["unit"].code, title=line["title"],
                             person=line["person"].login, category=line["category"], source=names[source],
                             description="", due=line["due"], due_days=None, origin=f"list:{plist.id}",
                             action="item.add")
        uow.session.add(ItemPlan(item_id=item.id, list_id=plist.id, comparison=line["comparison"],
                                 measures=line["measures"], milestones=line.get("milestones", "")))
        by_list.setdefault(plist.id, []).append((item, line))
    for list_id, entries in by_list.items():
        plist = uow.session.get(ProblemList, list_id)
        plist.version += 1
        uow.record(chain=campaign_chain(camp), actor=who.login, today=today, trigger="problem_list_submitted",
                   campaign_id=camp.id, payload={
                       "list": plist.id, "person": plist.person.login, "unit": plist.unit.code, "level": plist.level,
                       "items": {item.no: {"comparison": line["comparison"], "measures_sha256": _sha(line["measures"]),
                                           "milestones_sha256": _sha(line.get("milestones", ""))}
                                 for item, line in entries}})
    uow.commit()
    return {"items": len(lines), "lists": [list_view(uow.session.get(ProblemList, i)) for i in by_list]}


def _supersede(uow: UnitOfWork, who: Person, plist: ProblemList, today: dt.date) -> None:
    """A returned list sent in again replaces its earlier lines: their items still open are
    withdrawn (kept, with their history, and reopenable), so nothing is counted twice."""
    earlier = uow.session.scalars(select(ProblemItem).join(ItemPlan, ItemPlan.item_id == ProblemItem.id)
                                  .where(ItemPlan.list_id == plist.id, ProblemItem.state.in_(OPEN))
                                  .order_by(ProblemItem.id))
    reason = text("records", "list_resubmitted", date=cn_date(today))
    for item in earlier:
        uow.lock(item_chain(item))
        apply_trigger(uow, who, item, "withdraw", today, reason=reason)


# --- review ------------------------------------------------------------------


def list_view(plist: ProblemList) -> dict:
    return {"id": plist.id, "person": plist.person.name, "login": plist.person.login, "unit": plist.unit.name,
            "level": plist.level, "state": plist.state, "state_label": LIST_STATES[plist.state],
            "submitted_on": plist.submitted_on.isoformat(),
            "reviewed_by": plist.reviewed_by.name if plist.reviewed_by else None,
            "reviewed_on": plist.reviewed_on.isoformat() if plist.reviewed_on else None,
            "review_note": plist.review_note, "version": plist.version}


def _reviewer_may(who: Person, plist: ProblemList, campaign: Campaign) -> None:
    levels = {lv["name"]: lv.get("reviewed_by", "unit_head") for lv in list_duty(campaign).get("levels", [])}
    if who.id == plist.person_id:
        raise permissions.PermissionDenied(f"{who.name}（{who.login}）不能审核本人的问题整改清单（职责分离）")
    if levels.get(plist.level, "unit_head") == "leading_group":
        if not who.active or not who.role_set & {"leader", "deputy_leader"}:
            raise permissions.PermissionDenied(f"{who.name}（{who.login}）无权审核{plist.level}问题整改清单：仅限领导小组")
        return
    if not who.active or not permissions.heads_unit(who, plist.unit):
        unit_head = permissions.role_labels(campaign)["unit_head"]
        raise permissions.PermissionDenied(
            f"{who.name}（{who.login}）无权审核{plist.unit.name}的问题整改清单：仅限该单位的{unit_head}")


def _list_of(uow: UnitOfWork, camp: Campaign, person: str | None, level: str | None,
             list_id: int | None) -> ProblemList:
    """The one list named by its id (the console) or by its person and level (the CLI)."""
    if list_id is not None:
        plist = uow.session.get(ProblemList, list_id)
        if plist is None or plist.campaign_id != camp.id:
            raise NotFound(f"问题整改清单不存在：{list_id}")
        return plist
    owner = uow.org.person_by_name_or_login(person or "")
    query = select(ProblemList).where(ProblemList.campaign_id == camp.id, ProblemList.person_id == owner.id)
    if level is not None:
        query = query.where(ProblemList.level == level)
    found = uow.session.scalars(query).all()
    if not found:
        raise NotFound(f"{owner.name}尚未报送问题整改清单" + (f"（{level}）" if level else ""))
    if len(found) > 1:
        raise BadInput(f"{owner.name}有 {len(found)} 份问题整改清单，请用 --layer 指定：{'、'.join(p.level for p in found)}")
    return found[0]


def awaiting_review(uow: UnitOfWork, who: Person, campaign: Campaign) -> list[dict]:
    """Submitted lists this person may review now (the 工作台's hint; review_list decides)."""
    waiting = []
    for plist in uow.session.scalars(select(ProblemList).where(ProblemList.campaign_id == campaign.id,
                                                               ProblemList.state == "submitted")
                                     .order_by(ProblemList.submitted_on, ProblemList.id)):
        try:
            _reviewer_may(who, plist, campaign)
        except permissions.PermissionDenied:
            continue
        waiting.append(list_view(plist))
    return waiting


def review_list(uow: UnitOfWork, login: str, *, decision: str, person: str | None = None, level: str | None = None,
                list_id: int | None = None, note: str = "", campaign: str | None = None,
                today: dt.date | None = None, expect_version: int | None = None) -> dict:
    """approve or return (退回) a submitted list."""
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    today = business_date(camp, today)
    who = actor(uow, login)
    plist = _list_of(uow, camp, person, level, list_id)
    owner = plist.person
    if expect_version is not None and plist.version != expect_version:
        raise ConcurrentModification(f"{owner.name}的问题整改清单已被他人修改：期望版本 {expect_version}，"
                                     f"当前版本 {plist.version}")
    _reviewer_may(who, plist, camp)
    if plist.state != "submitted":
        raise RuleViolation(f"{owner.name}的问题整改清单当前为「{LIST_STATES[plist.state]}」，不能审核")
    note = clean_text(note, "审核意见", max_len=TEXT_MAX, required=decision == "returned")
    plist.state, plist.reviewed_by, plist.reviewed_on, plist.review_note = decision, who, today, note or None
    plist.version += 1
    uow.record(chain=campaign_chain(camp), actor=who.login, today=today, trigger="problem_list_reviewed",
               campaign_id=camp.id, note=note, payload={"list": plist.id, "state": decision})
    uow.commit()
    return list_view(plist)


def list_lists(uow: UnitOfWork, login: str, *, campaign: str | None = None, unit: str | None = None) -> list[dict]:
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    query = select(ProblemList).where(ProblemList.campaign_id == camp.id).order_by(ProblemList.id)
    if unit:
        query = query.where(ProblemList.unit_id == uow.org.unit(unit).id)
    return [list_view(p) for p in uow.session.scalars(query)]
