"""A reporter is never exposed: what a reporter said (name, phone, words) reaches no document,
ledger, export, event log or other role's view.

People (tests/data/org-small.csv): zhao 办公室, sun 负责人 of JGC, wu 党员干部 in JGC.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
from sqlalchemy import text

try:
    from pdfcheck import read_pdf
except ImportError:
    from tests.pdfcheck import read_pdf

NAME, PHONE = "张三丰", "13800138000"
TODAY = "2015-10-12"


def secrets_in(blob: str) -> list[str]:
    return [s for s in (NAME, PHONE) if s in blob]


def run(cli, db, *args, as_user="zhao", today=TODAY):
    result = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert result.code == 0, result
    assert not secrets_in(result.stderr), result.stderr
    return result


def artefact_text(path: Path) -> str:
    """The readable text of a produced file: PDF text, every XLSX cell, or the file itself."""
    if path.suffix == ".pdf":
        return re.sub(r"\s", "", read_pdf(path.read_bytes()).compact_text())
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
                         if v is not None)
    return path.read_bytes().decode("utf-8", errors="replace")


def test_a_hotline_items_words_reach_no_document_export_or_other_role(cli, campaign_db, tmp_path):
    db = campaign_db
    said = f"来电人{NAME}，电话{PHONE}，反映窗口工作人员推诿扯皮、态度生硬。"
    hotline = run(cli, db, "item", "add", "--unit", "JGC", "--person", "wu", "--days", "10", "--category", "懒",
                  "--source", "举报电话", "--title", "窗口服务态度生硬", "--description", said).json()["no"]
    # The same words on a non-report item are printed: the protection is about the channel.
    visit = run(cli, db, "item", "add", "--unit", "JGC", "--person", "wu", "--days", "10", "--category", "懒",
                "--source", "暗访抽查", "--title", "窗口无人值守",
                "--description", "10月9日暗访时窗口无人值守。").json()["no"]

    notice = run(cli, db, "doc", "render", "整改通知书", "--item", hotline).json()
    printed = artefact_text(Path(notice["path"]))
    assert "窗口服务态度生硬" in printed  # the office's title is there …
    assert not secrets_in(printed) and "推诿扯皮、态度生硬" not in printed  # … the reporter's words are not
    other = artefact_text(Path(run(cli, db, "doc", "render", "整改通知书", "--item", visit).json()["path"]))
    assert "10月9日暗访时窗口无人值守" in other

    out = tmp_path / "out"
    out.mkdir()
    run(cli, db, "ledger", "export", "--out", out / "台账.xlsx")
    run(cli, db, "ledger", "export", "--format", "csv", "--out", out / "台账.csv")
    run(cli, db, "doc", "ledger", "--out", out)
    produced = [p for p in out.rglob("*") if p.is_file()]
    assert {p.suffix for p in produced} >= {".xlsx", ".csv", ".pdf"}
    for path in produced:
        assert not secrets_in(artefact_text(path)), path
    with open(out / "台账.csv", encoding="utf-8-sig") as fh:
        assert any(hotline in row for row in csv.reader(fh))

    # Other roles' views: the unit head and the owner see the item, not the report's words.
    for login in ("sun", "wu"):
        shown = run(cli, db, "item", "show", hotline, as_user=login)
        assert not secrets_in(shown.stdout) and shown.json()["description_withheld"] is True
        listed = run(cli, db, "item", "list", as_user=login)
        assert not secrets_in(listed.stdout)
        assert {i["no"] for i in listed.json()} >= {hotline, visit}
        assert not secrets_in(run(cli, db, "item", "history", hotline, as_user=login).stdout)
        plain = cli("item", "show", hotline, db=db, as_user=login, today=TODAY)
        assert plain.code == 0 and not secrets_in(plain.stdout + plain.stderr)
    # The office keeps the words it took down.
    assert run(cli, db, "item", "show", hotline).json()["description"] == said

    # A refused command is logged on the security chain: its name and options, not its values.
    refused = cli("item", "add", "--unit", "ZJZ", "--person", "chen", "--source", "举报电话", "--title", "态度生硬",
                  f"--description={said}", db=db, as_user="wu", today=TODAY)
    assert refused.code == 3 and not secrets_in(refused.stderr)

    # The event log (exported by audit) holds a hash of the words, never the words.
    from storage.db import get_engine

    with get_engine(db).connect() as conn:
        rows = conn.execute(text("SELECT payload, note FROM events")).all()
        logged = conn.execute(text("SELECT payload FROM events WHERE trigger = 'permission_denied'")).scalars().all()
    assert any("duban item add" in p and "--description" in p for p in logged)
    assert rows and not secrets_in(json.dumps([list(map(str, r)) for r in rows], ensure_ascii=False))


# --- the demo ---------------------------------------------------------------------------

# A small bureau (tests/test_demo.py uses 3 units) with one line unit beside the office's three, so
# that the reported unit's head is not in the office.
DEMO = ("--units", "4", "--cadres", "24", "--seed", "11")


def demo_texts():
    """What the demo's reporters supplied: names and phones, and their own words."""
    from duban.demo import scenario

    identities = [value for pair in scenario.REPORTERS for value in pair]
    words = [report[3] for report in scenario.REPORTS] + [i.said for i in scenario.INCIDENTS if i.said]
    return identities, words


