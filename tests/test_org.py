"""Org import over an existing bureau (tests/data/org-small.csv): the unit tree, unit heads, the audit log.

JGC 建设管理处 is headed by sun; ZJZ 质量监督站 sits under JGC and is headed by feng.
"""

from __future__ import annotations

import pytest

from conftest import ORG, dump

HEADER = "类型,编码,名称,所属单位,单位类别,民生,职务,角色\n"


def write_org(tmp_path, rows: str):
    path = tmp_path / "org.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def assert_bad_input(result, *words):
    assert result.code == 2, result
    line = result.stderr.strip()
    assert line.startswith("错误：") and "\n" not in line, result.stderr
    for word in words:
        assert word in line, (word, line)


@pytest.mark.parametrize("rows,words", [
    ("单位,D1,综合处,D1,处室,否,,\n", ["第2行", "循环", "D1 → D1"]),
    ("单位,D1,综合处,D2,处室,否,,\n单位,D2,财务处,D1,处室,否,,\n", ["第2行", "第3行", "循环"]),
    ("单位,D1,综合处,财务处,处室,否,,\n单位,D2,财务处,综合处,处室,否,,\n", ["第2行", "第3行", "循环"]),  # by name
    ("单位,JGC,建设管理处,ZJZ,处室,是,,\n", ["第2行", "JGC → ZJZ → JGC"]),  # through a unit already imported
    ("单位,JGC,建设管理处,质量监督站,处室,是,,\n", ["第2行", "JGC → ZJZ → JGC"]),
])
def test_a_cycle_in_the_unit_tree_is_bad_input(campaign_db, cli, tmp_path, rows, words):
    before = dump(campaign_db)
    assert_bad_input(cli("org", "import", write_org(tmp_path, rows), db=campaign_db), *words)
    assert dump(campaign_db) == before


def test_a_deeper_tree_is_no_cycle(campaign_db, cli, tmp_path):
    path = write_org(tmp_path, "单位,JGC,建设管理处,BGS,处室,是,,\n单位,ZJZ,质量监督站,建设管理处,局属单位,是,,\n")
    assert cli("org", "import", path, db=campaign_db).code == 0
    units = {u["code"]: u for u in cli("org", "list", db=campaign_db, json=True).json()}
    assert (units["JGC"]["parent"], units["ZJZ"]["parent"]) == ("BGS", "JGC")


@pytest.mark.parametrize("sun_row,heads", [
    ("人员,sun,孙立新,JGC,,,科员,党员干部", {"JGC": None, "BGS": None}),  # no longer 负责人
    ("人员,sun,孙立新,BGS,,,副主任,负责人", {"JGC": None, "BGS": "sun"}),  # moved to another unit
])
def test_a_head_who_loses_the_role_or_leaves_no_longer_heads_the_unit(campaign_db, cli, tmp_path, sun_row, heads):
    item = cli("item", "add", "--unit", "JGC", "--title", "窗口服务推诿扯皮", "--category", "懒", db=campaign_db,
               as_user="zhao", json=True)
    assert item.code == 0, item
    path = tmp_path / "org.csv"
    path.write_text(ORG.read_text(encoding="utf-8").replace("人员,sun,孙立新,JGC,,,处长,负责人", sun_row),
                    encoding="utf-8")
    assert cli("org", "import", path, db=campaign_db).code == 0
    units = {u["code"]: u["head"] for u in cli("org", "list", db=campaign_db, json=True).json()}
    assert {code: units[code] for code in heads} == heads and units["ZJZ"] == "feng"
    refused = cli("item", "assign", item.json()["no"], "--person", "wu", "--days", "15", db=campaign_db,
                  as_user="sun")
    assert refused.code == 3, refused
    assert cli("org", "import", path, db=campaign_db, json=True).json()["changed"] is False


def test_the_audit_log_shows_who_was_given_which_role(campaign_db, cli, tmp_path):
    import json

    from sqlalchemy import select

    from storage.models import Event
    from storage.uow import UnitOfWork

    path = tmp_path / "org.csv"
    sun_moved = ORG.read_text(encoding="utf-8").replace("人员,sun,孙立新,JGC,,,处长,负责人", "人员,sun,孙立新,BGS,,,科员,党员干部")
    path.write_text(sun_moved + "人员,he,何平,JGC,,,处长,负责人;办公室\n", encoding="utf-8")
    assert cli("org", "import", path, db=campaign_db).code == 0
    with UnitOfWork(campaign_db) as uow:
        payloads = [json.loads(p) for p in uow.session.scalars(
            select(Event.payload).where(Event.trigger == "org_imported").order_by(Event.id))]
    assert len(payloads[0]["persons"]) == 10  # the first import: everyone, from nothing
    assert payloads[0]["persons"][0] == {"login": "wang", "old_roles": None, "new_roles": ["leader"],
                                         "old_unit": None, "new_unit": "BGS"}
    assert payloads[1]["persons"] == [
        {"login": "sun", "old_roles": ["unit_head"], "new_roles": ["cadre"], "old_unit": "JGC", "new_unit": "BGS"},
        {"login": "he", "old_roles": None, "new_roles": ["office", "unit_head"], "old_unit": None, "new_unit": "JGC"},
    ]


def test_parent_and_child_can_swap_in_one_import(db_url, files_dir, cli, tmp_path):
    """ZJZ becomes top-level and JGC moves under it: a move, not a cycle."""
    assert cli("init", db=db_url).code == 0
    first = tmp_path / "a.csv"
    first.write_text("类型,编码,名称,所属单位\n单位,JGC,建设管理处,\n单位,ZJZ,质量监督站,JGC\n", encoding="utf-8")
    second = tmp_path / "b.csv"
    second.write_text("类型,编码,名称,所属单位\n单位,JGC,建设管理处,ZJZ\n单位,ZJZ,质量监督站,\n", encoding="utf-8")
    assert cli("org", "import", first, db=db_url).code == 0
    r = cli("org", "import", second, db=db_url)
    assert r.code == 0, r
    units = {u["code"]: u for u in cli("org", "list", db=db_url, json=True).json()}
    assert units["JGC"]["parent"] == "ZJZ" and units["ZJZ"]["parent"] is None
