"""Working-day calendar (工作日历) for deadlines given as "N个工作日".

Which days are working days
---------------------------
1. Office overrides win: entries passed to ``WorkCalendar(overrides=...)`` or
   read from holidays files (``holidays:`` → day off, ``workdays:`` → 调休
   make-up working day).  This lets an office correct a wrongly shipped day.
2. Otherwise the official calendar from the ``chinesecalendar`` package
   (statutory holidays and 调休 make-up workdays) for the years it covers.
3. For years the package does not cover: Monday–Friday are working days,
   Saturday/Sunday are not.  A :class:`CalendarFallbackWarning` is issued the
   first time such a year is used by a calendar object (once per year per
   calendar), because the result is only as good as the holidays files.
4. Years outside ``clock.MIN_YEAR``–``clock.MAX_YEAR`` (2000–2099) are refused with
   BadInput: a deadline in year 1 or 9999 is a typing mistake, not a date to count.

Counting conventions (期间开始的日不计入 — the start day is never counted)
-----------------------------------------------------------------------
* ``add_workdays(start, n)``: the n-th working day strictly after ``start``.
  "15个工作日 from 2015-09-28" → 2015-10-23.  ``n == 0`` returns ``start``
  itself if it is a working day, else the next working day.
* ``workdays_between(a, b)``: number of working days in the half-open
  interval (a, b]; negative (−count of (b, a]) when b < a; 0 when a == b.
  Hence ``workdays_between(start, add_workdays(start, n)) == n`` for n ≥ 1.
* ``shift_by_paused(deadline, paused_from, resumed_on)``: the deadline moves
  later by ``workdays_between(paused_from, resumed_on)`` working days, so the
  working days left on the resume day equal those left on the pause day.
* ``light(today, due, yellow_days)``: "red" if today > due; "yellow" if
  ``workdays_between(today, due) <= yellow_days`` (the due day itself is
  yellow for any yellow_days ≥ 0); else "green".

Everything is pure apart from reading holidays files at construction.  Each
calendar caches, per year, a sorted tuple of working-day ordinals, so lookups
are bisects and ``chinese_calendar`` is consulted at most once per day of a
year per calendar object.
"""

from __future__ import annotations

import re
import sys
import threading
import warnings
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from os import PathLike
from pathlib import Path
from typing import Literal

import yaml

from duban.clock import MAX_YEAR, MIN_YEAR
from duban.errors import BadInput
from duban.yamltext import unreadable_character

try:  # a declared dependency; without it every year uses the fallback
    import chinese_calendar as _cc
except ImportError:  # pragma: no cover - exercised only in broken installs
    _cc = None

__all__ = [
    "CalendarFallbackWarning",
    "LIGHT_LABELS",
    "Light",
    "WorkCalendar",
    "is_covered_year",
    "light_label",
    "load_holiday_file",
]

Light = Literal["green", "yellow", "red"]

LIGHT_LABELS: dict[str, str] = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FILE_KEYS = {"holidays": False, "workdays": True}
_HOLIDAY_SUFFIXES = {".yaml", ".yml"}


class CalendarFallbackWarning(UserWarning):
    """A year outside chinesecalendar's data is computed from weekends plus holidays files."""


def light_label(light: str) -> str:
    """Chinese label for a light value: green→绿灯, yellow→黄灯, red→红灯."""
    try:
        return LIGHT_LABELS[light]
    except KeyError:
        raise ValueError(f"未知的灯色：{light!r}") from None


@lru_cache(maxsize=None)
def is_covered_year(year: int) -> bool:
    """True if the installed chinesecalendar has official data for ``year``."""
    if _cc is None:
        return False
    try:
        _cc.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _check_date(d: object, name: str) -> date:
    # datetime is a subclass of date but compares badly with it; refuse it.
    if not isinstance(d, date) or isinstance(d, datetime):
        raise TypeError(f"{name} 必须是 datetime.date（不是 {type(d).__name__}）")
    return d


