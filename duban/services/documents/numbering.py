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


def take_numbers(uow: UnitOfWork, issuer: str, kind: str, year: int, count: int) -> int:
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


def peek_numbers(uow: UnitOfWork, issuer: str, kind: str, year: int, count: int) -> int:
    """The first of the ``count`` numbers ``take_numbers`` would give now; takes nothing, locks nothing."""
    current = uow.session.scalar(select(DocCounter.last_number).where(
        DocCounter.issuer == issuer, DocCounter.kind == kind, DocCounter.year == year))
    return (current or 0) + 1


def number_issues(uow: UnitOfWork, issues: list[Issue], today: dt.date, take=take_numbers) -> None:
    """Give each issue the next number of its counter, counters locked in a fixed order
    (``take=peek_numbers``: the numbers they would get now, for a draft)."""
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
