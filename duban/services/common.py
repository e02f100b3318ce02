"""Small helpers shared by the use cases."""

from __future__ import annotations

import datetime as dt
import unicodedata
import warnings
from functools import lru_cache

from duban import clock
from duban.errors import BadInput, OutsideCampaignWarning, UnknownActor
from storage.models import Campaign, Person
from storage.uow import UnitOfWork


def clean_text(value: str | None, what: str, *, max_len: int, required: bool = True) -> str:
    """Trimmed text without control characters; too long or missing is bad input."""
    text = (value or "").strip()
    if required and not text:
        raise BadInput(f"{what}不能为空")
    if len(text) > max_len:
        raise BadInput(f"{what}过长：{len(text)} 字，最多 {max_len} 字")
    bad = [c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t"]
    if bad:
        raise BadInput(f"{what}含有不可见控制字符（{bad[0]!r}）")
    return text


def actor(uow: UnitOfWork, login: str) -> Person:
    person = uow.org.find_person(login)
    if person is None:
        hint = uow.org.suggest_person(login) or "（请用 --as 指定已导入的人员登录名）"
        raise UnknownActor(f"操作人不存在：{login}{hint}")
    return person


def business_date(campaign: Campaign, today: dt.date | None) -> dt.date:
    return today or clock.today(campaign.timezone)


def warn_outside_campaign(campaign: Campaign, today: dt.date) -> None:
    """Registering or issuing on a date outside the campaign is allowed (a late entry),
    but is usually a forgotten DUBAN_TODAY: the CLI prints this as one 注意 line."""
    if not campaign.start_date <= today <= campaign.end_date:
        warnings.warn(OutsideCampaignWarning(
            f"业务日期 {today.isoformat()} 不在 {campaign.code} 活动期间（{campaign.start_date.isoformat()} 至 "
            f"{campaign.end_date.isoformat()}）；如需按活动日期办理，请设置 DUBAN_TODAY 或 --today"), stacklevel=2)


@lru_cache(maxsize=1)
def work_calendar():
    """The office's working-day calendar: chinese-calendar plus its holidays files."""
    from duban import config
    from duban.workcalendar import WorkCalendar

    return WorkCalendar.from_dir(config.holidays_dir(), missing_ok=True)


def resolve_due(today: dt.date, due: dt.date | None, working_days: int | None) -> dt.date | None:
    """A deadline given as a date or as N working days from today."""
    if due is not None and working_days is not None:
        raise BadInput("期限只能指定日期或工作日数其中之一")
    if working_days is not None:
        if not 1 <= working_days <= 250:
            raise BadInput(f"工作日数应在 1–250 之间，实为 {working_days}")
        return work_calendar().add_workdays(today, working_days)
    return due


def light_of(campaign: Campaign, item, today: dt.date) -> str | None:
    """红黄绿灯 for an item whose deadline is running; None otherwise (derived, never stored)."""
    if item.state not in ("assigned", "rectifying") or item.due is None or item.paused_since:
        return None
    yellow = campaign.plan.get("rules", {}).get("yellow_working_days", 3)
    return work_calendar().light(today, item.due, yellow)
