"""Lifecycle of an opinion (意见建议) from a 座谈会, 走访, 问卷 or 征求意见表.

open 待处理 → item 已立为问题 | merged 已并入问题 | dismissed 不予采纳. The office decides each
opinion's fate as it triages a report (the same facts and item guard); several opinions may
become one item; a dismissal needs a reason.
"""

from __future__ import annotations

from duban.errors import RuleViolation
from statemachines.base import Lifecycle, Transition
from statemachines.report import ReportFacts as OpinionFacts, names_an_item

__all__ = ["OPINION", "OpinionFacts"]


def gives_a_reason(f: OpinionFacts) -> None:
    if not f.reason.strip():
        raise RuleViolation("不予采纳须写明理由")


OPINION = Lifecycle(
    name="opinion",
    states={"open": "待处理", "item": "已立为问题", "merged": "已并入问题", "dismissed": "不予采纳"},
    triggers={"accept": "立为问题", "merge": "并入问题", "dismiss": "不予采纳"},
    transitions=[
        Transition("accept", ("open",), "item", (names_an_item,)),
        Transition("merge", ("open",), "merged", (names_an_item,)),
        Transition("dismiss", ("open",), "dismissed", (gives_a_reason,)),
    ],
    initial="open",
    final=frozenset({"item", "merged", "dismissed"}),
)
