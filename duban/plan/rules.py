"""Numeric rules: traffic lights, escalation, 回头看, spot checks, satisfaction."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from duban.plan.fields import Code, Count, PlanIssue, PlanModel, Text


class Escalation(PlanModel):
    remind_at_yellow: bool = True  # 催办 when an item turns yellow
    supervise_at_red: bool = True  # 督办单 one level up when overdue, at least `interval` after the 催办
    interval_working_days: Count = 2  # at least this long between 催办 and 督办 (one level at a time)
    case_after_working_days: Count = 5  # grace after the 督办, then propose a case
    case_measure: Code | None = None  # measure suggested for such a case


class RecheckRules(PlanModel):
    after_working_days: Count = 10  # 回头看 this long after verification
    sample_ratio: float = Field(default=0.2, gt=0, le=1)


class SpotCheckRules(PlanModel):
    sample_size: Count = 3
    frequency_working_days: Count = 5
    seed_salt: Text = "spot-check"  # mixed into every draw's seed (the secret makes it unpredictable)
    unit_kinds: list[Text] | None = None  # kinds of unit a spot check may draw (default: every kind)
    # Units where someone of these roles works are not drawn: they check, they are not checked.
    exclude_roles: list[Literal["leader", "deputy_leader", "office", "unit_head", "cadre"]] = [
        "leader", "deputy_leader", "office"]


class SatisfactionRules(PlanModel):
    """Evaluation (满意度测评、作风评议 …): who is evaluated, how, the pass mark and what a failure brings."""

    pass_score: float = Field(default=80, ge=0)
    max_score: float = Field(default=100, gt=0)
    publish: bool = True  # 向社会公开测评结果
    methods: list[Text] = []  # 测评方式 (电话抽查、问卷调查、民主测评 …); empty: any
    unit_kinds: list[Text] | None = None  # kinds of unit evaluated (default: every kind)
    serves_public: bool = False  # only units that directly serve the public (民生)
    # On a failing score the unit always gets a rectification item; besides, per this list:
    # inquiry: a 质询 to the unit's head; spot_check / discipline_check: a targeted check of the
    # unit, visited with that duty's checklist.
    on_fail: list[Literal["inquiry", "spot_check", "discipline_check"]] = []
    rectify_working_days: Count | None = None  # the item's deadline (default: default_rectify_working_days)
    inquiry_working_days: Count = 5  # the 质询's answer is due this many working days later

    @model_validator(mode="after")
    def _check(self) -> SatisfactionRules:
        if self.pass_score > self.max_score:
            raise PlanIssue(("pass_score",), f"合格分（{self.pass_score}）高于满分（{self.max_score}）")
        if len({*self.on_fail} & {"spot_check", "discipline_check"}) > 1:
            raise PlanIssue(("on_fail",), "不合格单位只能安排一种检查（spot_check 或 discipline_check）")
        for field in ("methods", "on_fail"):
            values = getattr(self, field)
            twice = next((v for i, v in enumerate(values) if v in values[:i]), None)
            if twice is not None:
                raise PlanIssue((field,), f"重复：{twice}")
        if any(len(m) > 16 for m in self.methods):
            raise PlanIssue(("methods",), "测评方式名称最长 16 个字")
        return self


class ReportRules(PlanModel):
    handling_working_days: Count = 10  # 举报受理后的办理时限（工作日）
    reveal_roles: list[Literal["leader", "deputy_leader", "office"]] = ["office"]  # 可查看举报人身份的角色
    lookups_per_hour: Count = 10  # 查询码查询失败次数上限（每小时）


class Rules(PlanModel):
    workday_calendar: Literal["chinese_statutory", "weekdays"] = "chinese_statutory"
    yellow_working_days: Count = 3  # ≤ this many working days left → yellow
    default_rectify_working_days: Count = 15
    escalation: Escalation = Escalation()
    recheck: RecheckRules = RecheckRules()
    spot_check: SpotCheckRules = SpotCheckRules()
    satisfaction: SatisfactionRules = SatisfactionRules()
    reports: ReportRules = ReportRules()

    @model_validator(mode="after")
    def _check(self) -> Rules:
        if self.yellow_working_days >= self.default_rectify_working_days:
            raise PlanIssue(("yellow_working_days",), "黄灯天数应小于默认整改时限")
        return self
