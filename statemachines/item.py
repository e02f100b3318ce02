"""Lifecycle of a problem item (整改问题).

identified 已查摆 → assigned 已交办 → rectifying 整改中 → submitted 待验收 →
verified 已销号 → rechecked 回头看通过, with reject, relapse, reopen and withdraw. No
state is final: 回头看通过 can still relapse, and a withdrawn item can be reopened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from duban.errors import RuleViolation
from statemachines.base import Lifecycle, Transition


@dataclass(frozen=True)
class ItemFacts:
    """What the guards may look at: the row as it will be after the change."""

    today: dt.date
    has_owner: bool = False
    due: dt.date | None = None
    evidence_count: int = 0
    reason: str = ""
    document_required: bool = False  # a long-term mechanism is judged on its adopted document
    document_given: bool = False


def owner_and_deadline_given(f: ItemFacts) -> None:
    if not f.has_owner:
        raise RuleViolation("交办须指定责任人")
    if f.due is None:
        raise RuleViolation("交办须指定整改期限")


def deadline_not_past(f: ItemFacts) -> None:
    if f.due is not None and f.due < f.today:
        raise RuleViolation(f"整改期限 {f.due.isoformat()} 早于今天 {f.today.isoformat()}")


def new_deadline_given(f: ItemFacts) -> None:
    if f.due is None:
        raise RuleViolation("须给出新的整改期限")
    deadline_not_past(f)


def evidence_attached(f: ItemFacts) -> None:
    if f.evidence_count < 1:
        raise RuleViolation("没有整改佐证材料，不能提交或验收销号")


def adopted_document_given(f: ItemFacts) -> None:
    if f.document_required and not f.document_given:
        raise RuleViolation("长效机制须先上传制度文件（duban mechanism adopt），才能提交或验收销号")


def reason_given(f: ItemFacts) -> None:
    if not f.reason.strip():
        raise RuleViolation("须说明理由")


OPEN = ("identified", "assigned", "rectifying", "submitted")

ITEM = Lifecycle(
    name="problem_item",
    states={
        "identified": "已查摆",
        "assigned": "已交办",
        "rectifying": "整改中",
        "submitted": "待验收",
        "verified": "已销号",
        "rechecked": "回头看通过",
        "withdrawn": "已撤销",
    },
    triggers={
        "assign": "交办",
        "start": "开始整改",
        "submit": "提交验收",
        "verify": "验收销号",
        "reject": "退回整改",
        "recheck": "回头看通过",
        "relapse": "问题反弹",
        "reopen": "重新打开",
        "withdraw": "撤销",
    },
    transitions=[
        Transition("assign", ("identified",), "assigned", (owner_and_deadline_given, deadline_not_past)),
        Transition("start", ("assigned",), "rectifying"),
        Transition("submit", ("rectifying",), "submitted", (evidence_attached, adopted_document_given)),
        Transition("verify", ("submitted",), "verified", (evidence_attached, adopted_document_given)),
        Transition("reject", ("submitted",), "rectifying", (reason_given,)),
        Transition("recheck", ("verified",), "rechecked"),
        Transition("relapse", ("verified", "rechecked"), "rectifying", (reason_given, new_deadline_given)),
        Transition("reopen", ("verified", "rechecked"), "rectifying", (reason_given, new_deadline_given)),
        Transition("reopen", ("withdrawn",), "identified", (reason_given,)),
        Transition("withdraw", OPEN, "withdrawn", (reason_given,)),
    ],
    initial="identified",
    # No state is final: a relapse takes 回头看通过 back to 整改中, and the office reopens what was withdrawn.
    final=frozenset(),
)

# States in which the item's deadline is running (traffic lights apply).
DEADLINE_STATES = ("assigned", "rectifying")
CLOSED_STATES = ("verified", "rechecked", "withdrawn")
