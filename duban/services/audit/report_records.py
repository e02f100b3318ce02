"""Reconciliation of reports (举报): each row is what its events say (``records.CHECKS``).

Free text is compared by hash; the sealed identity only by whether one is sealed, so the
audit never needs the identity key.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from duban.services.audit.problems import AuditProblem
from storage.models import Event, OrgUnit, Person, ProblemItem, Report
from storage.uow import UnitOfWork

REPORT_TRIGGERS = ("report_received", "report_triaged", "report_overdue")


def _sha(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest() if text else None


def _replayed(uow: UnitOfWork) -> dict[int, dict]:
    reports: dict[int, dict] = {}
    query = select(Event).where(Event.trigger.in_(REPORT_TRIGGERS)).order_by(Event.id)
    for ev in uow.session.scalars(query):
        p = json.loads(ev.payload or "{}")
        state = reports.setdefault(p["report"], {"version": 0})
        state["version"] += 1
        state["state"] = ev.to_state
        if ev.trigger == "report_received":
            state.update(channel=p["channel"], received_on=p["received_on"], due=p["due"],
                         content_sha256=p["content_sha256"], identity_sealed=p["identity_sealed"],
                         receipt_sha256=p["receipt_sha256"], reported_unit=p["reported_unit"],
                         reported_person=p["reported_person"], item=None, reason_sha256=None, reply_sha256=None,
                         triaged_on=None, triaged_by=None, escalated_on=None)
        elif ev.trigger == "report_triaged":
            state.update(item=p["item"], reason_sha256=p["reason_sha256"], reply_sha256=p["reply_sha256"],
                         triaged_on=ev.business_date.isoformat(), triaged_by=ev.actor)
        else:
            state["escalated_on"] = ev.business_date.isoformat()
    return reports


def check_reports(uow: UnitOfWork) -> list[AuditProblem]:
    from duban.services.audit.records import _table

    logins = dict(uow.session.execute(select(Person.id, Person.login)).all())
    codes = dict(uow.session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    items = dict(uow.session.execute(select(ProblemItem.id, ProblemItem.no)).all())
    iso = lambda day: day.isoformat() if day else None  # noqa: E731
    rows = uow.session.scalars(select(Report)).all()
    actual = {r.id: {
        "version": r.version, "state": r.state, "channel": r.channel, "received_on": iso(r.received_on),
        "due": iso(r.due), "content_sha256": _sha(r.content), "identity_sealed": r.identity_cipher is not None,
        "receipt_sha256": r.receipt_sha256, "reported_unit": codes.get(r.reported_unit_id),
        "reported_person": logins.get(r.reported_person_id), "item": items.get(r.item_id),
        "reason_sha256": _sha(r.reason), "reply_sha256": _sha(r.reply), "triaged_on": iso(r.triaged_on),
        "triaged_by": logins.get(r.triaged_by_id), "escalated_on": iso(r.escalated_on)} for r in rows}
    numbers = {r.id: r.no for r in rows}
    problems: list[AuditProblem] = []
    _table(problems, "reports", _replayed(uow), actual, lambda id_: numbers.get(id_, "举报"))
    return problems
