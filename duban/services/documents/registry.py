"""Reading the register of issued documents and checking a file against it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from duban import permissions
from duban.documents import signing
from duban.errors import read_named_file
from duban.services.common import actor
from duban.services.documents.issuing import (
    document_view,
    files_root,
    kind_code,
)
from storage.models import Document
from storage.uow import UnitOfWork

# --- reading and verifying -------------------------------------------------------------------


def list_documents(uow: UnitOfWork, login: str, *, campaign: str | None = None, kind: str | None = None,
                   item: str | None = None, case: str | None = None) -> list[dict]:
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    query = select(Document).where(Document.campaign_id == camp.id)
    if kind:
        query = query.where(Document.kind == kind_code(kind))
    if item:
        query = query.where(Document.item_id == uow.items.get(item).id)
    if case:
        query = query.where(Document.case_id == uow.cases.get(case).id)
    docs = uow.session.scalars(query.order_by(Document.kind, Document.year, Document.number, Document.revision))
    return [document_view(uow, doc) for doc in docs]


def verify_file(uow: UnitOfWork, path: str | Path) -> dict:
    """Is this file, byte for byte, a document this system issued? Anyone may ask."""
    path = Path(path)
    data = read_named_file(path)
    digest = hashlib.sha256(data).hexdigest()
    office = signing.configured(files_root(uow))
    signatures = signing.signatures(data, office.cert if office else None)
    doc = uow.session.scalar(select(Document).where(Document.sha256 == digest).order_by(Document.id).limit(1))
    if doc is None:
        return {"genuine": False, "file": str(path), "sha256": digest, "signatures": signatures,
                "reason": "本系统没有制发过内容与此文件完全一致的文书（文件被改动，或并非本系统制发）"}
    return {"genuine": True, "file": str(path), **document_view(uow, doc), "signatures": signatures}


def signature_summary(signatures: list[dict]) -> str:
    """One phrase on the file's signatures, for people: who signed, intact or not, trusted or not."""
    if not signatures:
        return "未签名"
    parts = []
    for sig in signatures:
        if not sig["intact"]:
            parts.append(f"签名无效（{sig['signer'] or '签名已损坏'}：签名后内容被改动）")
            continue
        state = "签名完好" + ("" if sig["covers_whole_file"] else "，但签名后文件有追加内容")
        trust = "，为本机配置的发文机关证书" if sig["trusted"] else "，签名证书不是本机配置的发文机关证书"
        parts.append(f"{state}（{sig['signer']}{trust}）")
    return "；".join(parts)