def table_dump(db_file: Path) -> tuple[str, list[str], list[str]]:
    """Every column of every table as text, except the reports' sealed identity and their content:
    (the text, the identity column's values, the content column's values)."""
    import sqlite3

    blob, sealed, contents = [], [], []
    with sqlite3.connect(db_file) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            names = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for name, value in zip(names, row):
                    value = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    if (table, name) == ("reports", "identity_cipher"):
                        sealed.append(value)
                    elif (table, name) == ("reports", "content"):
                        contents.append(value)
                    else:
                        blob.append(value)
    return "\n".join(blob), sealed, contents


def test_a_demo_leaves_no_trace_of_its_reporters(cli, tmp_path, monkeypatch):
    """The demo receives every report with a name and phone (one letter unsigned) and hands out
    receipts; neither they nor the reporters' words reach any file, log, table or a unit head."""
    from conftest import run_duban

    from duban.demo import scenario

    out = tmp_path / "demo"
    completed = run_duban("--json", "demo", "--out", out, *DEMO, timeout=1800)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)
    assert result["failures"] == []
    identities, words = demo_texts()
    secrets = identities + words

    def leaked(blob: str) -> list[str]:
        return [s for s in secrets if s in blob]

    assert not leaked(completed.stdout + completed.stderr)  # the progress log and the JSON answer
    produced = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith("duban.sqlite")]
    assert {p.suffix for p in produced} >= {".pdf", ".xlsx", ".csv", ".md", ".json", ".html"}
    for path in produced:
        assert not leaked(artefact_text(path)), path
    accepted = [report[5] for report in scenario.REPORTS if report[4] == "accept"]
    assert all(title in artefact_text(out / "ledger.xlsx") for title in accepted)  # the office's own titles

    blob, sealed, contents = table_dump(out / "duban.sqlite")
    signed = len(scenario.REPORTS) - len(scenario.UNSIGNED_LETTERS) + sum(1 for i in scenario.INCIDENTS if i.said)
    assert len([s for s in sealed if s not in ("None", "")]) == signed
    assert sorted(contents) == sorted(words)  # the words stay in the report, for the office alone
    assert not leaked(blob)
    assert all(title in blob for title in accepted)

    db = f"sqlite:///{out / 'duban.sqlite'}"
    from storage.models import OrgUnit, Person, ProblemItem, Report
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        first = uow.session.query(Report).filter(Report.identity_cipher.is_not(None)).order_by(Report.seq).first()
        item = uow.session.query(ProblemItem).filter(ProblemItem.origin.like("report:%")).order_by(ProblemItem.seq).first()
        unit = uow.session.get(OrgUnit, item.unit_id)
        head = uow.session.get(Person, unit.head_id).login if unit.head_id else next(
            p.login for p in uow.org.persons() if p.unit_id == unit.id and "unit_head" in p.role_set)
        office = next(p.login for p in uow.org.persons() if "office" in p.role_set)
        assert "office" not in uow.org.person(head).role_set
        report_no, item_no, title = first.no, item.no, item.title
    today = "2015-11-30"
    views = [cli(*args, db=db, as_user=head, json=True, today=today)
             for args in (("item", "list"), ("item", "show", item_no), ("item", "history", item_no),
                          ("problem-list", "list"), ("tip", "list"), ("tip", "show", report_no),
                          ("opinion", "list"))]
    assert [v.code for v in views[:4]] == [0, 0, 0, 0] and all(v.code == 3 for v in views[4:]), views
    assert any(title in v.stdout for v in views[:2])
    for view in views:
        assert not leaked(view.stdout + view.stderr), view

    # The identity is there, sealed: the office reveals it with the demo's key (an audited event).
    monkeypatch.setenv("DUBAN_REPORT_KEY_FILE", str(out / "report.key"))
    revealed = cli("tip", "reveal", report_no, "--reason", "核查需要", db=db, as_user=office, json=True, today=today)
    assert revealed.code == 0, revealed
    assert (revealed.json()["name"], revealed.json()["contact"]) in scenario.REPORTERS
