"""Deadline changes: 延期申请 and its decision, 挂起 and 恢复.

Every change is a ``DeadlineChange`` row plus an event on the item (which bumps
its version), so the ledger and the audit chain both show who moved a deadline,
when, why and from what to what. ``original_due`` is never touched here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import object_session

from duban import permissions
from duban.errors import BadInput, NotFound, RuleViolation
from duban.services.common import actor, business_date, clean_text, work_calendar
from duban.services.items import TEXT_MAX, load_for_change
from statemachines.item import DEADLINE_STATES, ITEM
from storage.models import DeadlineChange, Person, ProblemItem
from storage.uow import UnitOfWork, item_chain

KIND_LABELS = {"extension": "延期", "pause": "挂起"}
STATUS_LABELS = {"pending": "待审批", "approved": "已批准", "refused": "未批准", "active": "挂起中", "done": "已恢复"}


def request_extension(uow: UnitOfWork, login: str, no: str, *, reason: str, due: dt.date | None = None,
                      days: int | None = None, today: dt.date | None = None,
                      expect_version: int | None = None) -> dict:
    """延期申请 by the owner or unit head: a new date, or N working days beyond the current deadline."""
    item = load_for_change(uow, no, expect_version)
    today = business_date(item.campaign, today)
    who = actor(uow, login)
    permissions.require(who, "deadline.request", unit=item.unit, owner_id=item.owner_id)
    _require_running(item)
    reason = clean_text(reason, "延期理由", max_len=TEXT_MAX)
    new_due = _extended_due(item, due, days)
    if new_due < today:
        raise RuleViolation(f"申请的新期限 {new_due.isoformat()} 早于今天 {today.isoformat()}")
    if _pending_request(uow, item) is not None:
        raise RuleViolation(f"{item.no} 已有待审批的延期申请，请等待审批结果")
    change = DeadlineChange(item_id=item.id, kind="extension", status="pending", old_due=item.due,
                            new_due=new_due, reason=reason, requested_by_id=who.id, requested_on=today)
    uow.session.add(change)
    uow.flush()
    _record(uow, who, item, today, "deadline_request", change, note=reason)
    uow.commit()
    return change_view(change, item)


def decide_extension(uow: UnitOfWork, login: str, request_id: int, *, approve: bool, note: str = "",
                     today: dt.date | None = None) -> dict:
    """Approve or refuse a pending 延期申请; approval moves ``due`` (``original_due`` stays)."""
    change = uow.session.get(DeadlineChange, request_id)
    if change is None or change.kind != "extension":
        raise NotFound(f"延期申请不存在：{request_id}")
    item = load_for_change(uow, uow.session.get(ProblemItem, change.item_id).no, None)
    uow.session.refresh(change)  # re-read under the campaign lock: of two concurrent decisions one wins
    today = business_date(item.campaign, today)
    who = actor(uow, login)
    permissions.require(who, "deadline.decide", unit=item.unit)
    if who.id == change.requested_by_id:
        raise permissions.PermissionDenied(
            f"{who.name}（{who.login}）是该延期申请的申请人，不能审批本人的申请（职责分离）")
    _separate_duties(who, item, "审批延期申请")
    if change.status != "pending":
        raise RuleViolation(f"延期申请 {change.id} 已{STATUS_LABELS[change.status]}，不能重复审批")
    _require_running(item)
    note = clean_text(note, "审批意见", max_len=TEXT_MAX, required=False)
    if approve and change.new_due <= item.due:
        raise RuleViolation(
            f"申请的新期限 {change.new_due.isoformat()} 不晚于现期限 {item.due.isoformat()}，无需延期")
    change.status = "approved" if approve else "refused"
    change.decided_by_id, change.decided_on = who.id, today
    if approve:
        change.old_due = item.due  # the deadline actually replaced, should it have moved since the request
        item.original_due = item.original_due or item.due
        item.due = change.new_due
    _record(uow, who, item, today, "deadline_approve" if approve else "deadline_refuse", change, note=note)
    uow.commit()
    return change_view(change, item)


def pause(uow: UnitOfWork, login: str, no: str, *, reason: str, today: dt.date | None = None,
          expect_version: int | None = None) -> dict:
    """挂起: stop the clock, e.g. while waiting on another authority."""
    item, who, today = _clock_change(uow, login, no, expect_version, today, "挂起整改期限")
    if item.paused_since is not None:
        raise RuleViolation(f"{item.no} 自 {item.paused_since.isoformat()} 起已挂起")
    reason = clean_text(reason, "挂起理由", max_len=TEXT_MAX)
    change = DeadlineChange(item_id=item.id, kind="pause", status="active", old_due=item.due, reason=reason,
                            requested_by_id=who.id, requested_on=today)
    uow.session.add(change)
    item.paused_since = today
    uow.flush()
    _record(uow, who, item, today, "deadline_pause", change, note=reason)
    uow.commit()
    return change_view(change, item)


def resume(uow: UnitOfWork, login: str, no: str, *, today: dt.date | None = None,
           expect_version: int | None = None) -> dict:
    """恢复: restart the clock; the deadline moves later by the working days spent paused."""
    item, who, today = _clock_change(uow, login, no, expect_version, today, "恢复整改期限")
    if item.paused_since is None:
        raise RuleViolation(f"{item.no} 未挂起，无需恢复")
    if today < item.paused_since:
        raise RuleViolation(f"恢复日期 {today.isoformat()} 早于挂起日期 {item.paused_since.isoformat()}")
    change = uow.session.scalar(select(DeadlineChange).where(
        DeadlineChange.item_id == item.id, DeadlineChange.kind == "pause", DeadlineChange.status == "active"))
    paused_days = work_calendar().workdays_between(item.paused_since, today)
    new_due = work_calendar().shift_by_paused(item.due, item.paused_since, today)
    change.status, change.old_due, change.new_due = "done", item.due, new_due
    change.decided_by_id, change.decided_on = who.id, today
    item.original_due = item.original_due or item.due
    item.due, item.paused_since = new_due, None
    _record(uow, who, item, today, "deadline_resume", change, note=f"挂起 {paused_days} 个工作日，期限顺延",
            paused_working_days=paused_days)
    uow.commit()
    return change_view(change, item)


def list_changes(uow: UnitOfWork, login: str, no: str | None = None, *, campaign: str | None = None) -> list[dict]:
    """Deadline changes of one item, or of the whole campaign, oldest first."""
    permissions.require(actor(uow, login), "read")
    query = select(DeadlineChange, ProblemItem).join(ProblemItem).order_by(DeadlineChange.id)
    if no:
        query = query.where(ProblemItem.no == uow.items.get(no).no)
    else:
        query = query.where(ProblemItem.campaign_id == uow.campaigns.only_or(campaign).id)
    return [change_view(change, item) for change, item in uow.session.execute(query)]


def change_view(change: DeadlineChange, item: ProblemItem) -> dict:
    return {
        "id": change.id,
        "no": item.no,
        "kind": change.kind,
        "kind_label": KIND_LABELS.get(change.kind, change.kind),
        "status": change.status,
        "status_label": STATUS_LABELS.get(change.status, change.status),
        "old_due": _iso(change.old_due),
        "new_due": _iso(change.new_due),
        "reason": change.reason,
        "requested_by": _login(item, change.requested_by_id),
        "requested_on": _iso(change.requested_on),
        "decided_by": _login(item, change.decided_by_id),
        "decided_on": _iso(change.decided_on),
        "item_version": item.version,
        "original_due": _iso(item.original_due),
        "due": _iso(item.due),
        "paused_since": _iso(item.paused_since),
    }


def _separate_duties(who: Person, item: ProblemItem, what: str) -> None:
    if who.id in (item.owner_id, item.reporter_id):
        relation = "责任人" if who.id == item.owner_id else "登记人"
        raise permissions.PermissionDenied(
            f"{who.name}（{who.login}）是 {item.no} 的{relation}，不能对本人负责或登记的问题{what}（职责分离）")


def _clock_change(uow: UnitOfWork, login: str, no: str, expect_version, today, what: str):
    """Pause and resume share their checks: lock, role, running deadline, not one's own item."""
    item = load_for_change(uow, no, expect_version)
    today = business_date(item.campaign, today)
    who = actor(uow, login)
    permissions.require(who, "deadline.pause", unit=item.unit)
    _require_running(item)
    _separate_duties(who, item, what)
    return item, who, today


