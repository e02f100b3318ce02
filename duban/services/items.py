"""Problem-item use cases: register, move through the lifecycle, read."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput, ConcurrentModification, NotFound, RuleViolation, StaleRecord
from duban.services import evidence
from duban.services.common import (
    actor,
    business_date,
    clean_text,
    light_of,
    resolve_due,
    warn_outside_campaign,
    work_calendar,
)
from duban.services.phase_gate import require_open, source_code
from duban.services.reporter_protection import may_read_reports
from duban.services.views import ITEM_CHANGE_LOADS, ITEM_VIEW_LOADS, event_view, item_view
from statemachines.item import DEADLINE_STATES, ITEM, ItemFacts
from storage.models import Attachment, Category, Event, ProblemItem
from storage.uow import UnitOfWork, campaign_chain, item_chain

TITLE_MAX = 200
TEXT_MAX = 5000


def _category(campaign, key: str | None) -> Category | None:
    if not key:
        return None
    for cat in campaign.categories:
        if key in (cat.code, cat.name):
            return cat
    names = "、".join(c.name for c in campaign.categories)
    raise BadInput(f"问题类别无效：{key}（可选：{names}）")


def _source(campaign, source: str) -> str:
    names = [s["name"] for s in campaign.plan.get("sources", [])]
    codes = {s["code"]: s["name"] for s in campaign.plan.get("sources", [])}
    if source in names:
        return source
    if source in codes:
        return codes[source]
    raise BadInput(f"问题来源无效：{source}（可选：{'、'.join(names)}）")


def default_source(campaign) -> str:
    """The plan's ``default_source`` (e.g. 自查), or BadInput asking for --source."""
    code = campaign.plan.get("default_source")
    if code is None:
        names = "、".join(s["name"] for s in campaign.plan.get("sources", []))
        raise BadInput(f"请用 --source 指定问题来源（可选：{names}）")
    return code


def add_item(uow: UnitOfWork, login: str, *, campaign: str | None, unit: str, title: str,
             person: str | None = None, category: str | None = None, source: str | None = None,
             description: str = "", due: dt.date | None = None, due_days: int | None = None, origin: str | None = None,
             today: dt.date | None = None, action: str = "item.add", kind: str = "problem",
             deliverable: str | None = None) -> dict:
    """Register a problem (查摆/征求意见/暗访/举报…). With --person and --due it is also assigned.

    ``kind="mechanism"`` registers a long-term mechanism of the plan (``deliverable`` is its
    code, ``source`` the name of the duty asking for it): the same record and lifecycle.
    """
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    today = business_date(camp, today)
    who = actor(uow, login)
    item = register_item(uow, who, camp, today, unit=unit, title=title, person=person, category=category,
                         source=source or default_source(camp), description=description, due=due, due_days=due_days, origin=origin,
                         action=action, kind=kind, deliverable=deliverable)
    uow.commit()
    return item_view(item, reveal=may_read_reports(who))


