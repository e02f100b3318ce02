"""Read side of the item lists: one SQL query per screen, never the write model per row.

``item_page`` answers the console's item list (and any other list of items: exports,
reports, benchmarks) with two queries: the page's rows in campaign order, the traffic light
computed in SQL from the campaign's calendar, and the number of matching items counted up
to ``COUNT_CAP`` (beyond it the list says "more than"), so a page costs the same on a
campaign of a million items. Filters become conditions an index can serve (the light as a
deadline range, never through the CASE that displays it). Filters are values, so callers
validate nothing themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from functools import lru_cache

from sqlalchemy import Date, bindparam, case, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from duban import permissions
from duban.errors import BadInput
from duban.services.common import actor, business_date
from duban.services.items import deadline_running, green_from, light_range, running_condition
from statemachines.item import ITEM
from storage.models import Category, OrgUnit, Person, ProblemItem
from storage.uow import UnitOfWork

LIGHTS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
PER_PAGE_MAX = 200
COUNT_CAP = 10_000  # items counted for a list's total; past it the total reads "more than"
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
_TODAY = bindparam("list_today", type_=Date)
_GREEN_FROM = bindparam("list_green_from", type_=Date)


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


def _conditions(uow: UnitOfWork, camp, filters: ItemFilters, today: dt.date) -> list:
    """SQL conditions on the items' own columns for the filters; an unknown value is bad input
    naming the choices."""
    where = [ProblemItem.campaign_id == camp.id]
    if filters.light:  # an unknown light is refused there, naming the choices
        where.append(_light_filter(filters.light))
    if filters.unit:
        where.append(ProblemItem.unit_id == uow.org.unit(filters.unit).id)
    if filters.state:
        codes = {label: code for code, label in ITEM.states.items()}
        state = filters.state if filters.state in ITEM.states else codes.get(filters.state)
        if state is None:
            raise BadInput(f"状态无效：{filters.state}（可选：{'、'.join(ITEM.states.values())}）")
        where.append(ProblemItem.state == state)
    if filters.category:
        cat = next((c for c in camp.categories if filters.category in (c.code, c.name)), None)
        if cat is None:
            raise BadInput(f"问题类别无效：{filters.category}（可选：{'、'.join(c.name for c in camp.categories)}）")
        where.append(ProblemItem.category_id == cat.id)
    if filters.source:
        sources = {s["code"]: s["name"] for s in camp.plan.get("sources", [])}
        name = sources.get(filters.source, filters.source)
        if name not in sources.values():
            raise BadInput(f"问题来源无效：{filters.source}（可选：{'、'.join(sources.values())}）")
        where.append(ProblemItem.source == name)
    if filters.owner:
        where.append(ProblemItem.owner_id == uow.org.person_by_name_or_login(filters.owner).id)
    if filters.q:
        if len(filters.q) > SEARCH_MAX:
            raise BadInput(f"搜索词过长：最多 {SEARCH_MAX} 字")
        where.append(or_(ProblemItem.no == filters.q, ProblemItem.title.like(_like(filters.q), escape="\\")))
    return where


def item_rows_query(uow: UnitOfWork, camp, filters: ItemFilters, today: dt.date, where: list | None = None):
    """The list's SELECT (rows in campaign order) before paging; execute it with ``_dates(camp, today)``."""
    return (_rows_select().where(*(where if where is not None else _conditions(uow, camp, filters, today)))
            .order_by(ProblemItem.seq))


def _row(r) -> dict:
    return {"no": r.no, "title": r.title, "state": r.state, "state_label": ITEM.label(r.state),
            "source": r.source, "due": r.due.isoformat() if r.due else None,
            "paused": r.paused_since is not None, "version": r.version, "unit": r.unit, "unit_code": r.unit_code,
            "owner": r.owner, "owner_login": r.owner_login, "category": r.category, "light": r.light}


def item_page(uow: UnitOfWork, login: str, filters: ItemFilters = ItemFilters(), *, page: int = 1,
              per_page: int = 50, campaign: str | None = None, today: dt.date | None = None,
              choices: bool = False) -> dict:
    """One page of items matching the filters, with their number counted up to ``COUNT_CAP``
    (``capped``: there are more): two SQL queries, one when the first page holds them all.
    ``choices``: also what the filters may take (``filter_choices``, two more queries), for a
    screen that shows both."""
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    if not 1 <= per_page <= PER_PAGE_MAX:
        raise BadInput(f"每页条数应在 1–{PER_PAGE_MAX} 之间，实为 {per_page}")
    if page < 1:
        raise BadInput(f"页码应从 1 开始，实为 {page}")
    where = _conditions(uow, camp, filters, today)
    query = item_rows_query(uow, camp, filters, today, where).limit(per_page).offset((page - 1) * per_page)
    # Plain rows, not entities: Core execution skips the ORM's per-statement bookkeeping.
    connection = uow.session.connection()
    dates = _dates(camp, today)
    rows = connection.execute(query, dates).all()
    if page == 1 and len(rows) < per_page:
        total = len(rows)
    else:  # the joins never drop an item: count the items' own rows, and stop at the cap
        matching = select(ProblemItem.id).where(*where).limit(COUNT_CAP + 1).subquery()
        total = connection.execute(select(func.count()).select_from(matching), dates).scalar_one()
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    first = (page - 1) * per_page
    result = {"campaign": camp.code, "today": today.isoformat(), "filters": filters.as_dict(),
              "page": page, "per_page": per_page, "total": total, "capped": capped,
              "pages": max(1, -(-total // per_page)),
              "has_next": len(rows) == per_page and (capped or first + per_page < total),
              "rows": [_row(r) for r in rows]}
    if choices:
        result["choices"] = _choices(uow, camp)
    return result


def iter_items(uow: UnitOfWork, login: str, filters: ItemFilters = ItemFilters(), *,
               campaign: str | None = None, today: dt.date | None = None, chunk: int = 1000):
    """Every item matching the filters, streamed in campaign order (for exports)."""
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    result = uow.session.execute(item_rows_query(uow, camp, filters, today).execution_options(yield_per=chunk),
                                 _dates(camp, today))
    for r in result:
        yield _row(r)


def filter_choices(uow: UnitOfWork, campaign: str | None = None) -> dict:
    """What the list's filters may take: lights, units, states, categories, sources."""
    return _choices(uow, uow.campaigns.only_or(campaign))


def _choices(uow: UnitOfWork, camp) -> dict:
    units, categories = [], []
    for kind, code, name in uow.session.connection().execute(_choices_select(), {"campaign_id": camp.id}):
        (units if kind == 1 else categories).append((code, name))
    return {
        "lights": LIGHTS,
        "units": units,
        "states": dict(ITEM.states),
        "categories": categories,
        "sources": [s["name"] for s in camp.plan.get("sources", [])],
    }


@lru_cache(maxsize=1)
def _choices_select():
    """The units (by code) and the campaign's categories (in plan order) in one statement."""
    units = select(literal(1).label("kind"), OrgUnit.code, OrgUnit.name,
                   func.row_number().over(order_by=OrgUnit.code).label("position"))
    categories = select(literal(2), Category.code, Category.name, func.row_number().over(order_by=Category.id)) \
        .where(Category.campaign_id == bindparam("campaign_id"))
    both = union_all(units, categories).subquery()
    return select(both.c.kind, both.c.code, both.c.name).order_by(both.c.kind, both.c.position)
