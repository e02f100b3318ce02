"""The whole plan: identity, basis, categories, sources and the parts it is made of."""

from __future__ import annotations

from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from duban.plan.accountability import Accountability, Measure
from duban.plan.documents import Issuing, UnitCategory, check_document_kinds, check_unit_categories
from duban.plan.fields import (
    CampaignCode,
    Code,
    DocPrefix,
    IsoDate,
    Phone,
    PlanIssue,
    PlanModel,
    Prose,
    Text,
    check_unique,
    find,
)
from duban.plan.organization import Organization
from duban.plan.phases import Phase
from duban.plan.publication import Publication
from duban.plan.rules import Rules


class DocumentRef(PlanModel):
    """A document the plan is based on (依据文件)."""

    issuer: Text
    title: Text
    number: Text  # 文号, e.g. 兰组通字〔2015〕57号


class Clause(PlanModel):
    """A titled paragraph: a principle (基本原则) or a work requirement (工作要求)."""

    title: Text
    text: Prose = ""


class Category(PlanModel):
    """One problem category (整治任务), e.g. 工作能力上的“庸”."""

    code: Code
    name: Text
    title: Text
    manifestations: list[Text] = Field(min_length=1)


class Source(PlanModel):
    """Where a problem came from (问题来源), e.g. 座谈会, 暗访, 举报电话."""

    code: Code
    name: Text


