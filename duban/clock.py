"""The business date. Campaigns run on Asia/Shanghai dates; the demo and
catch-up ticks run on a simulated date, so services never call date.today().

Dates are accepted from 2000 to 2099: the working-day calendar knows the official
holidays of this century only, and a year like 0001 or 9999 is always a typing mistake.
"""

from __future__ import annotations

import datetime as dt
import os
import re

from duban.errors import BadInput

MIN_YEAR, MAX_YEAR = 2000, 2099
YEARS = f"{MIN_YEAR}–{MAX_YEAR} 年"

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str, what: str = "") -> dt.date:
    try:
        if not _ISO_DATE.fullmatch(text.strip()):
            raise ValueError(text)
        day = dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise BadInput(f"日期无效：{text!r}（{what}应为 YYYY-MM-DD 格式的真实日期）") from None
    return check_year(day, what)


def check_year(day: dt.date, what: str = "") -> dt.date:
    """A date in the supported years, or bad input naming the range."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise BadInput(f"日期超出支持范围：{day.isoformat()}（{what}只支持 {YEARS}）")
    return day


def today(tz: str = "Asia/Shanghai") -> dt.date:
    override = os.environ.get("DUBAN_TODAY")
    if override:
        return parse_date(override, "DUBAN_TODAY")
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(tz)).date()
