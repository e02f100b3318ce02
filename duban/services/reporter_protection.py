"""Reporter protection: which text a reporter supplied, and who may read it.

A reporter is never exposed (guide): nothing a reporter supplied may reach a document,
export, log or another role's view. An item registered from one of the plan's reporting
channels (the sources of its ``reports`` duties, e.g. 举报电话、举报信箱) carries a
description that may quote the report; that text is kept for the office and never
printed. Titles are written by the office when it registers or triages the item.
"""

from __future__ import annotations

from duban import permissions


def reporting_sources(plan: dict) -> set[str]:
    """Codes and names of the plan's reporting channels (sources of its ``reports`` duties)."""
    codes = {code for phase in plan.get("phases", []) for duty in phase.get("duties", [])
             if duty.get("code") == "reports" for code in duty.get("sources", [])}
    return codes | {s["name"] for s in plan.get("sources", []) if s.get("code") in codes}


def reporter_supplied(item) -> bool:
    """True when the item's description may hold a reporter's words."""
    return item.source in reporting_sources(item.campaign.plan)


def may_read_reports(person) -> bool:
    return permissions.allowed(person, "report.read")


def description_for(item, *, reveal: bool) -> str | None:
    """The description a viewer may see: withheld (None) for a reported item unless revealed."""
    if reporter_supplied(item) and not reveal:
        return None
    return item.description
