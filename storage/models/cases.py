"""Accountability cases (问责) and commendations (表彰)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base

if TYPE_CHECKING:  # annotations only; SQLAlchemy resolves them by class name
    from storage.models.items import ProblemItem
    from storage.models.org import OrgUnit, Person


class AccountabilityCase(Base):
    """问责案件 about one person or one unit, linked to one or more items."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("campaign_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    seq: Mapped[int] = mapped_column(Integer)
    no: Mapped[str] = mapped_column(String(48), unique=True)
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    subject_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text, default="")
    min_grade: Mapped[str | None] = mapped_column(String(32))
    grade: Mapped[str | None] = mapped_column(String(32))
    measure: Mapped[str | None] = mapped_column(String(48))
    sanction: Mapped[str | None] = mapped_column(String(48))  # the measure's sanction decided, e.g. 记过处分
    measure_due: Mapped[dt.date | None] = mapped_column(Date)
    measure_done_on: Mapped[dt.date | None] = mapped_column(Date)  # the measure carried out (measure_done)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    proposed_on: Mapped[dt.date] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    origin: Mapped[str | None] = mapped_column(String(64), unique=True)  # e.g. sweep:item:42:0

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    subject_person: Mapped[Person | None] = relationship(foreign_keys=[subject_person_id])
    subject_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[subject_unit_id])
    items: Mapped[list[ProblemItem]] = relationship(secondary="case_items", order_by="ProblemItem.seq")


class CaseItem(Base):
    __tablename__ = "case_items"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("problem_items.id"), primary_key=True)


class Commendation(Base):
    """表彰先进典型."""

    __tablename__ = "commendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    reason: Mapped[str] = mapped_column(Text)
    on_date: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(64))
