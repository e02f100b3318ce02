"""公开整改问题、公布整改成效: what is published is the office's decision, never a side effect.

* ``mark``: the office marks items publishable (or takes the mark back). Each change is a
  ``publishable_set`` event in the item's own history, and the audit reconciles the flag.
* ``list_items``: the items with their mark, the candidates of a publication.
* ``release`` (``duban.services.publication.release``): writes a publication into a folder
  and records it (``publication_released``).

What a publication may show is decided in one place, ``duban.services.publication.content``.
Nothing here runs from the daily tick or from recording a result.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput, RuleViolation
from duban.services.common import actor, business_date, clean_text
from statemachines.item import ITEM
from storage.models import ProblemItem
from storage.uow import UnitOfWork, campaign_chain, item_chain

TRIGGER = "publishable_set"
NOT_PUBLISHABLE_STATES = ("withdrawn",)  # a withdrawn item was no problem: nothing to publish
REASON_MAX = 500


def mark(uow: UnitOfWork, login: str, numbers: list[str], *, publishable: bool = True, reason: str = "",
         campaign: str | None = None, today: dt.date | None = None) -> dict:
    """Set the items' publishable mark; items already so are reported, not recorded again."""
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    who = actor(uow, login)
    permissions.require(who, "publish")
    day = business_date(camp, today)
    reason = clean_text(reason, "理由", max_len=REASON_MAX, required=False)
    numbers = list(dict.fromkeys(no.strip() for no in numbers if no.strip()))
    if not numbers:
        raise BadInput("请给出至少一个问题编号")
    items = [uow.items.get(no) for no in numbers]
    foreign = [item.no for item in items if item.campaign_id != camp.id]
    if foreign:
        raise BadInput(f"问题不属于 {camp.code}：{'、'.join(foreign)}")
    uow.lock_items(camp, [item.id for item in items])
    changed, unchanged = [], []
    for item in items:
        uow.session.refresh(item)
        if publishable and item.state in NOT_PUBLISHABLE_STATES:
            raise RuleViolation(f"{item.no} 状态为「{ITEM.label(item.state)}」，不能公开")
        if item.publishable == publishable:
            unchanged.append(item.no)
            continue
        item.publishable = publishable
        uow.record(chain=item_chain(item), actor=who.login, today=day, trigger=TRIGGER, item=item,
                   campaign_id=camp.id, note=reason, payload={"publishable": publishable})
        changed.append(item.no)
    uow.commit()
    return {"campaign": camp.code, "publishable": publishable, "changed": changed, "unchanged": unchanged}


def list_items(uow: UnitOfWork, login: str, *, campaign: str | None = None,
               publishable: bool | None = None, state: str | None = None) -> list[dict]:
    """Items with their publishable mark (``publishable``/``state`` filter), by unit and number."""
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    query = (select(ProblemItem).where(ProblemItem.campaign_id == camp.id)
             .order_by(ProblemItem.unit_id, ProblemItem.seq))
    if publishable is not None:
        query = query.where(ProblemItem.publishable.is_(publishable))
    if state is not None:
        query = query.where(ProblemItem.state == state)
    return [{"no": item.no, "title": item.title, "unit": item.unit.name, "state": item.state,
             "state_label": ITEM.label(item.state), "publishable": item.publishable}
            for item in uow.session.scalars(query)]
