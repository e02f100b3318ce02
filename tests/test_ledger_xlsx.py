"""The 台账 XLSX, written row by row (openpyxl write-only): the same rows as the CSV, styled, safe."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

AS_OF = "2015-09-28"


def test_xlsx_has_the_csv_rows_lights_coloured_and_formulas_kept_as_text(cli, campaign_db, tmp_path):
    db = campaign_db

    def add(title, due=None):
        owner = ["--person", "wu", "--due", due] if due else []
        r = cli("item", "add", "--unit", "JGC", "--title", title, *owner, db=db, as_user="zhao", json=True,
                today="2015-09-10")
        assert r.code == 0, r
        return r.json()["no"]

    red = add("窗口推诿", "2015-09-25")
    add("=HYPERLINK(\"http://127.0.0.1\")", "2015-11-30")
    add("只登记")
    xlsx, table = tmp_path / "台账.xlsx", tmp_path / "台账.csv"
    r = cli("ledger", "export", "--out", xlsx, db=db, as_user="zhao", json=True, today=AS_OF)
    assert r.code == 0 and r.json()["rows"] == 3, r
    assert cli("ledger", "export", "--format", "csv", "--out", table, db=db, as_user="zhao", today=AS_OF).code == 0

    sheet = load_workbook(xlsx).worksheets[0]
    assert sheet.title == "整改落实台账" and sheet.freeze_panes == "A3"
    assert sheet["A1"].value.endswith("整改落实台账") and sheet["A1"].font.bold
    with open(table, encoding="utf-8-sig") as fh:
        expected = list(csv.reader(fh))
    values = [["" if v is None else v.date().isoformat() if isinstance(v, dt.datetime) else str(v) for v in row]
              for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values[0] == expected[0]  # the header
    assert [row[0] for row in values[1:]] == [row[0] for row in expected[1:]]
    light = expected[0].index("红黄绿灯") + 1
    red_row = next(row for row in sheet.iter_rows(min_row=3) if row[0].value == red)
    assert red_row[light - 1].value == "红灯" and red_row[light - 1].fill.fgColor.rgb.endswith("FFC7CE")
    formula = next(row for row in sheet.iter_rows(min_row=3) if str(row[1].value).startswith("="))
    assert formula[1].data_type == "s"  # shown as text, never evaluated
    assert sheet.column_dimensions["B"].width == 40
    # dates are Excel dates (sortable, filterable), not text; empty ones stay empty
    header = expected[0]
    for name in ("查摆日期", "原定期限", "现期限"):
        column = [row[header.index(name)] for row in sheet.iter_rows(min_row=3)]
        dated = [cell for cell in column if cell.value is not None]
        assert dated and all(cell.is_date and cell.number_format == "yyyy-mm-dd" for cell in dated), name
    due = header.index("现期限")
    assert red_row[due].value.date() == dt.date(2015, 9, 25)
    assert sorted(row[due].value for row in sheet.iter_rows(min_row=3) if row[due].value is not None) == \
        [dt.datetime(2015, 9, 25), dt.datetime(2015, 11, 30)]


def test_item_list_xlsx_due_dates_are_excel_dates(cli, campaign_db):
    from duban.services.item_export import items_xlsx
    from duban.services.listing import ItemFilters
    from storage.uow import UnitOfWork

    for title, due in (("窗口推诿", "2015-09-25"), ("回复迟缓", "2015-11-30")):
        r = cli("item", "add", "--unit", "JGC", "--title", title, "--person", "wu", "--due", due,
                db=campaign_db, as_user="zhao", json=True, today="2015-09-10")
        assert r.code == 0, r
    with UnitOfWork(campaign_db) as uow:
        data = items_xlsx(uow, "zhao", ItemFilters(), today=dt.date(2015, 9, 28))
    sheet = load_workbook(io.BytesIO(data)).active
    due = [cell for (cell,) in sheet.iter_rows(min_row=2, min_col=8, max_col=8)]
    assert [cell.value for cell in due] == [dt.datetime(2015, 9, 25), dt.datetime(2015, 11, 30)]
    assert all(cell.is_date and cell.number_format == "yyyy-mm-dd" for cell in due)


def test_streamed_rows_keep_text_dates_and_numbers_and_drop_what_xml_cannot_carry(tmp_path):
    from openpyxl.styles import Font, PatternFill

    from duban.xlsx import StreamedWorkbook

    book = StreamedWorkbook()
    first, second = book.create_sheet("甲"), book.create_sheet("乙")
    first.head.append(["标题"])
    first.head["A1"].font = Font(bold=True)
    first.head.freeze_panes = "A2"
    red = book.style(fill=PatternFill("solid", fgColor="FFC7CE"))
    first.append(["a < b & c > d", " 前后空格 ", "响铃\x07换页\x0c\ufffe止", "行一\n行二", None, "", 3, 2.5,
                  dt.date(2015, 9, 25)], {0: red})
    second.append(["=1+1", dt.date(1900, 1, 1)])
    first.append(["末行"])
    path = tmp_path / "s.xlsx"
    book.save(path)

    for read_only in (False, True):  # read-only mode trusts the sheet's stated dimension
        workbook = load_workbook(path, read_only=read_only)
        assert workbook.sheetnames == ["甲", "乙"]
        rows = list(workbook["甲"].iter_rows(values_only=True))
        assert rows == [("标题",) + (None,) * 8,
                        ("a < b & c > d", " 前后空格 ", "响铃换页止", "行一\n行二", None, None, 3, 2.5,
                         dt.datetime(2015, 9, 25)),
                        ("末行",) + (None,) * 8]
        assert list(workbook["乙"].iter_rows(values_only=True)) == [("=1+1", dt.datetime(1900, 1, 1))]
    sheet = load_workbook(path)["甲"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet["A2"].fill.fgColor.rgb.endswith("FFC7CE") and not sheet["B2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["I2"].is_date and sheet["I2"].number_format == "yyyy-mm-dd"
    assert load_workbook(path)["乙"]["A1"].data_type == "s"  # text, never a formula
