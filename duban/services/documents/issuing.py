"""Issuing one official document (制发文书): numbered, rendered, filed and recorded at once.

发文字号 ``prefix〔year〕N号`` (prefix per kind, see `contexts.document_prefixes`). N is
gapless per issuing office (the campaign's doc_prefix), kind and year: it is taken in
the transaction that records the document. Lock the campaign chain (as every write
does), lock the DocCounter row (FOR UPDATE; SQLite's BEGIN IMMEDIATE already
serialises writers), build the context from the records, render, write the PDF
atomically, insert the Document row and its event, commit. A render that fails rolls
the number back with everything else; a commit that fails removes the file.

Files: ``<files dir>/documents/<year>/<kind>/<发文字号>-r<revision>.pdf``; the row keeps
the path relative to the files dir, the SHA-256 of the bytes and the context (JSON).
A reissue is revision + 1 under the same number in a new file; the old one stays.

WeasyPrint loads only when something is rendered: listing and verifying stay light.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select

from duban import config, permissions
from duban.documents import case_contexts, contexts
from duban.documents.kinds import KINDS, get_kind
from duban.errors import (
    AlreadyIssued,
    BadInput,
    ConcurrentModification,
    NotFound,
    RuleViolation,
)
from duban.services.common import actor, business_date, warn_outside_campaign
from duban.services.documents.numbering import number_issues
from storage.models import (
    AccountabilityCase,
    Campaign,
    Document,
    Escalation,
    Person,
    ProblemItem,
)
from storage.uow import UnitOfWork, campaign_chain, item_chain

# --- what is being issued --------------------------------------------------------------


@dataclass
class Issue:
    """One document on its way: its subject, then its context and number."""

    kind: str
    campaign: Campaign
    item: ProblemItem | None = None
    case: AccountabilityCase | None = None
    escalation: Escalation | None = None
    context: dict | None = None
    year: int = 0
    number: int = 0
    revision: int = 1

    @property
    def doc_number(self) -> str:
        return self.context["doc_number"]

    @property
    def relative_path(self) -> str:
        return f"documents/{self.year}/{self.kind}/{self.doc_number}-r{self.revision}.pdf"

    @property
    def subject_key(self) -> tuple:
        if self.escalation is not None:
            return (self.kind, "escalation", self.escalation.id)
        if self.case is not None:
            return (self.kind, "case", self.case.id)
        return (self.kind, "item", self.item.id)


def kind_code(text: str | None) -> str | None:
    """A kind given as its code (rectification_notice) or its name (整改通知书)."""
    if text is None:
        return None
    for code, spec in KINDS.items():
        if text.strip() in (code, spec.name):
            return code
    return get_kind(text).code  # raises BadInput listing the kinds


def resolve(uow: UnitOfWork, kind: str | None, *, item: str | None, case: str | None,
             escalation_id: int | None) -> Issue:
    """The subject named by item / case / escalation and the kind it calls for."""
    kind = kind_code(kind)
    session = uow.session
    if escalation_id is not None:
        if case is not None:
            raise BadInput("督办记录与问责案件只能指定其一")
        escalation = session.get(Escalation, escalation_id)
        if escalation is None:
            raise NotFound(f"督办记录不存在：{escalation_id}")
        the_item = session.get(ProblemItem, escalation.item_id)
        if item is not None and item != the_item.no:
            raise BadInput(f"督办记录 {escalation_id} 属于 {the_item.no}，不是 {item}")
        issue = Issue(contexts.escalation_kind(escalation), the_item.campaign, item=the_item, escalation=escalation)
    elif case is not None:
        if item is not None:
            raise BadInput("问题与问责案件只能指定其一（案件的文书写明其关联问题）")
        the_case = uow.cases.get(case)
        campaign = session.get(Campaign, the_case.campaign_id)
        issue = Issue(contexts.case_kind(campaign, the_case), campaign, case=the_case)
    elif item is not None and kind in contexts.ESCALATION_KINDS.values():  # 催办单/督办单 named by the item
        the_item = uow.items.get(item)
        issue = Issue(kind, the_item.campaign, item=the_item, escalation=_latest_escalation(uow, the_item, kind))
    elif item is not None:
        the_item = uow.items.get(item)
        issue = Issue(contexts.ITEM_KINDS[0], the_item.campaign, item=the_item)
    else:
        raise BadInput("须指定整改问题（--item）、问责案件（--case）或督办记录（--escalation）之一")
    if kind is not None and kind != issue.kind:
        raise RuleViolation(f"{subject_label(issue)}应制发{KINDS[issue.kind].name}，不是{KINDS[kind].name}")
    return issue


def _latest_escalation(uow: UnitOfWork, item: ProblemItem, kind: str) -> Escalation:
    levels = [level for level, level_kind in contexts.ESCALATION_KINDS.items() if level_kind == kind]
    escalation = uow.session.scalar(select(Escalation).where(Escalation.item_id == item.id, Escalation.level.in_(levels))
                                    .order_by(Escalation.id.desc()).limit(1))
    if escalation is None:
        raise NotFound(f"{item.no} 尚无{'或'.join(levels)}记录，没有{KINDS[kind].name}可制发")
    return escalation


def subject_label(issue: Issue) -> str:
    if issue.escalation is not None:
        return f"{issue.item.no} 的{issue.escalation.level}（记录 {issue.escalation.id}）"
    return issue.case.no if issue.case is not None else issue.item.no


def prepare(uow: UnitOfWork, issue: Issue, clerk: Person, today: dt.date) -> None:
    """Under the lock: re-read the subject, refuse a second document, build the context."""
    for record in (issue.item, issue.case, issue.escalation):
        if record is not None:
            uow.session.refresh(record)
    earlier = _first_issue(uow, issue)
    if earlier is not None:
        message = (f"{subject_label(issue)}已制发{KINDS[issue.kind].name} {earlier.doc_number}（{earlier.issued_on.isoformat()}）；"
                   f"如需更正请重新制发：duban doc reissue {earlier.doc_number}")
        raise AlreadyIssued(message)  # for sheets also the flows' exactly-once key: a second issuer lost a race
    if issue.escalation is not None:
        issue.context = contexts.escalation_sheet(issue.campaign, issue.escalation, issue.item, clerk, today)
    elif issue.case is not None:
        if contexts.case_kind(issue.campaign, issue.case) != issue.kind:
            raise ConcurrentModification(f"{issue.case.no} 的问责措施已变更，请重新确认文书种类")
        issue.context = case_contexts.case_document(issue.campaign, issue.case, issue.kind, clerk, today)
    else:
        issue.context = contexts.rectification_notice(issue.campaign, issue.item, today)


def _first_issue(uow: UnitOfWork, issue: Issue) -> Document | None:
    query = select(Document).where(Document.kind == issue.kind, Document.revision == 1)
    if issue.escalation is not None:
        query = query.where(Document.escalation_id == issue.escalation.id)
    elif issue.case is not None:
        query = query.where(Document.case_id == issue.case.id)
    else:
        query = query.where(Document.item_id == issue.item.id, Document.escalation_id.is_(None))
    return uow.session.scalar(query.limit(1))


# --- rendering, files, records --------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def renderer_for(templates: str):
    from duban.documents.render import DocumentRenderer

    return DocumentRenderer(templates)


def renderer():
    """One renderer per process and templates folder: fonts and CSS are parsed once."""
    from duban.documents.render import templates_dir

    return renderer_for(str(templates_dir()))


def files_root(uow: UnitOfWork) -> Path:
    return config.files_dir(uow.engine.url.render_as_string(hide_password=False))


def finished_pdf(uow: UnitOfWork, kind: str, context: dict) -> bytes:
    """The document rendered and, when the office has a signing key, signed (PAdES)."""
    from duban.documents import signing

    return signing.sign(renderer().render(kind, context), signing.configured(files_root(uow)))


def commit_with_files(uow: UnitOfWork, files: list[tuple[Path, bytes]], record: Callable[[], list[dict]]) -> list[dict]:
    """Write the files, record the rows, commit; if anything fails no file stays behind.

    ``record`` returns the views of what it recorded, read before the commit: on SQLite a
    read after it would open a new transaction and take the write lock again.
    """
    from duban.documents.render import write_atomically

    written: list[Path] = []
    try:
        for path, data in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, data)
            written.append(path)
        views = record()
        uow.commit()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return views


def record_issue(uow: UnitOfWork, clerk: Person, issue: Issue, pdf: bytes, today: dt.date,
            trigger: str = "document_issued") -> Document:
    doc = Document(
        campaign_id=issue.campaign.id, kind=issue.kind, issuer=issue.campaign.doc_prefix, year=issue.year,
        number=issue.number, revision=issue.revision, doc_number=issue.doc_number,
        title=issue.context["title"][:200], item_id=issue.item.id if issue.item is not None else None,
        case_id=issue.case.id if issue.case is not None else None,
        escalation_id=issue.escalation.id if issue.escalation is not None else None,
        sha256=hashlib.sha256(pdf).hexdigest(), context=contexts.json_safe(issue.context),
        path=issue.relative_path, issued_on=today, actor=clerk.login,
    )
    uow.session.add(doc)
    uow.flush()
    revision = f"（第{issue.revision}版）" if issue.revision > 1 else ""
    chain = item_chain(issue.item) if issue.case is None and issue.item is not None else campaign_chain(issue.campaign)
    uow.record(chain=chain, actor=clerk.login, today=today, trigger=trigger,
               item=issue.item if issue.case is None else None, case=issue.case, campaign_id=issue.campaign.id,
               note=f"{KINDS[issue.kind].name} {issue.doc_number}{revision}",
               payload={"document": doc.id, "kind": issue.kind, "doc_number": issue.doc_number,
                        "revision": issue.revision, "sha256": doc.sha256, "path": doc.path,
                        "escalation": doc.escalation_id})
    return doc


def document_view(uow: UnitOfWork, doc: Document) -> dict:
    session = uow.session
    latest = session.scalar(select(func.max(Document.revision)).where(
        Document.issuer == doc.issuer, Document.kind == doc.kind, Document.year == doc.year,
        Document.number == doc.number))
    item = session.get(ProblemItem, doc.item_id) if doc.item_id else None
    case = session.get(AccountabilityCase, doc.case_id) if doc.case_id else None
    return {
        "id": doc.id, "doc_number": doc.doc_number, "kind": doc.kind, "kind_name": KINDS[doc.kind].name,
        "title": doc.title, "year": doc.year, "number": doc.number, "revision": doc.revision,
        "latest_revision": latest, "superseded": doc.revision < latest,
        "item": item.no if item else None, "case": case.no if case else None, "escalation_id": doc.escalation_id,
        "issued_on": doc.issued_on.isoformat(), "actor": doc.actor, "sha256": doc.sha256,
        "path": str(files_root(uow) / doc.path),
    }


# --- one document ------------------------------------------------------------------------


def issue_document(uow: UnitOfWork, login: str, kind: str | None, *, item: str | None = None,
                   case: str | None = None, escalation_id: int | None = None,
                   today: dt.date | None = None) -> dict:
    """制发文书 for an item (整改通知书), a case (its measure's document) or an escalation
    (催办单/督办单). ``kind`` None means the kind the subject calls for."""
    issue = resolve(uow, kind, item=item, case=case, escalation_id=escalation_id)
    uow.lock(campaign_chain(issue.campaign))
    clerk = actor(uow, login)
    permissions.require(clerk, "doc.render")
    today = business_date(issue.campaign, today)
    warn_outside_campaign(issue.campaign, today)
    prepare(uow, issue, clerk, today)
    number_issues(uow, [issue], today)
    pdf = finished_pdf(uow, issue.kind, issue.context)
    return commit_with_files(uow, [(files_root(uow) / issue.relative_path, pdf)],
                              lambda: [document_view(uow, record_issue(uow, clerk, issue, pdf, today))])[0]


def reissue_document(uow: UnitOfWork, login: str, doc_number: str, *, today: dt.date | None = None) -> dict:
    """重新制发: the same number as revision + 1, rebuilt from the records as they are now."""
    first = uow.session.scalar(select(Document).where(Document.doc_number == doc_number.strip(),
                                                      Document.doc_number != "")  # 台账、公示 have none
                               .order_by(Document.revision).limit(1))
    if first is None:
        raise NotFound(f"文书不存在：{doc_number}")
    campaign = uow.session.get(Campaign, first.campaign_id)
    uow.lock(campaign_chain(campaign))
    clerk = actor(uow, login)
    permissions.require(clerk, "doc.render")
    today = business_date(campaign, today)
    warn_outside_campaign(campaign, today)
    latest = uow.session.scalar(select(func.max(Document.revision)).where(
        Document.issuer == first.issuer, Document.kind == first.kind, Document.year == first.year,
        Document.number == first.number))
    issue = Issue(first.kind, campaign, revision=latest + 1, year=first.year, number=first.number,
                  item=uow.session.get(ProblemItem, first.item_id) if first.item_id else None,
                  case=uow.session.get(AccountabilityCase, first.case_id) if first.case_id else None,
                  escalation=uow.session.get(Escalation, first.escalation_id) if first.escalation_id else None)
    for record in (issue.item, issue.case, issue.escalation):
        if record is not None:
            uow.session.refresh(record)
    if issue.escalation is not None:
        issue.context = contexts.escalation_sheet(campaign, issue.escalation, issue.item, clerk, today)
    elif issue.case is not None:
        if contexts.case_kind(campaign, issue.case) != issue.kind:
            raise RuleViolation(f"{issue.case.no} 的问责措施已变更，应制发新的文书而非重新制发 {doc_number}")
        issue.context = case_contexts.case_document(campaign, issue.case, issue.kind, clerk, today)
    else:
        issue.context = contexts.rectification_notice(campaign, issue.item, today)
    issue.context["doc_number"] = first.doc_number
    pdf = finished_pdf(uow, issue.kind, issue.context)
    return commit_with_files(
        uow, [(files_root(uow) / issue.relative_path, pdf)],
        lambda: [document_view(uow, record_issue(uow, clerk, issue, pdf, today, trigger="document_reissued"))])[0]
