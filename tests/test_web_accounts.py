"""Console accounts from the command line: set-password, list, the audit of password rows."""

from __future__ import annotations

import io
import sys

from sqlalchemy import text

from conftest import dump
from storage.db import get_engine


def set_password(cli, monkeypatch, db, login, password, as_user=None):
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return cli("user", "set-password", login, db=db, as_user=as_user)


def test_office_sets_a_password_the_person_must_change_it(campaign_db, cli, monkeypatch):
    result = set_password(cli, monkeypatch, campaign_db, "wu", "初始密码-123", as_user="zhao")
    assert result.code == 0, result
    assert "已设置 吴刚（wu）的控制台密码，首次登录须修改" in result.stdout
    rows = {r["login"]: r for r in cli("user", "list", db=campaign_db, as_user="zhao", json=True).json()}
    assert rows["wu"]["has_password"] and rows["wu"]["must_change"]
    assert not rows["sun"]["has_password"]
    with get_engine(campaign_db).connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM accounts")).scalar_one()
        logged = conn.execute(text("SELECT payload FROM events WHERE trigger = 'password_set'")).scalar_one()
    assert stored.startswith("$argon2id$") and "初始密码" not in stored
    assert "初始密码" not in logged and stored not in logged


def test_refusals_change_nothing(campaign_db, cli, monkeypatch):
    before = dump(campaign_db)
    result = set_password(cli, monkeypatch, campaign_db, "wu", "初始密码-123", as_user="sun")
    assert result.code == 3 and "孙立新（sun）无权管理控制台账号" in result.stderr
    result = set_password(cli, monkeypatch, campaign_db, "wu", "short", as_user="zhao")
    assert result.code == 2 and "密码过短" in result.stderr
    result = set_password(cli, monkeypatch, campaign_db, "nobody", "初始密码-123", as_user="zhao")
    assert result.code == 2 and "人员不存在：nobody" in result.stderr
    result = set_password(cli, monkeypatch, campaign_db, "system", "初始密码-123", as_user="zhao")
    assert result.code == 3 and "不能登录控制台" in result.stderr
    assert cli("user", "list", db=campaign_db, as_user="wu").code == 3
    assert dump(campaign_db) == before


def test_a_password_hash_written_into_the_database_is_found_by_the_audit(campaign_db, cli, monkeypatch):
    assert set_password(cli, monkeypatch, campaign_db, "wu", "初始密码-123").code == 0
    assert set_password(cli, monkeypatch, campaign_db, "sun", "初始密码-456").code == 0
    assert cli("audit", "verify", db=campaign_db).code == 0
    with get_engine(campaign_db).begin() as conn:  # log in as wu with sun's password
        conn.execute(text("UPDATE accounts SET password_hash = (SELECT a.password_hash FROM accounts a "
                          "JOIN persons p ON p.id = a.person_id WHERE p.login = 'sun') "
                          "WHERE person_id = (SELECT id FROM persons WHERE login = 'wu')"))
    result = cli("audit", "verify", db=campaign_db)
    assert result.code == 3
    assert "accounts id=" in result.stdout + result.stderr and "（wu）" in result.stdout + result.stderr
