"""Item list as a read model: pages from one query, the same rows whatever the page size, no N+1."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, insert

AS_OF = "2015-09-28"


def bulk_items(db: str, n: int) -> None:
    """n items of 建设管理处 owned by wu: every third red on AS_OF, the rest green; one with evidence."""
    from storage.models import Attachment, ProblemItem
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        campaign, unit, owner = uow.campaigns.get("LZJ2015"), uow.org.unit("JGC"), uow.org.person("wu")
        uow.session.execute(insert(ProblemItem), [
            {"campaign_id": campaign.id, "seq": seq, "no": f"LZJ2015-{seq:04d}", "title": f"批量问题 {seq}",
             "source": "自查", "unit_id": unit.id, "owner_id": owner.id, "state": "rectifying", "version": 0,
             "identified_on": dt.date(2015, 9, 10),
             "due": dt.date(2015, 9, 25) if seq % 3 == 0 else dt.date(2015, 11, 30)}
            for seq in range(1, n + 1)])
        first = uow.items.get("LZJ2015-0001")
        uow.session.add(Attachment(item_id=first.id, sha256="0" * 64, size=3, filename="报告.txt"))
        uow.commit()


@pytest.fixture
def listed_db(campaign_db):
    bulk_items(campaign_db, 70)
    return campaign_db


def test_pages_cover_every_item_once_in_order(cli, listed_db):
    seen = []
    for page in (1, 2, 3):
        r = cli("item", "list", "--per-page", "30", "--page", str(page), db=listed_db, as_user="zhao", json=True,
                today=AS_OF)
        assert r.code == 0, r
        seen += [i["no"] for i in r.json()]
        assert "共 70 条" in r.stderr and f"第 {page}/3 页" in r.stderr  # the rest is not silently dropped
    assert seen == [f"LZJ2015-{n:04d}" for n in range(1, 71)]
    beyond = cli("item", "list", "--per-page", "30", "--page", "4", db=listed_db, as_user="zhao", json=True)
    assert beyond.code == 0 and beyond.json() == [] and "本页没有记录" in beyond.stderr


def test_a_long_list_counts_up_to_the_cap_and_still_pages_to_the_end(cli, listed_db, monkeypatch):
    from duban.services import listing

    monkeypatch.setattr(listing, "COUNT_CAP", 20)
    seen, page = [], 1
    while True:
        r = cli("item", "list", "--per-page", "30", "--page", str(page), db=listed_db, as_user="zhao", json=True)
        assert r.code == 0, r
        if not r.json():
            break
        seen += [i["no"] for i in r.json()]
        assert "超过 20 条" in r.stderr and f"（第 {page} 页）" in r.stderr
        page += 1
    assert seen == [f"LZJ2015-{n:04d}" for n in range(1, 71)]
    red = cli("item", "list", "--light", "红灯", "--per-page", "5", db=listed_db, as_user="zhao", today=AS_OF)
    assert "超过 20 条" in red.stdout  # 23 red
    few = cli("item", "list", "--light", "红灯", "--unit", "ZJZ", db=listed_db, as_user="zhao", today=AS_OF)
    assert few.code == 0 and "共 0 条" in few.stdout


def test_each_light_filter_keeps_exactly_the_items_of_that_light(listed_db):
    """The filter is a due-date range (for the indexes), the column a CASE: they must agree."""
    from duban.services.listing import LIGHTS, ItemFilters, item_page, iter_items
    from storage.uow import UnitOfWork

    today = dt.date(2015, 9, 22)  # 25 Sep is yellow (3 working days), 30 Nov green
    with UnitOfWork(listed_db) as uow:
        shown = [r["light"] for r in iter_items(uow, "zhao", ItemFilters(), today=today)]
        for light in LIGHTS:
            page = item_page(uow, "zhao", ItemFilters(light=light), per_page=200, today=today)
            assert {r["light"] for r in page["rows"]} <= {light}
            assert page["total"] == shown.count(light), light
    assert shown.count("yellow") == 23 and shown.count("green") == 47


def test_all_streams_every_matching_item_as_one_json_array(cli, listed_db):
    r = cli("item", "list", "--light", "红灯", "--all", db=listed_db, as_user="zhao", json=True, today=AS_OF)
    assert r.code == 0, r
    red = r.json()
    assert [i["no"] for i in red] == [f"LZJ2015-{n:04d}" for n in range(3, 71, 3)]
    assert {(i["light"], i["unit_code"], i["owner_login"], i["due"]) for i in red} == {("red", "JGC", "wu", "2015-09-25")}
    assert r.stderr == ""
    none = cli("item", "list", "--state", "已销号", "--all", db=listed_db, as_user="zhao", json=True)
    assert none.code == 0 and none.json() == []
    bad = cli("item", "list", "--unit", "不存在的单位", "--all", db=listed_db, as_user="zhao", json=True)
    assert bad.code == 2 and bad.stdout == ""


def test_default_page_is_fifty_and_the_table_says_how_many(cli, listed_db):
    r = cli("item", "list", db=listed_db, as_user="zhao", json=True)
    assert len(r.json()) == 50
    human = cli("item", "list", "--light", "red", "--per-page", "5", db=listed_db, as_user="zhao", today=AS_OF)
    assert "共 23 条" in human.stdout


def test_page_and_item_view_cost_a_fixed_number_of_queries(listed_db):
    """A page of 200 items, or one item with evidence, costs the same few statements as a page of 2."""
    from duban.services.items import show_item
    from duban.services.listing import ItemFilters, item_page
    from storage.uow import UnitOfWork

    def statements(action) -> int:
        with UnitOfWork(listed_db) as uow:
            count = []

            def counted(_conn, _cursor, statement, *_args):
                if statement.lstrip().upper().startswith("SELECT"):  # not SQLite's BEGIN
                    count.append(statement)

            event.listen(uow.engine, "before_cursor_execute", counted)
            try:
                action(uow)
            finally:
                event.remove(uow.engine, "before_cursor_execute", counted)
            return len(count)

    first = statements(lambda uow: item_page(uow, "zhao", ItemFilters(), per_page=2))
    small = statements(lambda uow: item_page(uow, "zhao", ItemFilters(), per_page=2))
    large = statements(lambda uow: item_page(uow, "zhao", ItemFilters(), per_page=200))
    assert first == 4  # the campaign with the reader; its plan and categories (once per process); the page
    assert small == large == 2  # the campaign with the reader; the page's rows, each carrying the count
    by_category = statements(lambda uow: item_page(uow, "zhao", ItemFilters(category="yong"), per_page=2))
    by_unit = statements(lambda uow: item_page(uow, "zhao", ItemFilters(unit="JGC"), per_page=2, choices=True))
    assert by_category == 2 and by_unit == 3  # the units among the choices name the unit's id
    shown = statements(lambda uow: show_item(uow, "zhao", "LZJ2015-0001"))
    assert shown == 3  # the item with its relations, its evidence, the reader



def test_a_title_search_is_served_by_the_trigram_index_on_postgresql(listed_db):
    """PostgreSQL: a search's matches come off the trigram index (migration 0710), not a read of
    the whole table, and they are the same items."""
    if not listed_db.startswith("postgresql"):
        pytest.skip("SQLite has no trigram index: a search reads the table")
    from sqlalchemy import text

    from duban.services.listing import ItemFilters, item_page
    from storage.uow import UnitOfWork

    with UnitOfWork(listed_db) as uow:
        uow.session.execute(text("SET LOCAL enable_seqscan = off"))  # the index, or a scan nonetheless
        plan = "\n".join(uow.session.scalars(text(
            "EXPLAIN SELECT count(*) FROM problem_items WHERE title LIKE '%批量问题 7%'")))
        found = item_page(uow, "zhao", ItemFilters(q="批量问题 7"), per_page=1, today=dt.date(2015, 9, 28))
    assert "ix_problem_items_title_trgm" in plan, plan
    assert found["total"] == 2 and [r["no"] for r in found["rows"]] == ["LZJ2015-0007"]  # 7 and 70


def test_a_writer_is_not_held_up_by_a_list_being_streamed(listed_db):
    """SQLite: a list mid-stream holds no write lock, so a writer that will not wait at all gets in."""
    if not listed_db.startswith("sqlite"):
        pytest.skip("PostgreSQL readers never block writers")
    import sqlite3

    from duban.services.listing import ItemFilters, iter_items
    from duban.services.reports import unit_report
    from storage.uow import UnitOfWork

    path = listed_db.removeprefix("sqlite:///")
    for read in (lambda uow: next(iter_items(uow, "zhao", ItemFilters(), chunk=5)),
                 lambda uow: unit_report(uow, "zhao")):
        with UnitOfWork(listed_db) as uow:
            read(uow)
            assert uow.session.in_transaction()  # the read's transaction is still open
            writer = sqlite3.connect(path, timeout=0, isolation_level=None)
            writer.execute("BEGIN IMMEDIATE")  # "database is locked" at once if the reader held the lock
            writer.execute("UPDATE problem_items SET title = title WHERE seq = 1")
            writer.execute("COMMIT")
            writer.close()


def test_a_list_sees_a_changed_plan_at_once(listed_db, tmp_path):
    """The plan is kept per process by its version: loading a changed plan changes the next page."""
    from duban.services.listing import ItemFilters, item_page
    from duban.services.setup import load_campaign
    from storage.uow import UnitOfWork
    from tests.conftest import PLAN

    def shown(**filters):
        with UnitOfWork(listed_db) as uow:
            return item_page(uow, "zhao", ItemFilters(**filters), per_page=2, choices=True)["choices"]

    assert ("yong", "庸") in shown()["categories"] and "自查" in shown()["sources"]
    changed = tmp_path / "plan.yaml"
    changed.write_text(PLAN.read_text(encoding="utf-8").replace("name: 庸\n", "name: 庸政\n", 1)
                       .replace("name: 自查}", "name: 单位自查}", 1), encoding="utf-8")
    with UnitOfWork(listed_db) as uow:
        assert load_campaign(uow, "system", changed)["status"] == "updated"
    after = shown(category="庸政", source="单位自查")  # the new names filter, so they were read
    assert ("yong", "庸政") in after["categories"] and "单位自查" in after["sources"] and "自查" not in after["sources"]
