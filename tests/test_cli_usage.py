"""Usage mistakes and first-run mistakes: one Chinese line, the right exit code, nothing written."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from conftest import PLAN, dump
from test_cli_help import english_words, names_and_options


def assert_one_chinese_line(result, code: int, *words: str, user_text: tuple[str, ...] = ()):
    """Exit code, exactly one stderr line starting 错误：, the words, no English but names and the user's text."""
    assert result.code == code, result
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("错误："), result.stderr
    line = result.stderr.strip()
    for word in words:
        assert word in line, (word, line)
    for typed in user_text:
        line = line.replace(typed, "")
    names, options = names_and_options()
    assert english_words(line, names, options) == [], line


# (arguments, exit code, words the line must contain)
USAGE_MISTAKES = [
    (["itme"], 2, ["没有命令 itme", "item", "见 duban --help"]),
    (["item", "lst"], 2, ["没有命令 lst", "list", "见 duban item --help"]),
    (["item", "add", "--nope"], 2, ["没有选项 --nope", "见 duban item add --help"]),
    (["item", "list", "--lihgt", "red"], 2, ["没有选项 --lihgt", "--light"]),
    (["item", "add", "--unit"], 2, ["选项 --unit 后面缺少值"]),
    (["item", "add", "--unit", "JGC"], 2, ["缺少选项 --title"]),
    (["item", "show"], 2, ["缺少参数 问题编号"]),
    (["item", "show", "LZJ2015-0001", "LZJ2015-0002"], 2, ["多余的参数：LZJ2015-0002", "引号"]),
    (["item", "assign", "LZJ2015-0001", "--person", "wu", "--days", "x"], 2, ["--days 的值无效", "'x' 应为整数"]),
    (["doc", "batch", "整改通知书", "--workers", "0"], 2, ["--workers 的值无效", "不能小于 1"]),
    (["item", "list", "--json=yes"], 2, ["选项 --json 不接受值"]),
    (["item", "list", "--as"], 2, ["选项 --as 后面缺少值"]),
    (["--today", "2015-13-01", "item", "list"], 2, ["日期无效", "2015-13-01", "--today"]),
    (["item", "list", "--today", "9999-12-31"], 2, ["日期超出支持范围", "2000–2099"]),
    (["sweep", "--as-of", "0001-01-01"], 2, ["日期超出支持范围", "0001-01-01"]),
    (["--as", "", "item", "list"], 2, ["操作人不能为空"]),
    (["item", "add", "--unit", "JGC", "--title", "\udcff\udcfe"], 2, ["--title 的值含有无效的 UTF-8 字节"]),
    (["item", "list", "--light", "紫灯"], 2, ["--light无效：紫灯", "红灯"]),
    (["case", "resolve-appeal", "LZJ2015-W001", "--outcome", "maybe", "--reason", "x"], 2,
     ["--outcome无效：maybe", "维持原决定"]),
    (["diagram", "帐户"], 2, ["状态机无效", "整改问题"]),
]


@pytest.mark.parametrize("args,code,words", USAGE_MISTAKES, ids=[" ".join(a[0]) for a in USAGE_MISTAKES])
def test_usage_mistakes_are_one_chinese_line(campaign_db, cli, args, code, words):
    before = dump(campaign_db, with_security_log=True)
    typed = tuple(sorted((a for a in args if a.isascii() and a), key=len, reverse=True))
    assert_one_chinese_line(cli(*args, db=campaign_db, as_user="zhao" if "--as" not in args else None),
                            code, *words, user_text=typed)
    after = dump(campaign_db, with_security_log=True)
    if "--as" in args:  # an empty --as is a refusal: logged on the security chain, nothing else
        assert {k: v for k, v in after.items() if k not in ("events", "audit_chains")} == \
            {k: v for k, v in before.items() if k not in ("events", "audit_chains")}
    else:
        assert after == before


def test_global_options_after_the_subcommand(campaign_db, cli):
    r = cli("item", "add", "--unit", "JGC", "--title", "窗口服务推诿", "--as", "zhao", "--today", "2015-09-10",
            "--json", "--db", campaign_db)
    assert r.code == 0 and r.json()["no"] == "LZJ2015-0001", r
    r = cli("item", "list", "--json", "--as=zhao", f"--db={campaign_db}")
    assert r.code == 0 and [i["no"] for i in r.json()] == ["LZJ2015-0001"]
    # an option of the command with the same spelling as a value is left alone
    r = cli("item", "add", "--unit", "JGC", "--title", "--json", db=campaign_db, as_user="zhao", json=True)
    assert r.code == 0 and r.json()["title"] == "--json"


