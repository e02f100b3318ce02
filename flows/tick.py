"""campaign-tick: the daily tick (08:00 Asia/Shanghai) that runs whatever duty falls due.

The tick reads each day's phase and duties from the database and catches up on
missed days in order; every duty is done exactly once (``DutyRun``), so a retry or
a second run of the same day changes nothing. Items the sweep turned red are
announced as ``duban.item.red`` events, which trigger the ``escalate`` deployment;
every other 督办单 still owed (a lost event, a crash, a manual sweep, a failed render)
is issued by the tick itself.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task

from flows.common import (
    AUTOMATION_LOGIN,
    business_today,
    resolve_db_url,
    retry_transient,
    unit_of_work_factory,
)
from flows.events import emit_red_events

OWED_SHEET_WORKERS = 2


# Retrying is safe: finished duties are skipped on retry
@task(name="run-tick", retries=2, retry_delay_seconds=30, retry_condition_fn=retry_transient)
def run_tick_task(db_url: str, campaign: str | None, through: dt.date) -> dict:
    from duban.services.tick import run_tick

    logger = get_run_logger()

    def progress(done: int, total: int, day: dt.date) -> None:
        logger.info("已处理 %s（%d/%d）", day.isoformat(), done, total)

    return run_tick(unit_of_work_factory(db_url), AUTOMATION_LOGIN, campaign=campaign, through=through,
                    progress=progress)


# Retrying is safe: one sheet per escalation
@task(name="issue-owed-supervision-sheets", retries=2, retry_delay_seconds=10, retry_condition_fn=retry_transient)
def owed_sheets_task(db_url: str, campaign: str, new_red: list[str]) -> dict:
    from duban.services.tick import issue_supervision_sheets

    # Two render processes: one at a time would render each sheet inside its transaction (the
    # single-document path), a day's new 催办单 one after another.
    return issue_supervision_sheets(unit_of_work_factory(db_url), AUTOMATION_LOGIN, campaign=campaign, exclude=new_red,
                                    workers=OWED_SHEET_WORKERS)


@flow(name="campaign-tick", log_prints=True)
def campaign_tick(db_url: str | None = None, campaign: str | None = None, through: dt.date | None = None) -> dict:
    """Run every due duty for each unprocessed day up to ``through``.

    Args:
        db_url: database URL; default DUBAN_DB
        campaign: campaign code, e.g. MS2015; default the only campaign
        through: last business date to process (YYYY-MM-DD); default today in Asia/Shanghai
    """
    through = through or business_today()
    db_url = resolve_db_url(db_url)
    result = run_tick_task(db_url, campaign, through)
    events = emit_red_events(result["campaign"], result["new_red"], through.isoformat())
    sheets = owed_sheets_task(db_url, result["campaign"], result["new_red"])  # the new reds' are escalate's
    print(f"{result['campaign']}：处理 {result['days_processed']} 天，完成职责 {result['duties_done']}，"
          f"新增红灯 {len(result['new_red'])} 项")
    if sheets["status"] != "done":
        print(sheets["message"])
    elif sheets["issued"] or sheets["failed"]:
        print(f"补发督办单 {len(sheets['issued'])} 份" + (f"，{len(sheets['failed'])} 份未能制发" if sheets["failed"] else ""))
    return {key: result[key] for key in ("campaign", "through", "days_processed", "duties_done", "new_red")} | {
        "days": [{k: day[k] for k in ("date", "phase", "workday", "duties")} for day in result["days"]],
        "events": events,
        "supervision_sheets": sheets,
    }


if __name__ == "__main__":
    campaign_tick()
