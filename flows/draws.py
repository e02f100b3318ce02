"""spot-check-draw and recheck-draw: verifiable random draws for today (or ``day``).

The daily tick already draws on the unannounced days the plan calls for; these
deployments let the office draw on demand. A second draw of the same kind on the
same day returns the first one, so retries are safe.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, task

from flows.common import AUTOMATION_LOGIN, business_today, resolve_db_url, retry_transient
from storage.uow import UnitOfWork


# Retrying is safe: one draw per campaign, kind and day
@task(name="draw", retries=2, retry_delay_seconds=10, retry_condition_fn=retry_transient)
def draw_task(db_url: str, campaign: str | None, kind: str, day: dt.date, sample_size: int | None) -> dict:
    from duban.services.draws import draw

    with UnitOfWork(db_url) as uow:
        return draw(uow, AUTOMATION_LOGIN, kind=kind, campaign=campaign, today=day, sample_size=sample_size)


def _report(result: dict) -> None:
    if result.get("selection"):
        print(f"{result['kind_label']} {result['date']}：抽中 {'、'.join(result['selection'])}"
              f"（种子 {result['seed'][:16]}…，{'新抽取' if result['created'] else '当日已抽取'}）")
    else:
        print(f"{result['kind_label']} {result['date']}：{result.get('message', '未抽中任何对象')}")


@flow(name="spot-check-draw", log_prints=True)
def spot_check_draw(db_url: str | None = None, campaign: str | None = None, kind: str = "spot_check",
                    day: dt.date | None = None, sample_size: int | None = None) -> dict:
    """随机暗访抽查 or 作风纪律检查 of org units; a second run the same day returns the first draw.

    Args:
        db_url: database URL; default DUBAN_DB
        campaign: campaign code; default the only campaign
        kind: spot_check (随机暗访抽查) or discipline_check (作风纪律检查)
        day: draw date; default today in Asia/Shanghai
        sample_size: units to draw; default from the plan
    """
    result = draw_task(resolve_db_url(db_url), campaign, kind, day or business_today(), sample_size)
    _report(result)
    return result


@flow(name="recheck-draw", log_prints=True)
def recheck_draw(db_url: str | None = None, campaign: str | None = None, day: dt.date | None = None) -> dict:
    """回头看: draw rules.recheck.sample_ratio of the verified items old enough and not drawn before.

    Args:
        db_url: database URL; default DUBAN_DB
        campaign: campaign code; default the only campaign
        day: draw date; default today in Asia/Shanghai
    """
    result = draw_task(resolve_db_url(db_url), campaign, "recheck", day or business_today(), None)
    _report(result)
    return result
