"""campaign-tick: the daily tick (08:00 Asia/Shanghai) that runs whatever duty falls due.

The tick reads each day's phase and duties from the database and catches up on
missed days in order; every duty is done exactly once (``DutyRun``), so a retry or
a second run of the same day changes nothing. Items the sweep turned red are
announced as ``duban.item.red`` events, which trigger the ``escalate`` deployment;
every other 督办单 still owed (a lost event, a crash, a manual sweep, a failed render)
is issued by the tick itself, or, when there are more than ``sheets_inline`` of them (a
province's day: thousands of new 催办单 at ≈ 0.2 s CPU each), handed to ``sheet_shards``
runs of the ``render-documents`` deployment (one per worker), so the day's duties are not
held up by rendering. The owed sheets are the escalations without a document: handing them
off records nothing, and whichever run issues a sheet first issues it once.
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
SHEETS_INLINE = 200  # more owed sheets than this go to render-documents runs (200 ≈ 20 s on two processes)
RENDER_DOCUMENTS = "render-documents/render-documents"
RENDER_BATCH = 200  # render-documents' batch_size


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


@task(name="count-owed-supervision-sheets", retries=2, retry_delay_seconds=10, retry_condition_fn=retry_transient)
def owed_count_task(db_url: str, campaign: str, new_red: list[str]) -> int:
    from duban.services.tick import pending_supervision_sheets
    from storage.uow import UnitOfWork

    skip = set(new_red)
    with UnitOfWork(db_url) as uow:
        uow.read_only()
        return sum(p[1] not in skip for p in pending_supervision_sheets(uow, uow.campaigns.only_or(campaign)))


@task(name="hand-off-owed-supervision-sheets")
def hand_off_task(db_url: str | None, campaign: str, through: dt.date, owed: int, shards: int) -> dict | None:
    """One render-documents run per shard, not waited for; None when that deployment does not exist."""
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    batches = max(50, -(-owed // (shards * RENDER_BATCH)) + 1)  # enough for its share of every sheet owed now
    params = {"campaign": campaign, "batch_size": RENDER_BATCH, "max_batches": batches, "shards": shards} | (
        {"db_url": db_url} if db_url else {})  # else the worker's DUBAN_DB
    runs = []
    try:
        for shard in range(shards):  # the key: a retried or repeated tick of the day creates no second run
            run = run_deployment(RENDER_DOCUMENTS, parameters=params | {"shard": shard}, timeout=0, as_subflow=False,
                                 idempotency_key=f"{RENDER_DOCUMENTS}:{campaign}:{through}:{shard}/{shards}")
            runs.append(str(run.id))
    except ObjectNotFound:
        if runs:
            raise
        return None
    return {"status": "handed_off", "campaign": campaign, "pending": owed, "runs": runs, "issued": [], "failed": [],
            "message": f"待制发催办单、督办单 {owed} 份，已交由 {shards} 个 render-documents 运行分片制发"}


@flow(name="campaign-tick", log_prints=True)
def campaign_tick(db_url: str | None = None, campaign: str | None = None, through: dt.date | None = None,
                  sheets_inline: int = SHEETS_INLINE, sheet_shards: int = 2) -> dict:
    """Run every due duty for each unprocessed day up to ``through``.

    Args:
        db_url: database URL; default DUBAN_DB
        campaign: campaign code, e.g. MS2015; default the only campaign
        through: last business date to process (YYYY-MM-DD); default today in Asia/Shanghai
        sheets_inline: at most this many owed 催办单/督办单 are issued by the tick itself
        sheet_shards: more are handed to this many render-documents runs (0: the tick issues them all)
    """
    through = through or business_today()
    given_url, db_url = db_url, resolve_db_url(db_url)
    result = run_tick_task(db_url, campaign, through)
    events = emit_red_events(result["campaign"], result["new_red"], through.isoformat())
    sheets = None
    if sheet_shards > 0:
        owed = owed_count_task(db_url, result["campaign"], result["new_red"])
        if owed > sheets_inline:
            sheets = hand_off_task(given_url, result["campaign"], through, owed, sheet_shards)
    if sheets is None:  # few sheets, or no render-documents deployment
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
