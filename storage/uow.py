"""Unit of work and repositories.

A service opens ``with UnitOfWork(url) as uow:``, reads and changes records
through the repositories, records events with ``uow.record(...)`` and calls
``uow.commit()``. Leaving the block without commit rolls everything back, so a
failed command leaves the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from concurrent import futures

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from duban import config
from duban.closest import did_you_mean
from duban.errors import ConcurrentModification, NotFound, StaleRecord
from storage import bulk, eventlog
from storage.db import ready_engine
from storage.models import (
    AccountabilityCase,
    Campaign,
    Event,
    OrgUnit,
    Person,
    ProblemItem,
)


class CampaignRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, code: str) -> Campaign:
        campaign = self.session.scalar(select(Campaign).where(Campaign.code == code))
        if campaign is None:
            raise NotFound(f"活动不存在：{code}")
        return campaign

    def find(self, code: str) -> Campaign | None:
        return self.session.scalar(select(Campaign).where(Campaign.code == code))

    def only_or(self, code: str | None) -> Campaign:
        """The named campaign, or the only one when no code is given (else NotFound saying why)."""
        if code:
            return self.get(code)
        campaign = self.only()
        if campaign is not None:
            return campaign
        campaigns = self.all()
        if not campaigns:
            raise NotFound("尚未导入任何活动方案：请先执行 duban campaign load 文件")
        raise NotFound("存在多个活动，请用 --campaign 指定：" + "、".join(c.code for c in campaigns))

    def all(self) -> list[Campaign]:
        return list(self.session.scalars(select(Campaign).order_by(Campaign.id)))

    def only(self) -> Campaign | None:
        """The campaign when exactly one is loaded (whose plan names things on shared screens), else None."""
        campaigns = self.session.scalars(select(Campaign).order_by(Campaign.id).limit(2)).all()
        return campaigns[0] if len(campaigns) == 1 else None


class OrgRepository:
    def __init__(self, session: Session):
        self.session = session

    def unit(self, key: str) -> OrgUnit:
        unit = self.session.scalar(select(OrgUnit).where((OrgUnit.code == key) | (OrgUnit.name == key)))
        if unit is None:
            names = self.session.execute(select(OrgUnit.code, OrgUnit.name)).all()
            raise NotFound(f"单位不存在：{key}" + did_you_mean(key, [n for row in names for n in row]))
        return unit

    def person(self, login: str) -> Person:
        person = self.session.scalar(select(Person).where(Person.login == login))
        if person is None:
            raise NotFound(f"人员不存在：{login}" + self.suggest_person(login))
        return person

    def suggest_person(self, key: str) -> str:
        """"（是否为：…？）" with the logins and names closest to ``key``."""
        rows = self.session.execute(select(Person.login, Person.name)).all()
        return did_you_mean(key, [n for row in rows for n in row])

    def find_person(self, login: str) -> Person | None:
        return self.session.scalar(select(Person).where(Person.login == login))

    def person_by_name_or_login(self, key: str) -> Person:
        person = self.find_person(key)
        if person is not None:
            return person
        matches = self.session.scalars(select(Person).where(Person.name == key)).all()
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFound(f"人员不存在：{key}" + self.suggest_person(key))
        raise NotFound(f"姓名「{key}」有 {len(matches)} 人重名，请改用登录名：" + "、".join(p.login for p in matches))

    def units(self) -> list[OrgUnit]:
        return list(self.session.scalars(select(OrgUnit).order_by(OrgUnit.code)))

    def persons(self) -> list[Person]:
        return list(self.session.scalars(select(Person).order_by(Person.login)))


class ItemRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, no: str, loads=(), *, fresh: bool = False) -> ProblemItem:
        """The item numbered ``no``; ``loads`` are loader options (relations read with it, collections
        too). ``fresh``: what the session already held of it is read again (a change reads it so)."""
        query = select(ProblemItem).where(ProblemItem.no == no).options(*loads)
        if fresh:
            query = query.execution_options(populate_existing=True)
        item = self.session.execute(query).unique().scalar_one_or_none()
        if item is None:
            raise NotFound(f"整改问题不存在：{no}")
        return item

    def next_seq(self, campaign_id: int) -> int:
        # Only called with the campaign's chain locked, so max+1 cannot race.
        current = self.session.scalar(
            select(func.max(ProblemItem.seq)).where(ProblemItem.campaign_id == campaign_id)
        )
        return (current or 0) + 1

    def add(self, item: ProblemItem) -> None:
        self.session.add(item)


class CaseRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, no: str) -> AccountabilityCase:
        case = self.session.scalar(select(AccountabilityCase).where(AccountabilityCase.no == no))
        if case is None:
            raise NotFound(f"问责案件不存在：{no}")
        return case

    def next_seq(self, campaign_id: int) -> int:
        current = self.session.scalar(
            select(func.max(AccountabilityCase.seq)).where(AccountabilityCase.campaign_id == campaign_id)
        )
        return (current or 0) + 1


def campaign_chain(campaign: Campaign) -> str:
    """The campaign's own chain: its plan, cases, draws, duties; its lock orders item numbers."""
    return f"campaign:{campaign.code}"


