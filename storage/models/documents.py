"""Issued documents and their gapless numbering."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class DocCounter(Base):
    """Gapless document numbers per issuing office, kind and year (row-locked).

    ``last_number`` is the only truth. ``claimed_through`` is the last number promised to a
    batch's draft still being rendered (a hint, never a reservation: a number is taken only
    when its document is committed); ``claim_epoch`` changes whenever the promises are
    dropped because one was not kept."""

    __tablename__ = "doc_counters"

    issuer: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    claimed_through: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claim_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Document(Base):
    """An issued document: number, content hash and the data it was rendered from.

    A reissue is a new row with the same number and revision + 1; an escalation
    still gets at most one sheet (revision 1), now and under concurrent issuers.
    """

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("issuer", "kind", "year", "number", "revision"),
        UniqueConstraint("escalation_id", "revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    issuer: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    doc_number: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("problem_items.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    context: Mapped[dict] = mapped_column(JSON)
    path: Mapped[str] = mapped_column(String(500))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
