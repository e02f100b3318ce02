"""Signed and registered documents: `duban keys init` gives the office a self-signed certificate,
documents issued afterwards carry its PAdES signature (one by one, in a batch, 台账 and 公示),
`duban doc verify` reports the register check and the signature; without a key documents are
issued unsigned. The 台账 and 公示 are registered too (no 发文字号), and the audit reconciles them."""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    from pdfcheck import read_pdf
    from test_documents_any_plan import add_item, province_db, run  # noqa: F401  (fixture)
except ImportError:
    from tests.pdfcheck import read_pdf
    from tests.test_documents_any_plan import add_item, province_db, run  # noqa: F401

REFERENCE_OFFICE = "兰州市建设局“庸懒散软”专项整治工作办公室"


def verify(cli, db, path):
    return cli("doc", "verify", path, db=db, as_user="zhao", json=True)


def test_documents_are_signed_once_the_office_has_a_key(cli, campaign_db, tmp_path):
    db = campaign_db
    first = cli("item", "add", "--unit", "JGC", "--title", "窗口服务推诿扯皮", "--person", "wu", "--due", "2015-09-30",
                "--category", "懒", db=db, as_user="zhao", json=True).json()["no"]
    unsigned = cli("doc", "render", "--item", first, db=db, as_user="zhao", json=True).json()["path"]
    checked = verify(cli, db, unsigned)
    assert checked.code == 0 and checked.json()["signatures"] == [], checked
    assert "签名：未签名" in cli("doc", "verify", unsigned, db=db, as_user="zhao").stdout

    refused = cli("keys", "init", db=db, as_user="wu")
    assert refused.code == 3 and "生成签名密钥" in refused.stderr, refused
    made = cli("keys", "init", db=db, as_user="zhao", json=True)
    assert made.code == 0 and made.json()["signs_documents"], made
    assert f"CN={REFERENCE_OFFICE}" in made.json()["subject"]
    assert oct(Path(made.json()["key"]).stat().st_mode & 0o777) == "0o600"
    again = cli("keys", "init", db=db, as_user="zhao")
    assert again.code == 2 and "--replace" in again.stderr and again.stderr.count("\n") == 1, again

    second = cli("item", "add", "--unit", "JGC", "--title", "办事指南未公开", "--person", "wu", "--due", "2015-09-30",
                 "--category", "懒", db=db, as_user="zhao", json=True).json()["no"]
    signed = Path(cli("doc", "render", "--item", second, db=db, as_user="zhao", json=True).json()["path"])
    assert "整改通知书" in read_pdf(signed.read_bytes()).compact_text()  # still a readable document
    checked = verify(cli, db, signed)
    assert checked.code == 0, checked
    (signature,) = checked.json()["signatures"]
    assert signature["intact"] and signature["covers_whole_file"] and signature["trusted"], signature
    assert signature["signer"].startswith(REFERENCE_OFFICE), signature
    human = cli("doc", "verify", signed, db=db, as_user="zhao").stdout
    assert f"签名：签名完好（{REFERENCE_OFFICE}" in human and "为本机配置的发文机关证书" in human, human

    # Appended after signing: not the registered file; the signature itself still holds.
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(signed.read_bytes() + b"\n%% added later\n")
    result = verify(cli, db, appended)
    assert result.code == 3 and result.stderr.count("\n") == 1, result
    assert "签名后文件有追加内容" in result.stderr, result
    # Changed inside the signed bytes: neither the register nor the signature vouches for it.
    data = bytearray(signed.read_bytes())
    at = data.index(b"/Producer")
    data[at + 1:at + 9] = b"PRODUCER"
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))
    result = verify(cli, db, changed)
    assert result.code == 3 and "签名无效" in result.stderr, result


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_second_plans_office_signs_its_batch(cli, province_db, monkeypatch, tmp_path):
    db = province_db
    items = [add_item(cli, db, title) for title in ("审批窗口超时办结", "办事指南未公开")]
    made = run(cli, db, "keys", "init", "--out", tmp_path / "keys")
    assert not made["signs_documents"] and "CN=省效能办" in made["subject"]
    assert "O=和西省机关效能建设领导小组" in made["subject"]

    monkeypatch.setenv("DUBAN_SIGN_KEY", made["key"])
    broken = cli("doc", "batch", "整改通知书", db=db, as_user="lin")
    assert broken.code == 2 and "DUBAN_SIGN_CERT" in broken.stderr, broken
    monkeypatch.setenv("DUBAN_SIGN_CERT", made["cert"])
    issued = run(cli, db, "doc", "batch", "整改通知书", "--workers", "1")["issued"]
    assert sorted(doc["item"] for doc in issued) == sorted(items)
    for doc in issued:
        (signature,) = run(cli, db, "doc", "verify", doc["path"])["signatures"]
        assert signature["intact"] and signature["trusted"] and signature["signer"].startswith("省效能办"), signature
    out = tmp_path / "out"
    for report in (run(cli, db, "doc", "ledger", "--out", out)["pdf"], run(cli, db, "doc", "publicity", "--out", out)["pdf"]):
        checked = run(cli, db, "doc", "verify", report)
        assert checked["kind"] in ("ledger", "publicity") and checked["doc_number"] == "", checked
        (signature,) = checked["signatures"]
        assert signature["intact"] and signature["signer"].startswith("省效能办"), signature


