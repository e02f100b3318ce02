"""weekly-ledger: the 整改落实台账 as XLSX (and PDF) plus Prefect artifacts.

Artifacts: a markdown summary table per unit and links to the files; keys are
lowercase with dashes (``weekly-ledger-lzj2015``), so each week's run adds a new
version of the same artifacts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact

from flows.common import (
    AUTOMATION_LOGIN,
    artifact_key,
    business_today,
    resolve_db_url,
    retry_transient,
    unit_of_work_factory,
)

HEADERS = ("单位", "问题数", "未完成", "红灯", "黄灯", "已销号", "回头看通过")


# Retrying is safe: same paths, atomic replace
@task(name="publish-ledger", retries=1, retry_delay_seconds=10, retry_condition_fn=retry_transient)
def publish_task(db_url: str, campaign: str | None, day: dt.date) -> dict:
    from duban.services.tick import publish_ledger

    return publish_ledger(unit_of_work_factory(db_url), AUTOMATION_LOGIN, campaign=campaign, day=day)


def summary_markdown(result: dict) -> str:
    lines = [f"# {result['title']}", "", f"统计截止：{result['date']}，共 {result['rows']} 项", "",
             "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for unit in result["units"]:
        cells = [unit["unit"], *(str(unit[k]) for k in ("items", "open", "red", "yellow", "verified", "rechecked"))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "文件：", f"- XLSX：[{Path(result['xlsx']).name}]({Path(result['xlsx']).as_uri()})"]
    if result["pdf"]:
        lines.append(f"- PDF：[{Path(result['pdf']).name}]({Path(result['pdf']).as_uri()})")
    else:
        lines.append(f"- PDF：{result['pdf_note']}")
    return "\n".join(lines)


@flow(name="weekly-ledger", log_prints=True)
def weekly_ledger(db_url: str | None = None, campaign: str | None = None, day: dt.date | None = None) -> dict:
    """Publish the 台账: XLSX (and PDF) files plus Prefect artifacts.

    Args:
        db_url: database URL; default DUBAN_DB
        campaign: campaign code; default the only campaign
        day: ledger date; default today in Asia/Shanghai
    """
    result = publish_task(resolve_db_url(db_url), campaign, day or business_today())
    key = artifact_key("weekly-ledger", result["campaign"])
    create_markdown_artifact(key=key, markdown=summary_markdown(result),
                             description=f"{result['title']}（{result['date']}）")
    create_link_artifact(key=artifact_key(key, "xlsx"), link=Path(result["xlsx"]).as_uri(),
                         link_text=Path(result["xlsx"]).name, description="整改落实台账 XLSX")
    if result["pdf"]:
        create_link_artifact(key=artifact_key(key, "pdf"), link=Path(result["pdf"]).as_uri(),
                             link_text=Path(result["pdf"]).name, description="整改落实台账 PDF")
    print(f"台账已发布：{result['xlsx']}" + (f"，{result['pdf']}" if result["pdf"] else ""))
    return {**result, "artifact_key": key}
