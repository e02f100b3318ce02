"""Read side of the item lists: one SQL query per screen, never the write model per row.

``item_page`` answers the console's item list (and any other list of items: exports,
reports, benchmarks) with two statements: the campaign with the reader, then the page's rows in
campaign order, the traffic light computed in SQL from the campaign's calendar, each row
carrying the number of matching items counted up to ``COUNT_CAP`` (beyond it the list says
"more than"), so a page costs the same on a campaign of a million items. The campaign's plan
and categories are read once per process and version of the plan (``_list_campaign``). Filters become conditions an index can serve (the light as a
deadline range, never through the CASE that displays it). Filters are values, so callers
validate nothing themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Date, Integer, bindparam, case, func, literal, or_, select, true, union_all
from sqlalchemy.orm import aliased

from duban import permissions
from duban.errors import BadInput
from duban.services.common import actor, business_date
from duban.services.items import deadline_running, green_from, light_range, running_condition
from statemachines.item import ITEM
from storage.models import Campaign, Category, OrgUnit, Person, ProblemItem
from storage.uow import UnitOfWork

LIGHTS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
PER_PAGE_MAX = 200
COUNT_CAP = 1_000  # items counted for a list's total; past it the total reads "more than" (and paging goes on)
SEARCH_MAX = 100


@dataclass(frozen=True)
class ItemFilters:
    light: str = ""
    unit: str = ""       # unit code or name
    state: str = ""      # state code or label
    category: str = ""   # category code or name
    source: str = ""     # source name or code
    owner: str = ""      # login or name
    q: str = ""          # number or words of the title

    @classmethod
    def from_mapping(cls, values) -> ItemFilters:
        return cls(**{f.name: (values.get(f.name) or "").strip() for f in fields(cls)})

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def light_column(campaign, today: dt.date):
    """红黄绿灯 as a SQL expression (NULL when no deadline is running), as ``light_of`` computes it."""
    running, first_green = deadline_running(campaign, today)
    return _light_case(running, today, first_green)


def _light_case(running, today, first_green):
    return case((running & (ProblemItem.due < today), "red"),
                (running & (ProblemItem.due < first_green), "yellow"),
                (running, "green"), else_=None)


# The two dates a light depends on, bound when a list's statement is executed (``_dates``), so
# the statement's parts are built once per process: building them was a good part of a page's CPU.
# They are written into the SQL as literals (``literal_execute``): PostgreSQL's plan for a
# prepared statement reused with the dates as parameters cannot see how narrow a light's range
# is, and picked a plan 10-20x slower than one made for the day (yellow lights at 100 k items).
_TODAY = bindparam("list_today", type_=Date, literal_execute=True)
_GREEN_FROM = bindparam("list_green_from", type_=Date, literal_execute=True)


@lru_cache(maxsize=1)
def _rows_select():
    """The list's SELECT without conditions."""
    owner = aliased(Person)
    light = _light_case(running_condition(), _TODAY, _GREEN_FROM)
    return (
        select(ProblemItem.no, ProblemItem.title, ProblemItem.state, ProblemItem.source,
               ProblemItem.due, ProblemItem.paused_since, ProblemItem.version,
               OrgUnit.name.label("unit"), OrgUnit.code.label("unit_code"), owner.name.label("owner"),
               owner.login.label("owner_login"), Category.name.label("category"), light.label("light"))
        .join(OrgUnit, OrgUnit.id == ProblemItem.unit_id)
        .outerjoin(owner, owner.id == ProblemItem.owner_id)
        .outerjoin(Category, Category.id == ProblemItem.category_id)
    )


def _dates(camp, today: dt.date) -> dict:
    """The values the list's statements leave to execution."""
    return {"list_today": today, "list_green_from": green_from(camp, today)}


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@lru_cache(maxsize=8)
def _light_filter(light: str):
    return light_range(light, _TODAY, _GREEN_FROM)


