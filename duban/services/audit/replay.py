"""Reconciliation: every item and case row is what its events say it is.

Each change to an item or a case writes an event carrying what it changed (``to_state``,
the payload, the actor, the business date). Replaying a record's events in event-id
order — per record, so independent of how events are spread over chains — rebuilds the
columns listed in ``ITEM_COLUMNS`` / ``CASE_COLUMNS`` and the rows hanging off the record
(escalations, evidence, deadline changes, issued documents). Any difference from the
database names the row: someone changed it outside duban, or an event was forged or lost.

The rules are a table. Every event counts toward the record's ``version`` and, when it
has ``to_state``, sets the state; ``ITEM_RULES`` / ``CASE_RULES`` map a trigger to a
function ``rule(state, ev)`` applying the rest. So:

* a new trigger that only moves a lifecycle needs no rule;
* a new trigger that changes a reconciled column (or one of the dependent rows) must put
  what it changed in its payload and register a rule, e.g.::

      def _follow_up(state, ev):
          state["measure_due"] = ev.payload["due"]
      CASE_RULES["follow_up"] = _follow_up

* a new column is reconciled once it is added to ``*_COLUMNS`` and to the row query.

Payload fields added after an event was written are ``UNKNOWN`` when replaying it and are
then not compared (older databases stay verifiable).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from duban.services.audit.problems import AuditProblem
from duban.services.audit.rows import case_rows, child_rows, item_rows
from storage.models import Event, OrgUnit, Person


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()  # not recorded by the event that set it: not compared


@dataclass(frozen=True)
class ReplayedEvent:
    id: int
    trigger: str
    actor: str
    day: str  # business date, ISO
    from_state: str | None
    to_state: str | None
    note: str
    payload: dict

    def get(self, field: str):
        return self.payload.get(field, UNKNOWN)


# --- items -------------------------------------------------------------------

ITEM_COLUMNS = (
    "state", "version", "owner", "due", "original_due", "paused_since", "identified_on", "assigned_on",
    "submitted_on", "verified_on", "verified_by", "rechecked_on", "rechecked_by", "relapse_count",
    "reject_count", "escalation_cycle", "closed_reason", "reporter", "title", "unit", "category", "source",
    "origin", "description_sha256", "kind", "deliverable", "adopted_doc", "publishable",
)
ITEM_CHILDREN = {  # state key -> (table, label)
    "escalations": ("escalations", "督办记录"),
    "attachments": ("attachments", "佐证材料"),
    "deadline_changes": ("deadline_changes", "期限变更"),
    "documents": ("documents", "文书"),
}


def new_item() -> dict:
    state = {column: None for column in ITEM_COLUMNS}
    state.update(version=0, relapse_count=0, reject_count=0, escalation_cycle=0, publishable=False)
    state.update({key: {} for key in ITEM_CHILDREN})
    return state


def _identify(s: dict, ev: ReplayedEvent) -> None:
    s.update(reporter=ev.actor, identified_on=ev.day, title=ev.get("title"), unit=ev.get("unit"),
             category=ev.get("category"), source=ev.get("source"), origin=ev.get("origin"),
             description_sha256=ev.get("description_sha256"), kind=ev.get("kind"),
             deliverable=ev.get("deliverable"))


def _assign(s: dict, ev: ReplayedEvent) -> None:
    s.update(owner=ev.get("owner"), due=ev.get("due"), assigned_on=ev.day)
    s["original_due"] = s["original_due"] or s["due"]


def _new_cycle(s: dict, ev: ReplayedEvent) -> None:
    """Relapse, or reopen of a closed item: a new deadline and a fresh escalation ladder."""
    s["escalation_cycle"] += 1
    s.update(due=ev.get("due"), verified_on=None, verified_by=None, rechecked_on=None, rechecked_by=None,
             submitted_on=None)


def _relapse(s: dict, ev: ReplayedEvent) -> None:
    s["relapse_count"] += 1
    _new_cycle(s, ev)


def _reopen(s: dict, ev: ReplayedEvent) -> None:
    if ev.from_state == "withdrawn":
        s["closed_reason"] = None
    else:
        _new_cycle(s, ev)


def _reject(s: dict, ev: ReplayedEvent) -> None:
    s["reject_count"] += 1
    s["submitted_on"] = None


def _attach(s: dict, ev: ReplayedEvent) -> None:
    s["attachments"][ev.get("attachment")] = {
        "sha256": ev.get("sha256"), "size": ev.get("size"), "filename": ev.get("filename"), "uploaded_by": ev.actor}


def _deadline_change(s: dict, ev: ReplayedEvent) -> dict:
    change = s["deadline_changes"].setdefault(ev.get("change"), {})
    change.update(kind=ev.get("kind"), status=ev.get("status"), old_due=ev.get("old_due"), new_due=ev.get("new_due"))
    return change


def _deadline_requested(s: dict, ev: ReplayedEvent) -> None:
    _deadline_change(s, ev).update(requested_by=ev.actor, requested_on=ev.day, decided_by=None, decided_on=None)


def _deadline_decided(s: dict, ev: ReplayedEvent) -> None:
    _deadline_change(s, ev).update(decided_by=ev.actor, decided_on=ev.day)


def _deadline_moved(s: dict, ev: ReplayedEvent) -> None:
    _deadline_decided(s, ev)
    s["original_due"] = s["original_due"] or s["due"]
    s["due"] = ev.get("new_due")


def _deadline_paused(s: dict, ev: ReplayedEvent) -> None:
    _deadline_requested(s, ev)
    s["paused_since"] = ev.day


def _deadline_resumed(s: dict, ev: ReplayedEvent) -> None:
    _deadline_moved(s, ev)
    s["paused_since"] = None


def _escalate(s: dict, ev: ReplayedEvent) -> None:
    s["escalations"][ev.get("escalation")] = {
        "level": ev.get("level"), "cycle": ev.get("cycle"), "on_date": ev.day, "addressee_id": ev.get("addressee_id"),
        "automatic": ev.get("automatic"), "actor": ev.actor}


def _document(s: dict, ev: ReplayedEvent) -> None:
    s["documents"][ev.get("document")] = {
        "kind": ev.get("kind"), "doc_number": ev.get("doc_number"), "revision": ev.get("revision"),
        "sha256": ev.get("sha256"), "path": ev.get("path"), "escalation_id": ev.get("escalation")}


ITEM_RULES = {
    "identify": _identify,
    "assign": _assign,
    "submit": lambda s, ev: s.update(submitted_on=ev.day),
    "verify": lambda s, ev: s.update(verified_on=ev.day, verified_by=ev.actor),
    "reject": _reject,
    "recheck": lambda s, ev: s.update(rechecked_on=ev.day, rechecked_by=ev.actor),
    "relapse": _relapse,
    "reopen": _reopen,
    "withdraw": lambda s, ev: s.update(closed_reason=ev.note),
    "attach": _attach,
    "deadline_request": _deadline_requested,
    "deadline_approve": _deadline_moved,
    "deadline_refuse": _deadline_decided,
    "deadline_pause": _deadline_paused,
    "deadline_resume": _deadline_resumed,
    "escalate": _escalate,
    "document_issued": _document,
    "document_reissued": _document,
    "mechanism_adopted": lambda s, ev: s.update(adopted_doc=ev.get("adopted_doc")),
    "publishable_set": lambda s, ev: s.update(publishable=ev.get("publishable")),
}


# --- cases -------------------------------------------------------------------

CASE_COLUMNS = (
    "state", "version", "subject_person", "subject_unit", "items", "reason", "facts_sha256", "min_grade", "origin",
    "proposed_by", "proposed_on", "measure", "grade", "sanction", "measure_due", "decided_by", "decided_on", "approved_by",
    "closed_on", "measure_done_on",
)
CASE_CHILDREN = {"documents": ("documents", "文书")}


def new_case() -> dict:
    state = {column: None for column in CASE_COLUMNS}
    state.update(version=0, documents={})
    return state


def _propose(s: dict, ev: ReplayedEvent) -> None:
    kind = ev.get("subject_kind")
    subject = ev.get("subject")
    s.update(subject_person=subject if kind == "person" else None if kind == "unit" else UNKNOWN,
             subject_unit=subject if kind == "unit" else None if kind == "person" else UNKNOWN,
             items=sorted(ev.get("items")), reason=ev.note, facts_sha256=ev.get("facts_sha256"),
             min_grade=ev.get("min_grade"), origin=ev.get("origin"), proposed_by=ev.actor, proposed_on=ev.day)


def _decide(s: dict, ev: ReplayedEvent) -> None:
    s.update(measure=ev.get("measure"), grade=ev.get("grade"), sanction=ev.get("sanction"),
             measure_due=ev.get("due"), decided_on=ev.day,
             decided_by=ev.actor)


def _change(s: dict, ev: ReplayedEvent) -> None:
    _decide(s, ev)
    s["approved_by"] = None


CASE_RULES = {
    "propose": _propose,
    "decide": _decide,
    "change": _change,
    "send_back": lambda s, ev: s.update(measure=None, grade=None, sanction=None, measure_due=None, decided_by=None,
                                        decided_on=None),
    "approve": lambda s, ev: s.update(approved_by=ev.actor),
    "close": lambda s, ev: s.update(closed_on=ev.day),
    "dismiss": lambda s, ev: s.update(closed_on=ev.day),
    "overturn": lambda s, ev: s.update(closed_on=ev.day),
    "document_issued": _document,
    "document_reissued": _document,
    "measure_done": lambda s, ev: s.update(measure_done_on=ev.day),
    # case_escalated (a 催办/督办 of the measure) changes no column: it counts toward the version only
}


# --- replaying ---------------------------------------------------------------


def _apply(state: dict, ev: ReplayedEvent, rules: dict) -> None:
    state["version"] += 1
    if ev.to_state:
        state["state"] = ev.to_state
    rule = rules.get(ev.trigger)
    if rule is not None:
        rule(state, ev)


def replay(session: Session) -> tuple[dict[int, dict], dict[int, dict], int]:
    """Replayed state of every item and case with events: (items, cases, events replayed)."""
    items: dict[int, dict] = defaultdict(new_item)
    cases: dict[int, dict] = defaultdict(new_case)
    query = (select(Event.id, Event.item_id, Event.case_id, Event.trigger, Event.actor, Event.business_date,
                    Event.from_state, Event.to_state, Event.note, Event.payload)
             .where(or_(Event.item_id.is_not(None), Event.case_id.is_not(None))).order_by(Event.id))
    count = 0
    for row in session.execute(query.execution_options(yield_per=5000)):
        ev = _replayed(row)
        if row.item_id is not None:
            _apply(items[row.item_id], ev, ITEM_RULES)
        if row.case_id is not None:
            _apply(cases[row.case_id], ev, CASE_RULES)
        count += 1
    return items, cases, count


def replay_items(session: Session, item_ids: list[int], through: dt.date) -> dict[int, dict]:
    """How these items stood on ``through``: their replayed state after their events dated on or
    before it (a catch-up judges a past day by it). An item with no such event is left out."""
    return _replay_through(session, Event.item_id, item_ids, through, new_item, ITEM_RULES)


def replay_cases(session: Session, case_ids: list[int], through: dt.date) -> dict[int, dict]:
    """``replay_items`` for cases."""
    return _replay_through(session, Event.case_id, case_ids, through, new_case, CASE_RULES)


def _replay_through(session: Session, key, ids: list[int], through: dt.date, new, rules: dict) -> dict[int, dict]:
    records: dict[int, dict] = defaultdict(new)
    for start in range(0, len(ids), 500):
        query = (select(Event.id, key.label("record_id"), Event.trigger, Event.actor, Event.business_date,
                        Event.from_state, Event.to_state, Event.note, Event.payload)
                 .where(key.in_(ids[start:start + 500]), Event.business_date <= through).order_by(Event.id))
        for row in session.execute(query):
            _apply(records[row.record_id], _replayed(row), rules)
    return dict(records)


def _replayed(row) -> ReplayedEvent:
    return ReplayedEvent(row.id, row.trigger, row.actor, row.business_date.isoformat(), row.from_state,
                         row.to_state, row.note or "", json.loads(row.payload or "{}"))


# --- comparing ---------------------------------------------------------------


def differences(replayed: dict, actual: dict, columns) -> list[str]:
    said = []
    for column in columns:
        expected = replayed.get(column, UNKNOWN)
        if expected is UNKNOWN or expected == actual.get(column):
            continue
        said.append(f"{column} 为 {_show(actual.get(column))}，按事件日志应为 {_show(expected)}")
    return said


def _show(value) -> str:
    return "空" if value is None else json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)


def compare(table: str, rows: dict[int, tuple[str, dict]], replayed: dict[int, dict], columns,
            children: dict[str, tuple[str, str]], child_tables: dict[str, dict[int, dict[int, dict]]],
            child_keys: dict[str, str]) -> list[AuditProblem]:
    """Rows against replayed states; then each dependent table's rows against the replay."""
    problems = []
    for record_id in sorted(set(rows) | set(replayed)):
        no, actual = rows.get(record_id, (None, None))
        if actual is None:
            continue  # events of a row deleted outside duban: the foreign key keeps this from happening
        if record_id not in replayed:
            problems.append(AuditProblem.row(table, record_id, no, "没有任何事件（记录被直接写入数据库）"))
            continue
        state = replayed[record_id]
        said = differences(state, actual, columns)
        if said:
            problems.append(AuditProblem.row(table, record_id, no, "；".join(said)))
        for key, (child_table, label) in children.items():
            problems += _compare_children(child_table, label, no, state[key],
                                          child_tables[child_keys.get(key, key)].get(record_id, {}))
    return problems


