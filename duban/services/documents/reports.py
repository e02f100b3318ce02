"""The campaign's reports: 台账, 公示 and 整改公开栏 (no 发文字号), registered like documents.

Each PDF written is recorded in the documents table (kind, SHA-256, path; no 发文字号;
number = the day of the year, revision = how often that day's report was made) with a
``report_issued`` event in the same transaction, so ``duban doc verify`` knows the file
and ``duban audit verify`` reconciles the register with the events."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy import func, select

from duban import permissions
from duban.documents import report_contexts
from duban.documents.kinds import KINDS
from duban.errors import BadInput
from duban.services.common import actor, business_date
from duban.services.documents.issuing import commit_with_files, files_root, finished_pdf
from duban.wording import cn_date
from storage.models import Campaign, Document
from storage.uow import UnitOfWork, campaign_chain

# --- campaign documents: 台账 and 公示 ------------------------------------------------------------


def _write_pdf(uow: UnitOfWork, login: str, camp: Campaign, kind: str, context: dict, out: Path,
               today: dt.date) -> str:
    """Render (and sign) the report, write it to ``out`` and register it, all or nothing.

    Rendering happens in the caller's read (without SQLite's write lock); the registration is a
    short write transaction of its own."""
    pdf = finished_pdf(uow, kind, context)
    digest = hashlib.sha256(pdf).hexdigest()
    uow.session.rollback()  # end the read snapshot: the write below starts from the latest state
    uow.lock(campaign_chain(camp))
    who = actor(uow, login)
    number = today.timetuple().tm_yday
    revision = 1 + (uow.session.scalar(select(func.max(Document.revision)).where(
        Document.issuer == camp.doc_prefix, Document.kind == kind, Document.year == today.year,
        Document.number == number)) or 0)
    root = files_root(uow).resolve()
    where = out.resolve()
    path = str(where.relative_to(root)) if where.is_relative_to(root) else str(where)

    def record() -> list[dict]:
        doc = Document(campaign_id=camp.id, kind=kind, issuer=camp.doc_prefix, year=today.year, number=number,
                       revision=revision, doc_number="", title=context["title"][:200], sha256=digest,
                       context={"date": today.isoformat()}, path=path, issued_on=today, actor=who.login)
        uow.session.add(doc)
        uow.flush()
        uow.record(chain=campaign_chain(camp), actor=who.login, today=today, trigger="report_issued",
                   campaign_id=camp.id, note=f"{KINDS[kind].name}（{cn_date(today)}）",
                   payload={"document": doc.id, "kind": kind, "revision": revision, "sha256": digest, "path": path})
        return []

    commit_with_files(uow, [(out, pdf)], record)
    return digest


def _out_dir(out_dir: str | Path) -> Path:
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"输出位置不是目录：{out_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def ledger_pdf(uow: UnitOfWork, login: str, *, out: str | Path, campaign: str | None = None,
               today: dt.date | None = None) -> Path:
    """The 整改落实台账 as a landscape PDF with charts, written atomically to ``out``."""
    from duban.services.ledger import ledger_rows

    uow.read_only()  # rendering takes long: never with SQLite's write lock held
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    out = Path(out)
    _out_dir(out.parent)
    _write_pdf(uow, login, camp, "ledger", report_contexts.ledger(camp, ledger_rows(uow, camp, today), today), out, today)
    return out


def render_ledger(uow: UnitOfWork, login: str, out_dir: str | Path, *, campaign: str | None = None,
                  today: dt.date | None = None) -> dict:
    """台账 of ``today`` as PDF and XLSX in ``out_dir`` (ledger-<campaign>-<date>.pdf/.xlsx)."""
    from duban.services.ledger import ledger_rows, write_table

    uow.read_only()  # rendering takes long: never with SQLite's write lock held
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    out_dir = _out_dir(out_dir)
    rows = ledger_rows(uow, camp, today)
    stem = out_dir / f"ledger-{camp.code}-{today.isoformat()}"
    context = report_contexts.ledger(camp, rows, today)
    digest = _write_pdf(uow, login, camp, "ledger", context, stem.with_suffix(".pdf"), today)
    write_table(stem.with_suffix(".xlsx"), "xlsx", context["title"], rows)
    return {"campaign": camp.code, "as_of": today.isoformat(), "rows": len(rows),
            "pdf": str(stem.with_suffix(".pdf")), "xlsx": str(stem.with_suffix(".xlsx")), "sha256": digest}


def render_publicity(uow: UnitOfWork, login: str, out_dir: str | Path, *, campaign: str | None = None,
                     today: dt.date | None = None) -> dict:
    """公示 of rectified items per unit (and published 满意度测评) as publicity-<campaign>-<date>.pdf."""
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "doc.render")
    today = business_date(camp, today)
    out = _out_dir(out_dir) / f"publicity-{camp.code}-{today.isoformat()}.pdf"
    context = report_contexts.publicity(uow, camp, today)
    digest = _write_pdf(uow, login, camp, "publicity", context, out, today)
    return {"campaign": camp.code, "date": today.isoformat(), "pdf": str(out), "sha256": digest,
            "units": len(context["units"]), "items": sum(len(group["items"]) for group in context["units"]),
            "period_end": context["period_end"].isoformat()}


def render_bulletin(uow: UnitOfWork, login: str, out: str | Path, context: dict, *, campaign: str | None = None,
                    today: dt.date | None = None) -> dict:
    """整改公开栏 (A4 bulletin board) of a publication, written to ``out`` and registered like the 公示."""
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "doc.render")
    today = business_date(camp, today)
    out = Path(out)
    _out_dir(out.parent)
    digest = _write_pdf(uow, login, camp, "bulletin", {**context, "date": today}, out, today)
    return {"campaign": camp.code, "date": today.isoformat(), "pdf": str(out), "sha256": digest}
