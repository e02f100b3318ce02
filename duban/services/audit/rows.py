"""The rows as they are, in the shape the replay (``replay.py``) states them: logins, unit codes,
ISO dates, and hashes of free text."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from storage.models import (
    AccountabilityCase,
    Attachment,
    CaseItem,
    Category,
    DeadlineChange,
    Document,
    Escalation,
    OrgUnit,
    ProblemItem,
)


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def _sha(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()


def item_rows(session: Session, logins: dict[int, str]) -> dict[int, tuple[str, dict]]:
    """id -> (number, the reconciled columns as the replay states them)."""
    unit, category = aliased(OrgUnit), aliased(Category)
    query = (select(ProblemItem, unit.code, category.code).join(unit, unit.id == ProblemItem.unit_id)
             .outerjoin(category, category.id == ProblemItem.category_id).order_by(ProblemItem.id))
    rows = {}
    for item, unit_code, category_code in session.execute(query.execution_options(yield_per=2000)):
        rows[item.id] = (item.no, {
            "state": item.state, "version": item.version, "owner": logins.get(item.owner_id),
            "due": _iso(item.due), "original_due": _iso(item.original_due), "paused_since": _iso(item.paused_since),
            "identified_on": _iso(item.identified_on), "assigned_on": _iso(item.assigned_on),
            "submitted_on": _iso(item.submitted_on), "verified_on": _iso(item.verified_on),
            "verified_by": logins.get(item.verified_by_id), "rechecked_on": _iso(item.rechecked_on),
            "rechecked_by": logins.get(item.rechecked_by_id), "relapse_count": item.relapse_count,
            "reject_count": item.reject_count, "escalation_cycle": item.escalation_cycle,
            "closed_reason": item.closed_reason, "reporter": logins.get(item.reporter_id), "title": item.title,
            "unit": unit_code, "category": category_code, "source": item.source, "origin": item.origin,
            "description_sha256": _sha(item.description), "kind": item.kind, "deliverable": item.deliverable,
            "adopted_doc": item.adopted_doc, "publishable": item.publishable,
        })
    return rows


def case_rows(session: Session, logins: dict[int, str], units: dict[int, str]) -> dict[int, tuple[str, dict]]:
    linked = defaultdict(list)
    for case_id, no in session.execute(select(CaseItem.case_id, ProblemItem.no).join(
            ProblemItem, ProblemItem.id == CaseItem.item_id)):
        linked[case_id].append(no)
    rows = {}
    for case in session.scalars(select(AccountabilityCase).order_by(AccountabilityCase.id)):
        rows[case.id] = (case.no, {
            "state": case.state, "version": case.version, "subject_person": logins.get(case.subject_person_id),
            "subject_unit": units.get(case.subject_unit_id), "items": sorted(linked[case.id]), "reason": case.reason,
            "facts_sha256": _sha(case.facts), "min_grade": case.min_grade, "origin": case.origin,
            "proposed_by": logins.get(case.proposed_by_id), "proposed_on": _iso(case.proposed_on),
            "measure": case.measure, "grade": case.grade, "sanction": case.sanction, "measure_due": _iso(case.measure_due),
            "measure_done_on": _iso(case.measure_done_on),
            "decided_by": logins.get(case.decided_by_id), "decided_on": _iso(case.decided_on),
            "approved_by": logins.get(case.approved_by_id), "closed_on": _iso(case.closed_on),
        })
    return rows


def child_rows(session: Session, logins: dict[int, str]) -> dict[str, dict[int, dict[int, dict]]]:
    """Per child table: owner record id -> row id -> columns (documents keyed by item and by case)."""
    children: dict[str, dict[int, dict[int, dict]]] = defaultdict(lambda: defaultdict(dict))
    for row in session.scalars(select(Escalation)):
        children["escalations"][row.item_id][row.id] = {
            "level": row.level, "cycle": row.cycle, "on_date": _iso(row.on_date), "addressee_id": row.addressee_id,
            "automatic": row.automatic, "actor": row.actor}
    for row in session.scalars(select(Attachment)):
        children["attachments"][row.item_id][row.id] = {
            "sha256": row.sha256, "size": row.size, "filename": row.filename,
            "uploaded_by": logins.get(row.uploaded_by_id)}
    for row in session.scalars(select(DeadlineChange)):
        children["deadline_changes"][row.item_id][row.id] = {
            "kind": row.kind, "status": row.status, "old_due": _iso(row.old_due), "new_due": _iso(row.new_due),
            "requested_by": logins.get(row.requested_by_id), "requested_on": _iso(row.requested_on),
            "decided_by": logins.get(row.decided_by_id), "decided_on": _iso(row.decided_on)}
    for row in session.execute(select(Document.id, Document.item_id, Document.case_id, Document.kind,
                                      Document.doc_number, Document.revision, Document.sha256, Document.path,
                                      Document.escalation_id)):
        if row.item_id is None and row.case_id is None:
            continue  # 台账 and 公示: reconciled by records.check_report_documents
        columns = {"kind": row.kind, "doc_number": row.doc_number, "revision": row.revision, "sha256": row.sha256,
                   "path": row.path, "escalation_id": row.escalation_id}
        owner = ("case_documents", row.case_id) if row.case_id is not None else ("documents", row.item_id)
        children[owner[0]][owner[1]][row.id] = columns
    return children
