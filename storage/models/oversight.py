"""Oversight records: the committed secrets that make spot-check draws unannounced, and the
visits to the units a draw selected."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class DrawSecret(Base):
    """A random secret for one draw: its SHA-256 is published (``draws_committed``) before
    anyone can use it, the secret itself only after the draw (``draw_revealed``).

    The tick commits one per block of working days of a phase and draw duty (``block``);
    a manual draw gets its own (``block`` is None). ``draw_id`` is set once it was used.
    """

    __tablename__ = "draw_secrets"
    __table_args__ = (UniqueConstraint("campaign_id", "phase", "kind", "block"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    phase: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    block: Mapped[int | None] = mapped_column(Integer)
    secret: Mapped[str] = mapped_column(String(64))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    committed_on: Mapped[dt.date] = mapped_column(Date)
    revealed_on: Mapped[dt.date | None] = mapped_column(Date)
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("draws.id"))


class Visit(Base):
    """The record of one unannounced visit (暗访抽查, 作风纪律检查) to a unit a draw selected.

    ``checks`` is the plan's checklist for the duty with each entry's result
    (``[{"item": "上下班纪律", "problem": false}, …]``); ``outcome`` is ``clean`` (无问题) or
    ``found`` (发现问题), and ``items`` the numbers of the problems registered from it
    (their ``origin`` is ``draw:<draw id>``).
    """

    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("draw_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    draw_id: Mapped[int] = mapped_column(ForeignKey("draws.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    on_date: Mapped[dt.date] = mapped_column(Date)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    checks: Mapped[list] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16))
    items: Mapped[list] = mapped_column(JSON)
