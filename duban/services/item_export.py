"""The item list's current view as an XLSX workbook (the same filters, every matching row)."""

from __future__ import annotations

import datetime as dt
import io

from duban.labels import label
from duban.services.listing import ItemFilters, iter_items
from storage.uow import UnitOfWork

COLUMNS = [("no", "编号"), ("title", "问题"), ("category", "类别"), ("source", "来源"), ("unit", "责任单位"),
           ("owner", "责任人"), ("state_label", "状态"), ("due", "整改期限"), ("light", "红黄绿灯")]


def items_xlsx(uow: UnitOfWork, login: str, filters: ItemFilters, *, campaign: str | None = None,
               today: dt.date | None = None) -> bytes:
    from openpyxl.styles import Font

    from duban.xlsx import StreamedWorkbook

    book = StreamedWorkbook()  # streamed: a 100 k row view never sits in memory as cells
    sheet = book.create_sheet("问题清单")
    sheet.head.freeze_panes = "A2"
    sheet.head.append([title for _, title in COLUMNS])
    for cell in sheet.head[1]:
        cell.font = Font(bold=True)
    keys = [key for key, _ in COLUMNS]
    due, light = keys.index("due"), keys.index("light")
    fills = book.light_fills(light)
    for row in iter_items(uow, login, filters, campaign=campaign, today=today):
        values = [row[key] for key in keys]
        if row["due"]:
            values[due] = dt.date.fromisoformat(row["due"])  # an Excel date, not text
        if row["light"]:
            values[light] = label("light", row["light"])
        sheet.append(values, fills.get(row["light"]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
