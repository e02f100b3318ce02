"""Import the organisation (units and people with roles) from CSV or XLSX.

One sheet, one row per unit or person:

    类型,编码,名称,所属单位,单位类别,民生,职务,角色
    单位,D01,办公室,,机关部门,否,,
    单位,D05,服务中心,,直属单位,是,,
    人员,zhangsan,张三,D01,,,主任,办公室;负责人

单位类别 must be one of the loaded plans' ``unit_categories`` when any plan lists them.

Every row is checked before anything is written: a bad file reports all its bad
rows by number and imports nothing. Importing the same file again is a no-op.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from duban import clock, permissions
from duban.errors import BadInput
from duban.services.common import actor
from storage.models import OrgUnit, Person
from storage.uow import ORG_CHAIN, UnitOfWork

COLUMNS = {
    "类型": "kind", "编码": "code", "名称": "name", "所属单位": "parent", "单位类别": "unit_kind",
    "民生": "serves_public", "职务": "title", "角色": "roles", "分管领导": "leader_in_charge",
}
REQUIRED = ("kind", "code", "name")
YES = {"是", "Y", "y", "yes", "1", "true", "√"}
NO = {"否", "N", "n", "no", "0", "false", ""}
CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
MAX_ROWS = 20000
UNIT_KINDS, PERSON_KINDS = ("单位", "unit"), ("人员", "person")


@dataclass
class Row:
    line: int
    kind: str
    code: str
    name: str
    parent: str = ""
    unit_kind: str = ""
    serves_public: str = ""
    title: str = ""
    roles: str = ""
    leader_in_charge: str = ""  # unit rows: login of the 分管领导


def read_rows(path: Path) -> list[Row]:
    if path.is_dir():
        raise BadInput(f"这是目录，不是文件：{path}（请给出 .csv 或 .xlsx 文件）")
    if not path.is_file():
        raise BadInput(f"文件不存在：{path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        table = _read_xlsx(path)
    else:
        raise BadInput(f"不支持的文件类型：{path.name}（请用 .csv 或 .xlsx）")
    if not table:
        raise BadInput(f"{path.name} 是空文件")
    header = [str(h or "").strip() for h in table[0]]
    fields = [COLUMNS.get(h, h if h in COLUMNS.values() else None) for h in header]
    missing = [zh for zh, en in COLUMNS.items() if en in REQUIRED and en not in fields]
    if missing:
        raise BadInput(f"{path.name} 第1行表头缺少列：{'、'.join(missing)}（应有：{','.join(COLUMNS)}）")
    if len(table) - 1 > MAX_ROWS:
        raise BadInput(f"{path.name} 行数过多：{len(table) - 1}，上限 {MAX_ROWS}")
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = {f: str(v if v is not None else "").strip() for f, v in zip(fields, values) if f}
        if not any(cells.values()):
            continue
        rows.append(Row(line=number, **{f: cells.get(f, "") for f in COLUMNS.values()}))
    return rows


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        hint = ""
        try:
            raw.decode("gbk")
            hint = "（看起来是 GBK 编码）"
        except UnicodeDecodeError:
            pass
        raise BadInput(f"{path.name} 不是 UTF-8 编码{hint}：请在 Excel 中另存为“CSV UTF-8”或直接导入 .xlsx") from None
    if "\x00" in text:
        raise BadInput(f"{path.name} 含有空字符，不是文本 CSV 文件")
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise BadInput(f"{path.name} 不是有效的 CSV：{exc}") from None


def _read_xlsx(path: Path) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise BadInput(f"{path.name} 不是有效的 Excel 文件（{type(exc).__name__}）") from None
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def import_org(uow: UnitOfWork, login: str, path: Path, *, today: dt.date | None = None) -> dict:
    path = Path(path)
    rows = read_rows(path)
    who = actor(uow, login)
    permissions.require(who, "org.import")
    uow.lock(ORG_CHAIN)
    errors: list[str] = []

    def bad(row: Row, message: str) -> None:
        errors.append(f"第{row.line}行 {message}")

    existing_units = {u.code: u for u in uow.org.units()}
    names_taken = {u.name: u.code for u in existing_units.values()}
    unit_rows = [r for r in rows if r.kind in UNIT_KINDS]
    person_rows = [r for r in rows if r.kind in PERSON_KINDS]
    for row in rows:
        if row.kind not in UNIT_KINDS and row.kind not in PERSON_KINDS:
            bad(row, f"类型无效：{row.kind!r}（应为“单位”或“人员”）")
        if not CODE_RE.match(row.code):
            bad(row, f"编码无效：{row.code!r}（1–32 位字母、数字、-_.）")
        if not row.name or len(row.name) > 64:
            bad(row, "名称为空或超过 64 字")
    seen: dict[str, int] = {}
    for row in rows:
        key = f"{row.kind}:{row.code}"
        if key in seen:
            bad(row, f"编码 {row.code} 与第{seen[key]}行重复")
        seen.setdefault(key, row.line)

    categories = unit_categories(uow)
    campaign = uow.campaigns.only()  # whose plan names the roles (neutral names when none or several)
    labels = permissions.role_labels(campaign)
    file_units = {r.code: r for r in unit_rows}
    known_unit = lambda key: key in existing_units or key in file_units or key in names_taken or any(
        r.name == key for r in unit_rows)
    for row in unit_rows:
        if categories and row.unit_kind not in categories:
            what = f"单位类别“{row.unit_kind}”不在方案中" if row.unit_kind else "单位类别为空"
            bad(row, f"{what}（方案 unit_categories 中的类别：{'、'.join(categories)}）")
        if row.serves_public not in YES | NO:
            bad(row, f"民生一栏应填“是”或“否”，实为 {row.serves_public!r}")
        if row.parent and not known_unit(row.parent):
            bad(row, f"所属单位不存在：{row.parent}")
        owner = names_taken.get(row.name)
        if owner and owner != row.code:
            bad(row, f"单位名称“{row.name}”已被编码 {owner} 使用")
    existing_logins = {p.login for p in uow.org.persons()}
    file_persons = {r.code for r in person_rows}
    for row in unit_rows:
        if row.leader_in_charge and row.leader_in_charge not in existing_logins | file_persons:
            bad(row, f"分管领导不存在：{row.leader_in_charge}（应填人员登录名）")
    for row, cycle in _parent_cycles(existing_units, unit_rows):
        bad(row, f"所属单位形成循环：{' → '.join(cycle)}")
    for row in person_rows:
        if not row.parent:
            bad(row, "人员须填写所属单位")
        elif not known_unit(row.parent):
            bad(row, f"所属单位不存在：{row.parent}")
        try:
            row.roles = ",".join(permissions.parse_roles(row.roles, campaign) or ["cadre"])
        except ValueError as exc:
            bad(row, f"角色无效：{exc}（可选：{'、'.join(labels[code] for code in permissions.plan_defaults()['roles'])}）")
        if row.code == "system":
            bad(row, "登录名 system 为系统保留")
        elif "system" in row.roles.split(","):
            bad(row, f"角色“{labels['system']}”只属于内置账号 system")
    if errors:
        shown = "；".join(errors[:10]) + (f"；另有 {len(errors) - 10} 处" if len(errors) > 10 else "")
        raise BadInput(f"{path.name} 有 {len(errors)} 处错误，未导入任何数据：{shown}")

    changes = {"units_created": 0, "units_updated": 0, "persons_created": 0, "persons_updated": 0}
    units = dict(existing_units)
    updated: set[str] = set()
    for row in unit_rows:
        unit = units.get(row.code)
        values = dict(name=row.name, kind=row.unit_kind, serves_public=row.serves_public in YES)
        if _upsert(uow, unit, OrgUnit, dict(code=row.code, **values), values, units, row.code):
            changes["units_created" if unit is None else "units_updated"] += 1
            if unit is not None:
                updated.add(row.code)
    uow.flush()  # new units need ids before parents can point at them
    by_name = {u.name: u for u in units.values()}
    resolve = lambda key: units.get(key) or by_name[key]
    for row in unit_rows:
        parent = resolve(row.parent) if row.parent else None
        if units[row.code].parent_id != (parent.id if parent else None):
            # The id, not the relationship: swapping a parent and its child in one file
            # would look like a cycle to the ORM's flush ordering.
            units[row.code].parent_id = parent.id if parent else None
            if row.code in existing_units:  # a moved unit counts as updated (once)
                changes["units_updated"] += row.code not in updated
    uow.flush()
    persons = {p.login: p for p in uow.org.persons()}
    unit_codes = {u.id: u.code for u in units.values()}
    person_changes = []  # who was given which roles in which unit: the audit log shows it
    for row in person_rows:
        unit, person = resolve(row.parent), persons.get(row.code)
        old_roles, old_unit = (sorted(person.role_set), unit_codes.get(person.unit_id)) if person else (None, None)
        values = dict(name=row.name, unit_id=unit.id, title=row.title, roles=row.roles, active=True)
        key = "persons_created" if person is None else "persons_updated"
        if _upsert(uow, person, Person, dict(login=row.code, **values), values, persons, row.code):
            changes[key] += 1
            person_changes.append({"login": row.code, "old_roles": old_roles, "new_roles": row.roles.split(","),
                                   "old_unit": old_unit, "new_unit": unit.code})
    uow.flush()  # new people need ids before units can name their heads
    for row in person_rows:
        unit, person = resolve(row.parent), persons[row.code]
        if "unit_head" in row.roles.split(",") and unit.head_id != person.id:
            unit.head_id = person.id
            changes["units_updated"] += unit.code in existing_units
    for row in unit_rows:
        leader = persons.get(row.leader_in_charge) if row.leader_in_charge else None
        unit = units[row.code]
        if unit.leader_in_charge_id != (leader.id if leader else None):
            unit.leader_in_charge_id = leader.id if leader else None
            changes["units_updated"] += row.code in existing_units and row.code not in updated
    people_by_id = {p.id: p for p in persons.values()}
    for unit in units.values():  # a head who lost the role or left the unit no longer heads it
        head = people_by_id.get(unit.head_id)
        if head is not None and not ("unit_head" in head.role_set and head.unit_id == unit.id):
            unit.head_id = None
            changes["units_updated"] += unit.code in existing_units
    changed = any(changes.values())
    if changed:
        uow.flush()
        uow.record(chain=ORG_CHAIN, actor=who.login, today=today or clock.today(), trigger="org_imported",
                   payload={"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), **changes,
                            "persons": person_changes, "units": _unit_snapshot(units.values(), people_by_id)})
    uow.commit()
    return {"file": path.name, "rows": len(rows), "changed": changed, **changes}


def unit_categories(uow: UnitOfWork) -> list[str]:
    """单位类别 the loaded plans know (``unit_categories``); empty when no plan lists any."""
    names: list[str] = []
    for campaign in uow.campaigns.all():
        names += [c["name"] for c in campaign.plan.get("unit_categories") or [] if c["name"] not in names]
    return names


def _unit_snapshot(units, people_by_id: dict) -> list[dict]:
    """Every unit's parent and head after the import: the audit replays who heads what from it."""
    codes = {unit.id: unit.code for unit in units}
    login = lambda person_id: people_by_id[person_id].login if person_id in people_by_id else None
    return sorted(({"code": unit.code, "parent": codes.get(unit.parent_id), "head": login(unit.head_id),
                    "leader_in_charge": login(unit.leader_in_charge_id)}
                   for unit in units), key=lambda unit: unit["code"])