def test_ledger_and_publicity_are_registered_and_reconciled(cli, campaign_db, tmp_path):
    from sqlalchemy import text

    from storage.db import get_engine

    db = campaign_db
    out = tmp_path / "out"
    first = cli("doc", "ledger", "--out", out, db=db, as_user="zhao", json=True).json()["pdf"]
    kept = tmp_path / "first.pdf"
    kept.write_bytes(Path(first).read_bytes())
    checked = verify(cli, db, kept)
    assert checked.code == 0 and checked.json()["kind"] == "ledger" and not checked.json()["superseded"], checked
    human = cli("doc", "verify", kept, db=db, as_user="zhao").stdout
    assert "真实：兰州市建设局“庸懒散软”专项整治整改落实台账（2015-09-10 由 zhao 生成，当日第1版，现行有效）" in human, human

    cli("item", "add", "--unit", "JGC", "--title", "窗口服务推诿扯皮", "--person", "wu", "--due", "2015-09-30",
        "--category", "懒", db=db, as_user="zhao")
    second = cli("doc", "ledger", "--out", out, db=db, as_user="zhao", json=True).json()["pdf"]
    assert verify(cli, db, second).json()["revision"] == 2
    assert verify(cli, db, kept).json()["superseded"]  # the same day's 台账 made again
    publicity = cli("doc", "publicity", "--out", out, db=db, as_user="zhao", json=True).json()["pdf"]
    assert verify(cli, db, publicity).json()["kind"] == "publicity"
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(Path(second).read_bytes() + b"\n%%\n")
    assert verify(cli, db, forged).code == 3
    assert cli("doc", "reissue", "", db=db, as_user="zhao").code == 2  # reports have no 发文字号 to reissue
    assert cli("audit", "verify", db=db).code == 0

    with get_engine(db).begin() as conn:  # someone edits the register behind duban's back
        conn.execute(text("UPDATE documents SET sha256 = :h WHERE kind = 'publicity'"), {"h": "0" * 64})
    audit = cli("audit", "verify", db=db)
    assert audit.code == 3 and "documents" in audit.stdout + audit.stderr, audit


def test_signing_and_checking_work_where_an_event_loop_runs(tmp_path):
    """pyHanko's synchronous API starts its own event loop: called from code that already runs one
    (an async web handler; a browser test driving a page from the same thread) it must still sign
    and verify, not fail with "asyncio.run() cannot be called from a running event loop"."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from duban.documents import DocumentRenderer, sample_context
    from duban.documents.signing import SigningConfig, make_self_signed, sign, signatures

    made = make_self_signed(tmp_path / "keys", "某某工作办公室", "某某工作办公室")
    config = SigningConfig(made["key"], made["cert"])
    pdf = DocumentRenderer().render("rectification_notice", sample_context("rectification_notice"))

    async def handler():
        signed = sign(pdf, config)
        return signed, signatures(signed, made["cert"])

    with ThreadPoolExecutor(max_workers=1) as server_thread:  # a thread of its own, as a server's loop runs
        signed, (signature,) = server_thread.submit(asyncio.run, handler()).result()
    assert signed != pdf and signature["intact"] and signature["trusted"], signature
    assert signature["signer"].startswith("某某工作办公室"), signature
