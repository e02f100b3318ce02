"""整改落实台账: one row per item, exported as XLSX or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from pathlib import Path

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput
from duban.services.common import actor, business_date, light_of
from statemachines.item import ITEM
from storage.models import DeadlineChange, ItemPlan, ProblemItem
from storage.uow import UnitOfWork

LIGHTS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
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
    items = uow.session.scalars(
        select(ProblemItem).where(ProblemItem.campaign_id == campaign.id).order_by(ProblemItem.seq)
    ).all()
    changes: dict[int, list[str]] = {}
    for ch in uow.session.scalars(
        select(DeadlineChange).join(ProblemItem).where(ProblemItem.campaign_id == campaign.id)
        .order_by(DeadlineChange.id)
    ):
        changes.setdefault(ch.item_id, []).append(_change_text(ch))
    measures = dict(uow.session.execute(select(ItemPlan.item_id, ItemPlan.measures).join(ProblemItem).where(
        ProblemItem.campaign_id == campaign.id)).all())
    rows = []
    for item in items:
        rows.append({
            "no": item.no, "title": item.title, "category": item.category.name if item.category else "",
            "unit": item.unit.name, "owner": item.owner.name if item.owner else "", "source": item.source,
            "measures": measures.get(item.id, ""), "leader": item.unit.head.name if item.unit.head else "",
            "identified_on": item.identified_on, "assigned_on": item.assigned_on,
            "original_due": item.original_due, "due": item.due,
            "deadline_changes": "；".join(changes.get(item.id, [])),
            "state": ITEM.label(item.state), "light": LIGHTS.get(light_of(campaign, item, today) or "", ""),
            "submitted_on": item.submitted_on, "verified_on": item.verified_on,
            "verified_by": item.verified_by.name if item.verified_by else "",
            "rechecked_on": item.rechecked_on, "reject_count": item.reject_count,
            "relapse_count": item.relapse_count, "kind": item.kind, "adopted_doc": item.adopted_doc or "",
        })
    return rows


def _change_text(ch: DeadlineChange) -> str:
    kinds = {"extension": "延期", "pause": "挂起", "relapse": "反弹重定期限", "reopen": "重新打开"}
    status = {"pending": "待审批", "approved": "已批准", "refused": "未批准", "active": "挂起中", "done": ""}
    old = ch.old_due.isoformat() if ch.old_due else "—"
    new = ch.new_due.isoformat() if ch.new_due else "—"
    return f"{ch.requested_on.isoformat()} {kinds.get(ch.kind, ch.kind)}{status.get(ch.status, '')} {old}→{new}".strip()


def export_ledger(uow: UnitOfWork, login: str, out: Path, fmt: str, *, campaign: str | None = None,
                  today: dt.date | None = None) -> dict:
    if fmt not in ("xlsx", "csv"):
        raise BadInput(f"台账格式无效：{fmt}（可选：xlsx、csv）")
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    rows = ledger_rows(uow, camp, today)
    out = Path(out)
    if not out.parent.exists():
        raise BadInput(f"输出目录不存在：{out.parent}")
    write_table(out, fmt, f"{camp.name}整改落实台账", rows)
    return {"out": str(out), "rows": len(rows), "format": fmt, "as_of": today.isoformat()}


def write_table(out: Path, fmt: str, title: str, rows: list[dict]) -> None:
    """Write atomically: a reader never sees a half-written ledger."""
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=out.suffix)
    os.close(fd)
    try:
        if fmt == "csv":
            with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel reads it as UTF-8
                writer = csv.writer(fh)
                writer.writerow([label for _, label in COLUMNS])
                for row in rows:
                    writer.writerow([_csv_safe(_cell(row[key])) for key, _ in COLUMNS])
        else:
            _write_xlsx(tmp, title, rows)
        os.replace(tmp, out)
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


def _write_xlsx(path: str, title: str, rows: list[dict]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    problems = [row for row in rows if row.get("kind", "problem") == "problem"]
    mechanisms = [row for row in rows if row.get("kind", "problem") != "problem"]
    _fill_sheet(book.active, "整改落实台账", title, COLUMNS, problems)
    if mechanisms:
        _fill_sheet(book.create_sheet(), "长效机制", title, MECHANISM_COLUMNS, mechanisms)
    book.save(path)


def _fill_sheet(sheet, name: str, title: str, columns: list[tuple[str, str]], rows: list[dict]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet.title = name
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([label for _, label in columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    fills = {"红灯": "FFC7CE", "黄灯": "FFEB9C", "绿灯": "C6EFCE"}
    light_col = [key for key, _ in columns].index("light") + 1
    for number, row in enumerate(rows, start=3):
        sheet.append([_cell(row[key]) for key, _ in columns])
        for column, (key, _) in enumerate(columns, start=1):
            if isinstance(row[key], str) and row[key].startswith("="):
                sheet.cell(row=number, column=column).data_type = "s"  # user text like "=cmd()" stays text
        fill = fills.get(row["light"])
        if fill:
            sheet.cell(row=number, column=light_col).fill = PatternFill("solid", fgColor=fill)
    widths = {"title": 40, "deadline_changes": 30, "unit": 18, "measures": 30}
    for index, (key, _) in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = widths.get(key, 12)
    sheet.freeze_panes = "A3"