def test_unknown_units_and_people_name_the_closest(campaign_db, cli):
    r = cli("item", "add", "--unit", "建设管理处\u3000", "--title", "问题", db=campaign_db, as_user="zhao")
    assert_one_chinese_line(r, 2, "单位不存在", "是否为：建设管理处？")
    r = cli("item", "add", "--unit", "JGC", "--title", "问题", "--person", "吴 刚", "--days", "3",
            db=campaign_db, as_user="zhao")
    assert_one_chinese_line(r, 2, "人员不存在", "吴刚")
    r = cli("item", "list", db=campaign_db, as_user="zaho")
    assert_one_chinese_line(r, 2, "操作人不存在：zaho（是否为：zhao", user_text=("zaho", "zhao", "zhou"))


def test_unknown_and_empty_actors_are_on_the_security_chain(campaign_db, cli):
    from storage.db import get_engine

    assert cli("item", "list", db=campaign_db, as_user="ghost").code == 2
    assert cli("--as", "", "item", "list", db=campaign_db).code == 2
    with get_engine(campaign_db).connect() as conn:
        rows = conn.execute(text("SELECT actor, note FROM events WHERE chain = 'security' ORDER BY seq")).all()
    assert [r.actor for r in rows] == ["ghost", ""]
    assert "操作人不存在：ghost" in rows[0].note and "操作人不能为空" in rows[1].note
    assert cli("audit", "verify", db=campaign_db).code == 0


def test_a_command_before_init_says_so_and_leaves_no_file(cli, tmp_path):
    target = tmp_path / "office.sqlite"
    r = cli("item", "list", db=f"sqlite:///{target}", as_user="zhao")
    assert_one_chinese_line(r, 2, "数据库尚未初始化：请先执行 duban init", user_text=(str(target),))
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_an_empty_database_file_is_not_initialised_either(cli, tmp_path):
    import sqlite3

    target = tmp_path / "old.sqlite"
    sqlite3.connect(target).execute("CREATE TABLE x (a)").connection.close()
    r = cli("campaign", "list", db=f"sqlite:///{target}")
    assert_one_chinese_line(r, 2, "数据库尚未初始化：请先执行 duban init")


def test_init_creates_no_folders_unless_asked(cli, tmp_path):
    target = tmp_path / "new" / "dir" / "x.db"
    r = cli("init", db=f"sqlite:///{target}")
    assert_one_chinese_line(r, 5, "目录", "不存在", "duban init --mkdir", user_text=(str(target.parent),))
    assert not (tmp_path / "new").exists()
    r = cli("init", "--mkdir", db=f"sqlite:///{target}", json=True)
    assert r.code == 0 and r.json()["created"] is True and target.is_file()


def test_init_on_a_directory_is_unreachable(cli, tmp_path):
    r = cli("init", db=f"sqlite:///{tmp_path}")
    assert_one_chinese_line(r, 5, "是目录", user_text=(str(tmp_path),))


