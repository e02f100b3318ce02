"""CLI start-up, init/migrations on both databases, the ledger export."""

from __future__ import annotations

import csv

from conftest import dump


def test_every_group_has_chinese_help(cli):
    for group in ("item", "campaign", "org", "audit", "ledger"):
        r = cli(group, "--help")
        assert r.code == 0 and any("\u4e00" <= ch <= "\u9fff" for ch in r.stdout), group


def test_init_is_idempotent_and_upgrades(db_url, cli):
    first = cli("init", db=db_url, json=True)
    assert first.code == 0 and first.json()["created"] is True
    before = dump(db_url)
    again = cli("init", db=db_url, json=True).json()
    assert again["created"] is False and again["revision"] == first.json()["revision"]
    assert dump(db_url) == before


def test_bad_database_url_is_bad_input(cli):
    r = cli("init", db="mysql://nowhere/x")
    assert r.code == 2 and "不支持的数据库" in r.stderr


def test_ledger_csv_has_one_row_per_item(campaign_db, cli, tmp_path):
    for n in range(3):
        assert cli("item", "add", "--unit", "JGC", "--title", f"问题{n}", "--person", "wu", "--days", "3",
                   "--category", "散", db=campaign_db, as_user="zhao", today="2015-09-10").code == 0
    out = tmp_path / "台账.csv"
    r = cli("ledger", "export", "--format", "csv", "--out", out, db=campaign_db, as_user="zhao",
            today="2015-09-14", json=True)
    assert r.code == 0 and r.json()["rows"] == 3
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["编号"] for r in rows] == ["LZJ2015-0001", "LZJ2015-0002", "LZJ2015-0003"]
    assert rows[0]["类别"] == "散" and rows[0]["责任人"] == "吴刚" and rows[0]["状态"] == "已交办"
    assert rows[0]["原定期限"] == "2015-09-15" and rows[0]["红黄绿灯"] == "黄灯"
    r = cli("ledger", "export", "--format", "pdf", "--out", out, db=campaign_db, as_user="zhao")
    assert r.code == 2


def test_internal_errors_exit_1_with_one_line(cli, monkeypatch, tmp_path):
    import duban.services.setup

    def broken(*args, **kwargs):
        raise RuntimeError("first line\nsecond line")

    monkeypatch.setattr(duban.services.setup, "init_db", broken)
    r = cli("init", db=f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert r.code == 1 and r.stderr.startswith("内部错误：RuntimeError") and r.stderr.count("\n") == 1


def test_usage_errors_are_one_chinese_line_exit_2(cli):
    for args in (["item", "add", "--nope"], ["frob"], ["item", "add", "--unit"]):
        r = cli(*args)
        assert r.code == 2, (args, r)
        assert r.stderr.startswith("错误：命令用法不对") and r.stderr.count("\n") == 1, r.stderr


def test_an_older_schema_says_run_init_and_init_upgrades_it(campaign_db, cli):
    from storage.migrate import downgrade, head_revision

    downgrade(campaign_db, "0001")
    before = dump(campaign_db)
    r = cli("audit", "verify", db=campaign_db)
    assert r.code == 2, r
    assert r.stderr.count("\n") == 1 and "低于本程序所需" in r.stderr and "duban init" in r.stderr
    assert dump(campaign_db) == before
    assert cli("init", db=campaign_db, json=True).json()["revision"] == head_revision()
    assert cli("audit", "verify", db=campaign_db).code == 0