def _conditions(uow: UnitOfWork, camp, filters: ItemFilters, units=()) -> tuple[tuple, dict]:
    """The filters as (shape, values): which conditions apply (``_where``) and the values bound
    to them; an unknown value is bad input naming the choices. ``units``: (id, code, name) already
    read, so a unit costs no query."""
    values = {"list_campaign": camp.id}
    if filters.light:
        _light_filter(filters.light)  # an unknown light is refused there, naming the choices
    if filters.unit:
        unit_id = next((i for i, code, name in units if filters.unit in (code, name)), None)
        values["list_unit"] = unit_id or uow.org.unit(filters.unit).id  # unknown: NotFound
    if filters.state:
        codes = {label: code for code, label in ITEM.states.items()}
        state = filters.state if filters.state in ITEM.states else codes.get(filters.state)
        if state is None:
            raise BadInput(f"状态无效：{filters.state}（可选：{'、'.join(ITEM.states.values())}）")
        values["list_state"] = state
    if filters.category:
        cat = next((c for c in camp.categories if filters.category in (c.code, c.name)), None)
        if cat is None:
            raise BadInput(f"问题类别无效：{filters.category}（可选：{'、'.join(c.name for c in camp.categories)}）")
        values["list_category"] = cat.id
    if filters.source:
        sources = {s["code"]: s["name"] for s in camp.plan.get("sources", [])}
        name = sources.get(filters.source, filters.source)
        if name not in sources.values():
            raise BadInput(f"问题来源无效：{filters.source}（可选：{'、'.join(sources.values())}）")
        values["list_source"] = name
    if filters.owner:
        values["list_owner"] = uow.org.person_by_name_or_login(filters.owner).id
    if filters.q:
        if len(filters.q) > SEARCH_MAX:
            raise BadInput(f"搜索词过长：最多 {SEARCH_MAX} 字")
        values["list_q"], values["list_q_like"] = filters.q, _like(filters.q)
    shape = (filters.light, *(name in values for name, _ in _EQUALS), "list_q" in values)
    return shape, values


# The filters that are one column equal to its value: (parameter, column).
_EQUALS = (("list_unit", ProblemItem.unit_id), ("list_state", ProblemItem.state),
           ("list_category", ProblemItem.category_id), ("list_source", ProblemItem.source),
           ("list_owner", ProblemItem.owner_id))


@lru_cache(maxsize=256)
def _where(shape: tuple) -> tuple:
    """The SQL conditions of a shape of filters, on the items' own columns, their values left to
    execution: the statements of a shape are built once per process (building a statement and
    its cache key every page was a good part of a page's CPU)."""
    light, *equals, q = shape
    where = [ProblemItem.campaign_id == bindparam("list_campaign")]
    if light:
        where.append(_light_filter(light))
    where += [column == bindparam(name) for (name, column), present in zip(_EQUALS, equals) if present]
    if q:
        where.append(or_(ProblemItem.no == bindparam("list_q"),
                         ProblemItem.title.like(bindparam("list_q_like"), escape="\\")))
    return tuple(where)


@lru_cache(maxsize=256)
def _rows_query(shape: tuple):
    """The list's SELECT (rows in campaign order) before paging."""
    return _rows_select().where(*_where(shape)).order_by(ProblemItem.seq)


@lru_cache(maxsize=256)
def _page_queries(shape: tuple):
    """(a page of rows, each carrying the number of matches up to ``COUNT_CAP``; the count alone).
    The count rides along each row (PostgreSQL and SQLite evaluate the uncorrelated subquery once)."""
    matching = (select(ProblemItem.id).where(*_where(shape))
                .limit(bindparam("list_cap", type_=Integer, literal_execute=True)).subquery())
    counted = select(func.count()).select_from(matching).scalar_subquery().label("matching")
    page = (_rows_query(shape).add_columns(counted)
            .limit(bindparam("list_limit", type_=Integer, literal_execute=True))
            .offset(bindparam("list_offset", type_=Integer, literal_execute=True)))
    return page, select(func.count()).select_from(matching)


