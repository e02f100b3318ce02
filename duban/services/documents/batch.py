"""Issuing many documents: numbered and committed chunk by chunk, rendered in a worker pool."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from concurrent.futures import as_completed
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from duban import permissions
from duban.documents import contexts, signing
from duban.documents.kinds import KINDS
from duban.errors import (
    BadInput,
    DubanError,
    RuleViolation,
)
from duban.services.common import actor, business_date, warn_outside_campaign
from duban.services.documents.issuing import (
    Issue,
    commit_with_files,
    document_view,
    files_root,
    kind_code,
    number_issues,
    prepare,
    record_issue,
    resolve,
    subject_label,
)
from duban.services.documents.numbering import (
    claim_numbers,
    claims_settled,
    drop_claims,
    numbers_by_counter,
    peek_numbers,
    take_numbers,
)
from storage.models import (
    AccountabilityCase,
    Document,
    Escalation,
    ProblemItem,
)
from storage.uow import UnitOfWork, campaign_chain

BATCH_CHUNK = 40  # documents numbered, rendered and committed per transaction in a batch
CLAIM_WAIT = 20.0  # seconds, at least, to wait for another issuer's earlier promised numbers
CLAIM_WAIT_MAX = 60.0  # at most: then the promise is taken for dead (a stale chunk, no gap)
CLAIM_POLL = 0.25


# --- many documents ------------------------------------------------------------------------


_worker_renderer = None
_worker_signing = None


def _start_worker(templates: str, signing_config) -> None:
    global _worker_renderer, _worker_signing
    from duban.documents.render import DocumentRenderer

    _worker_renderer, _worker_signing = DocumentRenderer(templates), signing_config


def _render_in_worker(kind: str, context: dict) -> bytes:
    return signing.sign(_worker_renderer.render(kind, context), _worker_signing)


@contextlib.contextmanager
def _render_pool(workers: int, signing_config):
    """Worker processes, each with one renderer (fonts and CSS parsed once) for the whole batch,
    signing what it renders when the office has a key."""
    from duban.documents.render import templates_dir
    from duban.procpool import worker_pool

    # Spawned workers start clean (no inherited DB connections or threads) and die with us.
    with worker_pool(workers, _start_worker, (str(templates_dir()), signing_config)) as pool:
        yield pool


@dataclass
class _ChunkOutcome:
    issued: list[dict]
    refused: list[tuple[int, str]]  # (job index, why): not numbered, not retried
    render_failures: list[tuple[int, str]]  # the chunk was rolled back
    rendered_under_lock: int = 0  # drafts that no longer matched (another issuer, a changed subject)


def issue_batch(start_uow: Callable[[], UnitOfWork], login: str, jobs: list[dict], *, workers: int = 2,
                progress: Callable[[int, int], None] | None = None, today: dt.date | None = None,
                chunk_size: int = BATCH_CHUNK) -> dict:
    """Issue many documents: jobs are dicts with ``kind`` and ``item``, ``case`` or ``escalation_id``,
    and optionally ``today``, the business date of that document (default ``today``).

    Per chunk, the documents are first drafted without any lock (a snapshot read; the numbers
    they would take now) and rendered in the worker pool, so writers never wait for rendering;
    then one transaction numbers the chunk under the lock, keeps every draft whose context is
    unchanged (re-rendering the others there), writes the files and commits. A failed render
    leaves its chunk unnumbered (no number used, no file) and the chunk is retried without it;
    jobs whose subject refuses (already issued, wrong state…) are skipped before numbering.
    Both are reported in ``failed``. Chunks already committed stay when a later one meets a
    database error.
    """
    if workers < 1 or chunk_size < 1:
        raise BadInput(f"进程数和批大小应为正整数（{workers}，{chunk_size}）")
    if not jobs:
        return {"issued": [], "failed": [], "workers": workers, "seconds": 0.0, "docs_per_second": 0.0,
                "rendered_under_lock": 0}
    started = time.perf_counter()
    todo = list(enumerate(jobs))
    total, done, under_lock = len(todo), 0, 0
    issued: list[dict] = []
    failed: list[dict] = []

    def report(count: int) -> None:
        if progress:
            progress(min(count, total), total)

    report(0)
    with start_uow() as uow:
        signing_config = signing.configured(files_root(uow))
    with _render_pool(workers, signing_config) as pool:  # one pool for every date of the batch
        for day, chunk in _chunks(todo, today, chunk_size):
            while chunk:
                outcome = _issue_chunk(start_uow, login, chunk, pool, day, lambda n: report(done + n))
                dropped = {index for index, _ in outcome.refused + outcome.render_failures}
                failed += [{"job": jobs[index], "error": error} for index, error in outcome.refused + outcome.render_failures]
                done += len(dropped)
                chunk = [(index, job) for index, job in chunk if index not in dropped]
                if not outcome.render_failures:
                    issued += outcome.issued
                    under_lock += outcome.rendered_under_lock
                    done += len(chunk)
                    break
            report(done)
    seconds = time.perf_counter() - started
    return {"issued": issued, "failed": failed, "workers": workers, "seconds": round(seconds, 2),
            "docs_per_second": round(len(issued) / seconds, 2) if issued and seconds else 0.0,
            "rendered_under_lock": under_lock}


def _chunks(todo: list[tuple[int, dict]], today: dt.date | None,
            size: int) -> list[tuple[dt.date | None, list[tuple[int, dict]]]]:
    """Consecutive jobs of the same date, at most ``size`` per chunk (a chunk has one date)."""
    chunks: list[tuple[dt.date | None, list[tuple[int, dict]]]] = []
    for index, job in todo:
        day = job.get("today", today)
        if not chunks or chunks[-1][0] != day or len(chunks[-1][1]) >= size:
            chunks.append((day, []))
        chunks[-1][1].append((index, job))
    return chunks


def _prepared(uow: UnitOfWork, login: str, chunk: list[tuple[int, dict]], today: dt.date | None, *,
              lock: bool) -> tuple[list[tuple[int, str]], list[tuple[int, Issue]]]:
    """The chunk's subjects resolved and their contexts built: (refused, ready); ``lock``: under
    the campaigns' locks (the real issue), else a draft."""
    refused: list[tuple[int, str]] = []
    resolved: list[tuple[int, Issue]] = []
    for index, job in chunk:
        try:
            resolved.append((index, resolve(uow, job.get("kind"), item=job.get("item"), case=job.get("case"),
                                             escalation_id=job.get("escalation_id"))))
        except DubanError as error:
            refused.append((index, error.message))
    if lock:
        for campaign in sorted({issue.campaign.code: issue.campaign for _, issue in resolved}.values(),
                               key=lambda c: c.code):
            uow.lock(campaign_chain(campaign))
            warn_outside_campaign(campaign, business_date(campaign, today))  # shown once per batch, like a single issue
    clerk = actor(uow, login)
    permissions.require(clerk, "doc.render")
    ready: list[tuple[int, Issue]] = []
    seen: set[tuple] = set()
    for index, issue in resolved:
        try:
            if issue.subject_key in seen:
                raise RuleViolation(f"{subject_label(issue)}在本批中重复")
            seen.add(issue.subject_key)
            prepare(uow, issue, clerk, business_date(issue.campaign, today))
        except DubanError as error:
            refused.append((index, error.message))
            continue
        ready.append((index, issue))
    if ready:
        number_issues(uow, [issue for _, issue in ready], business_date(ready[0][1].campaign, today),
                      take=take_numbers if lock else peek_numbers)
    return refused, ready


