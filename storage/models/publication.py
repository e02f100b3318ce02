"""Publications (公开整改问题、公布整改成效): each release the office decided, and what it wrote."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class Publication(Base):
    """One release: numbered per campaign, the items and rounds it made public, its files' SHA-256."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("campaign_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    released_on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(64))
    folder: Mapped[str] = mapped_column(Text)
    items: Mapped[list] = mapped_column(JSON, default=list)  # item numbers made public
    rounds: Mapped[list] = mapped_column(JSON, default=list)  # satisfaction round ids made public
    files: Mapped[dict] = mapped_column(JSON, default=dict)  # file name (relative to folder) -> SHA-256
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