def register_item(uow: UnitOfWork, who, camp, today: dt.date, *, unit: str, title: str, person: str | None,
                  category: str | None, source: str, description: str, due: dt.date | None,
                  due_days: int | None, origin: str | None, action: str, kind: str = "problem",
                  deliverable: str | None = None, gated: bool = True) -> ProblemItem:
    """Register (and, with owner and deadline, assign) an item in the caller's transaction.

    ``gated=False``: the item follows from a duty already open (an evaluation round's failure);
    its source is the duty's and is not gated again."""
    the_unit = uow.org.unit(unit)
    owner = uow.org.person_by_name_or_login(person) if person else None
    permissions.require(who, action, unit=the_unit)
    if kind == "problem" and gated:  # a problem's source must be open on the day (a mechanism comes from its duty)
        require_open(uow, camp, day=today, source=source_code(camp, _source(camp, source)))
    warn_outside_campaign(camp, today)  # opened by the office outside the campaign: a late entry
    if owner is not None:
        permissions.require_human_owner(owner)
    if who.role_set <= {"cadre"} and action == "item.add" and (owner is None or owner.id != who.id):
        cadre = permissions.role_labels(camp)["cadre"]
        raise permissions.PermissionDenied(f"{who.name}（{who.login}）作为{cadre}只能登记本人的问题清单")
    item = ProblemItem(
        campaign_id=camp.id, seq=uow.items.next_seq(camp.id),
        title=clean_text(title, "问题标题", max_len=TITLE_MAX),
        description=clean_text(description, "问题描述", max_len=TEXT_MAX, required=False),
        category=_category(camp, category), source=_source(camp, source) if kind == "problem" and gated else source,
        origin=origin, kind=kind, deliverable=deliverable,
        unit=the_unit, owner=owner, reporter_id=who.id, state=ITEM.initial, version=0,
        identified_on=today,
    )
    item.no = f"{camp.code}-{item.seq:04d}"
    uow.items.add(item)
    uow.flush()
    uow.record(chain=item_chain(item), actor=who.login, today=today, trigger="identify",
               item=item, campaign_id=camp.id, to_state=item.state,
               payload={"title": item.title, "source": item.source, "unit": the_unit.code,
                        "category": item.category.code if item.category else None, "origin": item.origin,
                        "kind": kind, "deliverable": deliverable,
                        # a hash, not the text: a reporter's words stay out of the log
                        "description_sha256": hashlib.sha256(item.description.encode()).hexdigest()})
    due = resolve_due(today, due, due_days)
    if owner is not None and due is not None:
        _may_assign_on_add(who, owner, the_unit, camp, due)
        apply_trigger(uow, who, item, "assign", today, owner=owner, due=due)
    return item


def _may_assign_on_add(who, owner, unit, campaign, due: dt.date) -> None:
    """Registering with owner and deadline is an assignment: it needs the right to assign.

    The exception is a personal problem list (本人问题清单, seed §五(一)2): everyone files
    their own items with their own timetable, within the campaign.
    """
    if owner.id == who.id and not permissions.allowed(who, "item.assign", unit=unit):
        if due > campaign.end_date:
            raise RuleViolation(f"本人问题清单的整改期限 {due.isoformat()} 不能晚于活动结束日 {campaign.end_date.isoformat()}")
        return
    permissions.require(who, "item.assign", unit=unit)


def load_for_change(uow: UnitOfWork, no: str, expect_version: int | None, *,
                    lock_first: bool = True) -> ProblemItem:
    """The item to change, with all a change and its answer read, in one SELECT; stale
    expectations fail (exit 4). ``lock_first``: read it after taking its chain's lock (its
    number alone does not name the chain: a small read first); else the caller locks late and
    the version check of its UPDATE catches a change made meanwhile."""
    if lock_first:
        uow.lock(item_chain(uow.items.get(no)))
    item = uow.items.get(no, ITEM_CHANGE_LOADS, fresh=True)
    if expect_version is not None and item.version != expect_version:
        raise ConcurrentModification(
            f"{item.no} 已被他人修改：期望版本 {expect_version}，当前版本 {item.version}（状态：{ITEM.label(item.state)}）"
        )
    return item


def _locking_late(uow: UnitOfWork, expect_version: int | None, change):
    """Run ``change(lock_first)`` locking its chain late; a change that lost the race to another
    writer of the item fails its version check and, when the caller named no version, runs once
    more under the lock from the start, so it applies to the state that won (as if it had waited)."""
    try:
        return change(False)
    except StaleRecord:
        if expect_version is not None:
            raise
        uow.session.rollback()
    return change(True)


def _actor_of(uow: UnitOfWork, item: ProblemItem, login: str):
    """The acting person: most often a person of the item, already read with it."""
    known = (item.owner, item.reporter, item.verified_by, item.rechecked_by)
    return next((p for p in known if p is not None and p.login == login), None) or actor(uow, login)


