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
