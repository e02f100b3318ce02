"""Reports (举报) from the plan's hotlines and mailbox, and receipt-code lookups."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, utcnow

if TYPE_CHECKING:
    from storage.models.campaign import Campaign
    from storage.models.items import ProblemItem
    from storage.models.org import OrgUnit, Person


class Report(Base):
    """One 举报. The reporter's identity is only ever stored encrypted (``identity_cipher``,
    key outside the database); the receipt code only as its hash."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("campaign_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    seq: Mapped[int] = mapped_column(Integer)
    no: Mapped[str] = mapped_column(String(48), unique=True)
    channel: Mapped[str] = mapped_column(String(32))  # source code of the plan's reporting channel
    received_on: Mapped[dt.date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)  # office eyes only; never copied into an item or document
    reported_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    reported_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    identity_cipher: Mapped[str | None] = mapped_column(Text)
    receipt_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    due: Mapped[dt.date] = mapped_column(Date)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("problem_items.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # why unfounded
    reply: Mapped[str | None] = mapped_column(Text)  # the public reply the reporter reads with the code
    triaged_on: Mapped[dt.date | None] = mapped_column(Date)
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    escalated_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    campaign: Mapped[Campaign] = relationship()
    reported_unit: Mapped[OrgUnit | None] = relationship()
    reported_person: Mapped[Person | None] = relationship(foreign_keys=[reported_person_id])
    triaged_by: Mapped[Person | None] = relationship(foreign_keys=[triaged_by_id])
    item: Mapped[ProblemItem | None] = relationship()


class ReceiptLookup(Base):
    """A receipt-code lookup (``duban tip status``), kept to rate-limit guessing."""

    __tablename__ = "receipt_lookups"
    __table_args__ = (Index("ix_receipt_lookups_client_at", "client", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    found: Mapped[bool] = mapped_column(Boolean)