def apply_trigger(uow: UnitOfWork, who, item: ProblemItem, trigger: str, today: dt.date, *,
           owner=None, due: dt.date | None = None, reason: str = "", note: str = "") -> None:
    """Fire the lifecycle trigger, apply its effects, record the event."""
    facts = ItemFacts(
        today=today,
        has_owner=(owner or item.owner) is not None,
        due=due if due is not None else (item.due if trigger == "assign" else None),
        evidence_count=len(item.attachments),
        reason=reason,
        document_required=item.kind == "mechanism",
        document_given=bool(item.adopted_doc),
    )
    before = item.state
    item.state = ITEM.fire(before, trigger, facts)
    payload: dict = {}
    if trigger == "assign":
        permissions.require_human_owner(owner or item.owner)
        item.owner = owner or item.owner
        item.due = due
        item.original_due = item.original_due or due
        item.assigned_on = today
        payload = {"owner": item.owner.login, "due": due.isoformat()}
    elif trigger == "submit":
        item.submitted_on = today
    elif trigger == "verify":
        item.verified_on, item.verified_by = today, who
    elif trigger == "reject":
        item.reject_count += 1
        item.submitted_on = None
    elif trigger == "recheck":
        item.rechecked_on, item.rechecked_by = today, who
    elif trigger == "relapse" or (trigger == "reopen" and before != "withdrawn"):
        if trigger == "relapse":
            item.relapse_count += 1
        item.escalation_cycle += 1
        payload = {"old_due": item.due.isoformat() if item.due else None, "due": due.isoformat()}
        item.due = due
        item.verified_on = item.verified_by = item.rechecked_on = item.rechecked_by = None
        item.submitted_on = None
    elif trigger == "withdraw":
        item.closed_reason = reason
    elif trigger == "reopen":  # withdrawn -> identified: assigned again from scratch
        item.closed_reason = None
    uow.record(chain=item_chain(item), actor=who.login, today=today, trigger=trigger,
               item=item, campaign_id=item.campaign_id, from_state=before, to_state=item.state,
               note=reason or note, payload=payload)


def _separate_duties(uow: UnitOfWork, who, item: ProblemItem, trigger: str) -> None:
    """Nobody verifies, rejects or rechecks an item they own, reported, submitted or gave evidence
    for; nobody does the 回头看 of an item they verified."""
    submitter = uow.session.scalar(
        select(Event.actor).where(Event.item_id == item.id, Event.trigger == "submit")
        .order_by(Event.id.desc()).limit(1))
    uploaders = set(uow.session.scalars(select(Attachment.uploaded_by_id).where(Attachment.item_id == item.id)))
    relations = (("责任人", who.id == item.owner_id), ("登记人", who.id == item.reporter_id),
                 ("验收材料提交人", who.login == submitter), ("佐证材料上传人", who.id in uploaders),
                 ("验收销号人", trigger == "recheck" and who.id == item.verified_by_id))
    relation = next((name for name, holds in relations if holds), None)
    if relation:
        raise permissions.PermissionDenied(
            f"{who.name}（{who.login}）是 {item.no} 的{relation}，不能对该问题{ITEM.triggers[trigger]}（职责分离）"
        )


def transition(uow: UnitOfWork, login: str, no: str, trigger: str, *, today: dt.date | None = None,
               expect_version: int | None = None, person: str | None = None,
               due: dt.date | None = None, due_days: int | None = None, reason: str = "",
               note: str = "", evidence_files: list[Path] = ()) -> dict:
    """Move an item along its lifecycle (assign, start, submit, verify, reject…), in a transaction
    of its own.

    The item is read once, with all the rules and the answer need; the checks and the evidence
    files come before its chain's lock, which is taken just before the events are appended, so it
    is held only for the appends, the item's version-checked UPDATE, the head's one write and
    the commit."""
    if trigger not in ITEM.triggers:
        raise BadInput(f"未知操作：{trigger}")

    def change(lock_first: bool) -> dict:
        item = load_for_change(uow, no, expect_version, lock_first=lock_first)
        day = business_date(item.campaign, today)
        who = _actor_of(uow, item, login)
        permissions.require(who, f"item.{trigger}", unit=item.unit, owner_id=item.owner_id)
        if trigger in ("verify", "reject", "recheck"):
            _separate_duties(uow, who, item, trigger)
        if item.paused_since is not None and trigger in ("submit", "withdraw"):
            # A paused clock must be resumed first, or the item would leave oversight still paused.
            raise RuleViolation(f"{item.no} 已于 {item.paused_since.isoformat()} 挂起，请先恢复计时（duban deadline resume）")
        owner = uow.org.person_by_name_or_login(person) if person else None
        days = due_days
        if trigger == "assign" and due is None and days is None:  # the plan's default 整改时限
            days = item.campaign.plan.get("rules", {}).get("default_rectify_working_days", 15)
        when = resolve_due(day, due, days)
        why = clean_text(reason, "理由", max_len=TEXT_MAX, required=False)
        said = clean_text(note, "备注", max_len=TEXT_MAX, required=False)
        stored = [evidence.store(uow, who, item, path) for path in evidence_files]
        uow.lock(item_chain(item))
        for att in stored:
            evidence.record_stored(uow, who, item, att, day)
        apply_trigger(uow, who, item, trigger, day, owner=owner, due=when, reason=why, note=said)
        uow.commit()
        return item_view(item, reveal=may_read_reports(who))

    return _locking_late(uow, expect_version, change)