def _external_stacklevel() -> int:
    """Stack level of the first frame outside this module (for warnings.warn)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
        level += 1
    return level


# ---------------------------------------------------------------- file loading


def _bad(path: Path, line: int | None, problem: str) -> BadInput:
    where = f"节假日文件 {path}" + (f" 第{line}行" if line is not None else "")
    return BadInput(f"{where}：{problem}")


def load_holiday_file(path: str | PathLike[str]) -> dict[date, tuple[bool, int]]:
    """Parse one holidays file into ``{day: (is_workday, line_number)}``.

    Format (YAML mapping; both keys optional, each a list of ISO dates)::

        holidays: [2027-01-01, 2027-02-10]   # days off
        workdays: [2027-02-07]               # 调休 make-up working days

    Raises :class:`BadInput` naming the file and line for anything else.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise _bad(p, None, f"无法读取（{e.strerror or e}）") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise _bad(p, line, "不是 UTF-8 编码，请用 UTF-8 保存") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise _bad(p, line, f"YAML 格式错误（{e.problem or e.context}）") from None
    except yaml.YAMLError as e:
        line, problem = unreadable_character(text, e) or (None, f"YAML 格式错误（{e}）")
        raise _bad(p, line, problem) from None

    result: dict[date, tuple[bool, int]] = {}
    if root is None:  # empty file or only comments
        return result
    if not isinstance(root, yaml.MappingNode):
        raise _bad(
            p, root.start_mark.line + 1, "顶层应为 holidays: 和 workdays: 两个列表"
        )
    seen_keys: set[str] = set()
    for key_node, value_node in root.value:
        key_line = key_node.start_mark.line + 1
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in _FILE_KEYS:
            raise _bad(p, key_line, f"未知的键 {key!r}，只允许 holidays 和 workdays")
        if key in seen_keys:
            raise _bad(p, key_line, f"键 {key} 重复出现")
        seen_keys.add(key)
        is_workday = _FILE_KEYS[key]
        if isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":null"):
            continue  # "holidays:" with nothing after it
        if not isinstance(value_node, yaml.SequenceNode):
            raise _bad(
                p, value_node.start_mark.line + 1, f"{key} 应为日期列表，如 [2027-01-01, 2027-01-02]"
            )
        for item in value_node.value:
            line = item.start_mark.line + 1
            if not isinstance(item, yaml.ScalarNode) or not _ISO_DATE.fullmatch(item.value.strip()):
                shown = item.value if isinstance(item, yaml.ScalarNode) else "（非日期）"
                raise _bad(p, line, f"{shown!r} 不是 YYYY-MM-DD 格式的日期")
            try:
                day = date.fromisoformat(item.value.strip())
            except ValueError:
                raise _bad(p, line, f"{item.value!r} 不是有效日期") from None
            if day in result and result[day][0] != is_workday:
                raise _bad(
                    p, line,
                    f"{day.isoformat()} 同时出现在 holidays 和 workdays 中（另见第{result[day][1]}行）",
                )
            result[day] = (is_workday, line)
    return result


# ---------------------------------------------------------------- the calendar


@dataclass(frozen=True)
class _Year:
    ordinals: tuple[int, ...]  # sorted ordinals of the working days of the year
    members: frozenset[int]


