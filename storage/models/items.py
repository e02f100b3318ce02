"""Problem items (整改问题), their evidence, deadline changes and escalations."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, utcnow

if TYPE_CHECKING:  # annotations only; SQLAlchemy resolves them by class name
    from storage.models.campaign import Campaign, Category
    from storage.models.org import OrgUnit, Person


class ProblemItem(Base):
    """One 整改问题: a row of the 问题清单 and 整改落实台账."""

    __tablename__ = "problem_items"
    __table_args__ = (
        UniqueConstraint("campaign_id", "seq"),
        Index("ix_problem_items_campaign_due", "campaign_id", "due"),
        # The item list's filters (duban.services.listing): each filter's items in campaign order,
        # so a page reads its rows off one index; a light is a range of due dates within the
        # running states, counted from the index alone.
        Index("ix_problem_items_campaign_state", "campaign_id", "state", "due", "paused_since"),
        Index("ix_problem_items_list_unit", "campaign_id", "unit_id", "seq"),
        Index("ix_problem_items_list_owner", "campaign_id", "owner_id", "seq"),
        Index("ix_problem_items_list_category", "campaign_id", "category_id", "seq"),
        Index("ix_problem_items_list_source", "campaign_id", "source", "seq"),
        # `report units` (duban.services.reports): every column it counts, in unit and state
        # order, so it reads this index alone and groups as it reads (migration 0750).
        Index("ix_problem_items_report", "campaign_id", "unit_id", "state", "due", "paused_since",
              "verified_on", "relapse_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    seq: Mapped[int] = mapped_column(Integer)
    # problem: a 整改问题; mechanism: a 长效机制 the plan asks for (deliverable = its plan code),
    # on the same lifecycle, lights, sweep and escalation; adopted_doc names the adopted document.
    kind: Mapped[str] = mapped_column(String(16), default="problem", server_default="problem")
    deliverable: Mapped[str | None] = mapped_column(String(32))
    adopted_doc: Mapped[str | None] = mapped_column(String(200))
    no: Mapped[str] = mapped_column(String(48), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    source: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str | None] = mapped_column(String(64))  # e.g. spotcheck:12, recheck:3
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=0)
    original_due: Mapped[dt.date | None] = mapped_column(Date)
    due: Mapped[dt.date | None] = mapped_column(Date)
    paused_since: Mapped[dt.date | None] = mapped_column(Date)
    identified_on: Mapped[dt.date] = mapped_column(Date)
    assigned_on: Mapped[dt.date | None] = mapped_column(Date)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    rechecked_on: Mapped[dt.date | None] = mapped_column(Date)
    rechecked_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    relapse_count: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped whenever a closed item gets a new deadline (relapse or reopen), so the
    # 催办/督办/问责 ladder starts afresh for it: escalations are unique per cycle.
    escalation_cycle: Mapped[int] = mapped_column(Integer, default=0)
    reject_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    # The office's decision to publish the item (公开整改问题): only such items reach a publication.
    publishable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    # The version is bumped explicitly, once per event, so it always equals the
    # item's event count; SQLAlchemy adds "WHERE version = <old>" to every UPDATE.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    campaign: Mapped[Campaign] = relationship()
    category: Mapped[Category | None] = relationship()
    unit: Mapped[OrgUnit] = relationship()
    owner: Mapped[Person | None] = relationship(foreign_keys=[owner_id])
    reporter: Mapped[Person | None] = relationship(foreign_keys=[reporter_id])
    verified_by: Mapped[Person | None] = relationship(foreign_keys=[verified_by_id])
    rechecked_by: Mapped[Person | None] = relationship(foreign_keys=[rechecked_by_id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="item", order_by="Attachment.id"
    )


class Attachment(Base):
    """Evidence file; the bytes live in the content-addressed file store."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("problem_items.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    item: Mapped[ProblemItem] = relationship(back_populates="attachments")


class DeadlineChange(Base):
    """延期申请 and 挂起/恢复: every deadline change, with who asked and who decided."""

    __tablename__ = "deadline_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("problem_items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # extension | pause | relapse | assign
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | refused | active | done
    old_due: Mapped[dt.date | None] = mapped_column(Date)
    new_due: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    requested_on: Mapped[dt.date] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)


class Escalation(Base):
    """催办 / 督办 / 挂牌督办 / 问责 for one item; unique per level and relapse cycle."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("item_id", "level", "cycle"),
        # Serves every query by campaign (its first column) and `report units`' count per unit
        # and level from the index alone (migration 0750).
        Index("ix_escalations_report", "campaign_id", "unit_id", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("problem_items.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))  # the item's (never changes): counted per unit
    level: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    on_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    addressee_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    actor: Mapped[str] = mapped_column(String(64))
    automatic: Mapped[bool] = mapped_column(Boolean, default=True)