def attach_evidence(uow: UnitOfWork, login: str, no: str, files: list[Path], *,
                    today: dt.date | None = None, expect_version: int | None = None,
                    filenames: list[str] | None = None) -> dict:
    def change(lock_first: bool) -> dict:
        item = load_for_change(uow, no, expect_version, lock_first=lock_first)
        day = business_date(item.campaign, today)
        who = _actor_of(uow, item, login)
        permissions.require(who, "item.attach", unit=item.unit, owner_id=item.owner_id)
        if item.state not in ("assigned", "rectifying", "submitted"):
            raise RuleViolation(f"{item.no} 当前状态「{ITEM.label(item.state)}」不能上传佐证材料")
        stored = [evidence.store(uow, who, item, path, filename)
                  for path, filename in zip(files, filenames or [None] * len(files))]
        uow.lock(item_chain(item))  # late, as in ``transition``
        for att in stored:
            evidence.record_stored(uow, who, item, att, day)
        uow.commit()
        return item_view(item, reveal=may_read_reports(who))

    return _locking_late(uow, expect_version, change)


def show_item(uow: UnitOfWork, login: str, no: str, *, today: dt.date | None = None) -> dict:
    item = uow.items.get(no, ITEM_VIEW_LOADS)
    who = actor(uow, login)
    permissions.require(who, "read")
    return item_view(item, light_of(item.campaign, item, business_date(item.campaign, today)),
                     reveal=may_read_reports(who))


def item_history(uow: UnitOfWork, login: str, no: str) -> list[dict]:
    item = uow.items.get(no)
    permissions.require(actor(uow, login), "read")
    events = uow.session.scalars(select(Event).where(Event.item_id == item.id).order_by(Event.id))
    return [event_view(ev) for ev in events]


def running_condition():
    """The SQL condition "a deadline is running" (the same for every campaign and day)."""
    return (ProblemItem.state.in_(DEADLINE_STATES) & ProblemItem.due.is_not(None)
            & ProblemItem.paused_since.is_(None))


def green_from(campaign, today: dt.date) -> dt.date:
    """The first due date that is still green on ``today``."""
    yellow_days = campaign.plan.get("rules", {}).get("yellow_working_days", 3)
    return work_calendar().add_workdays(today, yellow_days + 1)


def deadline_running(campaign, today: dt.date):
    """The SQL condition "a deadline is running", and the first due date that is still green."""
    return running_condition(), green_from(campaign, today)


def light_condition(campaign, light: str, today: dt.date):
    """SQL condition for a traffic light, as a range of due dates (an index serves it), so sweeps
    and lists select set-based.

    yellow ⟺ 0 ≤ working days left ≤ N ⟺ today ≤ due < (N+1)-th working day after today.
    """
    return light_range(light, today, green_from(campaign, today))


def light_range(light: str, today, first_green):
    """``light_condition`` with its two dates given: values, or bound parameters (a statement
    built once and executed on many days)."""
    return running_condition() & due_band(light, today, first_green)


def due_band(light: str, today, first_green):
    """The due dates of a light alone, without "a deadline is running" (the per-unit report applies
    the state part of it per group of items, not per item)."""
    if light not in ("red", "yellow", "green"):
        raise BadInput(f"红黄绿灯无效：{light}（可选：red、yellow、green）")
    return {
        "red": ProblemItem.due < today,
        "yellow": (ProblemItem.due >= today) & (ProblemItem.due < first_green),
        "green": ProblemItem.due >= first_green,
    }[light]


__all__ = ["add_item", "transition", "attach_evidence", "show_item", "item_history", "NotFound"]
