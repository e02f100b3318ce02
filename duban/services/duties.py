"""What each plan duty does, and on which days: the one registry the daily tick reads.

A plan's duty ``code`` names what the software does during the phase (campaigns/README.md).
Every code of ``duban.plan.phases.DutyCode`` has exactly one entry here (a test checks
it), so a plan cannot name a duty the software does not perform.

Adding or changing a duty is one decorated function::

    @duty("study", order=10, due=weekly)
    def _study(uow, campaign, who, phase, day) -> dict:
        ...                      # runs in one transaction with the day's DutyRun
        return {"sent": 3}       # stored as the DutyRun's result

A duty whose work commits in batches of its own (the sweep) registers a ``runner``
instead, ``runner(start_uow, login, campaign_code, day, options) -> dict``, and must
be idempotent itself; the tick writes its DutyRun when it returns.

``every_phase=True`` runs a duty in every phase once the plan names it in one (the
sweep: deadlines fall in every phase, and pressure starts with the first of them).
``due(campaign, phase, duty, day)`` is asked only for working days inside the phase
(nobody is in the office on days off, and deadlines count working days); ``order``
fixes the order in which one day's duties run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from duban.services.common import work_calendar
from storage.models import Campaign, Phase

Schedule = Callable[[Campaign, Phase, dict, dt.date], bool]


@dataclass(frozen=True)
class DutySpec:
    code: str
    order: int
    due: Schedule
    effect: Callable | None = None  # (uow, campaign, who, phase, day) -> dict, in the tick's transaction
    runner: Callable | None = None  # (start_uow, login, campaign_code, day, options) -> dict
    every_phase: bool = False  # once the plan names the duty in any phase, it runs in all of them


REGISTRY: dict[str, DutySpec] = {}


def duty(code: str, *, order: int, due: Schedule | None = None, runner: bool = False, every_phase: bool = False):
    """Register what the tick does for ``code``; see the module docstring."""
    def register(function):
        REGISTRY[code] = DutySpec(code, order, due or every_workday, effect=None if runner else function,
                                  runner=function if runner else None, every_phase=every_phase)
        return function
    return register


def plan_duty(phase: Phase | None, code: str) -> dict | None:
    if phase is None:
        return None
    return next((d for d in phase.duties if d.get("code") == code), None)


# --- schedules ----------------------------------------------------------------------


def every_workday(campaign: Campaign, phase: Phase, duty: dict, day: dt.date) -> bool:
    return True


def phase_workdays(phase: Phase) -> list[dt.date]:
    return work_calendar().workdays_in(phase.start_date - dt.timedelta(days=1), phase.end_date)


def weekly(campaign: Campaign, phase: Phase, duty: dict, day: dt.date) -> bool:
    """The phase's first working day of each ISO week."""
    week = day.isocalendar()[:2]
    return not any(d < day and d.isocalendar()[:2] == week for d in phase_workdays(phase))


def last_workday_until(day: dt.date, limit: dt.date) -> bool:
    """``day`` is a working day and no working day follows it up to ``limit``."""
    calendar = work_calendar()
    return calendar.is_workday(day) and calendar.next_workday(day) > limit


def month_end(campaign: Campaign, phase: Phase, duty: dict, day: dt.date) -> bool:
    """The last working day of each month, or of the phase if it ends first."""
    first_next = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return last_workday_until(day, min(first_next - dt.timedelta(days=1), phase.end_date))


def week_end(campaign: Campaign, phase: Phase, duty: dict, day: dt.date) -> bool:
    """The last working day of each ISO week, or of the phase if it ends first."""
    return last_workday_until(day, min(day + dt.timedelta(days=6 - day.weekday()), phase.end_date))


# --- which duties fall due ------------------------------------------------------------


def phase_on(campaign: Campaign, day: dt.date) -> Phase | None:
    return next((p for p in campaign.phases if p.start_date <= day <= p.end_date), None)


def duties_due(campaign: Campaign, day: dt.date) -> tuple[Phase | None, list[str]]:
    """The day's phase and the duties due on it, in the order they run.

    ``phase_open`` on a phase's first day and ``phase_close`` on its last are the tick's own;
    every other entry is a plan duty of the day's phase whose schedule says today.
    """
    _load_duty_modules()
    phase = phase_on(campaign, day)
    if phase is None:
        return None, []
    due = ["phase_open"] if day == phase.start_date else []
    if work_calendar().is_workday(day):
        for spec in sorted(REGISTRY.values(), key=lambda s: s.order):
            found = plan_duty(phase, spec.code)
            if found is None and spec.every_phase:
                found = next((d for p in campaign.phases if (d := plan_duty(p, spec.code))), None)
            if found is not None and spec.due(campaign, phase, found, day):
                due.append(spec.code)
    if day == phase.end_date:
        due.append("phase_close")
    return phase, due


DUTY_MODULES = ("duban.services.tick", "duban.services.duty_reminders")


def _load_duty_modules() -> None:
    """Import the modules that register duties (they register on import)."""
    import importlib

    for module in DUTY_MODULES:
        importlib.import_module(module)
