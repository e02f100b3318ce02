"""Personal problem lists: XLSX template with the plan's drop-downs, import that reports every bad
cell and writes nothing until clean, review by the unit head or the leading group.

People (tests/data/org-small.csv): JGC 建设管理处 — sun 孙立新 负责人, wu 吴刚 and zheng 郑丽 党员干部;
ZJZ 质量监督站 (under JGC) — feng 冯强 负责人, chen 陈静 党员干部; li 李卫东 副组长; zhao 办公室.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from conftest import ROOT, dump

TODAY = "2015-09-15"


def run(cli, db, *args, as_user="zhao", today=TODAY, code=0):
    result = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert result.code == code, result
    return result


def template(cli, db, tmp_path, unit="JGC"):
    path = tmp_path / f"清单-{unit}.xlsx"
    run(cli, db, "template", "problem-list", "--unit", unit, "--out", path)
    return path


def fill(path, rows_by_sheet: dict[str, list[list]]):
    book = openpyxl.load_workbook(path)
    for title, rows in rows_by_sheet.items():
        for offset, row in enumerate(rows):
            for col, value in enumerate(row, start=1):
                book[title].cell(row=3 + offset, column=col, value=value)
    book.save(path)
    return path


GOOD_JGC = [
    ["吴刚", "党员干部", "对照“庸懒散软”存在的普遍现象", "懒", "办件拖拉，群众多次催办", "建立办件台账，每周清理",
     "9月底前建台账；10月每周清理", dt.date(2015, 10, 20)],
    ["孙立新", "领导班子", "对照“三严三实”要求", "软", "对下属督促不力", "每周听取整改汇报", "", "2015-10-30"],
]


def test_template_has_a_sheet_per_unit_with_the_plans_drop_downs(cli, campaign_db, tmp_path):
    book = openpyxl.load_workbook(template(cli, campaign_db, tmp_path))
    assert book.sheetnames == ["选项", "建设管理处", "质量监督站"] and book["选项"].sheet_state == "hidden"
    sheet = book["建设管理处"]
    assert [c.value for c in sheet[1]][:2] == ["单位编码", "JGC"]
    assert [c.value for c in sheet[2]] == ["责任人", "层面", "对照", "类别", "问题", "整改措施（任务书）", "时间表", "完成时限"]
    options = book["选项"]

    def listed(validation):
        ref = validation.formula1.split("!")[1].replace("$", "")
        return [c.value for row in options[ref] for c in row]

    drop_downs = {str(v.sqref).split(":")[0][0]: listed(v) for v in sheet.data_validations.dataValidation
                  if v.type == "list"}
    assert drop_downs["A"] == ["孙立新", "吴刚", "郑丽"]
    assert drop_downs["B"] == ["行业系统", "领导班子", "党员干部"]
    assert len(drop_downs["C"]) == 4 and drop_downs["C"][3] == "对照先贤先辈先进"
    assert drop_downs["D"] == ["庸", "懒", "散", "软"]
    assert any(v.type == "date" for v in sheet.data_validations.dataValidation)


def test_bad_rows_are_all_reported_and_nothing_is_imported_until_clean(cli, campaign_db, tmp_path):
    db = campaign_db
    path = fill(template(cli, db, tmp_path), {
        "建设管理处": GOOD_JGC,
        "质量监督站": [["吴刚", "党员干部", "对照先贤先辈先进", "懒惰", "", "措施", "", "2015-13-01"]],
    })
    before = dump(db)
    bad = run(cli, db, "problem-list", "import", path, code=2)
    for said in ("工作表「质量监督站」第3行A列（责任人）：“吴刚”不是质量监督站的人员", "第3行D列（类别）",
                 "第3行E列（问题）：问题不能为空", "第3行H列（完成时限）", "4 处错误，未导入任何内容"):
        assert said in bad.stderr, said
    assert len(bad.stderr.strip().splitlines()) == 1
    assert dump(db) == before

    path = fill(path, {"质量监督站": [["陈静", "党员干部", "对照先贤先辈先进", "散", "上班迟到早退", "严格考勤",
                                       "每日签到", "2015-10-16"]]})
    done = run(cli, db, "problem-list", "import", path).json()
    assert done["items"] == 3 and {(l["login"], l["level"], l["state"]) for l in done["lists"]} == {
        ("wu", "党员干部", "submitted"), ("sun", "领导班子", "submitted"), ("chen", "党员干部", "submitted")}
    wu_items = run(cli, db, "item", "list", "--owner", "wu").json()
    items = wu_items["items"] if isinstance(wu_items, dict) else wu_items
    assert [(i["title"], i["state"], i["due"], i["category"]) for i in items] == [
        ("办件拖拉，群众多次催办", "assigned", "2015-10-20", "懒")]
    # Importing the same list again is refused: it has been submitted.
    assert "已报送，不能重复报送" in run(cli, db, "problem-list", "import", path, code=2).stderr

    # Review: the unit head for 党员干部, the leading group for 领导班子; nobody reviews their own.
    run(cli, db, "problem-list", "approve", "--person", "wu", as_user="feng", code=3)
    run(cli, db, "problem-list", "approve", "--person", "wu", as_user="sun")
    run(cli, db, "problem-list", "approve", "--person", "sun", as_user="sun", code=3)
    run(cli, db, "problem-list", "approve", "--person", "sun", as_user="feng", code=3)
    assert run(cli, db, "problem-list", "approve", "--person", "sun", as_user="li").json()["state"] == "approved"
    run(cli, db, "problem-list", "return", "--person", "chen", "--reason", "措施不具体", as_user="feng")
    resubmitted = fill(template(cli, db, tmp_path, unit="ZJZ"), {"质量监督站": [
        ["陈静", "党员干部", "对照先贤先辈先进", "散", "上班迟到早退", "每日考勤通报，月底讲评", "10月16日前完成", "2015-10-16"]]})
    chen_before = listed_items(run(cli, db, "item", "list", "--owner", "chen", "--all").json())
    assert run(cli, db, "problem-list", "import", resubmitted).json()["lists"][0]["state"] == "submitted"
    states = {l["login"]: l["state"] for l in run(cli, db, "problem-list", "list").json()}
    assert states == {"wu": "approved", "sun": "approved", "chen": "submitted"}
    # The list sent in again replaces the returned one: its earlier lines are withdrawn, not counted twice.
    chen_after = listed_items(run(cli, db, "item", "list", "--owner", "chen", "--all").json())
    assert [i["state"] for i in chen_before] == ["assigned"]
    withdrawn = [i for i in chen_after if i["no"] == chen_before[0]["no"]]
    assert withdrawn and withdrawn[0]["state"] == "withdrawn"
    assert [(i["title"], i["state"]) for i in chen_after if i["state"] != "withdrawn"] == [("上班迟到早退", "assigned")]
    # The 台账 carries each item's 整改措施 and its 责任领导.
    run(cli, db, "ledger", "export", "--out", tmp_path / "台账.xlsx")
    rows = list(openpyxl.load_workbook(tmp_path / "台账.xlsx")["整改落实台账"].iter_rows(min_row=2, values_only=True))
    header = list(rows[0])
    wu_row = next(r for r in rows if r[header.index("责任人")] == "吴刚")
    assert (wu_row[header.index("整改措施")], wu_row[header.index("责任领导")]) == ("建立办件台账，每周清理", "孙立新")
    assert cli("audit", "verify", db=db).code == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_gbk_csv_wrong_sheet_and_a_foreign_plan(cli, campaign_db, tmp_path):
    db = campaign_db
    before = dump(db)
    csv = tmp_path / "清单.csv"
    csv.write_bytes("责任人,问题\n吴刚,办件拖拉\n".encode("gbk"))
    assert "不是 XLSX 文件" in run(cli, db, "problem-list", "import", csv, code=2).stderr
    renamed = tmp_path / "清单.xlsx"
    renamed.write_bytes(csv.read_bytes())
    assert "无法作为 XLSX 文件读取" in run(cli, db, "problem-list", "import", renamed, code=2).stderr
    path = fill(template(cli, db, tmp_path), {"建设管理处": GOOD_JGC})
    book = openpyxl.load_workbook(path)
    book.create_sheet("Sheet1")["A1"] = "随便写的"
    book.save(path)
    assert "工作表「Sheet1」不是问题整改清单" in run(cli, db, "problem-list", "import", path, code=2).stderr
    assert dump(db) == before

    # Another body's plan without comparisons or levels: the template has neither column.
    from duban.services.setup import load_campaign
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        load_campaign(uow, "system", ROOT / "tests" / "data" / "plans" / "other-bureau-2016.yaml")
    code = [c for c in openpyxl.load_workbook(path)["建设管理处"]["F1"].value.split()][0]
    assert code == "LZJ2015"
    other = tmp_path / "other.xlsx"
    with UnitOfWork(db) as uow:
        from duban.services.problem_lists import write_template

        campaigns = [c.code for c in uow.campaigns.all() if c.code != "LZJ2015"]
        write_template(uow, "zhao", unit="JGC", out=other, campaign=campaigns[0])
    assert [c.value for c in openpyxl.load_workbook(other)["建设管理处"][2]] == [
        "责任人", "类别", "问题", "整改措施（任务书）", "时间表", "完成时限"]


def listed_items(shown) -> list[dict]:
    return shown["items"] if isinstance(shown, dict) else shown
