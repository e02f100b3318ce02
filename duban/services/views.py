"""Plain-dict views of records for the CLI (--json), flows and documents."""

from __future__ import annotations

from sqlalchemy.orm import joinedload, selectinload

from duban.services.reporter_protection import description_for
from statemachines.item import ITEM
from storage.models import Event, ProblemItem

# Everything item_view reads, loaded with the item: one joined SELECT plus one for the
# evidence, instead of a lazy SELECT per relation.
_ITEM_VIEW_RELATIONS = (
    joinedload(ProblemItem.campaign), joinedload(ProblemItem.category), joinedload(ProblemItem.unit),
    joinedload(ProblemItem.owner), joinedload(ProblemItem.reporter), joinedload(ProblemItem.verified_by),
    joinedload(ProblemItem.rechecked_by),
)
ITEM_VIEW_LOADS = (*_ITEM_VIEW_RELATIONS, selectinload(ProblemItem.attachments))
# The same in one SELECT, the evidence joined too (an item has a few files): what a change of one
# item reads (its campaign names its chain, its evidence counts for the rules) and answers with.
ITEM_CHANGE_LOADS = (*_ITEM_VIEW_RELATIONS, joinedload(ProblemItem.attachments))


def _iso(d):
    return d.isoformat() if d else None


def item_view(item: ProblemItem, light: str | None = None, *, reveal: bool = False) -> dict:
    """``reveal``: the viewer may read what a reporter supplied (the office); otherwise a
    reported item's description is withheld (see reporter_protection)."""
    description = description_for(item, reveal=reveal)
    return {
        "no": item.no,
        "kind": item.kind,
        "deliverable": item.deliverable,
        "adopted_doc": item.adopted_doc,
        "publishable": item.publishable,
        "title": item.title,
        "description": description,
        "description_withheld": description is None,
        "category": item.category.name if item.category else None,
        "source": item.source,
        "origin": item.origin,
        "unit": item.unit.name,
        "unit_code": item.unit.code,
        "owner": item.owner.name if item.owner else None,
        "owner_login": item.owner.login if item.owner else None,
        "reporter": item.reporter.login if item.reporter else None,
        "state": item.state,
        "state_label": ITEM.label(item.state),
        "light": light,
        "version": item.version,
        "original_due": _iso(item.original_due),
        "due": _iso(item.due),
        "paused_since": _iso(item.paused_since),
        "identified_on": _iso(item.identified_on),
        "assigned_on": _iso(item.assigned_on),
        "submitted_on": _iso(item.submitted_on),
        "verified_on": _iso(item.verified_on),
        "verified_by": item.verified_by.name if item.verified_by else None,
        "rechecked_on": _iso(item.rechecked_on),
        "rechecked_by": item.rechecked_by.name if item.rechecked_by else None,
        "relapse_count": item.relapse_count,
        "reject_count": item.reject_count,
        "closed_reason": item.closed_reason,
        "evidence": [
            {"filename": a.filename, "sha256": a.sha256, "size": a.size} for a in item.attachments
        ],
    }


def event_view(ev: Event) -> dict:
    return {
        "id": ev.id,
        "seq": ev.seq,
        "at": ev.at.isoformat(timespec="seconds") + "Z",
        "date": ev.business_date.isoformat(),
        "actor": ev.actor,
        "trigger": ev.trigger,
        "from": ev.from_state,
        "to": ev.to_state,
        "note": ev.note,
        "payload": ev.payload,
    }
