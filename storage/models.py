"""SQLAlchemy 2 models: the campaign's records.

State lives in plain columns; lifecycle rules live in ``statemachines``. Every
row that a transition touches carries a ``version`` used as an optimistic lock.
Timestamps are naive UTC; business dates (the campaign's calendar) are ``Date``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so the same migrations run on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSON, list: JSON}


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


class OrgUnit(Base):
    """A 处室 or 局属单位; units form a hierarchy through ``parent_id``."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    serves_public: Mapped[bool] = mapped_column(Boolean, default=False)  # 直接关系民生
    head_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", use_alter=True, name="fk_org_units_head_id_persons")
    )

    parent: Mapped[OrgUnit | None] = relationship(remote_side="OrgUnit.id")
    head: Mapped[Person | None] = relationship(foreign_keys=[head_id], post_update=True)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(64), default="")
    roles: Mapped[str] = mapped_column(String(200), default="")  # comma-separated role codes
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[unit_id])

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)


class ProblemItem(Base):
    """One 整改问题: a row of the 问题清单 and 整改落实台账."""

    __tablename__ = "problem_items"
    __table_args__ = (
        UniqueConstraint("campaign_id", "seq"),
        Index("ix_problem_items_campaign_state", "campaign_id", "state"),
        Index("ix_problem_items_campaign_due", "campaign_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    seq: Mapped[int] = mapped_column(Integer)
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


class AuditChain(Base):
    """Head of one hash chain; locking this row serialises appends to the chain."""

    __tablename__ = "audit_chains"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")


class Event(Base):
    """Append-only, hash-chained log of everything that happened."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_events_item", "item_id", "id"),
        Index("ix_events_case", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("problem_items.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    business_date: Mapped[dt.date] = mapped_column(Date)
    trigger: Mapped[str] = mapped_column(String(48))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON, hashed verbatim
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


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
    __table_args__ = (UniqueConstraint("item_id", "level", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("problem_items.id"))
    level: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    on_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    addressee_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    actor: Mapped[str] = mapped_column(String(64))
    automatic: Mapped[bool] = mapped_column(Boolean, default=True)


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
    measure_due: Mapped[dt.date | None] = mapped_column(Date)
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


class DocCounter(Base):
    """Gapless document numbers per issuing office, kind and year (row-locked)."""

    __tablename__ = "doc_counters"

    issuer: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Document(Base):
    """An issued document: number, content hash and the data it was rendered from.

    A reissue is a new row with the same number and revision + 1; an escalation
    still gets at most one sheet (revision 1), now and under concurrent issuers.
    """

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("issuer", "kind", "year", "number", "revision"),
        UniqueConstraint("escalation_id", "revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    issuer: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    doc_number: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("problem_items.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    context: Mapped[dict] = mapped_column(JSON)
    path: Mapped[str] = mapped_column(String(500))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


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
    method: Mapped[str] = mapped_column(String(16))  # 电话抽查 | 问卷调查 | 满意度测评
    responses: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)
    published: Mapped[bool] = mapped_column(Boolean, default=False)


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
