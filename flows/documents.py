"""render-documents: issue, in batches, every 督办单 the automation owes.

The fast path is the ``escalate`` deployment, one run per ``duban.item.red``
event; this batch flow is the safety net (a lost event, a crashed run, document
services installed after the sweep) and the bulk path for a catch-up.
"""

from __future__ import annotations

from prefect import flow, task

from flows.common import AUTOMATION_LOGIN, resolve_db_url, retry_transient, unit_of_work_factory


# Retrying is safe: unique per escalation
@task(name="issue-supervision-sheets", retries=2, retry_delay_seconds=10, retry_condition_fn=retry_transient)
def issue_batch_task(db_url: str, campaign: str | None, batch_size: int, workers: int, shard: int = 0,
                     shards: int = 1) -> dict:
    from duban.services.tick import issue_supervision_sheets

    return issue_supervision_sheets(unit_of_work_factory(db_url), AUTOMATION_LOGIN, campaign=campaign,
                                    limit=batch_size, workers=workers, shard=shard, shards=shards)


@flow(name="render-documents", log_prints=True)
def render_documents(db_url: str | None = None, campaign: str | None = None, batch_size: int = 200,
                     max_batches: int = 50, workers: int = 2, shard: int = 0, shards: int = 1) -> dict:
    """Issue missing 督办单, a batch per task, until none is left.

    Args:
        db_url: database URL; default DUBAN_DB
        campaign: campaign code; default the only campaign
        batch_size: documents per task
        max_batches: stop after this many tasks
        workers: render processes per task (≈170–335 MB each)
        shard: this run's share of the owed sheets, 0 … shards - 1 (runs on several workers
            share a catch-up: each takes the escalations whose id leaves that remainder)
        shards: how many runs share the sheets
    """
    db_url = resolve_db_url(db_url)
    issued: list[dict] = []
    failed: list[dict] = []
    rendered_again = 0  # drafts whose number another issuer took meanwhile, rendered again under the lock
    for _ in range(max_batches):
        result = issue_batch_task(db_url, campaign, batch_size, workers, shard, shards)
        if result["status"] != "done":
            print(result["message"])
            return {**result, "issued": issued}
        issued += result["issued"]
        failed += result["failed"]
        rendered_again += result.get("rendered_under_lock", 0)
        if result["pending"] < batch_size or not result["issued"]:
            break  # nothing left, or nothing more can be issued now
    print(f"已制发催办单、督办单 {len(issued)} 份" + (f"，{len(failed)} 份未能制发" if failed else "")
          + (f"（{rendered_again} 份因编号已被占用而重新生成）" if rendered_again else ""))
    return {"status": "done", "issued": issued, "failed": failed, "rendered_under_lock": rendered_again}
