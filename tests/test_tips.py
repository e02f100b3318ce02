"""Reports (举报): the reporter's identity sealed at rest and revealed only to the plan's roles,
audited; triage to a new item, into an item, or unfounded; handling deadline and sweep;
receipt codes that say nothing to a guesser.

People (tests/data/org-small.csv): zhao 办公室, sun 负责人 of JGC, wu 党员干部 in JGC, wang 组长.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from conftest import dump

NAME, PHONE = "李四光", "13911112222"
TODAY = "2015-10-12"


@pytest.fixture
def key(monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("DUBAN_REPORT_KEY", Fernet.generate_key().decode())


def run(cli, db, *args, as_user="zhao", today=TODAY, code=0):
    result = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert result.code == code, result
    assert NAME not in result.stderr and PHONE not in result.stderr
    return result


def receive(cli, db, **extra) -> dict:
    args = ["tip", "add", "--channel", "举报电话", "--content", "建设管理处窗口人员上班时间离岗，办事群众久等无人。",
            "--unit", "JGC"]
    for option, value in extra.items():
        args += [f"--{option.replace('_', '-')}", value]
    return run(cli, db, *args).json()


def db_text(db) -> str:
    """Every stored value as text, except the sealed identity column."""
    tables = dump(db, with_security_log=True)
    return repr({t: rows for t, rows in tables.items()})


def test_identity_is_sealed_and_revealed_only_to_the_office_with_an_audited_event(cli, campaign_db, key, monkeypatch):
    db = campaign_db
    tip = receive(cli, db, reporter_name=NAME, reporter_contact=PHONE)
    assert tip["no"] == "LZJ2015-J0001" and tip["state_label"] == "已受理" and len(tip["receipt_code"]) == 19
    assert tip["due"] == "2015-10-26"  # 10 working days
    assert tip["identity"] == "（已加密）"
    # The identity is nowhere in the database but its sealed column.
    from storage.db import get_engine

    with get_engine(db).connect() as conn:
        sealed = conn.execute(text("SELECT identity_cipher FROM reports")).scalar_one()
    everything = db_text(db)
    assert sealed in everything and NAME not in everything.replace(sealed, "") and PHONE not in everything

    # Only the office reads reports; only the plan's reveal roles (the office) see who reported.
    assert run(cli, db, "tip", "show", tip["no"]).json()["content"].startswith("建设管理处窗口")
    for login in ("sun", "wu", "wang"):
        refused = run(cli, db, "tip", "show", tip["no"], as_user=login, code=3)
        assert tip["receipt_code"] not in refused.stdout
        run(cli, db, "tip", "list", as_user=login, code=3)
        run(cli, db, "tip", "reveal", tip["no"], "--reason", "核实", as_user=login, code=3)
    revealed = run(cli, db, "tip", "reveal", tip["no"], "--reason", "需回访举报人核实细节").json()
    assert (revealed["name"], revealed["contact"]) == (NAME, PHONE)
    with get_engine(db).connect() as conn:
        reveals = conn.execute(text("SELECT actor, note, payload FROM events WHERE trigger = 'report_revealed'")).all()
    assert [(r.actor, r.note) for r in reveals] == [("zhao", "需回访举报人核实细节")]
    assert NAME not in reveals[0].payload and PHONE not in reveals[0].payload

    # Without the key the rest works and the identity shows as sealed; reveal says why it cannot.
    monkeypatch.delenv("DUBAN_REPORT_KEY")
    assert run(cli, db, "tip", "show", tip["no"]).json()["identity"] == "（已加密）"
    assert "未配置举报人信息密钥" in run(cli, db, "tip", "reveal", tip["no"], "--reason", "核实", code=2).stderr
    before = dump(db)
    assert "未配置举报人信息密钥" in cli("tip", "add", "--channel", "举报信箱", "--content", "反映问题",
                                    "--reporter-name", NAME, db=db, as_user="zhao", today=TODAY).stderr
    assert dump(db) == before
    anonymous = receive(cli, db)  # an anonymous report needs no key
    assert anonymous["identity"] == "（匿名）"
    assert cli("audit", "verify", db=db).code == 0


def test_triage_new_item_merge_unfounded_and_the_receipt_code(cli, campaign_db, key):
    db = campaign_db
    first, second, third = receive(cli, db), receive(cli, db), receive(cli, db, reporter_contact=PHONE)
    item = run(cli, db, "tip", "accept", first["no"], "--unit", "JGC", "--title", "窗口人员上班时间离岗",
               "--category", "散", "--person", "wu", "--days", "10", "--reply", "已立为问题，责成整改。").json()
    assert item["state_label"] == "已立为问题" and item["item"]
    shown = run(cli, db, "item", "show", item["item"], as_user="sun").json()
    assert shown["title"] == "窗口人员上班时间离岗" and shown["source"] == "举报电话"
    assert shown["origin"] == f"report:{first['no']}" and shown["state"] == "assigned"
    merged = run(cli, db, "tip", "merge", second["no"], "--item", item["item"]).json()
    assert merged["state_label"] == "已并入问题" and merged["item"] == item["item"]
    assert "理由" in run(cli, db, "tip", "dismiss", third["no"], "--reason", " ", code=3).stderr
    run(cli, db, "tip", "dismiss", third["no"], "--reason", "经核查，当日该人员外出公干，有派车记录。",
        "--reply", "经核查不属实。")
    run(cli, db, "tip", "merge", third["no"], "--item", item["item"], code=3)  # triaged once
    run(cli, db, "tip", "dismiss", first["no"], "--reason", "x", as_user="sun", code=3)

    # The reporter's view: state and reply, nothing else.
    status = run(cli, db, "tip", "status", first["receipt_code"], as_user="wu").json()
    assert status == {"state": "item", "state_label": "已立为问题", "reply": "已立为问题，责成整改。"}
    assert run(cli, db, "tip", "status", third["receipt_code"].lower()).json()["reply"] == "经核查不属实。"
    answers = {run(cli, db, "tip", "status", code, code=2).stderr for code in ("ABCD", "ABCD-EFGH-JKMN-PQRS", "")}
    assert len(answers) == 1 and "查询码无效" in answers.pop()
    assert cli("audit", "verify", db=db).code == 0

    # Tampering with a report row is found by the audit.
    from storage.db import get_engine

    with get_engine(db).begin() as conn:
        conn.execute(text("UPDATE reports SET state = 'unfounded' WHERE no = :no"), {"no": second["no"]})
    verified = cli("audit", "verify", db=db)
    assert verified.code == 3 and "reports" in verified.stderr + verified.stdout


def test_wrong_codes_are_rate_limited_alike_for_right_and_wrong(cli, campaign_db, key):
    db = campaign_db
    tip = receive(cli, db)
    for n in range(10):  # rules.reports.lookups_per_hour
        run(cli, db, "tip", "status", f"WXYZ-WXYZ-WXYZ-{n:04d}", code=2)
    limited = {run(cli, db, "tip", "status", code, code=3).stderr for code in (tip["receipt_code"], "NOPE")}
    assert len(limited) == 1 and "频繁" in limited.pop()


def test_the_handling_deadline_has_a_light_and_an_overdue_report_is_escalated_once(cli, campaign_db, key):
    db = campaign_db
    tip = receive(cli, db)
    assert run(cli, db, "tip", "list", "--light", "绿灯").json()[0]["no"] == tip["no"]
    assert run(cli, db, "tip", "list", "--light", "红灯", today="2015-10-27").json()[0]["no"] == tip["no"]
    swept = run(cli, db, "tip", "sweep", today="2015-10-27").json()
    assert [t["no"] for t in swept] == [tip["no"]] and swept[0]["escalated_on"] == "2015-10-27"
    assert run(cli, db, "tip", "sweep", today="2015-10-28").json() == []
    run(cli, db, "tip", "sweep", as_user="sun", code=3)
    assert cli("audit", "verify", db=db).code == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keygen_writes_a_key_file_once_and_the_file_seals(cli, campaign_db, tmp_path, monkeypatch):
    path = tmp_path / "report.key"
    assert cli("tip", "keygen", "--out", path).code == 0
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    again = cli("tip", "keygen", "--out", path)
    assert again.code == 2 and "已存在" in again.stderr
    monkeypatch.setenv("DUBAN_REPORT_KEY_FILE", str(path))
    tip = receive(cli, campaign_db, reporter_name=NAME)
    assert run(cli, campaign_db, "tip", "reveal", tip["no"], "--reason", "回访").json()["name"] == NAME