class WorkCalendar:
    """Chinese official working-day calendar with office overrides.

    ``overrides`` maps a date to True (working day) or False (day off) and
    takes precedence over chinesecalendar and over the weekend fallback.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None):
        clean: dict[date, bool] = {}
        for d, v in (overrides or {}).items():
            _check_date(d, "overrides 的键")
            if not isinstance(v, bool):
                raise TypeError(f"overrides[{d}] 必须是 bool（True=工作日，False=休息日）")
            clean[d] = v
        self._overrides = clean
        self._override_years: dict[int, int] = {}
        for d in clean:
            self._override_years[d.year] = self._override_years.get(d.year, 0) + 1
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()

    # -- construction from files

    @classmethod
    def from_files(cls, paths: Iterable[str | PathLike[str]]) -> "WorkCalendar":
        """Build a calendar from holidays files (see :func:`load_holiday_file`).

        A date given contradictory values in two files raises BadInput.
        """
        merged: dict[date, bool] = {}
        origin: dict[date, tuple[Path, int]] = {}
        for path in paths:
            p = Path(path)
            for day, (value, line) in load_holiday_file(p).items():
                if day in merged and merged[day] != value:
                    other, other_line = origin[day]
                    raise _bad(
                        p, line,
                        f"{day.isoformat()} 与 {other} 第{other_line}行的设置矛盾"
                        "（一处为休息日，一处为工作日）",
                    )
                merged[day] = value
                origin[day] = (p, line)
        return cls(merged)

    @classmethod
    def from_dir(cls, path: str | PathLike[str], *, missing_ok: bool = False) -> "WorkCalendar":
        """Read every ``*.yaml`` / ``*.yml`` file (not hidden) in ``path``.

        Other files (README.md, ``*.yaml.example``) are ignored.  A missing
        directory raises BadInput unless ``missing_ok`` is true, in which case
        the calendar has no overrides.
        """
        d = Path(path)
        if not d.is_dir():
            if missing_ok and not d.exists():
                return cls()
            raise BadInput(f"节假日目录 {d} 不存在或不是目录")
        files = sorted(
            f for f in d.iterdir()
            if f.is_file() and f.suffix.lower() in _HOLIDAY_SUFFIXES and not f.name.startswith(".")
        )
        return cls.from_files(files)

    @property
    def overrides(self) -> dict[date, bool]:
        """A copy of the office overrides in effect."""
        return dict(self._overrides)

    # -- per-year cache

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise BadInput(f"日期超出工作日历的支持范围：{year} 年（只支持 {MIN_YEAR}–{MAX_YEAR} 年）")
        with self._lock:
            cached = self._years.get(year)
            if cached is not None:
                return cached
            built = self._build_year(year)
            self._years[year] = built
            return built

    def _build_year(self, year: int) -> _Year:
        covered = is_covered_year(year)
        if not covered:
            n = self._override_years.get(year, 0)
            if n:
                msg = (
                    f"{year}年不在 chinesecalendar 内置的官方节假日数据范围内，"
                    f"已按“周一至周五上班”加节假日文件中的 {n} 条设置计算工作日，"
                    "请确认该年节假日文件已按国务院通知填写完整。"
                )
            else:
                msg = (
                    f"{year}年不在 chinesecalendar 内置的官方节假日数据范围内，"
                    "且没有该年的节假日文件，暂仅按周六、周日休息计算工作日，"
                    f"法定节假日和调休均未计入；请在节假日目录添加 {year}.yaml 或升级 chinesecalendar。"
                )
            warnings.warn(msg, CalendarFallbackWarning, stacklevel=_external_stacklevel())
        ordinals: list[int] = []
        day = date(year, 1, 1)
        one = timedelta(days=1)
        while day.year == year:
            override = self._overrides.get(day)
            if override is not None:
                work = override
            elif covered:
                work = _cc.is_workday(day)
            else:
                work = day.weekday() < 5
            if work:
                ordinals.append(day.toordinal())
            if day.month == 12 and day.day == 31:
                break  # avoid date overflow after 9999-12-31
            day += one
        return _Year(tuple(ordinals), frozenset(ordinals))

    # -- queries

    def is_covered(self, year: int) -> bool:
        """True if ``year`` comes from official data rather than the weekend fallback."""
        return is_covered_year(year)

    def is_workday(self, d: date) -> bool:
        """True if ``d`` is a working day."""
        _check_date(d, "d")
        return d.toordinal() in self._year(d.year).members

    def next_workday(self, d: date, *, include_self: bool = False) -> date:
        """The first working day strictly after ``d`` (on or after it if ``include_self``)."""
        _check_date(d, "d")
        if include_self and self.is_workday(d):
            return d
        return self.add_workdays(d, 1)

    def add_workdays(self, start: date, n: int) -> date:
        """The date that is ``n`` working days after ``start``.

        ``start`` itself is not counted (期间开始的日不计入): with n=15 and
        start=2015-09-28 the days counted are 09-29, 09-30, 10-08, 10-09,
        10-10 (调休), 10-12 … giving 2015-10-23.  ``n == 0`` returns ``start``
        if it is a working day, otherwise the next working day.  n < 0 is an
        error (ValueError).
        """
        _check_date(start, "start")
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError("n 必须是整数")
        if n < 0:
            raise ValueError(f"工作日数不能为负数：{n}")
        if n == 0:
            if self.is_workday(start):
                return start
            n = 1
        year = start.year
        ords = self._year(year).ordinals
        i = bisect_right(ords, start.toordinal())  # first working day after start
        remaining = n
        while True:
            available = len(ords) - i
            if remaining <= available:
                return date.fromordinal(ords[i + remaining - 1])
            remaining -= available
            year += 1
            ords = self._year(year).ordinals
            i = 0

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative if b < a, zero if a == b.

        ``workdays_between(today, due)`` is the number of working days left;
        ``workdays_between(due, today)`` the number of working days overdue.
        """
        _check_date(a, "a")
        _check_date(b, "b")
        if b < a:
            return -self.workdays_between(b, a)
        if a == b:
            return 0
        ao, bo = a.toordinal(), b.toordinal()
        if a.year == b.year:
            ords = self._year(a.year).ordinals
            return bisect_right(ords, bo) - bisect_right(ords, ao)
        first = self._year(a.year).ordinals
        total = len(first) - bisect_right(first, ao)
        for y in range(a.year + 1, b.year):
            total += len(self._year(y).ordinals)
        last = self._year(b.year).ordinals
        return total + bisect_right(last, bo)

    def workdays_in(self, a: date, b: date) -> list[date]:
        """The working days in (a, b] in order (empty if b <= a); for display/debugging."""
        _check_date(a, "a")
        _check_date(b, "b")
        out: list[date] = []
        ao, bo = a.toordinal(), b.toordinal()
        for y in range(a.year, b.year + 1):
            ords = self._year(y).ordinals
            lo = bisect_right(ords, ao)
            hi = bisect_right(ords, bo)
            out.extend(date.fromordinal(o) for o in ords[lo:hi])
        return out

    def shift_by_paused(self, deadline: date, paused_from: date, resumed_on: date) -> date:
        """Move ``deadline`` later by the working days that elapsed during a pause (挂起).

        The elapsed count is ``workdays_between(paused_from, resumed_on)``,
        i.e. the working days in (paused_from, resumed_on].  With a working-day
        deadline this keeps the days left constant:
        ``workdays_between(resumed_on, new) == workdays_between(paused_from, deadline)``.
        A pause that covers only days off leaves the deadline unchanged.
        """
        _check_date(deadline, "deadline")
        _check_date(paused_from, "paused_from")
        _check_date(resumed_on, "resumed_on")
        if resumed_on < paused_from:
            raise ValueError(f"恢复日期 {resumed_on} 早于挂起日期 {paused_from}")
        elapsed = self.workdays_between(paused_from, resumed_on)
        if elapsed == 0:
            return deadline
        return self.add_workdays(deadline, elapsed)

    def light(self, today: date, due: date, yellow_days: int) -> Light:
        """Traffic light for an item due on ``due``.

        "red" if today > due; "yellow" if working days left
        (``workdays_between(today, due)``) ≤ ``yellow_days``; else "green".
        Use :func:`light_label` / :data:`LIGHT_LABELS` for 绿灯/黄灯/红灯.
        """
        _check_date(today, "today")
        _check_date(due, "due")
        if yellow_days < 0:
            raise ValueError(f"黄灯预警天数不能为负数：{yellow_days}")
        if today > due:
            return "red"
        if self.workdays_between(today, due) <= yellow_days:
            return "yellow"
        return "green"

    def light_label(self, today: date, due: date, yellow_days: int) -> str:
        """Same as :meth:`light` but returns 绿灯/黄灯/红灯."""
        return LIGHT_LABELS[self.light(today, due, yellow_days)]
