"""What every flow shares: the database, the acting login and the business date.

Flows are thin: each task calls a service function over a whole batch. Their
exactly-once guarantees come from the application database (DutyRun, Draw and
Escalation unique keys, insert-if-absent), so retrying a task is safe.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from duban import clock, config
from storage.uow import UnitOfWork

AUTOMATION_LOGIN = "system"  # duban.permissions: the campaign's own automation
TIMEZONE = "Asia/Shanghai"


def resolve_db_url(db_url: str | None) -> str:
    """The flow's ``db_url`` parameter, else DUBAN_DB, else the default SQLite file."""
    return db_url or config.default_db_url()


def unit_of_work_factory(db_url: str) -> Callable[[], UnitOfWork]:
    return lambda: UnitOfWork(db_url)


def business_today() -> dt.date:
    """Today in Asia/Shanghai (DUBAN_TODAY overrides, as everywhere in duban)."""
    return clock.today(TIMEZONE)


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys must be lowercase letters, digits and dashes."""
    text = "-".join(parts).lower()
    return "".join(c if c.isascii() and c.isalnum() else "-" for c in text).strip("-")


def retry_transient(task, task_run, state) -> bool:
    """Prefect retry condition: retry lost races and database hiccups, never a refusal or
    bad input (a PermissionDenied or an unknown campaign fails the same way again)."""
    from duban.errors import ConcurrentModification, DubanError

    error = state.result(raise_on_failure=False)
    return isinstance(error, ConcurrentModification) or not isinstance(error, DubanError)
