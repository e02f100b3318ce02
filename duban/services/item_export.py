"""The item list's current view as an XLSX workbook (the same filters, every matching row)."""

from __future__ import annotations

import datetime as dt
import io

from duban.labels import label
from duban.services.ledger import XLSX_DATE_FORMAT
from duban.services.listing import ItemFilters, iter_items
from storage.uow import UnitOfWork

COLUMNS = [("no", "编号"), ("title", "问题"), ("category", "类别"), ("source", "来源"), ("unit", "责任单位"),
           ("owner", "责任人"), ("state_label", "状态"), ("due", "整改期限"), ("light", "红黄绿灯")]
FILLS = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}


def items_xlsx(uow: UnitOfWork, login: str, filters: ItemFilters, *, campaign: str | None = None,
               today: dt.date | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    book = Workbook(write_only=True)  # streamed: a 100 k row view never sits in memory as cells
    sheet = book.create_sheet("问题清单")
    sheet.freeze_panes = "A2"
    header = []
    for _, title in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in iter_items(uow, login, filters, campaign=campaign, today=today):
        cells = []
        for key, _ in COLUMNS:
            value = label("light", row[key]) if key == "light" and row[key] else row[key]
            if key == "due" and value:
                value = dt.date.fromisoformat(value)  # an Excel date, not text
            cell = WriteOnlyCell(sheet, value="" if value is None else value)
            if isinstance(value, dt.date):
                cell.number_format = XLSX_DATE_FORMAT
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # user text such as "=cmd()" stays text, never a formula
            if key == "light" and row["light"]:
                cell.fill = PatternFill("solid", fgColor=FILLS[row["light"]])
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