def _compare_children(table: str, label: str, no: str, replayed: dict, actual: dict[int, dict]) -> list[AuditProblem]:
    problems = []
    legacy = UNKNOWN in replayed  # events written before they named the row: extra rows not judged
    for row_id in sorted((set(replayed) | set(actual)) - {UNKNOWN}):
        where = f"{no} 的{label}"
        if row_id not in actual:
            problems.append(AuditProblem.row(table, row_id, where, "已被删除（事件日志记有这条记录）"))
        elif row_id not in replayed:
            if legacy:
                continue
            problems.append(AuditProblem.row(table, row_id, where, "没有对应的事件（记录被直接写入数据库）"))
        else:
            said = differences(replayed[row_id], actual[row_id], replayed[row_id].keys())
            if said:
                problems.append(AuditProblem.row(table, row_id, where, "；".join(said)))
    return problems


def reconcile_items_and_cases(session: Session) -> tuple[list[AuditProblem], dict]:
    logins = dict(session.execute(select(Person.id, Person.login)).all())
    units = dict(session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    items, cases, events = replay(session)
    children = child_rows(session, logins)
    item_table = item_rows(session, logins)
    case_table = case_rows(session, logins, units)
    problems = compare("problem_items", item_table, items, ITEM_COLUMNS, ITEM_CHILDREN, children, {})
    problems += compare("cases", case_table, cases, CASE_COLUMNS, CASE_CHILDREN, children,
                        {"documents": "case_documents"})
    return problems, {"items": len(item_table), "cases": len(case_table), "events": events}
