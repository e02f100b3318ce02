"""The programme beyond problem items: study sessions (集中学习) and who attended them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, utcnow


class StudySession(Base):
    """One study session: date, form (党组会、自学 …), topic, host unit; numbered per campaign."""

    __tablename__ = "study_sessions"
    __table_args__ = (UniqueConstraint("campaign_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    on_date: Mapped[dt.date] = mapped_column(Date)
    form: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    attendance: Mapped[list[StudyAttendance]] = relationship(
        back_populates="session", order_by="StudyAttendance.id", cascade="all, delete-orphan")


class StudyAttendance(Base):
    """Whether one expected participant attended one session (absent: with the reason given)."""

    __tablename__ = "study_attendance"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_sessions.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    present: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200), default="")

    session: Mapped[StudySession] = relationship(back_populates="attendance")
