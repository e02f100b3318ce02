"""Reconciliation of problem lists and the 任务书/时间表 of their items (``records.CHECKS``)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from duban.services.audit.problems import AuditProblem
from storage.models import Event, ItemPlan, OrgUnit, Person, ProblemItem, ProblemList
from storage.uow import UnitOfWork


def _sha(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()


def check_problem_lists(uow: UnitOfWork) -> list[AuditProblem]:
    from duban.services.audit.records import _table

    lists: dict[int, dict] = {}
    plans: dict[str, dict] = {}
    query = select(Event).where(Event.trigger.in_(("problem_list_submitted", "problem_list_reviewed"))).order_by(Event.id)
    for ev in uow.session.scalars(query):
        p = json.loads(ev.payload or "{}")
        state = lists.setdefault(p["list"], {"version": 0})
        state["version"] += 1
        if ev.trigger == "problem_list_submitted":
            state.update(person=p["person"], unit=p["unit"], level=p["level"], state="submitted",
                         submitted_on=ev.business_date.isoformat(), reviewed_by=None, reviewed_on=None)
            for no, plan in p["items"].items():
                plans[no] = {"list": p["list"], **plan}
        else:
            state.update(state=p["state"], reviewed_by=ev.actor, reviewed_on=ev.business_date.isoformat())
    logins = dict(uow.session.execute(select(Person.id, Person.login)).all())
    codes = dict(uow.session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    iso = lambda day: day.isoformat() if day else None  # noqa: E731
    actual = {r.id: {"version": r.version, "person": logins.get(r.person_id), "unit": codes.get(r.unit_id),
                     "level": r.level, "state": r.state, "submitted_on": iso(r.submitted_on),
                     "reviewed_by": logins.get(r.reviewed_by_id), "reviewed_on": iso(r.reviewed_on)}
              for r in uow.session.scalars(select(ProblemList))}
    rows = {no: {"list": plan.list_id, "comparison": plan.comparison, "measures_sha256": _sha(plan.measures),
                 "milestones_sha256": _sha(plan.milestones)}
            for plan, no in uow.session.execute(select(ItemPlan, ProblemItem.no).join(
                ProblemItem, ProblemItem.id == ItemPlan.item_id))}
    problems: list[AuditProblem] = []
    _table(problems, "problem_lists", lists, actual, lambda id_: "问题整改清单")
    _table(problems, "item_plans", plans, rows, lambda no: f"{no} 的任务书")
    return problems