def item_rows_query(uow: UnitOfWork, camp, filters: ItemFilters, today: dt.date):
    """The list's SELECT (rows in campaign order) before paging, with the values to execute it with."""
    shape, values = _conditions(uow, camp, filters)
    return _rows_query(shape), {**values, **_dates(camp, today)}


def _row(r) -> dict:
    return {"no": r.no, "title": r.title, "state": r.state, "state_label": ITEM.label(r.state),
            "source": r.source, "due": r.due.isoformat() if r.due else None,
            "paused": r.paused_since is not None, "version": r.version, "unit": r.unit, "unit_code": r.unit_code,
            "owner": r.owner, "owner_login": r.owner_login, "category": r.category, "light": r.light}


class _Category(NamedTuple):
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class _ListCampaign:
    """What a list needs of its campaign (``business_date``, ``green_from`` and the filters read it)."""
    id: int
    code: str
    timezone: str
    plan: dict
    categories: tuple[_Category, ...]


# (database, campaign id, plan digest, row updated) -> the campaign as lists read it. Loading a
# plan changes its digest and the row's time, and the categories only change with the plan, so
# an entry is never stale; parsing the plan (tens of KB of JSON) on every page was not free.
_CAMPAIGNS: dict[tuple, _ListCampaign] = {}


@lru_cache(maxsize=2)
def _campaign_and_reader_select(named: bool):
    """The campaign (the named one, or the first two to tell "the only one") with the number of
    campaigns and the reader's columns a permission check reads: one statement."""
    reader = select(Person.id, Person.login, Person.name, Person.roles, Person.active) \
        .where(Person.login == bindparam("login")).subquery()
    query = (select(Campaign.id, Campaign.code, Campaign.timezone, Campaign.plan_sha256, Campaign.updated_at,
                    func.count().over().label("campaigns"), reader.c.id.label("reader_id"),
                    reader.c.login.label("reader_login"), reader.c.name.label("reader_name"),
                    reader.c.roles.label("reader_roles"), reader.c.active.label("reader_active"))
             .outerjoin(reader, true()).order_by(Campaign.id).limit(2))
    return query.where(Campaign.code == bindparam("code")) if named else query


def _list_campaign(uow: UnitOfWork, campaign: str | None, login: str) -> _ListCampaign:
    """The campaign (named, or the only one) once the reader may read: the plan is parsed once
    per process and plan version."""
    connection = uow.session.connection()
    rows = connection.execute(_campaign_and_reader_select(bool(campaign)),
                              {"login": login, "code": campaign} if campaign else {"login": login}).all()
    if not rows or (not campaign and rows[0].campaigns > 1):
        uow.campaigns.only_or(campaign)  # raises NotFound saying which campaigns there are
    row = rows[0]
    reader = row.reader_id and Person(id=row.reader_id, login=row.reader_login, name=row.reader_name,
                                      roles=row.reader_roles, active=row.reader_active)
    if reader is None or not permissions.allowed(reader, "read"):
        # the reader as a record of this session: an unknown login is UnknownActor, and a refusal
        # names the roles as the loaded plan does
        permissions.require(actor(uow, login), "read")
    key = (uow.engine.url, row.id, row.plan_sha256, row.updated_at)
    camp = _CAMPAIGNS.get(key)
    if camp is None:
        plan = connection.execute(select(Campaign.plan).where(Campaign.id == row.id)).scalar_one()
        categories = tuple(_Category(*c) for c in connection.execute(
            select(Category.id, Category.code, Category.name).where(Category.campaign_id == row.id)
            .order_by(Category.id)))
        if len(_CAMPAIGNS) >= 64:  # many databases in one process (tests): start over
            _CAMPAIGNS.clear()
        camp = _CAMPAIGNS[key] = _ListCampaign(row.id, row.code, row.timezone, plan, categories)
    return camp


