"""Lifecycle of an accountability case (问责案件).

proposed 已立案（拟问责） → investigating 调查核实 → decided 已作出处理决定 → approved 已批准 →
executed 已执行 → closed 已结案; dismissed 已撤销 before approval; the subject may
appeal an executed decision once, and 领导小组 upholds, overturns or changes it.
Severity follows the plan's ladder (seed §五(二)2, §六(三)): the measure's grade
may not be lighter than the case's minimum grade (raised for repeat offences).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from duban.errors import RuleViolation
from statemachines.base import Lifecycle, Transition


@dataclass(frozen=True)
class CaseFacts:
    """What the guards may look at: the case as it will be after the change."""

    today: dt.date
    subject_kind: str = "person"  # person | unit
    measure: str | None = None  # chosen measure's Chinese name
    measure_target: str = "both"  # person | unit | both
    measure_rank: int = 0  # its grade, 0 = lightest
    previous_measure: str | None = None  # the measure being changed on appeal
    min_rank: int = 0
    min_grade_name: str = ""
    needs_deadline: bool = False
    due: dt.date | None = None
    reason: str = ""
    appeals_on_decision: int = 0  # appeals already lodged against the current decision


def measure_chosen(f: CaseFacts) -> None:
    if not f.measure:
        raise RuleViolation("作出处理决定须选定问责措施")


def measure_fits_subject(f: CaseFacts) -> None:
    if f.measure_target not in (f.subject_kind, "both"):
        who = {"person": "个人", "unit": "单位"}
        raise RuleViolation(f"问责措施「{f.measure}」只适用于{who[f.measure_target]}，本案被问责对象是{who[f.subject_kind]}")


def measure_heavy_enough(f: CaseFacts) -> None:
    if f.measure_rank < f.min_rank:
        raise RuleViolation(f"问责措施「{f.measure}」轻于本案最低情节等级「{f.min_grade_name}」（屡教不改或问题反弹须从重）")


def deadline_set(f: CaseFacts) -> None:
    if f.needs_deadline and f.due is None:
        raise RuleViolation(f"问责措施「{f.measure}」须限期整改，请给出期限")
    if f.due is not None and f.due < f.today:
        raise RuleViolation(f"期限 {f.due.isoformat()} 早于今天 {f.today.isoformat()}")


def measure_differs(f: CaseFacts) -> None:
    if f.measure == f.previous_measure:
        raise RuleViolation(f"变更处理须选择不同于原措施「{f.previous_measure}」的措施")


def reason_given(f: CaseFacts) -> None:
    if not f.reason.strip():
        raise RuleViolation("须说明理由")


def first_appeal(f: CaseFacts) -> None:
    if f.appeals_on_decision:
        raise RuleViolation("同一处理决定只能申诉一次")


DECISION_GUARDS = (measure_chosen, measure_fits_subject, measure_heavy_enough, deadline_set)

CASE = Lifecycle(
    name="accountability_case",
    states={
        "proposed": "已立案",
        "investigating": "调查核实",
        "decided": "已作出处理决定",
        "approved": "已批准",
        "executed": "已执行",
        "appealed": "申诉中",
        "closed": "已结案",
        "dismissed": "已撤销",
    },
    triggers={
        "investigate": "调查核实",
        "decide": "作出处理决定",
        "send_back": "退回重新决定",
        "approve": "批准",
        "execute": "执行（文书送达）",
        "close": "结案",
        "dismiss": "撤销问责",
        "appeal": "申诉",
        "uphold": "申诉驳回（维持原决定）",
        "overturn": "申诉成立（撤销问责）",
        "change": "变更处理",
    },
    transitions=[
        Transition("investigate", ("proposed",), "investigating"),
        Transition("decide", ("investigating",), "decided", DECISION_GUARDS),
        Transition("send_back", ("decided",), "investigating", (reason_given,)),
        Transition("approve", ("decided",), "approved"),
        Transition("execute", ("approved",), "executed"),
        Transition("close", ("executed",), "closed"),
        Transition("dismiss", ("proposed", "investigating", "decided"), "dismissed", (reason_given,)),
        Transition("appeal", ("executed",), "appealed", (reason_given, first_appeal)),
        Transition("uphold", ("appealed",), "executed", (reason_given,)),
        Transition("overturn", ("appealed",), "dismissed", (reason_given,)),
        Transition("change", ("appealed",), "decided", (reason_given, *DECISION_GUARDS, measure_differs)),
    ],
    initial="proposed",
    final=frozenset({"closed", "dismissed"}),
)

OPEN_STATES = tuple(s for s in CASE.states if s not in CASE.final)
APPEAL_OUTCOMES = {"upheld": "uphold", "overturned": "overturn", "changed": "change"}
