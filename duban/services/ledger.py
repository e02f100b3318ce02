"""整改落实台账: one row per item, exported as XLSX or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import aliased

from duban import permissions
from duban.errors import BadInput
from duban.services.common import actor, business_date
from statemachines.item import ITEM
from storage.models import Category, DeadlineChange, ItemPlan, OrgUnit, Person, ProblemItem
from storage.uow import UnitOfWork

LIGHTS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
SHEET = "整改落实台账"  # the problems' sheet; units return it for reconciliation (duban.services.reconcile)
COLUMNS = [
    ("no", "编号"), ("title", "问题"), ("category", "类别"), ("unit", "责任单位"), ("owner", "责任人"),
    ("measures", "整改措施"), ("leader", "责任领导"),
    ("source", "问题来源"), ("identified_on", "查摆日期"), ("assigned_on", "交办日期"),
    ("original_due", "原定期限"), ("due", "现期限"), ("deadline_changes", "期限变更"),
    ("state", "状态"), ("light", "红黄绿灯"), ("submitted_on", "提交日期"), ("verified_on", "销号日期"),
    ("verified_by", "验收人"), ("rechecked_on", "回头看日期"), ("reject_count", "退回次数"),
    ("relapse_count", "反弹次数"),
]
# The 长效机制 section (its own sheet): the same lifecycle, judged on the adopted document.
MECHANISM_COLUMNS = [
    ("no", "编号"), ("title", "长效机制"), ("unit", "牵头单位"), ("owner", "责任人"), ("assigned_on", "交办日期"),
    ("original_due", "原定期限"), ("due", "现期限"), ("state", "状态"), ("light", "红黄绿灯"),
    ("adopted_doc", "制度文件"), ("submitted_on", "提交日期"), ("verified_on", "销号日期"), ("verified_by", "验收人"),
]


def ledger_rows(uow: UnitOfWork, campaign, today: dt.date) -> list[dict]:
    return list(iter_ledger_rows(uow, campaign, today))


def iter_ledger_rows(uow: UnitOfWork, campaign, today: dt.date, *, chunk: int = 2000,
                     unit_id: int | None = None) -> Iterator[dict]:
    """The ledger's rows in campaign order (``unit_id``: one unit's part), streamed from one joined
    query (the light computed in SQL); the deadline changes, far fewer than the items, are read
    first in one query."""
    from duban.services.listing import light_column

    changes: dict[int, list[str]] = {}
    for ch in uow.session.scalars(
        select(DeadlineChange).join(ProblemItem).where(ProblemItem.campaign_id == campaign.id)
        .order_by(DeadlineChange.id)
    ):
        changes.setdefault(ch.item_id, []).append(_change_text(ch))
    owner, verifier, leader = aliased(Person), aliased(Person), aliased(Person)
    query = (
        select(ProblemItem.id, ProblemItem.no, ProblemItem.title, Category.name.label("category"),
               OrgUnit.name.label("unit"), owner.name.label("owner"), ItemPlan.measures, leader.name.label("leader"),
               ProblemItem.source, ProblemItem.identified_on,
               ProblemItem.assigned_on, ProblemItem.original_due, ProblemItem.due, ProblemItem.state,
               light_column(campaign, today).label("light"), ProblemItem.submitted_on, ProblemItem.verified_on,
               verifier.name.label("verified_by"), ProblemItem.rechecked_on, ProblemItem.reject_count,
               ProblemItem.relapse_count, ProblemItem.kind, ProblemItem.adopted_doc)
        .join(OrgUnit, OrgUnit.id == ProblemItem.unit_id)
        .outerjoin(Category, Category.id == ProblemItem.category_id)
        .outerjoin(owner, owner.id == ProblemItem.owner_id)
        .outerjoin(verifier, verifier.id == ProblemItem.verified_by_id)
        .outerjoin(leader, leader.id == OrgUnit.head_id)
        .outerjoin(ItemPlan, ItemPlan.item_id == ProblemItem.id)
        .where(ProblemItem.campaign_id == campaign.id).order_by(ProblemItem.seq)
    )
    if unit_id is not None:
        query = query.where(ProblemItem.unit_id == unit_id)
    # Core rows (the connection, not the ORM session): half the CPU per row of ORM-loaded rows.
    for r in uow.session.connection().execute(query.execution_options(yield_per=chunk)):
        yield {
            "no": r.no, "title": r.title, "category": r.category or "", "unit": r.unit, "owner": r.owner or "",
            "measures": r.measures or "", "leader": r.leader or "", "source": r.source,
            "identified_on": r.identified_on, "assigned_on": r.assigned_on,
            "original_due": r.original_due, "due": r.due, "deadline_changes": "；".join(changes.get(r.id, [])),
            "state": ITEM.label(r.state), "light": LIGHTS.get(r.light or "", ""),
            "submitted_on": r.submitted_on, "verified_on": r.verified_on, "verified_by": r.verified_by or "",
            "rechecked_on": r.rechecked_on, "reject_count": r.reject_count, "relapse_count": r.relapse_count,
            "kind": r.kind, "adopted_doc": r.adopted_doc or "",
        }


def _change_text(ch: DeadlineChange) -> str:
    kinds = {"extension": "延期", "pause": "挂起", "relapse": "反弹重定期限", "reopen": "重新打开"}
    status = {"pending": "待审批", "approved": "已批准", "refused": "未批准", "active": "挂起中", "done": ""}
    old = ch.old_due.isoformat() if ch.old_due else "—"
    new = ch.new_due.isoformat() if ch.new_due else "—"
    return f"{ch.requested_on.isoformat()} {kinds.get(ch.kind, ch.kind)}{status.get(ch.status, '')} {old}→{new}".strip()


def export_ledger(uow: UnitOfWork, login: str, out: Path, fmt: str, *, campaign: str | None = None,
                  unit: str | None = None, today: dt.date | None = None) -> dict:
    """The whole 台账, or one unit's part (the lines it returns with its progress for 对账销号)."""
    if fmt not in ("xlsx", "csv"):
        raise BadInput(f"台账格式无效：{fmt}（可选：xlsx、csv）")
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    unit_id = uow.org.unit(unit).id if unit else None
    out = Path(out)
    if not out.parent.exists():
        raise BadInput(f"输出目录不存在：{out.parent}")
    count = write_table(out, fmt, f"{camp.name}整改落实台账", iter_ledger_rows(uow, camp, today, unit_id=unit_id))
    return {"out": str(out), "rows": count, "format": fmt, "as_of": today.isoformat()}


