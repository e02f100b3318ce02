"""Phases and the duties the software performs in each (阶段与工作职责)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from duban.plan.fields import (
    Code,
    Count,
    IsoDate,
    PlanIssue,
    PlanModel,
    Prose,
    Text,
    check_unique,
)


class DutyCode(StrEnum):
    """What the software does during a phase; fixed because code implements each."""

    STUDY = "study"
    PROBLEM_LISTS = "problem_lists"
    COLLECT_OPINIONS = "collect_opinions"
    SWEEP = "sweep"
    SPOT_CHECK = "spot_check"
    DISCIPLINE_CHECK = "discipline_check"
    REPORTS = "reports"
    ACCOUNTABILITY = "accountability"
    PUBLISH = "publish"
    SATISFACTION = "satisfaction"
    MECHANISMS = "mechanisms"
    RECHECK = "recheck"


# Optional duty parameters and the duties they make sense for. ``sources`` is
# allowed on every duty: the problem sources recorded while it runs.
_DUTY_PARAMETERS: dict[str, set[DutyCode]] = {
    "topics": {DutyCode.STUDY},
    "forms": {DutyCode.STUDY},
    "deliverables": {DutyCode.MECHANISMS},
    "comparisons": {DutyCode.PROBLEM_LISTS},
    "levels": {DutyCode.PROBLEM_LISTS},
    "respondents": {DutyCode.COLLECT_OPINIONS},
    "unit_kinds": {DutyCode.COLLECT_OPINIONS},
    "channels": {DutyCode.PUBLISH, DutyCode.SATISFACTION},
    "sample_size": {DutyCode.SPOT_CHECK, DutyCode.DISCIPLINE_CHECK},
    "frequency_working_days": {DutyCode.SPOT_CHECK, DutyCode.DISCIPLINE_CHECK},
    "checklist": {DutyCode.SPOT_CHECK, DutyCode.DISCIPLINE_CHECK},
}


class Deliverable(PlanModel):
    """A long-term mechanism (长效机制) the plan asks for, e.g. 严肃组织纪律制度."""

    code: Code
    name: Text
    description: Prose = ""
    due: IsoDate | None = None  # 完成期限; default: the end of the phase that asks for it


class ListLevel(PlanModel):
    """A level a problem list is drawn up at (层面), and who approves lists at that level."""

    name: Text
    reviewed_by: Literal["unit_head", "leading_group"] = "unit_head"


class Duty(PlanModel):
    code: DutyCode
    name: Text
    description: Prose = ""
    sources: list[Code] = []
    topics: list[Text] = []  # study: 学习专题
    forms: list[Text] = []  # study: 学习形式 (党组会、中心组会议、自学 …); empty: any form
    deliverables: list[Deliverable] = []  # mechanisms: 建立的长效机制
    channels: list[Text] = []  # publish/satisfaction: 公开载体
    comparisons: list[Text] = []  # problem_lists: 对照 (e.g. 四个对照), drop-down in the list template
    levels: list[ListLevel] = []  # problem_lists: 层面 (行业系统、领导班子、党员干部 …)
    respondents: list[Text] = []  # collect_opinions: 意见提出者类别 (工作对象、服务对象 …); empty: any
    unit_kinds: list[Text] = []  # collect_opinions: kinds of unit asked to collect opinions; empty: every kind
    sample_size: Count | None = None  # overrides rules.spot_check.sample_size
    frequency_working_days: Count | None = None  # overrides rules.spot_check
    checklist: list[Text] = []  # spot_check/discipline_check: what a visit checks (上下班纪律、办公秩序 …)

    @model_validator(mode="after")
    def _parameters_fit_duty(self) -> Duty:
        for parameter, duties in _DUTY_PARAMETERS.items():
            if getattr(self, parameter) and self.code not in duties:
                raise PlanIssue((parameter,), f"职责 {self.code} 不使用此参数")
        return self


class Phase(PlanModel):
    code: Code
    name: Text
    start: IsoDate
    end: IsoDate
    description: Prose = ""
    duties: list[Duty] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Phase:
        if self.end < self.start:
            raise PlanIssue(("end",), f"结束日期（{self.end}）早于开始日期（{self.start}）")
        check_unique(self.duties, ("duties",))
        for d, duty in enumerate(self.duties):
            check_unique(duty.deliverables, ("duties", d, "deliverables"))
            for field in ("topics", "forms", "respondents", "checklist", "unit_kinds"):
                values = getattr(duty, field)
                twice = next((v for i, v in enumerate(values) if v in values[:i]), None)
                if twice is not None:
                    raise PlanIssue(("duties", d, field), f"重复：{twice}")
        return self

    def has_duty(self, code: str) -> bool:
        return any(duty.code == code for duty in self.duties)

    def duty(self, code: str) -> Duty | None:
        return next((duty for duty in self.duties if duty.code == code), None)
