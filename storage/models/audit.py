"""The hash-chained event log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class AuditChain(Base):
    """Head of one hash chain; locking this row serialises appends to the chain."""

    __tablename__ = "audit_chains"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")


class Event(Base):
    """Append-only, hash-chained log of everything that happened."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_events_item", "item_id", "id"),
        Index("ix_events_case", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("problem_items.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    business_date: Mapped[dt.date] = mapped_column(Date)
    trigger: Mapped[str] = mapped_column(String(48))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON, hashed verbatim
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC of ``hash`` under the audit key (kept outside the database); None when the
    # writer had no key. Not part of the hash, so the chain verifies without the key.
    mac: Mapped[str | None] = mapped_column(String(64))
