"""Lifecycle of a report (举报) from a hotline or mailbox.

received 已受理 → item 已立为问题 | merged 已并入问题 | unfounded 不属实. The office triages
within the plan's handling deadline; an unfounded report needs a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from duban.errors import RuleViolation
from statemachines.base import Lifecycle, Transition


@dataclass(frozen=True)
class ReportFacts:
    item_no: str | None = None
    reason: str = ""


def names_an_item(f: ReportFacts) -> None:
    if not f.item_no:
        raise RuleViolation("立为问题或并入问题须指明整改问题")


def gives_a_reason(f: ReportFacts) -> None:
    if not f.reason.strip():
        raise RuleViolation("认定不属实须写明理由")


REPORT = Lifecycle(
    name="report",
    states={"received": "已受理", "item": "已立为问题", "merged": "已并入问题", "unfounded": "不属实"},
    triggers={"accept": "立为问题", "merge": "并入问题", "dismiss": "认定不属实"},
    transitions=[
        Transition("accept", ("received",), "item", (names_an_item,)),
        Transition("merge", ("received",), "merged", (names_an_item,)),
        Transition("dismiss", ("received",), "unfounded", (gives_a_reason,)),
    ],
    initial="received",
    final=frozenset({"item", "merged", "unfounded"}),
)
