"""Tests for duban.workcalendar against the real 2015 National Day schedule.

2015: 国庆 10-01…10-07 off, Saturday 10-10 a 调休 make-up workday,
09-26/27 an ordinary weekend (中秋 fell on Sunday 09-27).
"""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import pytest

import duban.workcalendar as wc
from duban.errors import BadInput
from duban.workcalendar import (
    LIGHT_LABELS,
    CalendarFallbackWarning,
    WorkCalendar,
    light_label,
)

D = date
EXAMPLE = Path(wc.__file__).parent / "data" / "holidays" / "2026.yaml.example"


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture
def no_fallback():
    """Turn any fallback warning into an error: 2015 must come from official data."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarFallbackWarning)
        yield


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------ official 2015 days


@pytest.mark.parametrize("day", range(1, 8))
def test_national_day_2015_is_holiday(cal, no_fallback, day):
    assert cal.is_workday(D(2015, 10, day)) is False


def test_makeup_saturday_2015_10_10_is_workday(cal, no_fallback):
    assert D(2015, 10, 10).weekday() == 5  # a Saturday…
    assert cal.is_workday(D(2015, 10, 10)) is True  # …worked as 调休


def test_ordinary_weekend_and_weekdays(cal, no_fallback):
    assert cal.is_workday(D(2015, 9, 26)) is False  # Saturday
    assert cal.is_workday(D(2015, 9, 27)) is False  # Sunday (中秋)
    assert cal.is_workday(D(2015, 9, 28)) is True  # Monday
    assert cal.is_workday(D(2015, 10, 11)) is False  # Sunday after the make-up Saturday
    assert cal.is_covered(2015) is True


# ------------------------------------------------------------ add_workdays


def test_fifteen_workdays_from_2015_09_28(cal, no_fallback):
    # Start day 09-28 is not counted. Counted working days:
    #  1 09-29 Tue   2 09-30 Wed   (10-01…10-07 国庆, skipped)
    #  3 10-08 Thu   4 10-09 Fri   5 10-10 Sat (调休)   (10-11 Sun skipped)
    #  6 10-12 Mon   7 10-13   8 10-14   9 10-15  10 10-16 Fri   (10-17/18 skipped)
    # 11 10-19 Mon  12 10-20  13 10-21  14 10-22  15 10-23 Fri
    assert cal.add_workdays(D(2015, 9, 28), 15) == D(2015, 10, 23)
    assert cal.workdays_in(D(2015, 9, 28), D(2015, 10, 23)) == [
        D(2015, 9, 29), D(2015, 9, 30),
        D(2015, 10, 8), D(2015, 10, 9), D(2015, 10, 10),
        D(2015, 10, 12), D(2015, 10, 13), D(2015, 10, 14), D(2015, 10, 15), D(2015, 10, 16),
        D(2015, 10, 19), D(2015, 10, 20), D(2015, 10, 21), D(2015, 10, 22), D(2015, 10, 23),
    ]


def test_add_workdays_small_steps_and_zero(cal, no_fallback):
    assert cal.add_workdays(D(2015, 9, 30), 1) == D(2015, 10, 8)  # jumps the holiday
    assert cal.add_workdays(D(2015, 10, 9), 1) == D(2015, 10, 10)  # make-up Saturday counts
    assert cal.add_workdays(D(2015, 10, 10), 1) == D(2015, 10, 12)
    assert cal.add_workdays(D(2015, 9, 28), 0) == D(2015, 9, 28)  # workday: itself
    assert cal.add_workdays(D(2015, 10, 3), 0) == D(2015, 10, 8)  # holiday: next workday
    assert cal.add_workdays(D(2015, 10, 3), 1) == D(2015, 10, 8)
    with pytest.raises(ValueError):
        cal.add_workdays(D(2015, 9, 28), -1)


def test_add_workdays_crosses_year_boundary(cal, no_fallback):
    # 2015-12-31 Thu; 2016-01-01 元旦 off, 01-02/03 weekend.
    assert cal.add_workdays(D(2015, 12, 30), 2) == D(2016, 1, 4)
    assert cal.workdays_between(D(2015, 12, 30), D(2016, 1, 4)) == 2


def test_next_workday(cal, no_fallback):
    assert cal.next_workday(D(2015, 9, 30)) == D(2015, 10, 8)
    assert cal.next_workday(D(2015, 9, 29)) == D(2015, 9, 30)  # strictly after
    assert cal.next_workday(D(2015, 9, 29), include_self=True) == D(2015, 9, 29)
    assert cal.next_workday(D(2015, 10, 1), include_self=True) == D(2015, 10, 8)


def test_rejects_datetime(cal):
    from datetime import datetime

    with pytest.raises(TypeError):
        cal.is_workday(datetime(2015, 10, 1, 9, 0))


# ------------------------------------------------------------ workdays_between


def test_workdays_between_across_national_day(cal, no_fallback):
    assert cal.workdays_between(D(2015, 9, 30), D(2015, 10, 8)) == 1
    assert cal.workdays_between(D(2015, 9, 30), D(2015, 10, 7)) == 0
    assert cal.workdays_between(D(2015, 9, 28), D(2015, 10, 23)) == 15
    assert cal.workdays_between(D(2015, 10, 23), D(2015, 9, 28)) == -15  # overdue count
    assert cal.workdays_between(D(2015, 10, 5), D(2015, 10, 5)) == 0
    # (09-25, 10-12]: 09-28, 09-29, 09-30, 10-08, 10-09, 10-10, 10-12
    assert cal.workdays_between(D(2015, 9, 25), D(2015, 10, 12)) == 7


def test_between_is_inverse_of_add(cal, no_fallback):
    start = D(2015, 9, 20)
    for n in range(1, 60):
        assert cal.workdays_between(start, cal.add_workdays(start, n)) == n


# ------------------------------------------------------------ light()


def test_light_boundaries_across_holiday(cal, no_fallback):
    due = D(2015, 10, 8)
    # 09-29 → 2 working days left (09-30, 10-08): above yellow_days=1
    assert cal.light(D(2015, 9, 29), due, 1) == "green"
    # 09-30 → 1 working day left although 8 calendar days remain
    assert cal.light(D(2015, 9, 30), due, 1) == "yellow"
    assert cal.light(D(2015, 10, 5), due, 1) == "yellow"
    assert cal.light(due, due, 1) == "yellow"  # due today
    assert cal.light(due, due, 0) == "yellow"
    assert cal.light(D(2015, 10, 7), due, 0) == "green"  # 1 left > 0
    assert cal.light(D(2015, 10, 9), due, 1) == "red"  # past due
    assert cal.light(D(2015, 10, 9), due, 100) == "red"


def test_light_labels(cal, no_fallback):
    assert LIGHT_LABELS == {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
    assert light_label("red") == "红灯"
    assert cal.light_label(D(2015, 9, 29), D(2015, 10, 8), 1) == "绿灯"
    assert cal.light_label(D(2015, 9, 30), D(2015, 10, 8), 1) == "黄灯"
    assert cal.light_label(D(2015, 10, 9), D(2015, 10, 8), 1) == "红灯"


# ------------------------------------------------------------ pause / 挂起


def test_pause_across_holiday_shifts_by_working_days(cal, no_fallback):
    deadline = D(2015, 10, 23)
    # paused 09-30, resumed 10-09: working days elapsed in (09-30, 10-09] = 10-08, 10-09
    new = cal.shift_by_paused(deadline, D(2015, 9, 30), D(2015, 10, 9))
    assert new == D(2015, 10, 27)  # 10-23 + 2 working days (10-26, 10-27)
    # days left are frozen over the pause: 13 at pause time, 13 on resumption
    assert cal.workdays_between(D(2015, 9, 30), deadline) == 13
    assert cal.workdays_between(D(2015, 10, 9), new) == 13


def test_pause_inside_holiday_does_not_move_deadline(cal, no_fallback):
    deadline = D(2015, 10, 23)
    assert cal.shift_by_paused(deadline, D(2015, 10, 1), D(2015, 10, 7)) == deadline
    assert cal.shift_by_paused(deadline, D(2015, 10, 9), D(2015, 10, 9)) == deadline
    with pytest.raises(ValueError):
        cal.shift_by_paused(deadline, D(2015, 10, 9), D(2015, 10, 8))


# ------------------------------------------------------------ fallback years


def test_far_future_year_falls_back_to_weekends_with_warning():
    cal = WorkCalendar()
    assert cal.is_covered(2099) is False
    with pytest.warns(CalendarFallbackWarning, match="2099年") as rec:
        assert cal.is_workday(D(2099, 1, 1)) is True  # Thursday, no 元旦 without a file
    assert len(rec) == 1
    # once per year per calendar: further use of 2099 is silent
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        assert cal.is_workday(D(2099, 1, 3)) is False  # Saturday
        assert cal.is_workday(D(2099, 1, 4)) is False  # Sunday
        assert cal.add_workdays(D(2099, 1, 2), 1) == D(2099, 1, 5)
    assert [w for w in again if issubclass(w.category, CalendarFallbackWarning)] == []
    # a new calendar warns again
    with pytest.warns(CalendarFallbackWarning):
        WorkCalendar().is_workday(D(2099, 6, 1))


def test_far_future_year_respects_holidays_file(tmp_path):
    write(
        tmp_path,
        "2099.yaml",
        "# 2099 元旦 (illustrative)\n"
        "holidays:\n"
        "  - 2099-01-01\n"
        "  - 2099-01-02\n"
        "workdays: [2099-01-04]  # Sunday make-up day\n",
    )
    cal = WorkCalendar.from_dir(tmp_path)
    with pytest.warns(CalendarFallbackWarning, match="3 条设置"):
        assert cal.is_workday(D(2099, 1, 1)) is False
    assert cal.is_workday(D(2099, 1, 2)) is False
    assert cal.is_workday(D(2099, 1, 4)) is True
    assert cal.is_workday(D(2099, 1, 5)) is True
    # after 01-01: 01-02 off, 01-03 Sat, 01-04 (Sun, make-up) = 1, 01-05 = 2
    assert cal.add_workdays(D(2099, 1, 1), 2) == D(2099, 1, 5)


def test_crossing_into_uncovered_year_warns(cal):
    last = max(y for y in range(2004, 2200) if wc.is_covered_year(y))
    with pytest.warns(CalendarFallbackWarning, match=f"{last + 1}年"):
        cal.add_workdays(D(last, 12, 20), 30)


# ------------------------------------------------------------ overrides


def test_override_file_turns_official_holiday_into_workday(tmp_path, no_fallback):
    p = write(tmp_path, "2015.yaml", "workdays:\n  - 2015-10-07\nholidays:\n  - 2015-10-12\n")
    cal = WorkCalendar.from_files([p])
    assert cal.is_workday(D(2015, 10, 7)) is True  # chinese_calendar says holiday
    assert cal.is_workday(D(2015, 10, 12)) is False  # chinese_calendar says workday
    # counted: 09-29, 09-30, 10-07, 10-08, 10-09, 10-10, 10-13 … 10-16, 10-19 … 10-23
    assert cal.add_workdays(D(2015, 9, 28), 15) == D(2015, 10, 23)
    assert cal.add_workdays(D(2015, 9, 28), 3) == D(2015, 10, 7)
    assert WorkCalendar().add_workdays(D(2015, 9, 28), 3) == D(2015, 10, 8)


def test_constructor_overrides_take_precedence(no_fallback):
    cal = WorkCalendar({D(2015, 10, 1): True, D(2015, 10, 10): False})
    assert cal.is_workday(D(2015, 10, 1)) is True
    assert cal.is_workday(D(2015, 10, 10)) is False
    assert cal.workdays_between(D(2015, 9, 30), D(2015, 10, 12)) == 4  # 10-01, 10-08, 10-09, 10-12


def test_example_file_parses_and_matches_builtin_calendar(tmp_path, no_fallback):
    cal = WorkCalendar.from_files([EXAMPLE])
    assert cal.overrides  # it really contains entries
    base = WorkCalendar()
    for day in cal.overrides:
        assert cal.is_workday(day) == base.is_workday(day), day
    # the shipped directory holds only README.md and *.example: nothing is loaded
    assert WorkCalendar.from_dir(EXAMPLE.parent).overrides == {}


def test_from_dir_missing(tmp_path):
    with pytest.raises(BadInput, match="不存在"):
        WorkCalendar.from_dir(tmp_path / "nope")
    assert WorkCalendar.from_dir(tmp_path / "nope", missing_ok=True).overrides == {}


# ------------------------------------------------------------ malformed files


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("holidays:\n  - 2027-01-01\n  - 2027-02-30\n", 3, "不是有效日期"),
        ("holidays:\n  - 2027-01-01\n  - 1月2日\n", 3, "YYYY-MM-DD"),
        ("holidays:\n  - 2027-01-01\nholiday:\n  - 2027-01-02\n", 3, "未知的键"),
        ("holidays: 2027-01-01\n", 1, "日期列表"),
        ("holidays: [2027-01-01\nworkdays: [2027-02-07]\n", 2, "YAML 格式错误"),
        ("holidays: [2027-02-07]\nworkdays:\n  - 2027-02-07\n", 3, "同时出现"),
        ("- 2027-01-01\n", 1, "顶层"),
    ],
)
def test_malformed_file_raises_bad_input(tmp_path, text, line, fragment):
    p = write(tmp_path, "2027.yaml", text)
    with pytest.raises(BadInput) as exc:
        WorkCalendar.from_files([p])
    msg = exc.value.message
    assert str(p) in msg
    assert fragment in msg
    assert f"第{line}行" in msg
    assert exc.value.exit_code == 2


def test_conflicting_files_raise_bad_input(tmp_path):
    a = write(tmp_path, "a.yaml", "holidays: [2027-02-07]\n")
    b = write(tmp_path, "b.yaml", "\nworkdays: [2027-02-07]\n")
    with pytest.raises(BadInput, match="矛盾") as exc:
        WorkCalendar.from_dir(tmp_path)
    assert "a.yaml" in exc.value.message and "b.yaml" in exc.value.message
    assert "第2行" in exc.value.message


def test_non_utf8_file_raises_bad_input(tmp_path):
    p = tmp_path / "2027.yaml"
    p.write_bytes("holidays:\n  - 2027-01-01  # 元旦\n".encode("gbk"))
    with pytest.raises(BadInput, match="UTF-8"):
        WorkCalendar.from_files([p])


def test_empty_and_bom_files_are_accepted(tmp_path):
    e = write(tmp_path, "empty.yaml", "# nothing yet\n")
    b = tmp_path / "bom.yaml"
    b.write_bytes("\ufeffholidays: [2099-01-01]\nworkdays:\n".encode("utf-8"))
    cal = WorkCalendar.from_files([e, b])
    assert cal.overrides == {D(2099, 1, 1): False}


# ------------------------------------------------------------ caching


def test_chinese_calendar_consulted_once_per_day_per_year(monkeypatch, no_fallback):
    calls = 0
    real = wc._cc.is_workday

    def counting(d):
        nonlocal calls
        calls += 1
        return real(d)

    monkeypatch.setattr(wc._cc, "is_workday", counting)
    cal = WorkCalendar()
    for _ in range(2000):
        cal.add_workdays(D(2015, 9, 28), 15)
        cal.workdays_between(D(2015, 1, 5), D(2015, 12, 20))
        cal.light(D(2015, 9, 30), D(2015, 10, 8), 3)
    assert calls <= 365