def item_page(uow: UnitOfWork, login: str, filters: ItemFilters = ItemFilters(), *, page: int = 1,
              per_page: int = 50, campaign: str | None = None, today: dt.date | None = None,
              choices: bool = False) -> dict:
    """One page of items matching the filters, with their number counted up to ``COUNT_CAP``
    (``capped``: there are more): two SQL statements (the campaign with the reader; the rows
    with the count), a third only past the last page. ``choices``: also what the filters may
    take (``filter_choices``, one more), for a screen that shows both.

    The statements are independent reads, so on PostgreSQL they run without a transaction
    around them (no BEGIN and ROLLBACK round trips); rows and count are one statement."""
    uow.read_only()
    uow.autocommit()
    camp = _list_campaign(uow, campaign, login)
    today = business_date(camp, today)
    if not 1 <= per_page <= PER_PAGE_MAX:
        raise BadInput(f"每页条数应在 1–{PER_PAGE_MAX} 之间，实为 {per_page}")
    if page < 1:
        raise BadInput(f"页码应从 1 开始，实为 {page}")
    units, categories = _units_and_categories(uow, camp) if choices else ((), ())
    shape, values = _conditions(uow, camp, filters, units)
    page_query, count_query = _page_queries(shape)
    values.update(_dates(camp, today), list_cap=COUNT_CAP + 1, list_limit=per_page, list_offset=(page - 1) * per_page)
    # Plain rows, not entities: Core execution skips the ORM's per-statement bookkeeping.
    connection = uow.session.connection()
    rows = connection.execute(page_query, values).all()
    if rows:
        total = rows[0].matching
    elif page == 1:
        total = 0
    else:  # past the last page: count alone
        total = connection.execute(count_query, values).scalar_one()
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    first = (page - 1) * per_page
    result = {"campaign": camp.code, "today": today.isoformat(), "filters": filters.as_dict(),
              "page": page, "per_page": per_page, "total": total, "capped": capped,
              "pages": max(1, -(-total // per_page)),
              "has_next": len(rows) == per_page and (capped or first + per_page < total),
              "rows": [_row(r) for r in rows]}
    if choices:
        result["choices"] = _choices(camp, units, categories)
    return result


def iter_items(uow: UnitOfWork, login: str, filters: ItemFilters = ItemFilters(), *,
               campaign: str | None = None, today: dt.date | None = None, chunk: int = 1000):
    """Every item matching the filters, streamed in campaign order (for exports)."""
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    query, values = item_rows_query(uow, camp, filters, today)
    result = uow.session.execute(query.execution_options(yield_per=chunk), values)
    for r in result:
        yield _row(r)


def filter_choices(uow: UnitOfWork, campaign: str | None = None) -> dict:
    """What the list's filters may take: lights, units, states, categories, sources."""
    camp = uow.campaigns.only_or(campaign)
    return _choices(camp, *_units_and_categories(uow, camp))


def _units_and_categories(uow: UnitOfWork, camp) -> tuple[list, list]:
    """(id, code, name) of every unit (by code) and of the campaign's categories (in plan order)."""
    units, categories = [], []
    for kind, row_id, code, name in uow.session.connection().execute(_choices_select(), {"campaign_id": camp.id}):
        (units if kind == 1 else categories).append((row_id, code, name))
    return units, categories


def _choices(camp, units, categories) -> dict:
    return {
        "lights": LIGHTS,
        "units": [(code, name) for _, code, name in units],
        "states": dict(ITEM.states),
        "categories": [(code, name) for _, code, name in categories],
        "sources": [s["name"] for s in camp.plan.get("sources", [])],
    }


@lru_cache(maxsize=1)
def _choices_select():
    """The units (by code) and the campaign's categories (in plan order) in one statement."""
    units = select(literal(1).label("kind"), OrgUnit.id, OrgUnit.code, OrgUnit.name,
                   func.row_number().over(order_by=OrgUnit.code).label("position"))
    categories = select(literal(2), Category.id, Category.code, Category.name,
                        func.row_number().over(order_by=Category.id)) \
        .where(Category.campaign_id == bindparam("campaign_id"))
    both = union_all(units, categories).subquery()
    return select(both.c.kind, both.c.id, both.c.code, both.c.name).order_by(both.c.kind, both.c.position)
