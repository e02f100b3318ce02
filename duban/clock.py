"""The business date. Campaigns run on Asia/Shanghai dates; the demo and
catch-up ticks run on a simulated date, so services never call date.today()."""

from __future__ import annotations

import datetime as dt
import os
import re
from zoneinfo import ZoneInfo

from duban.errors import BadInput


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str, what: str = "") -> dt.date:
    try:
        if not _ISO_DATE.fullmatch(text.strip()):
            raise ValueError(text)
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise BadInput(f"日期无效：{text!r}（{what}应为 YYYY-MM-DD 格式的真实日期）") from None


def today(tz: str = "Asia/Shanghai") -> dt.date:
    override = os.environ.get("DUBAN_TODAY")
    if override:
        return parse_date(override, "DUBAN_TODAY")
    return dt.datetime.now(ZoneInfo(tz)).date()
