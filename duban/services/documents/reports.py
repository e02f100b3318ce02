"""The campaign's reports: 台账 and 公示 (no 发文字号)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from duban import permissions
from duban.documents import contexts
from duban.errors import BadInput
from duban.services.common import actor, business_date
from duban.services.documents.issuing import finished_pdf
from storage.uow import UnitOfWork

# --- campaign documents: 台账 and 公示 ------------------------------------------------------------


def _write_pdf(uow: UnitOfWork, kind: str, context: dict, out: Path) -> str:
    from duban.documents.render import write_atomically

    pdf = finished_pdf(uow, kind, context)
    write_atomically(out, pdf)
    return hashlib.sha256(pdf).hexdigest()


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
    _write_pdf(uow, "ledger", contexts.ledger(camp, ledger_rows(uow, camp, today), today), out)
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
    context = contexts.ledger(camp, rows, today)
    digest = _write_pdf(uow, "ledger", context, stem.with_suffix(".pdf"))
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
    context = contexts.publicity(uow, camp, today)
    digest = _write_pdf(uow, "publicity", context, out)
    return {"campaign": camp.code, "date": today.isoformat(), "pdf": str(out), "sha256": digest,
            "units": len(context["units"]), "items": sum(len(group["items"]) for group in context["units"]),
            "period_end": context["period_end"].isoformat()}