def _parent_cycles(existing: dict[str, OrgUnit], unit_rows: list[Row]) -> list[tuple[Row, list[str]]]:
    """Unit rows that would make their unit its own ancestor, each with the cycle as codes."""
    code_by_id = {unit.id: code for code, unit in existing.items()}
    parents = {code: code_by_id[unit.parent_id] for code, unit in existing.items() if unit.parent_id is not None}
    codes = set(existing) | {row.code for row in unit_rows}
    code_by_name = {unit.name: code for code, unit in existing.items()} | {row.name: row.code for row in unit_rows}
    for row in unit_rows:  # the file decides the parent of every unit it lists
        parent = row.parent if row.parent in codes else code_by_name.get(row.parent)
        parents.pop(row.code, None)
        if parent:
            parents[row.code] = parent
    cycles = []
    for row in unit_rows:
        path, code = [row.code], parents.get(row.code)
        while code is not None and code not in path:
            path.append(code)
            code = parents.get(code)
        if code == row.code:
            cycles.append((row, [*path, code]))
    return cycles


def _upsert(uow, record, model, create: dict, values: dict, index: dict, key: str) -> int:
    """Create or update one record; returns 1 if anything changed."""
    if record is None:
        record = model(**create)
        uow.session.add(record)
        index[key] = record
        return 1
    if all(getattr(record, k) == v for k, v in values.items()):
        return 0
    for k, v in values.items():
        setattr(record, k, v)
    return 1
