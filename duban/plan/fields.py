"""Field types and the base model every plan part shares."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Iterable

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from duban.errors import NotFound

Loc = tuple[str | int, ...]


class PlanIssue(ValueError):
    """A semantic problem; ``loc`` is relative to the model that raised it."""

    def __init__(self, loc: Loc, message: str):
        super().__init__(message)
        self.loc = loc
        self.message = message


# --- field types -----------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> date:
    # Only YYYY-MM-DD: pydantic would otherwise read integers as Unix timestamps.
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
        raise PlanIssue((), f"日期无效（{value.strip()}）")
    raise PlanIssue((), f"日期无效（{value}），应为 YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]

# YAML folds a wrapped line into a single space; between two Chinese characters
# that space is an artefact, so prose fields drop it.
_FOLD_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
Prose = Annotated[str, AfterValidator(lambda text: _FOLD_SPACE.sub("", text))]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Text = Annotated[str, Field(min_length=1)]
Count = Annotated[int, Field(ge=1)]  # working days, sample sizes
Phone = Annotated[str, Field(pattern=r"^[0-9][0-9-]{2,19}$")]
CampaignCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{2,32}$")]


# 发文字号 prefixes name the document files (documents/<year>/<kind>/<发文字号>-r1.pdf).
_UNSAFE_IN_PATH = re.compile(r"[/\\\x00-\x1f\x7f-\x9f]|\.\.")


def _safe_in_path(text: str) -> str:
    if _UNSAFE_IN_PATH.search(text):
        raise PlanIssue((), f"不能含有 /、\\、..、空字符或控制字符（{text!r}），发文字号要用作文件名")
    return text


DocPrefix = Annotated[Text, AfterValidator(_safe_in_path)]


class PlanModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True
    )


def check_unique(items: Iterable[Any], loc: Loc, attr: str = "code") -> None:
    seen: set[Any] = set()
    for index, item in enumerate(items):
        key = getattr(item, attr)
        if key in seen:
            raise PlanIssue((*loc, index, attr), f"代码重复（{key}）")
        seen.add(key)


def find(items: Iterable[Any], code: str, what: str) -> Any:
    for item in items:
        if item.code == code:
            return item
    raise NotFound(f"未知{what}：{code}")
