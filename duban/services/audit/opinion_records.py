"""Reconciliation of opinions (意见建议): each row is what its events say (``records.CHECKS``).

The text, and a dismissal's reason, are compared by hash: the log never holds an opinion's words.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from duban.services.audit.problems import AuditProblem
from storage.models import Event, Opinion, OrgUnit, Person, ProblemItem
from storage.uow import UnitOfWork

OPINION_TRIGGERS = ("opinion_recorded", "opinion_triaged")


def _sha(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest() if text else None


def _replayed(uow: UnitOfWork) -> dict[int, dict]:
    opinions: dict[int, dict] = {}
    for ev in uow.session.scalars(select(Event).where(Event.trigger.in_(OPINION_TRIGGERS)).order_by(Event.id)):
        p = json.loads(ev.payload or "{}")
        state = opinions.setdefault(p["opinion"], {"version": 0})
        state["version"] += 1
        state["state"] = ev.to_state
        if ev.trigger == "opinion_recorded":
            state.update(source=p["source"], received_on=p["received_on"], respondent=p["respondent"],
                         collected_by=p["collected_by"], unit=p["unit"], text_sha256=p["text_sha256"],
                         item=None, reason_sha256=None, triaged_on=None, triaged_by=None)
        else:
            state.update(item=p["item"], reason_sha256=p["reason_sha256"],
                         triaged_on=ev.business_date.isoformat(), triaged_by=ev.actor)
    return opinions


def check_opinions(uow: UnitOfWork) -> list[AuditProblem]:
    from duban.services.audit.records import _table

    logins = dict(uow.session.execute(select(Person.id, Person.login)).all())
    codes = dict(uow.session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    items = dict(uow.session.execute(select(ProblemItem.id, ProblemItem.no)).all())
    iso = lambda day: day.isoformat() if day else None  # noqa: E731
    rows = uow.session.scalars(select(Opinion)).all()
    actual = {o.id: {
        "version": o.version, "state": o.state, "source": o.source, "received_on": iso(o.received_on),
        "respondent": o.respondent, "collected_by": codes.get(o.collected_by_id), "unit": codes.get(o.unit_id),
        "text_sha256": _sha(o.text), "item": items.get(o.item_id), "reason_sha256": _sha(o.reason),
        "triaged_on": iso(o.triaged_on), "triaged_by": logins.get(o.triaged_by_id)} for o in rows}
    numbers = {o.id: o.no for o in rows}
    problems: list[AuditProblem] = []
    _table(problems, "opinions", _replayed(uow), actual, lambda id_: numbers.get(id_, "意见建议"))
    return problems
