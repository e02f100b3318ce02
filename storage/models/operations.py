"""The campaign's running duties: reminders, draws, satisfaction rounds, the tick's ledger."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class Reminder(Base):
    """A notice sent once: missing problem lists, publication duties… keyed for idempotency."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    on_date: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")


class Draw(Base):
    """A verifiable random draw (暗访抽查, 回头看): seed, population and selection."""

    __tablename__ = "draws"
    __table_args__ = (UniqueConstraint("campaign_id", "kind", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    kind: Mapped[str] = mapped_column(String(16))  # spot_check | recheck
    on_date: Mapped[dt.date] = mapped_column(Date)
    seed: Mapped[str] = mapped_column(String(128))
    algorithm: Mapped[str] = mapped_column(String(64))
    population: Mapped[list] = mapped_column(JSON)
    sample_size: Mapped[int] = mapped_column(Integer)
    selection: Mapped[list] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(64))


class SatisfactionRound(Base):
    """满意度测评 of one 民生 unit on one date; published results are public."""

    __tablename__ = "satisfaction_rounds"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    on_date: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))  # one of the plan's rules.satisfaction.methods
    responses: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    round_no: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # 第几轮 (per unit)
    # What a failing score brought (the plan's on_fail): {"item": no, "inquiry": reminder key, "check": kind}
    followups: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class AnnualAssessment(Base):
    """A unit's annual assessment record (年度考核): its evaluation results of the year, for summaries."""

    __tablename__ = "annual_assessments"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    year: Mapped[int] = mapped_column(Integer)
    rounds: Mapped[int] = mapped_column(Integer, default=0)  # evaluation rounds of the year
    failed: Mapped[int] = mapped_column(Integer, default=0)
    average_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    latest_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float] = mapped_column(Float, default=100)
    updated_on: Mapped[dt.date] = mapped_column(Date)


class DutyRun(Base):
    """One campaign duty done for one business date: the tick's exactly-once ledger."""

    __tablename__ = "duty_runs"
    __table_args__ = (UniqueConstraint("campaign_id", "business_date", "duty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    business_date: Mapped[dt.date] = mapped_column(Date)
    duty: Mapped[str] = mapped_column(String(32))
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
