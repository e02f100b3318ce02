"""The demo's summary: summary.json (data), summary.md (for people) and summary.pdf (the 总结), written at the end of the
simulated campaign by ``duban.services.campaign_report`` — the same facts and Markdown as
``duban campaign report``. Nothing depends on the wall clock: the same seed, the same summary.json.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from duban.services.campaign_report import collect, headline, markdown, report_pdf, tables  # noqa: F401
from storage.uow import UnitOfWork


def write_summary(db_url: str, out: Path, *, campaign: str, seed: int | None, today: dt.date) -> dict:
    with UnitOfWork(db_url) as uow:
        summary = collect(uow, campaign, seed=seed, today=today)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "summary.md").write_text(markdown(summary), encoding="utf-8")
    with UnitOfWork(db_url) as uow:  # the 总结 as `duban campaign report` prints it
        camp = uow.campaigns.get(campaign)
        report_pdf(uow, "system", camp, summary, out / "summary.pdf", today)
    return summary
