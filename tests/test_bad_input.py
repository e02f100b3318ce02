"""Bad input exits 2 with one clear Chinese line and writes nothing."""

from __future__ import annotations

import pytest

from conftest import ORG, PLAN, dump


def assert_refused(result, *words):
    assert result.code == 2, result
    line = result.stderr.strip()
    assert line.startswith("错误：") and "\n" not in line, result.stderr
    for w in words:
        assert w in line, (w, line)


@pytest.fixture
def fresh_db(db_url, files_dir, cli):
    assert cli("init", db=db_url).code == 0
    return db_url


def test_malformed_yaml_loads_nothing(fresh_db, cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(PLAN.read_text(encoding="utf-8").replace("start: 2015-09-01", "start: 2015-02-30", 1), encoding="utf-8")
    before = dump(fresh_db)
    assert_refused(cli("campaign", "load", bad, db=fresh_db), "2015-02-30", "第")
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: X\nname: [未闭合\n", encoding="utf-8")
    assert_refused(cli("campaign", "load", broken, db=fresh_db), "broken.yaml")
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes(PLAN.read_text(encoding="utf-8").encode("gbk", errors="replace"))
    assert_refused(cli("campaign", "load", gbk, db=fresh_db), "UTF-8")
    assert_refused(cli("campaign", "load", tmp_path / "missing.yaml", db=fresh_db))
    assert dump(fresh_db) == before


def test_campaign_load_is_idempotent(fresh_db, cli):
    assert cli("campaign", "load", PLAN, db=fresh_db, json=True).json()["status"] == "created"
    before = dump(fresh_db)
    assert cli("campaign", "load", PLAN, db=fresh_db, json=True).json()["status"] == "unchanged"
    assert dump(fresh_db) == before
    shown = cli("campaign", "show", db=fresh_db, json=True).json()
    assert [p["start"] for p in shown["phases"]] == ["2015-09-01", "2015-10-01", "2015-11-01"]
    assert [c["name"] for c in shown["categories"]] == ["庸", "懒", "散", "软"]


def test_second_campaign_loads_without_code_changes(fresh_db, cli):
    other = PLAN.parent.parent / "tests" / "data" / "plans" / "other-bureau-2016.yaml"
    assert cli("campaign", "load", PLAN, db=fresh_db).code == 0
    assert cli("campaign", "load", other, db=fresh_db).code == 0
    codes = [c["code"] for c in cli("campaign", "list", db=fresh_db, json=True).json()]
    assert codes == ["LZJ2015", "TSJT2016"]
    r = cli("item", "list", db=fresh_db)  # ambiguous now
    assert_refused(r, "--campaign")


@pytest.mark.parametrize("content,words", [
    ("类型,编码,名称\n单位,D1,办公室\n人员,p1,张三\n", ["第3行", "所属单位"]),
    ("类型,编码,名称,所属单位\n单位,D1,办公室,\n人员,p1,张三,NOPE\n", ["第3行", "NOPE"]),
    ("类型,编码,名称,所属单位,单位类别,民生,职务,角色\n单位,D1,办公室,,处室,否,,\n人员,p1,张三,D1,,,,大王\n", ["第3行", "角色无效"]),
    ("类型,编码,名称,所属单位\n单位,D 1,办公室,\n", ["第2行", "编码无效"]),
    ("类型,编码,名称,所属单位\n单位,D1,办公室,\n单位,D1,财务处,\n", ["第3行", "重复"]),
    ("编码,名称\nD1,办公室\n", ["表头缺少列", "类型"]),
    ("类型,编码,名称,所属单位\n部门,D1,办公室,\n", ["第2行", "类型无效"]),
])
def test_bad_org_rows_import_nothing(fresh_db, cli, tmp_path, content, words):
    path = tmp_path / "org.csv"
    path.write_text(content, encoding="utf-8")
    before = dump(fresh_db)
    assert_refused(cli("org", "import", path, db=fresh_db), *words)
    assert dump(fresh_db) == before


def test_gbk_csv_is_refused_with_a_hint(fresh_db, cli, tmp_path):
    path = tmp_path / "org.csv"
    path.write_bytes(ORG.read_text(encoding="utf-8").encode("gbk"))
    before = dump(fresh_db)
    assert_refused(cli("org", "import", path, db=fresh_db), "UTF-8", "GBK")
    assert dump(fresh_db) == before


def test_org_import_xlsx_and_idempotent(fresh_db, cli, tmp_path):
    import csv

    from openpyxl import Workbook

    book = Workbook()
    for row in csv.reader(ORG.read_text(encoding="utf-8").splitlines()):
        book.active.append(row)
    path = tmp_path / "org.xlsx"
    book.save(path)
    first = cli("org", "import", path, db=fresh_db, json=True).json()
    assert first["units_created"] == 5 and first["persons_created"] == 10
    before = dump(fresh_db)
    again = cli("org", "import", path, db=fresh_db, json=True).json()
    assert not again["changed"] and dump(fresh_db) == before
    people = {p["login"]: p for p in cli("org", "list", "--people", db=fresh_db, json=True).json()}
    assert people["qian"]["roles"] == ["office", "unit_head"]
    units = {u["code"]: u for u in cli("org", "list", db=fresh_db, json=True).json()}
    assert units["ZJZ"]["parent"] == "JGC" and units["JGC"]["head"] == "sun"


def test_not_an_xlsx(fresh_db, cli, tmp_path):
    path = tmp_path / "org.xlsx"
    path.write_text("not a workbook")
    assert_refused(cli("org", "import", path, db=fresh_db), "Excel")


@pytest.mark.parametrize("args,words", [
    (["--unit", "NOPE", "--title", "问题"], ["单位不存在", "NOPE"]),
    (["--unit", "JGC", "--title", "问" * 100_000], ["过长", "100000"]),
    (["--unit", "JGC", "--title", "  "], ["标题不能为空"]),
    (["--unit", "JGC", "--title", "问题", "--category", "贪"], ["类别无效"]),
    (["--unit", "JGC", "--title", "问题", "--source", "小道消息"], ["来源无效"]),
    (["--unit", "JGC", "--title", "问题", "--person", "nobody", "--due", "2015-10-01"], ["人员不存在"]),
    (["--unit", "JGC", "--title", "问题", "--person", "wu", "--due", "2015-02-30"], ["日期无效", "2015-02-30"]),
    (["--unit", "JGC", "--title", "问题", "--person", "wu", "--due", "30/09/2015"], ["日期无效"]),
    (["--unit", "JGC", "--title", "问题\x00"], ["控制字符"]),
])
def test_bad_item_input_writes_nothing(campaign_db, cli, args, words):
    before = dump(campaign_db)
    assert_refused(cli("item", "add", *args, db=campaign_db, as_user="zhao", today="2015-09-10"), *words)
    assert dump(campaign_db) == before


def test_unknown_item_and_bad_today(campaign_db, cli):
    assert_refused(cli("item", "show", "LZJ2015-9999", db=campaign_db, as_user="zhao"), "不存在")
    assert_refused(cli("item", "list", db=campaign_db, today="2015-13-01"), "--today")
    assert_refused(cli("item", "list", db=campaign_db, as_user="ghost"), "操作人不存在")


METACHARACTERS = [
    "'; DROP TABLE problem_items; --",
    "{{7*7}} {% for x in range(3) %}x{% endfor %}",
    "<script>alert(1)</script><img src=\"file:///etc/passwd\">",
    "[bold red]假装是 Rich 标记[/bold red] =HYPERLINK(\"http://x\")",
]


@pytest.mark.parametrize("title", METACHARACTERS)
def test_metacharacters_are_stored_literally(campaign_db, cli, tmp_path, title):
    r = cli("item", "add", "--unit", "JGC", "--title", title, db=campaign_db, as_user="zhao", json=True)
    assert r.code == 0, r
    no = r.json()["no"]
    assert cli("item", "show", no, db=campaign_db, as_user="zhao", json=True).json()["title"] == title
    human = cli("item", "show", no, db=campaign_db, as_user="zhao")
    assert "49" not in human.stdout.replace("LZJ2015", "")
    assert len(cli("item", "list", db=campaign_db, as_user="zhao", json=True).json()) == 1
    out = tmp_path / "ledger.xlsx"
    assert cli("ledger", "export", "--out", out, db=campaign_db, as_user="zhao").code == 0
    from openpyxl import load_workbook

    cell = load_workbook(out).active["B3"]
    assert cell.value == title and cell.data_type == "s"