def _render(pool, ready: list[tuple[int, Issue]], on_rendered: Callable[[int], None],
            offset: int) -> tuple[dict[int, bytes], list[tuple[int, str]]]:
    futures = {pool.submit(_render_in_worker, issue.kind, issue.context): index for index, issue in ready}
    pdfs: dict[int, bytes] = {}
    failures: list[tuple[int, str]] = []
    for count, future in enumerate(as_completed(futures), 1):
        try:
            pdfs[futures[future]] = future.result()
        except Exception as error:  # noqa: BLE001 - reported per document, the rest retried
            failures.append((futures[future], f"{type(error).__name__}: {error}"))
        on_rendered(offset + count)
    return pdfs, failures


def _issue_chunk(start_uow: Callable[[], UnitOfWork], login: str, chunk: list[tuple[int, dict]], pool,
                 today: dt.date | None, on_rendered: Callable[[int], None]) -> _ChunkOutcome:
    # The draft: read without the write lock (SQLite: a WAL snapshot), numbered with the numbers
    # promised to it (a short write of its own), rendered outside any transaction.
    with start_uow() as uow:
        uow.read_only()
        refused, ready = _prepared(uow, login, chunk, today, lock=False)
        if ready:
            issues = [issue for _, issue in ready]
            with start_uow() as claiming:
                claims = claim_numbers(claiming, {key: count for key, (_, count) in numbers_by_counter(issues).items()})
                claiming.commit()
            number_issues(uow, issues, business_date(issues[0].campaign, today),
                          take=lambda _uow, *key_and_count: claims[key_and_count[:3]][0])
        drafts = {index: issue.context for index, issue in ready}
    if not ready:
        return _ChunkOutcome([], refused, [])
    rendering = time.perf_counter()
    pdfs, failures = _render(pool, ready, on_rendered, len(refused))
    if failures:
        with start_uow() as uow:  # nothing was numbered: the promise will not be kept
            for key in claims:
                drop_claims(uow, key)
            uow.commit()
        return _ChunkOutcome([], refused, failures)
    # Earlier promises first (another issuer's chunk still rendering), so this draft keeps its numbers;
    # an issuer that died is waited for at most a few render times.
    _await(start_uow, claims, timeout=min(CLAIM_WAIT_MAX, max(CLAIM_WAIT, 2 * (time.perf_counter() - rendering))))
    with start_uow() as uow:
        refused, ready = _prepared(uow, login, chunk, today, lock=True)
        taken = numbers_by_counter([issue for _, issue in ready])
        broken = [key for key, (first, count, _) in claims.items() if taken.get(key) != (first, count)]
        for key in broken:  # fewer documents (issued by another meanwhile) or other numbers than promised
            drop_claims(uow, key)
        if not ready:
            if broken:
                uow.commit()
            return _ChunkOutcome([], refused, [])
        # A draft stands when its context (number included) is still what the lock gives.
        stale = [(index, issue) for index, issue in ready if drafts.get(index) != issue.context]
        if stale:
            again, failures = _render(pool, stale, lambda n: None, 0)
            if failures:
                return _ChunkOutcome([], refused, failures)  # leaving the unit of work rolls the numbers back
            pdfs.update(again)
        day, clerk, root = business_date(ready[0][1].campaign, today), actor(uow, login), files_root(uow)
        issued = commit_with_files(
            uow, [(root / issue.relative_path, pdfs[index]) for index, issue in ready],
            lambda: [document_view(uow, record_issue(uow, clerk, issue, pdfs[index], day))
                     for index, issue in ready])
    return _ChunkOutcome(issued, refused, [], len(stale))


def _await(start_uow: Callable[[], UnitOfWork], claims: dict, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        with start_uow() as uow:
            uow.read_only()
            if claims_settled(uow, claims):
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(CLAIM_POLL)


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
        return [{"kind": kind, "case": case.no} for case in chosen if contexts.documented_kind(camp, case) == kind]
    raise BadInput(f"{KINDS[kind].name}不按批制发（台账、公示请用 duban doc ledger / duban doc publicity）")


def _item_state(machine, state: str) -> str:
    codes = {label: code for code, label in machine.states.items()}
    if state in machine.states or state in codes:
        return codes.get(state, state)
    raise BadInput(f"状态无效：{state}（可选：{'、'.join(machine.states)}）")