def _require_running(item: ProblemItem) -> None:
    if item.state not in DEADLINE_STATES or item.due is None:
        raise RuleViolation(
            f"{item.no} 当前状态「{ITEM.label(item.state)}」不能变更整改期限（仅限已交办、整改中的问题）")


def _extended_due(item: ProblemItem, due: dt.date | None, days: int | None) -> dt.date:
    if (due is None) == (days is None):
        raise BadInput("须且只能给出 --due 新期限 或 --days 顺延工作日数 其中之一")
    if days is not None:
        if not 1 <= days <= 250:
            raise BadInput(f"顺延工作日数应在 1–250 之间，实为 {days}")
        return work_calendar().add_workdays(item.due, days)
    if due <= item.due:
        raise BadInput(f"新期限 {due.isoformat()} 应晚于现期限 {item.due.isoformat()}")
    return due


def _pending_request(uow: UnitOfWork, item: ProblemItem) -> DeadlineChange | None:
    return uow.session.scalar(select(DeadlineChange).where(
        DeadlineChange.item_id == item.id, DeadlineChange.kind == "extension", DeadlineChange.status == "pending"))


def _record(uow: UnitOfWork, who, item: ProblemItem, today: dt.date, trigger: str, change: DeadlineChange, *,
            note: str, **extra) -> None:
    uow.record(chain=item_chain(item), actor=who.login, today=today, trigger=trigger, item=item,
               campaign_id=item.campaign_id, note=note,
               payload={"change": change.id, "kind": change.kind, "status": change.status,
                        "old_due": _iso(change.old_due), "new_due": _iso(change.new_due), **extra})


def _login(item: ProblemItem, person_id: int | None) -> str | None:
    # Session.get reads the identity map first, so a listing costs one query per distinct person.
    return object_session(item).get(Person, person_id).login if person_id is not None else None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