def test_default_database_folder_is_created(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("DUBAN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DUBAN_DB", raising=False)
    monkeypatch.delenv("DUBAN_FILES", raising=False)
    assert cli("init").code == 0
    assert (tmp_path / "home" / "duban.sqlite").is_file()


def test_closed_postgresql_port_is_exit_5(cli):
    r = cli("item", "list", db="postgresql://postgres@127.0.0.1:1/duban", as_user="zhao")
    assert_one_chinese_line(r, 5, "无法连接数据库", "127.0.0.1:1", "连接被拒绝")
    r = cli("init", db="postgresql://postgres@127.0.0.1:1/duban")
    assert_one_chinese_line(r, 5, "无法连接数据库")


def test_missing_sqlite_folder_is_exit_5(cli, tmp_path):
    r = cli("item", "list", db=f"sqlite:///{tmp_path}/nowhere/x.sqlite")
    assert_one_chinese_line(r, 5, "无法打开数据库", "不存在", user_text=(f"{tmp_path}/nowhere",))
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_busy_at_connect_is_exit_4_saying_so(campaign_db, cli, monkeypatch):
    """Another process holds the write lock past the busy timeout: busy, not unreachable; retrying helps."""
    import sqlite3

    from storage import db as storage_db

    path = campaign_db.removeprefix("sqlite:///")
    before = dump(campaign_db)
    storage_db.get_engine(campaign_db).dispose()
    for cached in (storage_db.get_engine, storage_db.ready_engine):
        cached.cache_clear()
    monkeypatch.setattr(storage_db, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    writer = sqlite3.connect(path, isolation_level=None)  # a rollback-journal writer, as other tools use
    try:
        assert writer.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
        writer.execute("BEGIN EXCLUSIVE")
        r = cli("item", "add", "--unit", "ZJZ", "--title", "工作拖拉", db=campaign_db, as_user="zhao")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert_one_chinese_line(r, 4, "数据库正忙", "另一个进程正在写入", "请稍后重试", user_text=(path,))
    assert "无法连接数据库" not in r.stderr
    for cached in (storage_db.get_engine, storage_db.ready_engine):
        cached.cache_clear()
    assert dump(campaign_db) == before


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("scheme", ["postgres://", "postgresql://"])
def test_plain_postgresql_urls_use_psycopg(db_url, cli, scheme):
    url = re.sub(r"^postgresql\+psycopg://", scheme, db_url)
    assert url.startswith(scheme)
    first = cli("init", db=url, json=True)
    assert first.code == 0 and first.json()["created"] is True, first
    assert cli("campaign", "load", PLAN, db=url).code == 0
    r = cli("campaign", "list", db=url, json=True)
    assert r.code == 0 and [c["code"] for c in r.json()] == ["LZJ2015"]


def test_warnings_are_one_chinese_line(campaign_db, cli, monkeypatch, tmp_path):
    """A year the official calendar does not know, and a date outside the campaign."""
    monkeypatch.setenv("DUBAN_HOLIDAYS_DIR", str(tmp_path / "no-holidays"))
    from duban.services.common import work_calendar

    work_calendar.cache_clear()
    opened = cli("phase", "override", "--source", "自查", "--reason", "补录", db=campaign_db, as_user="zhao",
                 today="2099-03-02")  # registering outside the campaign needs the office's override
    assert opened.code == 0, opened
    r = cli("item", "add", "--unit", "JGC", "--title", "补录问题", "--person", "wu", "--days", "3",
            db=campaign_db, as_user="zhao", today="2099-03-02")
    work_calendar.cache_clear()
    assert r.code == 0, r
    lines = r.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith("注意：") for line in lines), r.stderr
    assert "不在 LZJ2015 活动期间" in r.stderr and "2099年不在 chinesecalendar" in r.stderr
    assert ".py" not in r.stderr  # no Python warning source line


def test_output_paths_are_checked_before_writing(campaign_db, cli, tmp_path):
    before, files = dump(campaign_db), sorted(tmp_path.rglob("*"))
    for args, words in ((["ledger", "export", "--out", tmp_path], ["指向目录"]),
                        (["ledger", "export", "--out", tmp_path / "没有的目录" / "台账.xlsx"], ["目录不存在"]),
                        (["diagram", "--out", tmp_path], ["指向目录"]),
                        (["diagram", "--out", tmp_path / "没有的目录" / "item.mmd"], ["目录不存在"])):
        r = cli(*args, db=campaign_db, as_user="zhao")
        assert_one_chinese_line(r, 2, *words, user_text=(str(tmp_path),))
    assert dump(campaign_db) == before and sorted(tmp_path.rglob("*")) == files


def test_supervision_sheet_by_item_number_and_no_second_copy(campaign_db, cli):
    r = cli(*"item add --unit JGC --title 审批拖延 --person wu --days 3".split(), db=campaign_db, as_user="zhao")
    assert r.code == 0, r
    r = cli("doc", "render", "督办单", "--item", "LZJ2015-0001", db=campaign_db, as_user="zhao")
    assert_one_chinese_line(r, 2, "LZJ2015-0001 尚无督办或挂牌督办记录", user_text=("LZJ2015-0001",))
    assert cli("item", "escalate", "LZJ2015-0001", "--level", "督办", "--reason", "拖延",
               db=campaign_db, as_user="zhao", today="2015-09-11").code == 0
    before = dump(campaign_db)
    first = cli("doc", "render", "督办单", "--item", "LZJ2015-0001", db=campaign_db, as_user="zhao",
                today="2015-09-11", json=True)
    assert first.code == 0, first
    sheet = first.json()
    assert sheet["kind"] == "supervision_sheet" and sheet["item"] == "LZJ2015-0001" and sheet["escalation_id"]
    again = cli("doc", "render", "supervision_sheet", "--item", "LZJ2015-0001", db=campaign_db, as_user="zhao",
                today="2015-09-11")
    assert_one_chinese_line(again, 3, "已制发督办单", sheet["doc_number"], "duban doc reissue",
                            user_text=(sheet["doc_number"], "LZJ2015-0001"))
    after = dump(campaign_db)
    assert len(after["documents"]) == len(before["documents"]) + 1  # the refusal added nothing
