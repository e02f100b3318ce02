"""The accountability ladder: grades (情节) and measures (问责措施), commendation."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from duban.errors import NotFound
from duban.plan.fields import Code, Count, PlanIssue, PlanModel, Text, check_unique

Target = Literal["person", "unit", "both"]


class Grade(PlanModel):
    """Severity grade (情节), ordered from lightest to heaviest."""

    code: Code
    name: Text
    description: str = ""


class Sanction(PlanModel):
    """One sanction a measure may decide (纪律处分: 警告、记过……; 组织处理: 调整岗位、免职……).

    ``name`` reads after 给予 in the decision (e.g. 警告处分, 免职处理); ``regulation`` the
    provision it rests on when it differs from the measure's."""

    name: Text
    regulation: str | None = None


def _sanction_entry(value):
    return {"name": value} if isinstance(value, str) else value


class Measure(PlanModel):
    """An accountability measure (问责措施), e.g. 诫勉谈话."""

    code: Code
    name: Text
    grade: Code
    target: Target
    document: Code | None = None  # document kind issued, e.g. admonition_notice
    document_title: str | None = None  # its Chinese title, e.g. 诫勉谈话通知书
    deadline_working_days: Count | None = None  # 限期整改/答复
    needs_leader_approval: bool = False
    regulation: str | None = None  # what a decision rests on, e.g. 《……条例》第×条
    # the decision names one of these (a list, or names); empty: the measure itself is the decision
    sanctions: list[Annotated[Sanction, BeforeValidator(_sanction_entry)]] = []

    @model_validator(mode="after")
    def _check(self) -> Measure:
        if bool(self.document) != bool(self.document_title):
            field = "document_title" if self.document else "document"
            raise PlanIssue((field,), "document 与 document_title 须同时填写或同时为空")
        check_unique(self.sanctions, ("sanctions",), attr="name")
        return self

    def sanction(self, key: str) -> Sanction:
        for sanction in self.sanctions:
            if sanction.name == key.strip():
                return sanction
        raise NotFound(f"“{self.name}”没有“{key.strip()}”这一种类（可选：{'、'.join(s.name for s in self.sanctions)}）")


class Commendation(PlanModel):
    """表彰先进典型: recorded like a measure, but positive."""

    name: Text
    target: Target = "both"
    document: Code | None = None
    document_title: str | None = None
    needs_leader_approval: bool = True


class Accountability(PlanModel):
    grades: list[Grade] = Field(min_length=1)
    measures: list[Measure] = Field(min_length=1)
    commendation: Commendation | None = None
    # Measure proposed for a unit running the campaign poorly (case propose-units); none: no such proposals.
    unit_measure: Code | None = None

    @model_validator(mode="after")
    def _check(self) -> Accountability:
        check_unique(self.grades, ("grades",))
        check_unique(self.measures, ("measures",))
        if self.unit_measure is not None:
            found = next((m for m in self.measures if m.code == self.unit_measure), None)
            if found is None:
                raise PlanIssue(("unit_measure",), f"未知问责措施（{self.unit_measure}），请先在 measures 中定义")
            if found.target == "person":
                raise PlanIssue(("unit_measure",), f"问责措施「{found.name}」只适用于个人，不能用于单位")
        known = [grade.code for grade in self.grades]
        for index, measure in enumerate(self.measures):
            if measure.grade not in known:
                raise PlanIssue(
                    ("measures", index, "grade"),
                    f"未知情节等级（{measure.grade}），可选：{'、'.join(known)}",
                )
        return self

    def grade_rank(self, code: str) -> int:
        """0 for the lightest grade; higher is heavier."""
        for rank, grade in enumerate(self.grades):
            if grade.code == code:
                return rank
        raise NotFound(f"未知情节等级：{code}")

    def measure(self, code: str) -> Measure:
        for measure in self.measures:
            if measure.code == code:
                return measure
        raise NotFound(f"未知问责措施：{code}")

    def measures_for(self, grade: str) -> list[Measure]:
        return [measure for measure in self.measures if measure.grade == grade]
