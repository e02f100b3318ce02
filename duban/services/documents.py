"""Issuing official documents (制发文书): numbered, rendered, filed and recorded at once.

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

import contextlib
import ctypes.util
import datetime as dt
import functools
import hashlib
import importlib.metadata
import multiprocessing
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from duban import config, permissions
from duban.documents import contexts
from duban.documents.kinds import KINDS, get_kind
from duban.errors import BadInput, ConcurrentModification, DubanError, NotFound, RuleViolation
from duban.services.common import actor, business_date
from storage.models import (
    AccountabilityCase,
    Campaign,
    DocCounter,
    Document,
    Escalation,
    Person,
    ProblemItem,
)
from storage.uow import UnitOfWork, campaign_chain

BATCH_CHUNK = 40  # documents numbered, rendered and committed per transaction in a batch


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


def _resolve(uow: UnitOfWork, kind: str | None, *, item: str | None, case: str | None,
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
    elif item is not None:
        the_item = uow.items.get(item)
        issue = Issue(contexts.ITEM_KINDS[0], the_item.campaign, item=the_item)
    else:
        raise BadInput("须指定整改问题（--item）、问责案件（--case）或督办记录（--escalation）之一")
    if kind is not None and kind != issue.kind:
        raise RuleViolation(f"{_subject_label(issue)}应制发{KINDS[issue.kind].name}，不是{KINDS[kind].name}")
    return issue


def _subject_label(issue: Issue) -> str:
    if issue.escalation is not None:
        return f"{issue.item.no} 的{issue.escalation.level}（记录 {issue.escalation.id}）"
    return issue.case.no if issue.case is not None else issue.item.no


def _prepare(uow: UnitOfWork, issue: Issue, clerk: Person, today: dt.date) -> None:
    """Under the lock: re-read the subject, refuse a second document, build the context."""
    for record in (issue.item, issue.case, issue.escalation):
        if record is not None:
            uow.session.refresh(record)
    earlier = _first_issue(uow, issue)
    if earlier is not None:
        message = (f"{_subject_label(issue)}已制发{KINDS[issue.kind].name} {earlier.doc_number}（{earlier.issued_on.isoformat()}）；"
                   f"如需更正请重新制发：duban doc reissue {earlier.doc_number}")
        # One sheet per escalation is the flows' exactly-once key: a second issuer lost a race.
        raise ConcurrentModification(message) if issue.escalation is not None else RuleViolation(message)
    if issue.escalation is not None:
        issue.context = contexts.escalation_sheet(issue.campaign, issue.escalation, issue.item, clerk, today)
    elif issue.case is not None:
        if contexts.case_kind(issue.campaign, issue.case) != issue.kind:
            raise ConcurrentModification(f"{issue.case.no} 的问责措施已变更，请重新确认文书种类")
        issue.context = contexts.case_document(issue.campaign, issue.case, issue.kind, clerk, today)
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


# --- numbers ----------------------------------------------------------------------------


def _take_numbers(uow: UnitOfWork, issuer: str, kind: str, year: int, count: int) -> int:
    """Reserve ``count`` consecutive numbers in this transaction; returns the first."""
    dialect = uow.engine.dialect.name
    insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[dialect]
    # Insert-if-absent, so two first issuers of a year cannot both create the row.
    uow.session.execute(insert(DocCounter).values(issuer=issuer, kind=kind, year=year, last_number=0)
                        .on_conflict_do_nothing())
    counter = uow.session.execute(
        select(DocCounter).where(DocCounter.issuer == issuer, DocCounter.kind == kind, DocCounter.year == year)
        .with_for_update().execution_options(populate_existing=True)).scalar_one()
    first = counter.last_number + 1
    counter.last_number += count
    return first


def _number(uow: UnitOfWork, issues: list[Issue], today: dt.date) -> None:
    """Give each issue the next number of its counter, counters locked in a fixed order."""
    groups: dict[tuple[str, str, int], list[Issue]] = {}
    for issue in issues:
        issue.year = today.year
        groups.setdefault((issue.campaign.doc_prefix, issue.kind, issue.year), []).append(issue)
    for key in sorted(groups):
        first = _take_numbers(uow, *key, len(groups[key]))
        for offset, issue in enumerate(groups[key]):
            issue.number = first + offset
            prefix = contexts.document_prefixes(issue.campaign)[issue.kind]
            issue.context["doc_number"] = contexts.format_doc_number(prefix, issue.year, issue.number)


# --- rendering, files, records --------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _renderer_for(templates: str):
    from duban.documents.render import DocumentRenderer

    return DocumentRenderer(templates)


def _renderer():
    """One renderer per process and templates folder: fonts and CSS are parsed once."""
    from duban.documents.render import templates_dir

    return _renderer_for(str(templates_dir()))


def files_root(uow: UnitOfWork) -> Path:
    return config.files_dir(uow.engine.url.render_as_string(hide_password=False))


def _commit_with_files(uow: UnitOfWork, files: list[tuple[Path, bytes]], record: Callable[[], list[dict]]) -> list[dict]:
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


def _record(uow: UnitOfWork, clerk: Person, issue: Issue, pdf: bytes, today: dt.date,
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
    uow.record(chain=campaign_chain(issue.campaign), actor=clerk.login, today=today, trigger=trigger,
               item=issue.item if issue.case is None else None, case=issue.case, campaign_id=issue.campaign.id,
               note=f"{KINDS[issue.kind].name} {issue.doc_number}{revision}",
               payload={"document": doc.id, "kind": issue.kind, "doc_number": issue.doc_number,
                        "revision": issue.revision, "sha256": doc.sha256, "path": doc.path})
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
    issue = _resolve(uow, kind, item=item, case=case, escalation_id=escalation_id)
    uow.lock(campaign_chain(issue.campaign))
    clerk = actor(uow, login)
    permissions.require(clerk, "doc.render")
    today = business_date(issue.campaign, today)
    _prepare(uow, issue, clerk, today)
    _number(uow, [issue], today)
    pdf = _renderer().render(issue.kind, issue.context)
    return _commit_with_files(uow, [(files_root(uow) / issue.relative_path, pdf)],
                              lambda: [document_view(uow, _record(uow, clerk, issue, pdf, today))])[0]


def reissue_document(uow: UnitOfWork, login: str, doc_number: str, *, today: dt.date | None = None) -> dict:
    """重新制发: the same number as revision + 1, rebuilt from the records as they are now."""
    first = uow.session.scalar(select(Document).where(Document.doc_number == doc_number.strip())
                               .order_by(Document.revision).limit(1))
    if first is None:
        raise NotFound(f"文书不存在：{doc_number}")
    campaign = uow.session.get(Campaign, first.campaign_id)
    uow.lock(campaign_chain(campaign))
    clerk = actor(uow, login)
    permissions.require(clerk, "doc.render")
    today = business_date(campaign, today)
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
        issue.context = contexts.case_document(campaign, issue.case, issue.kind, clerk, today)
    else:
        issue.context = contexts.rectification_notice(campaign, issue.item, today)
    issue.context["doc_number"] = first.doc_number
    pdf = _renderer().render(issue.kind, issue.context)
    return _commit_with_files(
        uow, [(files_root(uow) / issue.relative_path, pdf)],
        lambda: [document_view(uow, _record(uow, clerk, issue, pdf, today, trigger="document_reissued"))])[0]


# --- many documents ------------------------------------------------------------------------


_worker_renderer = None


def _start_worker(templates: str) -> None:
    global _worker_renderer
    from duban.documents.render import DocumentRenderer

    _worker_renderer = DocumentRenderer(templates)


def _render_in_worker(kind: str, context: dict) -> bytes:
    return _worker_renderer.render(kind, context)


@contextlib.contextmanager
def _render_pool(workers: int):
    """Worker processes, each with one renderer (fonts and CSS parsed once) for the whole batch."""
    from duban.documents.render import templates_dir

    # forkserver: workers start clean, not as forks of a caller holding DB connections and threads.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                             initializer=_start_worker, initargs=(str(templates_dir()),)) as pool:
        yield pool


@dataclass
class _ChunkOutcome:
    issued: list[dict]
    refused: list[tuple[int, str]]  # (job index, why): not numbered, not retried
    render_failures: list[tuple[int, str]]  # the chunk was rolled back


def issue_batch(start_uow: Callable[[], UnitOfWork], login: str, jobs: list[dict], *, workers: int = 2,
                progress: Callable[[int, int], None] | None = None, today: dt.date | None = None,
                chunk_size: int = BATCH_CHUNK) -> dict:
    """Issue many documents: jobs are dicts with ``kind`` and ``item``, ``case`` or ``escalation_id``.

    Per chunk, one transaction numbers the chunk, renders it in the worker pool, writes the
    files and commits. A failed render rolls its chunk back (no number used, no file) and
    the chunk is retried without it; jobs whose subject refuses (already issued, wrong
    state…) are skipped before numbering. Both are reported in ``failed``. Chunks already
    committed stay when a later one meets a database error.
    """
    if workers < 1 or chunk_size < 1:
        raise BadInput(f"进程数和批大小应为正整数（{workers}，{chunk_size}）")
    if not jobs:
        return {"issued": [], "failed": [], "workers": workers, "seconds": 0.0, "docs_per_second": 0.0}
    started = time.perf_counter()
    todo = list(enumerate(jobs))
    total, done = len(todo), 0
    issued: list[dict] = []
    failed: list[dict] = []

    def report(count: int) -> None:
        if progress:
            progress(min(count, total), total)

    report(0)
    with _render_pool(workers) as pool:
        for start in range(0, total, chunk_size):
            chunk = todo[start:start + chunk_size]
            while chunk:
                with start_uow() as uow:
                    outcome = _issue_chunk(uow, login, chunk, pool, today, lambda n: report(done + n))
                dropped = {index for index, _ in outcome.refused + outcome.render_failures}
                failed += [{"job": jobs[index], "error": error} for index, error in outcome.refused + outcome.render_failures]
                done += len(dropped)
                chunk = [(index, job) for index, job in chunk if index not in dropped]
                if not outcome.render_failures:
                    issued += outcome.issued
                    done += len(chunk)
                    break
            report(done)
    seconds = time.perf_counter() - started
    return {"issued": issued, "failed": failed, "workers": workers, "seconds": round(seconds, 2),
            "docs_per_second": round(len(issued) / seconds, 2) if issued and seconds else 0.0}


def _issue_chunk(uow: UnitOfWork, login: str, chunk: list[tuple[int, dict]], pool, today: dt.date | None,
                 on_rendered: Callable[[int], None]) -> _ChunkOutcome:
    refused: list[tuple[int, str]] = []
    resolved: list[tuple[int, Issue]] = []
    for index, job in chunk:
        try:
            resolved.append((index, _resolve(uow, job.get("kind"), item=job.get("item"), case=job.get("case"),
                                             escalation_id=job.get("escalation_id"))))
        except DubanError as error:
            refused.append((index, error.message))
    for campaign in sorted({issue.campaign.code: issue.campaign for _, issue in resolved}.values(),
                           key=lambda c: c.code):
        uow.lock(campaign_chain(campaign))
    clerk = actor(uow, login)
    permissions.require(clerk, "doc.render")
    ready: list[tuple[int, Issue]] = []
    seen: set[tuple] = set()
    for index, issue in resolved:
        try:
            if issue.subject_key in seen:
                raise RuleViolation(f"{_subject_label(issue)}在本批中重复")
            seen.add(issue.subject_key)
            _prepare(uow, issue, clerk, business_date(issue.campaign, today))
        except DubanError as error:
            refused.append((index, error.message))
            continue
        ready.append((index, issue))
    if not ready:
        return _ChunkOutcome([], refused, [])
    day = business_date(ready[0][1].campaign, today)
    _number(uow, [issue for _, issue in ready], day)
    futures = {pool.submit(_render_in_worker, issue.kind, issue.context): index for index, issue in ready}
    pdfs: dict[int, bytes] = {}
    failures: list[tuple[int, str]] = []
    for count, future in enumerate(as_completed(futures), 1):
        try:
            pdfs[futures[future]] = future.result()
        except Exception as error:  # noqa: BLE001 - reported per document, the rest retried
            failures.append((futures[future], f"{type(error).__name__}: {error}"))
        on_rendered(len(refused) + count)
    if failures:
        return _ChunkOutcome([], refused, failures)  # leaving the unit of work rolls the numbers back
    root = files_root(uow)
    issued = _commit_with_files(
        uow, [(root / issue.relative_path, pdfs[index]) for index, issue in ready],
        lambda: [document_view(uow, _record(uow, clerk, issue, pdfs[index], day)) for index, issue in ready])
    return _ChunkOutcome(issued, refused, [])


def pending_jobs(uow: UnitOfWork, login: str, kind: str, *, campaign: str | None = None,
                 states: list[str] | None = None, unit: str | None = None, cases: list[str] | None = None,
                 today: dt.date | None = None) -> list[dict]:
    """Jobs for every subject that is due a document of ``kind`` and has none yet."""
    from statemachines.item import ITEM

    kind = kind_code(kind)
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "doc.render")
    today = business_date(camp, today)
    issued = select(Document.id).where(Document.kind == kind, Document.revision == 1)
    if kind in contexts.ITEM_KINDS:
        wanted = [_item_state(ITEM, s) for s in states] if states else ["assigned", "rectifying"]
        query = (select(ProblemItem.no).where(
            ProblemItem.campaign_id == camp.id, ProblemItem.state.in_(wanted), ProblemItem.due > today,
            ProblemItem.paused_since.is_(None),
            ~issued.where(Document.item_id == ProblemItem.id, Document.escalation_id.is_(None)).exists())
            .order_by(ProblemItem.seq))
        if unit:
            query = query.where(ProblemItem.unit_id == uow.org.unit(unit).id)
        return [{"kind": kind, "item": no} for no in uow.session.scalars(query)]
    if kind in contexts.ESCALATION_KINDS.values():
        levels = [level for level, code in contexts.ESCALATION_KINDS.items() if code == kind]
        query = (select(Escalation.id).join(ProblemItem, ProblemItem.id == Escalation.item_id).where(
            Escalation.campaign_id == camp.id, Escalation.level.in_(levels),
            ~issued.where(Document.escalation_id == Escalation.id).exists()).order_by(Escalation.id))
        if unit:
            query = query.where(ProblemItem.unit_id == uow.org.unit(unit).id)
        return [{"kind": kind, "escalation_id": id_} for id_ in uow.session.scalars(query)]
    if kind in contexts.CASE_KINDS:
        query = select(AccountabilityCase).where(AccountabilityCase.campaign_id == camp.id,
                                                 AccountabilityCase.state.in_(contexts.CASE_STATES),
                                                 ~issued.where(Document.case_id == AccountabilityCase.id).exists())
        if cases:
            query = query.where(AccountabilityCase.no.in_([uow.cases.get(no).no for no in cases]))
        chosen = uow.session.scalars(query.order_by(AccountabilityCase.seq)).all()
        return [{"kind": kind, "case": case.no} for case in chosen if contexts.case_kind(camp, case) == kind]
    raise BadInput(f"{KINDS[kind].name}不按批制发（台账、公示请用 duban doc ledger / duban doc publicity）")


def _item_state(machine, state: str) -> str:
    codes = {label: code for code, label in machine.states.items()}
    if state in machine.states or state in codes:
        return codes.get(state, state)
    raise BadInput(f"状态无效：{state}（可选：{'、'.join(machine.states)}）")


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
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"文件不存在：{path}") from None
    except OSError as error:
        raise BadInput(f"无法读取文件：{path}（{error.strerror or error}）") from None
    digest = hashlib.sha256(data).hexdigest()
    doc = uow.session.scalar(select(Document).where(Document.sha256 == digest).order_by(Document.id).limit(1))
    if doc is None:
        return {"genuine": False, "file": str(path), "sha256": digest,
                "reason": "本系统没有制发过内容与此文件完全一致的文书（文件被改动，或并非本系统制发）"}
    return {"genuine": True, "file": str(path), **document_view(uow, doc)}


# --- campaign documents: 台账 and 公示 ------------------------------------------------------------


def _write_pdf(kind: str, context: dict, out: Path) -> str:
    from duban.documents.render import write_atomically

    pdf = _renderer().render(kind, context)
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

    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    out = Path(out)
    _out_dir(out.parent)
    _write_pdf("ledger", contexts.ledger(camp, ledger_rows(uow, camp, today), today), out)
    return out


def render_ledger(uow: UnitOfWork, login: str, out_dir: str | Path, *, campaign: str | None = None,
                  today: dt.date | None = None) -> dict:
    """台账 of ``today`` as PDF and XLSX in ``out_dir`` (ledger-<campaign>-<date>.pdf/.xlsx)."""
    from duban.services.ledger import ledger_rows, write_table

    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    out_dir = _out_dir(out_dir)
    rows = ledger_rows(uow, camp, today)
    stem = out_dir / f"ledger-{camp.code}-{today.isoformat()}"
    context = contexts.ledger(camp, rows, today)
    digest = _write_pdf("ledger", context, stem.with_suffix(".pdf"))
    write_table(stem.with_suffix(".xlsx"), "xlsx", context["title"], rows)
    return {"campaign": camp.code, "as_of": today.isoformat(), "rows": len(rows),
            "pdf": str(stem.with_suffix(".pdf")), "xlsx": str(stem.with_suffix(".xlsx")), "sha256": digest}


def render_publicity(uow: UnitOfWork, login: str, out_dir: str | Path, *, campaign: str | None = None,
                     today: dt.date | None = None) -> dict:
    """公示 of rectified items per unit (and published 满意度测评) as publicity-<campaign>-<date>.pdf."""
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "doc.render")
    today = business_date(camp, today)
    out = _out_dir(out_dir) / f"publicity-{camp.code}-{today.isoformat()}.pdf"
    context = contexts.publicity(uow, camp, today)
    digest = _write_pdf("publicity", context, out)
    return {"campaign": camp.code, "date": today.isoformat(), "pdf": str(out), "sha256": digest,
            "units": len(context["units"]), "items": sum(len(group["items"]) for group in context["units"]),
            "period_end": context["period_end"].isoformat()}


# --- duban doctor ------------------------------------------------------------------------------


def doctor(db_url: str) -> dict:
    """What documents will look like on this machine, and what to fix (never raises)."""
    from duban.documents.fonts import ROLES, resolve_fonts

    checks: list[dict] = []

    def check(name: str, value: str, advice: str | None = None) -> None:
        checks.append({"check": name, "value": value, "ok": advice is None, "advice": advice})

    for role, found in resolve_fonts().items():
        label = ROLES[role].label
        if found.file is None:
            check(f"字体 {label}", "未找到任何可用字体",
                  f"安装 fonts-noto-cjk 等中文字体，或设置 DUBAN_FONT_{role.upper()} 指向已安装的字体")
        elif found.is_fallback:
            check(f"字体 {label}", f"{found.resolved_family}（{found.file}）——替代字体，首选 {found.requested} 未安装",
                  f"安装 {found.requested}，或设置 DUBAN_FONT_{role.upper()}=已安装的字体名称")
        else:
            check(f"字体 {label}", f"{found.resolved_family}（{found.file}）")
    harfbuzz = ctypes.util.find_library("harfbuzz-subset")
    check("HarfBuzz 字体子集库", harfbuzz or "未安装",
          None if harfbuzz else "apt-get install libharfbuzz-subset0（否则每份文书需 10 秒以上）")
    try:
        check("WeasyPrint", importlib.metadata.version("weasyprint"))
    except importlib.metadata.PackageNotFoundError:
        check("WeasyPrint", "未安装", "pip install weasyprint")
    _check_database(db_url, check)
    files = config.files_dir(db_url)
    writable = _writable(files)
    check("文件目录", str(files), None if writable else f"确保目录 {files} 可创建且可写（或设置 DUBAN_FILES）")
    dot = shutil.which("dot")
    check("Graphviz", dot or "未安装", None if dot else "apt-get install graphviz（duban diagram --format svg 需要）")
    return {"checks": checks, "warnings": sum(not c["ok"] for c in checks)}


def _check_database(db_url: str, check) -> None:
    from sqlalchemy.engine import make_url

    from storage.migrate import current_revision, head_revision

    try:
        shown = make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - doctor reports, never fails
        shown = db_url
    check("数据库", shown)
    try:
        current, head = current_revision(db_url), head_revision()
    except Exception as error:  # noqa: BLE001
        check("数据库结构版本", f"无法连接（{type(error).__name__}）", "检查 --db / DUBAN_DB，或运行 duban init 建库")
        return
    if current == head:
        check("数据库结构版本", f"{current}（最新）")
    else:
        check("数据库结构版本", f"{current or '未初始化'}，最新为 {head}", "运行 duban init 建库或升级")


def _writable(folder: Path) -> bool:
    probe = folder
    while not probe.exists():
        probe = probe.parent
    return os.access(probe, os.W_OK)
