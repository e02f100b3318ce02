"""Raw opinions (意见建议) from 座谈会、走访群众、问卷调查、征求意见表, and their fate."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base

if TYPE_CHECKING:
    from storage.models.campaign import Campaign
    from storage.models.items import ProblemItem
    from storage.models.org import OrgUnit, Person


class Opinion(Base):
    """One opinion as it was given; the office turns it into an item, merges it or dismisses it.

    The giver is anonymous: only the respondent type is kept. The text is for the office's
    eyes; items made from it carry the office's own title, events a hash of the text.
    """

    __tablename__ = "opinions"
    __table_args__ = (UniqueConstraint("campaign_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    seq: Mapped[int] = mapped_column(Integer)
    no: Mapped[str] = mapped_column(String(48), unique=True)
    source: Mapped[str] = mapped_column(String(32))  # source code of a collect_opinions duty
    collected_by_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)  # held the 座谈会 …
    received_on: Mapped[dt.date] = mapped_column(Date)
    respondent: Mapped[str] = mapped_column(String(16))  # the duty's respondent type, e.g. 服务对象
    text: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)  # the unit it is about
    state: Mapped[str] = mapped_column(String(16))  # open | item | merged | dismissed
    item_id: Mapped[int | None] = mapped_column(ForeignKey("problem_items.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    triaged_on: Mapped[dt.date | None] = mapped_column(Date)
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    version: Mapped[int] = mapped_column(Integer, default=0)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[unit_id])
    collected_by: Mapped[OrgUnit] = relationship(foreign_keys=[collected_by_id])
    item: Mapped[ProblemItem | None] = relationship()
    triaged_by: Mapped[Person | None] = relationship()