def write_table(out: Path, fmt: str, title: str, rows: Iterable[dict]) -> int:
    """Write atomically (a reader never sees a half-written ledger), streaming the rows; returns their count."""
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=out.suffix)
    os.close(fd)
    count = 0
    try:
        if fmt == "csv":
            with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel reads it as UTF-8
                writer = csv.writer(fh)
                writer.writerow([label for _, label in COLUMNS])
                for count, row in enumerate(rows, start=1):
                    writer.writerow([_csv_safe(_cell(row[key])) for key, _ in COLUMNS])
        else:
            count = _write_xlsx(tmp, title, rows)
        os.replace(tmp, out)
        return count
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _csv_safe(value):
    # A title such as "=HYPERLINK(...)" must not become a formula in Excel.
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def _cell(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


def _write_xlsx(path: str, title: str, rows: Iterable[dict]) -> int:
    """Streamed (duban.xlsx): memory stays flat whatever the number of items. Mechanisms get their
    own sheet, opened at the first one."""
    from duban.xlsx import StreamedWorkbook

    book = StreamedWorkbook()
    sheets = {"problem": _Sheet(book, SHEET, title, COLUMNS)}
    count = 0
    for count, row in enumerate(rows, start=1):
        kind = "problem" if row.get("kind", "problem") == "problem" else "mechanism"
        if kind not in sheets:
            sheets[kind] = _Sheet(book, "长效机制", title, MECHANISM_COLUMNS)
        sheets[kind].append(row)
    book.save(path)
    return count


class _Sheet:
    """One sheet: title, bold header, widths and frozen panes, then the rows as they come."""

    WIDTHS = {"title": 40, "deadline_changes": 30, "unit": 18, "measures": 30}

    def __init__(self, book, name: str, title: str, columns: list[tuple[str, str]]):
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        self.sheet, self.keys = book.create_sheet(name), [key for key, _ in columns]
        head = self.sheet.head
        for index, key in enumerate(self.keys, start=1):
            head.column_dimensions[get_column_letter(index)].width = self.WIDTHS.get(key, 12)
        head.freeze_panes = "A3"
        head.append([title])
        head["A1"].font = Font(bold=True, size=14)
        head.append([label for _, label in columns])
        for cell in head[2]:
            cell.font, cell.alignment = Font(bold=True), Alignment(horizontal="center")
        self.light = self.keys.index("light")
        self.fills = book.light_fills(self.light, LIGHTS)  # the rows carry the light's label

    def append(self, row: dict) -> None:
        self.sheet.append([row[key] for key in self.keys], self.fills.get(row["light"]))
