"""Separation of duties without loopholes, and evidence files that are really files."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from conftest import dump
from duban import config
from storage.db import get_engine

TODAY = "2015-09-10"


def run(cli, db, *args, as_user, today=TODAY, ok=True):
    r = cli(*args, db=db, as_user=as_user, json=True, today=today)
    if ok:
        assert r.code == 0, r
    return r


def refused(cli, db, *args, as_user, code=3, words=()):
    """The command fails with ``code``, one line naming why, and the database is unchanged."""
    before = dump(db)
    r = cli(*args, db=db, as_user=as_user, today=TODAY)
    assert r.code == code, r
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    for word in words:
        assert word in r.stderr, r.stderr
    assert dump(db) == before
    return r


@pytest.fixture
def evidence(tmp_path):
    path = tmp_path / "整改报告.txt"
    path.write_text("已建立首问负责制", encoding="utf-8")
    return path


@pytest.fixture
def rectifying(cli, campaign_db):
    """An item registered by the unit head sun, owned by wu, being rectified."""
    r = run(cli, campaign_db, "item", "add", "--unit", "JGC", "--title", "窗口服务推诿扯皮", as_user="sun")
    no = r.json()["no"]
    run(cli, campaign_db, "item", "assign", no, "--person", "wu", "--days", "10", as_user="sun")
    run(cli, campaign_db, "item", "start", no, as_user="wu")
    return no


def test_whoever_attached_the_evidence_may_not_verify(cli, campaign_db, rectifying, evidence):
    db, no = campaign_db, rectifying
    run(cli, db, "item", "attach", no, evidence, as_user="zhao")  # the office may attach for the owner
    run(cli, db, "item", "submit", no, as_user="wu")
    refused(cli, db, "item", "verify", no, as_user="zhao", words=("佐证材料上传人", "职责分离"))
    refused(cli, db, "item", "reject", no, "--reason", "不充分", as_user="zhao", words=("佐证材料上传人",))
    assert run(cli, db, "item", "verify", no, as_user="li").json()["state"] == "verified"


def test_whoever_verified_may_not_recheck(cli, campaign_db, rectifying, evidence):
    db, no = campaign_db, rectifying
    run(cli, db, "item", "submit", no, "--evidence", evidence, as_user="wu")
    run(cli, db, "item", "verify", no, as_user="li")
    refused(cli, db, "item", "recheck", no, as_user="li", words=("验收销号人", "职责分离"))
    assert run(cli, db, "item", "recheck", no, as_user="zhou").json()["state"] == "rechecked"


def test_system_never_owns_an_item(cli, campaign_db):
    db = campaign_db
    refused(cli, db, "item", "add", "--unit", "JGC", "--title", "自动登记", "--person", "system", "--days", "5",
            as_user="zhao", words=("系统自动化", "责任人"))
    no = run(cli, db, "item", "add", "--unit", "JGC", "--title", "待交办", as_user="zhao").json()["no"]
    refused(cli, db, "item", "assign", no, "--person", "system", "--days", "5", as_user="sun",
            words=("系统自动化", "责任人"))
    refused(cli, db, "case", "propose", "--item", no, "--person", "system", "--reason", "逾期", as_user="zhao",
            words=("系统自动化",))


def test_system_never_submits_verifies_or_decides_whatever_its_roles(cli, campaign_db, rectifying, evidence):
    """Even with office and leader roles written into its record, the automation decides nothing."""
    db, no = campaign_db, rectifying
    with get_engine(db).begin() as conn:
        conn.execute(text("UPDATE persons SET roles = 'system,office,leader' WHERE login = 'system'"))
    refused(cli, db, "item", "attach", no, evidence, as_user="system", words=("系统自动化",))
    refused(cli, db, "item", "submit", no, "--evidence", evidence, as_user="system", words=("系统自动化",))
    run(cli, db, "item", "submit", no, "--evidence", evidence, as_user="wu")
    refused(cli, db, "item", "verify", no, as_user="system", words=("系统自动化", "验收销号"))
    refused(cli, db, "item", "reject", no, "--reason", "x", as_user="system", words=("系统自动化",))
    case = run(cli, db, "case", "propose", "--item", no, "--person", "wu", "--reason", "推诿", as_user="zhao").json()
    run(cli, db, "case", "investigate", case["no"], as_user="zhao")
    refused(cli, db, "case", "decide", case["no"], "--measure", "批评教育", as_user="system", words=("系统自动化",))
    run(cli, db, "case", "decide", case["no"], "--measure", "批评教育", as_user="zhao")
    refused(cli, db, "case", "approve", case["no"], as_user="system", words=("系统自动化",))


def test_system_never_decides_a_deadline(cli, campaign_db, rectifying):
    db, no = campaign_db, rectifying
    change = run(cli, db, "deadline", "request", no, "--days", "3", "--reason", "等待批复", as_user="wu").json()
    refused(cli, db, "deadline", "approve", str(change["id"]), as_user="system", words=("系统自动化",))
    refused(cli, db, "deadline", "pause", no, "--reason", "x", as_user="system", words=("系统自动化",))


def test_org_import_cannot_give_the_automation_role_to_a_person(cli, campaign_db, tmp_path):
    sheet = tmp_path / "org.csv"
    sheet.write_text("类型,编码,名称,所属单位,单位类别,民生,职务,角色\n人员,xu,徐青,JGC,,,科员,系统自动化\n", encoding="utf-8")
    refused(cli, campaign_db, "org", "import", sheet, as_user="system", code=2, words=("系统自动化",))


def _special_files(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.pdf"
    with open(huge, "wb") as out:  # sparse: one byte over the limit costs no disk
        out.truncate(config.MAX_ATTACHMENT_BYTES + 1)
    return [("/dev/zero", "字符设备文件"), ("/dev/null", "字符设备文件"), (folder, "目录"), (fifo, "命名管道"),
            (huge, "过大"), (tmp_path / "missing.pdf", "不存在")]


@pytest.mark.timeout(120)  # a FIFO that is waited on, or /dev/zero that is read, would hang here
def test_evidence_must_be_a_regular_file_within_the_limit(cli, campaign_db, rectifying, tmp_path):
    db, no = campaign_db, rectifying
    for path, words in _special_files(tmp_path):
        refused(cli, db, "item", "attach", no, path, as_user="wu", code=2, words=(words,))
        refused(cli, db, "item", "submit", no, "--evidence", path, as_user="wu", code=2, words=(words,))
    stored = tmp_path / "files" / "evidence"
    assert not stored.exists() or not any(p.is_file() for p in stored.rglob("*"))


def test_a_regular_file_is_taken_through_a_symlink(cli, campaign_db, rectifying, tmp_path):
    db, no = campaign_db, rectifying
    exact = tmp_path / "exact.bin"
    exact.write_bytes(b"x" * 1024)
    link = tmp_path / "link.bin"
    link.symlink_to(exact)
    item = run(cli, db, "item", "attach", no, link, as_user="wu").json()
    assert item["evidence"][0]["size"] == 1024 and item["evidence"][0]["filename"] == "link.bin"
