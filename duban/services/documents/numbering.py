"""Gapless 发文字号: consecutive numbers per issuing office, kind and year, taken under a row lock."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from duban.documents import contexts
from storage.models import DocCounter
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from duban.services.documents.issuing import Issue

# --- numbers ----------------------------------------------------------------------------


CounterKey = tuple[str, str, int]  # issuer (the campaign's document prefix), kind, year


def _locked_counter(uow: UnitOfWork, issuer: str, kind: str, year: int) -> DocCounter:
    dialect = uow.engine.dialect.name
    insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[dialect]
    # Insert-if-absent, so two first issuers of a year cannot both create the row.
    uow.session.execute(insert(DocCounter).values(issuer=issuer, kind=kind, year=year, last_number=0)
                        .on_conflict_do_nothing())
    return uow.session.execute(
        select(DocCounter).where(DocCounter.issuer == issuer, DocCounter.kind == kind, DocCounter.year == year)
        .with_for_update().execution_options(populate_existing=True)).scalar_one()


def take_numbers(uow: UnitOfWork, issuer: str, kind: str, year: int, count: int) -> int:
    """Reserve ``count`` consecutive numbers in this transaction; returns the first."""
    counter = _locked_counter(uow, issuer, kind, year)
    first = counter.last_number + 1
    counter.last_number += count
    return first


# --- promises to drafts ------------------------------------------------------------------
# Two issuers of one kind drafting at once would both draft the counter's next numbers and
# the later one would find its drafts stale. A draft therefore claims the numbers after
# every number taken or promised, and its issuer waits until the earlier promises are kept
# before taking its own. Promises reserve nothing: an issuer that dies leaves no gap, only a
# wait (``claims_settled``'s timeout) and one stale chunk, after which the promises are dropped.


def claim_numbers(uow: UnitOfWork, counts: dict[CounterKey, int]) -> dict[CounterKey, tuple[int, int, int]]:
    """Promise ``count`` numbers per counter to a draft (commit right after: a short write);
    returns per counter (first, count, epoch)."""
    claims = {}
    for key in sorted(counts):
        counter = _locked_counter(uow, *key)
        first = max(counter.last_number, counter.claimed_through) + 1
        counter.claimed_through = first + counts[key] - 1
        claims[key] = (first, counts[key], counter.claim_epoch)
    return claims


def claims_settled(uow: UnitOfWork, claims: dict[CounterKey, tuple[int, int, int]]) -> bool:
    """Every earlier promise kept (the counter reached the claim), or the promises dropped."""
    for (issuer, kind, year), (first, _, epoch) in claims.items():
        last, current = uow.session.execute(select(DocCounter.last_number, DocCounter.claim_epoch).where(
            DocCounter.issuer == issuer, DocCounter.kind == kind, DocCounter.year == year)).one()
        if last < first - 1 and current == epoch:
            return False
    return True


def drop_claims(uow: UnitOfWork, key: CounterKey) -> None:
    """Under the counter's lock, after a draft's numbers were not the ones it was promised: every
    outstanding promise is void (their issuers stop waiting), new ones start after the counter."""
    counter = _locked_counter(uow, *key)
    counter.claimed_through = counter.last_number
    counter.claim_epoch += 1


def numbers_by_counter(issues: list[Issue]) -> dict[CounterKey, tuple[int, int]]:
    """Per counter: (first number, count) of these numbered issues."""
    numbers: dict[CounterKey, list[int]] = {}
    for issue in issues:
        numbers.setdefault((issue.campaign.doc_prefix, issue.kind, issue.year), []).append(issue.number)
    return {key: (min(values), len(values)) for key, values in numbers.items()}


def peek_numbers(uow: UnitOfWork, issuer: str, kind: str, year: int, count: int) -> int:
    """The first of the ``count`` numbers ``take_numbers`` would give now; takes nothing, locks nothing."""
    current = uow.session.scalar(select(DocCounter.last_number).where(
        DocCounter.issuer == issuer, DocCounter.kind == kind, DocCounter.year == year))
    return (current or 0) + 1


def number_issues(uow: UnitOfWork, issues: list[Issue], today: dt.date, take=take_numbers) -> None:
    """Give each issue the next number of its counter, counters locked in a fixed order
    (``take=peek_numbers``: the numbers they would get now, for a draft; any function of
    (uow, issuer, kind, year, count) returning the first number)."""
    groups: dict[tuple[str, str, int], list[Issue]] = {}
    for issue in issues:
        issue.year = today.year
        groups.setdefault((issue.campaign.doc_prefix, issue.kind, issue.year), []).append(issue)
    for key in sorted(groups):
        first = take(uow, *key, len(groups[key]))
        for offset, issue in enumerate(groups[key]):
            issue.number = first + offset
            prefix = contexts.document_prefixes(issue.campaign)[issue.kind]
            issue.context["doc_number"] = contexts.format_doc_number(prefix, issue.year, issue.number)
