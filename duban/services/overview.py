"""红黄绿灯 overview: running deadlines by unit and by category, each one aggregate query."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from duban import permissions
from duban.services.common import actor, business_date
from duban.services.listing import LIGHTS, light_column
from duban.services.reports import unit_report
from storage.models import Category, ProblemItem
from storage.uow import UnitOfWork


def light_overview(uow: UnitOfWork, login: str, *, campaign: str | None = None,
                   today: dt.date | None = None) -> dict:
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    light = light_column(camp, today)
    counts = uow.session.execute(
        select(ProblemItem.category_id, light.label("light"), func.count())
        .where(ProblemItem.campaign_id == camp.id, light.is_not(None))
        .group_by(ProblemItem.category_id, light)).all()
    by_category: dict = {}
    for category_id, code, n in counts:
        by_category.setdefault(category_id, dict.fromkeys(LIGHTS, 0))[code] = n
    categories = [{"code": c.code, "name": c.name, "lights": by_category.get(c.id, dict.fromkeys(LIGHTS, 0))}
                  for c in uow.session.scalars(select(Category).where(Category.campaign_id == camp.id)
                                               .order_by(Category.id))]
    if None in by_category:
        categories.append({"code": "", "name": None, "lights": by_category[None]})
    return {"campaign": camp.code, "campaign_name": camp.name, "today": today.isoformat(),
            "units": unit_report(uow, login, campaign=campaign, today=today), "categories": categories}


def ledger_page(uow: UnitOfWork, login: str, *, campaign: str | None = None, today: dt.date | None = None) -> dict:
    """The 整改落实台账 as the console shows it: the export's rows and columns."""
    from duban.services.ledger import COLUMNS, ledger_rows

    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    today = business_date(camp, today)
    return {"campaign_name": camp.name, "today": today.isoformat(), "columns": COLUMNS,
            "rows": ledger_rows(uow, camp, today)}