def unit_chain(campaign: Campaign, unit_id: int) -> str:
    """The chain of the events of a unit's items: one of the campaign's ``audit_shards()`` chains.

    Chosen by the unit, which an item never changes, so every change to one item takes the same
    chain lock and stays serialised, while writers in other chains go on. The audit anchors the
    set of all chain heads, so splitting the log keeps what it proves.
    """
    shards = config.audit_shards()
    return campaign_chain(campaign) if shards == 1 else f"{campaign_chain(campaign)}/{unit_id % shards}"


def item_chain(item: ProblemItem) -> str:
    return unit_chain(item.campaign, item.unit_id)


# One worker thread per process for ``UnitOfWork.record_many``'s ``meanwhile`` (waiting on PostgreSQL).
_ALONGSIDE = futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="duban-meanwhile")

ORG_CHAIN = "org"
SECURITY_CHAIN = "security"


class UnitOfWork:
    def __init__(self, db_url: str):
        self.engine = ready_engine(db_url)  # refuses a database `duban init` has not created
        self.session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self.engine, expire_on_commit=False, autoflush=True)
        self.campaigns = CampaignRepository(self.session)
        self.org = OrgRepository(self.session)
        self.items = ItemRepository(self.session)
        self.cases = CaseRepository(self.session)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.session.rollback()
        self.session.close()

    def read_only(self) -> None:
        """Read without taking SQLite's write lock (WAL keeps a snapshot), so a long list, report or
        export never holds writers up. Call before the first query; a no-op once a transaction began."""
        if not self.session.in_transaction() and self.engine.dialect.name == "sqlite":
            self.session.connection(execution_options={"duban_snapshot": True})

    def autocommit(self) -> None:
        """PostgreSQL: each statement commits by itself, so a few independent statements (the
        console's session lookup, on every request) cost no BEGIN and ROLLBACK round trips. Call
        before the first query; SQLite keeps its transactions."""
        if not self.session.in_transaction() and self.engine.dialect.name == "postgresql":
            self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    def lock(self, chain: str) -> None:
        """Serialise writers of one chain. Call before the first write of a record the chain
        covers (an item's row, its events): usually first. A writer may read, check and insert
        new rows before it and lock late (``duban.services.items.transition``) when every record
        it then writes is version-checked, so what it read cannot have changed unseen.

        Lock order, so writers never deadlock: a campaign's chain before its item chains; a
        writer that needs several item chains holds the campaign's chain and takes them in
        name order (``lock_items``); a chain before the rows it covers."""
        self._guard(lambda: eventlog.lock_chain(self.session, chain))

    def lock_items(self, campaign: Campaign, item_ids) -> None:
        """Lock the chains of these items (after the campaign's), before reading them for change."""
        units = self.session.scalars(select(ProblemItem.unit_id).where(ProblemItem.id.in_(list(item_ids))).distinct())
        self.lock_units(campaign, units)

    def lock_units(self, campaign: Campaign, unit_ids) -> None:
        """``lock_items`` for items whose units are known (a unit never changes): their units' chains."""
        for chain in sorted({unit_chain(campaign, unit_id) for unit_id in unit_ids}):
            self.lock(chain)

    def record(self, *, chain: str, actor: str, today: dt.date, trigger: str, item=None, case=None,
               **fields) -> Event:
        """Append an event in this transaction; an item's or case's version counts its events."""
        for record in (item, case):
            if record is not None:
                record.version += 1
        return eventlog.append(
            self.session, chain=chain, actor=actor, business_date=today, trigger=trigger,
            item_id=item.id if item is not None else None,
            case_id=case.id if case is not None else None, key=config.audit_key(), **fields,
        )

    def record_many(self, events: list[dict], *, meanwhile: Callable[[], None] | None = None) -> None:
        """``record`` for many events at once (dicts of ``eventlog.event_rows``' fields): the chains'
        links in one pass, one INSERT, and each item's or case's version raised by its count of events
        in one UPDATE per count (a sweep batch: one). Their rows must not be loaded in this session.

        ``meanwhile``: other work of this transaction on its connection (a sweep batch: inserting the
        escalations its events record), run in a thread while the links are computed, so PostgreSQL's
        work (the new rows' foreign key checks, most of it) overlaps the hashing; its error is raised
        here. The events' chains are locked first, so the hashing does not touch the connection."""
        key = config.audit_key()
        if meanwhile is None:
            self._guard(lambda: eventlog.append_many(self.session, events, key=key))
        else:
            for chain in sorted({event["chain"] for event in events}):
                self.lock(chain)  # held already by a caller that keeps the lock order; else taken here
            running = _ALONGSIDE.submit(meanwhile)
            try:
                rows = eventlog.event_rows(self.session, events, key=key)
            finally:
                futures.wait([running])  # the connection is the thread's until it is done
            running.result()
            self.insert_rows(Event.__table__, rows, eventlog.EVENT_ROW)
        for model, column in ((ProblemItem, "item_id"), (AccountabilityCase, "case_id")):
            counts = Counter(e[column] for e in events if e.get(column) is not None)
            for count in sorted(set(counts.values())):
                ids = [record_id for record_id, n in counts.items() if n == count]
                table = model.__table__
                self.execute(update(table).where(bulk.among(table.c.id, ids, self.engine.dialect.name))
                             .values(version=table.c.version + count))

    def insert_rows(self, table, rows: list, columns: tuple[str, ...] | None = None) -> None:
        """Many rows in one executemany (``storage.bulk``: dicts, or tuples of ``columns``); a unique
        violation as ``_guard`` says."""
        self._guard(lambda: bulk.insert_rows(self.session, table, rows, columns))

    def reserved_ids(self, table, count: int) -> list[int] | None:
        """``count`` ids for new rows of ``table`` before inserting them (``storage.bulk.reserved_ids``:
        PostgreSQL; None on SQLite, where the INSERT assigns them)."""
        return bulk.reserved_ids(self.session, table, count)

    def execute(self, statement, params=None):
        """A Core statement in this transaction; a unique violation or busy database as ``_guard`` says."""
        return self._guard(lambda: self.session.execute(statement, params))

    def flush(self) -> None:
        self._guard(self.session.flush)

    def commit(self) -> None:
        self._guard(self.session.commit)

    def _guard(self, action):
        try:
            return action()
        except StaleDataError as exc:
            raise StaleRecord("记录已被他人修改，请刷新后重试") from exc
        except IntegrityError as exc:
            text = str(exc.orig).lower()
            if "unique" in text or "duplicate key" in text:
                raise ConcurrentModification("与并发操作冲突（记录已存在或已被修改），请重试") from exc
            raise
        except OperationalError as exc:
            if "locked" in str(exc).lower() or "deadlock" in str(exc).lower():
                raise ConcurrentModification("数据库忙或发生并发冲突，请重试") from exc
            raise
