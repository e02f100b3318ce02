"""The campaign and its plan as loaded: phases and problem categories."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, utcnow


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(100))
    doc_prefix: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    plan: Mapped[dict] = mapped_column(JSON)
    plan_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    phases: Mapped[list[Phase]] = relationship(
        back_populates="campaign", order_by="Phase.start_date", cascade="all, delete-orphan"
    )
    categories: Mapped[list[Category]] = relationship(
        back_populates="campaign", order_by="Category.id", cascade="all, delete-orphan"
    )


class Phase(Base):
    __tablename__ = "phases"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    duties: Mapped[list] = mapped_column(JSON, default=list)

    campaign: Mapped[Campaign] = relationship(back_populates="phases")


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(100))
    manifestations: Mapped[list] = mapped_column(JSON, default=list)

    campaign: Mapped[Campaign] = relationship(back_populates="categories")