class CampaignPlan(PlanModel):
    format_version: Literal[1] = 1
    code: CampaignCode
    name: Text
    title: str = ""  # the plan's own title, e.g. 关于开展……活动的实施意见; default: name + 实施方案
    kind: Text = "专项工作"  # what the campaign is called in running text, e.g. 效能建设活动
    issuer: Text  # 发文机关全称
    issuer_short: Text
    doc_prefix: DocPrefix  # 发文字号前缀, e.g. 某建效
    # 发文字号前缀 per document kind, e.g. {circulated_criticism: 某建通}; a kind not
    # listed gets doc_prefix plus its mark (duban.documents.prefixes.KIND_MARKS).
    document_prefixes: dict[Code, DocPrefix] = {}
    basis: list[DocumentRef] = []  # 依据文件; one mapping or a list
    start: IsoDate
    end: IsoDate
    timezone: Text = "Asia/Shanghai"
    guiding_idea: Prose = ""
    principles: list[Clause] = []
    goals: Prose = ""
    categories: list[Category] = Field(min_length=1)
    phases: list[Phase] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    default_source: Code | None = None  # source of `item add` without --source; none: --source is required
    rules: Rules = Rules()
    accountability: Accountability
    organization: Organization
    hotlines: list[Phone] = []
    requirements: list[Clause] = []
    unit_categories: list[UnitCategory] = []  # 单位类别 and their 主送; empty = any
    issuing: Issuing = Issuing()
    publication: Publication = Publication()  # 公开: whose names may appear (default nobody's)

    @field_validator("basis", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return [value] if isinstance(value, dict) else ([] if value is None else value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise PlanIssue((), f"未知时区（{value}）") from None
        return value

    @model_validator(mode="after")
    def _check(self) -> CampaignPlan:
        if self.end < self.start:
            raise PlanIssue(("end",), f"结束日期（{self.end}）早于开始日期（{self.start}）")
        check_unique(self.categories, ("categories",))
        check_unique(self.sources, ("sources",))
        check_unique(self.phases, ("phases",))
        self._check_document_prefixes()
        self._check_phase_dates()
        self._check_references()
        check_unit_categories(self.unit_categories)
        check_document_kinds(self.accountability)
        if not self.title:
            self.title = self.name if self.name.endswith(("方案", "意见")) else self.name + "实施方案"
        self.issuing = self.issuing.completed(
            self.issuer, self.organization.office.name, self.organization.leading_group.name)
        return self

    def _check_document_prefixes(self) -> None:
        from duban.documents.kinds import KINDS  # plain data, no renderer
        from duban.documents.prefixes import prefixes_by_kind, shared_prefixes

        numbered = [code for code, spec in KINDS.items() if spec.has_doc_number]
        for kind in self.document_prefixes:
            if kind not in numbered:
                raise PlanIssue(("document_prefixes", kind), f"未知或不编发文字号的文书种类，可选：{'、'.join(numbered)}")
        # Two kinds on one prefix would print the same 发文字号 on two documents; a kind the
        # plan does not list takes doc_prefix plus its mark, so that counts too.
        for prefix, kinds in shared_prefixes(prefixes_by_kind(self.doc_prefix, self.document_prefixes)).items():
            listed = [kind for kind in self.document_prefixes if kind in kinds]
            where = ("document_prefixes", listed[-1]) if listed else ("doc_prefix",)
            others = "、".join(f"{KINDS[kind].name}（{kind}）" for kind in kinds if where[-1] != kind)
            raise PlanIssue(where, f"前缀“{prefix}”已用于{others}，各类文书须用不同前缀")

    def _check_phase_dates(self) -> None:
        previous: Phase | None = None
        for index, phase in enumerate(self.phases):
            if phase.start < self.start:
                raise PlanIssue(
                    ("phases", index, "start"),
                    f"阶段开始日期（{phase.start}）早于整治开始日期（{self.start}）",
                )
            if phase.end > self.end:
                raise PlanIssue(
                    ("phases", index, "end"),
                    f"阶段结束日期（{phase.end}）晚于整治结束日期（{self.end}）",
                )
            if previous and phase.start <= previous.end:
                raise PlanIssue(
                    ("phases", index, "start"),
                    f"与上一阶段“{previous.name}”（至 {previous.end}）重叠或顺序颠倒",
                )
            previous = phase

    def _check_references(self) -> None:
        sources = {source.code for source in self.sources}
        if self.default_source is not None and self.default_source not in sources:
            raise PlanIssue(("default_source",), f"未知问题来源（{self.default_source}），请先在 sources 中定义")
        for p, phase in enumerate(self.phases):
            for d, duty in enumerate(phase.duties):
                for s, source in enumerate(duty.sources):
                    if source not in sources:
                        raise PlanIssue(
                            ("phases", p, "duties", d, "sources", s),
                            f"未知问题来源（{source}），请先在 sources 中定义",
                        )
        codes: dict[str, str] = {}
        for p, phase in enumerate(self.phases):
            for d, duty in enumerate(phase.duties):
                for i, deliverable in enumerate(duty.deliverables):
                    if deliverable.code in codes:
                        raise PlanIssue(("phases", p, "duties", d, "deliverables", i, "code"),
                                        f"长效机制编码重复（{deliverable.code}，已见于阶段 {codes[deliverable.code]}）")
                    codes[deliverable.code] = phase.code
                    if deliverable.due is not None and not phase.start <= deliverable.due <= self.end:
                        raise PlanIssue(("phases", p, "duties", d, "deliverables", i, "due"),
                                        f"完成期限（{deliverable.due}）应在阶段开始（{phase.start}）至整治结束（{self.end}）之间")
        case_measure = self.rules.escalation.case_measure
        if case_measure and case_measure not in {m.code for m in self.accountability.measures}:
            raise PlanIssue(
                ("rules", "escalation", "case_measure"),
                f"未知问责措施（{case_measure}），请先在 accountability.measures 中定义",
            )

    # --- lookups services use ---

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def phase_on(self, day: date) -> Phase | None:
        return next((p for p in self.phases if p.start <= day <= p.end), None)

    def phase(self, code: str) -> Phase:
        return find(self.phases, code, "阶段")

    def category(self, code: str) -> Category:
        return find(self.categories, code, "整治类别")

    def source(self, code: str) -> Source:
        return find(self.sources, code, "问题来源")

    def measure(self, code: str) -> Measure:
        return self.accountability.measure(code)
