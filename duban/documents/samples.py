"""Sample contexts: one realistic context per document kind, for tests, `duban doctor` and the bench.

    from duban.documents import sample_context
    context = sample_context("rectification_notice")

The wording is data: ``templates/wording/samples.yaml`` (a fictional bureau's campaign); here only
what is computed from it (the 台账's items) and what other wording templates already say.
"""

from __future__ import annotations

import copy
import datetime as dt
from functools import lru_cache

import yaml

from duban.documents.kinds import get_kind
from duban.wording import templates_dir

LEDGER_ITEMS = 30


@lru_cache(maxsize=1)
def _samples() -> dict:
    return yaml.safe_load((templates_dir() / "wording" / "samples.yaml").read_text(encoding="utf-8"))


def _ledger_items(lists: dict) -> list[dict]:
    """Thirty items cycling through the sample lists: dates a month apart, a few extended or relapsed."""
    items = []
    for n in range(1, LEDGER_ITEMS + 1):
        state = lists["states"][n % len(lists["states"])]
        assigned = dt.date(2015, 10, 1 + n % 12)
        original_due = assigned + dt.timedelta(days=21)
        due = original_due + (dt.timedelta(days=10) if n % 5 == 0 else dt.timedelta())
        items.append({
            "no": f"{lists['number_prefix']}{n:03d}",
            "problem": lists["problems"][n % len(lists["problems"])],
            "category": lists["categories"][n % len(lists["categories"])],
            "unit": lists["units"][n % len(lists["units"])],
            "owner": lists["owners"][n % len(lists["owners"])],
            "source": lists["sources"][n % len(lists["sources"])],
            "original_due": original_due,
            "due": due,
            "state": state["state"],
            "light": state["light"],
            "assigned_on": assigned,
            "submitted_on": assigned + dt.timedelta(days=12) if state["submitted"] else None,
            "closed_on": assigned + dt.timedelta(days=18) if state["closed"] else None,
            "verifier": lists["verifier"] if state["closed"] else "",
            "recurrences": 1 if n % 9 == 0 else 0,
        })
    return items


def sample_context(kind: str) -> dict:
    """Realistic demo context for `kind` (used by tests, `duban doctor` and the bench)."""
    from duban.wording import wording  # the package stays cheap to import

    get_kind(kind)
    samples = _samples()
    context = copy.deepcopy(samples["kinds"][kind])
    if kind == "ledger":
        context["items"] = _ledger_items(samples["ledger_items"])
    if kind == "admonition_notice":
        context["attachments"] = wording("cases").lines("admonition_attachments")
    context.setdefault("date", samples["date"])
    return context
