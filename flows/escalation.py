"""sweep-and-escalate and escalate: the overdue sweep, and a 督办单 per newly red item.

``sweep-and-escalate`` runs the batched sweep (idempotent: unique escalation per
item, level and cycle) and emits ``duban.item.red`` per newly red item. Each event
triggers the ``escalate`` deployment, which issues that item's 督办单 (once: the
document is unique per escalation).
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
from flows.events import emit_red_events, item_no


# Retrying is safe: the sweep skips what is already escalated
@task(name="sweep", retries=2, retry_delay_seconds=10, retry_condition_fn=retry_transient)
def sweep_task(db_url: str, campaign: str | None, as_of: dt.date, batch_size: int | None) -> dict:
    from duban.services.escalation import sweep_through

    logger = get_run_logger()
    return sweep_through(unit_of_work_factory(db_url), AUTOMATION_LOGIN, campaign=campaign, as_of=as_of,
                 batch_size=batch_size, progress=lambda done, total: logger.info("逾期巡查 %d/%d", done, total))


@flow(name="sweep-and-escalate", log_prints=True)
def sweep_and_escalate(db_url: str | None = None, campaign: str | None = None, as_of: dt.date | None = None,
                       batch_size: int | None = None) -> dict:
    """逾期巡查, then one ``duban.item.red`` event per newly red item.

    Args:
        db_url: database URL; default DUBAN_DB
        campaign: campaign code; default the only campaign
        as_of: business date of the sweep; default today in Asia/Shanghai
        batch_size: items per transaction; default 2000
    """
    as_of = as_of or business_today()
    result = sweep_task(resolve_db_url(db_url), campaign, as_of, batch_size)
    events = emit_red_events(result["campaign"], result["new_red"], as_of.isoformat())
    print(f"{result['campaign']}：逾期巡查 {result['counts']}，新增红灯 {len(result['new_red'])} 项")
    return {**result, "events": events}


# Retrying is safe: one sheet per escalation
@task(name="issue-supervision-sheet", retries=2, retry_delay_seconds=10, retry_condition_fn=retry_transient)
def issue_sheet_task(db_url: str, campaign: str | None, no: str) -> dict:
    from duban.services.tick import issue_supervision_sheets

    return issue_supervision_sheets(unit_of_work_factory(db_url), AUTOMATION_LOGIN, campaign=campaign, items=[no])


@flow(name="escalate", log_prints=True)
def escalate(item: str, db_url: str | None = None, campaign: str | None = None) -> dict:
    """督办 of one red item: issue its 督办单 (once per escalation).

    Args:
        item: item number, or the event's resource id duban.item.<no>
        db_url: database URL; default DUBAN_DB
        campaign: campaign code; default the item's campaign
    """
    no = item_no(item)
    db_url = resolve_db_url(db_url)
    if campaign is None:
        from storage.uow import UnitOfWork

        with UnitOfWork(db_url) as uow:
            campaign = uow.items.get(no).campaign.code
    result = issue_sheet_task(db_url, campaign, no)
    if result["status"] == "unavailable":
        print(result["message"])
    elif not result["pending"]:
        print(f"{no}：没有待制发的督办单（未督办或已制发）")
    else:
        print(f"{no}：已制发督办单 {[d['doc_number'] for d in result['issued']]}"
              + "".join(f"；未能制发：{failure['error']}" for failure in result["failed"]))
    return {"item": no, **result}


if __name__ == "__main__":
    sweep_and_escalate()
