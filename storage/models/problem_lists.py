"""Personal problem lists (问题整改清单: 任务书、时间表、责任人) and what each line adds to its item."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base

if TYPE_CHECKING:
    from storage.models.items import ProblemItem
    from storage.models.org import OrgUnit, Person


class ProblemList(Base):
    """One person's list at one level (层面): submitted, then approved or returned."""

    __tablename__ = "problem_lists"
    __table_args__ = (UniqueConstraint("campaign_id", "person_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    level: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(16))  # submitted | approved | returned
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    review_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    unit: Mapped[OrgUnit] = relationship()
    reviewed_by: Mapped[Person | None] = relationship(foreign_keys=[reviewed_by_id])


class ItemPlan(Base):
    """The 任务书 and 时间表 of an item that came from a problem list line."""

    __tablename__ = "item_plans"

    item_id: Mapped[int] = mapped_column(ForeignKey("problem_items.id"), primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("problem_lists.id"), index=True)
    comparison: Mapped[str] = mapped_column(String(200), default="")
    measures: Mapped[str] = mapped_column(Text)  # 整改措施（任务书）
    milestones: Mapped[str] = mapped_column(Text, default="")  # 时间表

    item: Mapped[ProblemItem] = relationship()
    problem_list: Mapped[ProblemList] = relationship()
