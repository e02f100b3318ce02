"""The campaign plan (专项整治实施方案) as data.

A plan is a YAML file (see campaigns/README.md). ``load_plan`` reads it and
returns a validated ``CampaignPlan``; every problem becomes one ``BadInput``
line naming the file, the YAML line and the field path, e.g.
``campaigns/x.yaml 第12行 phases[1].start：日期无效（2015-02-30）``.

Nothing here knows about a particular campaign, year or bureau.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from duban.errors import BadInput, NotFound

Loc = tuple[str | int, ...]


class PlanIssue(ValueError):
    """A semantic problem; ``loc`` is relative to the model that raised it."""

    def __init__(self, loc: Loc, message: str):
        super().__init__(message)
        self.loc = loc
        self.message = message


# --- field types -----------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> date:
    # Only YYYY-MM-DD: pydantic would otherwise read integers as Unix timestamps.
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
        raise PlanIssue((), f"日期无效（{value.strip()}）")
    raise PlanIssue((), f"日期无效（{value}），应为 YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]

# YAML folds a wrapped line into a single space; between two Chinese characters
# that space is an artefact, so prose fields drop it.
_FOLD_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
Prose = Annotated[str, AfterValidator(lambda text: _FOLD_SPACE.sub("", text))]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Text = Annotated[str, Field(min_length=1)]
Count = Annotated[int, Field(ge=1)]  # working days, sample sizes
Phone = Annotated[str, Field(pattern=r"^[0-9][0-9-]{2,19}$")]
CampaignCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{2,32}$")]


# 发文字号 prefixes name the document files (documents/<year>/<kind>/<发文字号>-r1.pdf).
_UNSAFE_IN_PATH = re.compile(r"[/\\\x00-\x1f\x7f-\x9f]|\.\.")


def _safe_in_path(text: str) -> str:
    if _UNSAFE_IN_PATH.search(text):
        raise PlanIssue((), f"不能含有 /、\\、..、空字符或控制字符（{text!r}），发文字号要用作文件名")
    return text


DocPrefix = Annotated[Text, AfterValidator(_safe_in_path)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True
    )


def _check_unique(items: Iterable[Any], loc: Loc, attr: str = "code") -> None:
    seen: set[Any] = set()
    for index, item in enumerate(items):
        key = getattr(item, attr)
        if key in seen:
            raise PlanIssue((*loc, index, attr), f"代码重复（{key}）")
        seen.add(key)


# --- plan parts --------------------------------------------------------------


class DocumentRef(_Model):
    """A document the plan is based on (依据文件)."""

    issuer: Text
    title: Text
    number: Text  # 文号, e.g. 兰组通字〔2015〕57号


class Clause(_Model):
    """A titled paragraph: a principle (基本原则) or a work requirement (工作要求)."""

    title: Text
    text: Prose = ""


class Category(_Model):
    """One problem category (整治任务), e.g. 工作能力上的“庸”."""

    code: Code
    name: Text
    title: Text
    manifestations: list[Text] = Field(min_length=1)


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
    "channels": {DutyCode.PUBLISH, DutyCode.SATISFACTION},
    "sample_size": {DutyCode.SPOT_CHECK, DutyCode.DISCIPLINE_CHECK},
    "frequency_working_days": {DutyCode.SPOT_CHECK, DutyCode.DISCIPLINE_CHECK},
}


class Duty(_Model):
    code: DutyCode
    name: Text
    description: Prose = ""
    sources: list[Code] = []
    topics: list[Text] = []  # study: 学习专题
    channels: list[Text] = []  # publish/satisfaction: 公开载体
    sample_size: Count | None = None  # overrides rules.spot_check.sample_size
    frequency_working_days: Count | None = None  # overrides rules.spot_check

    @model_validator(mode="after")
    def _parameters_fit_duty(self) -> Duty:
        for parameter, duties in _DUTY_PARAMETERS.items():
            if getattr(self, parameter) and self.code not in duties:
                raise PlanIssue((parameter,), f"职责 {self.code} 不使用此参数")
        return self


class Phase(_Model):
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
        _check_unique(self.duties, ("duties",))
        return self

    def has_duty(self, code: str) -> bool:
        return any(duty.code == code for duty in self.duties)

    def duty(self, code: str) -> Duty | None:
        return next((duty for duty in self.duties if duty.code == code), None)


class Source(_Model):
    """Where a problem came from (问题来源), e.g. 座谈会, 暗访, 举报电话."""

    code: Code
    name: Text


class Escalation(_Model):
    remind_at_yellow: bool = True  # 催办 when an item turns yellow
    supervise_at_red: bool = True  # 督办单 to the unit head when overdue
    case_after_working_days: Count = 5  # grace after red, then propose a case
    case_measure: Code | None = None  # measure suggested for such a case


class RecheckRules(_Model):
    after_working_days: Count = 10  # 回头看 this long after verification
    sample_ratio: float = Field(default=0.2, gt=0, le=1)


class SpotCheckRules(_Model):
    sample_size: Count = 3
    frequency_working_days: Count = 5
    seed_salt: Text = "spot-check"  # makes the random draw reproducible per campaign


class SatisfactionRules(_Model):
    pass_score: float = Field(default=80, ge=0)
    max_score: float = Field(default=100, gt=0)
    publish: bool = True  # 向社会公开测评结果

    @model_validator(mode="after")
    def _check(self) -> SatisfactionRules:
        if self.pass_score > self.max_score:
            raise PlanIssue(("pass_score",), f"合格分（{self.pass_score}）高于满分（{self.max_score}）")
        return self


class Rules(_Model):
    workday_calendar: Literal["chinese_statutory", "weekdays"] = "chinese_statutory"
    yellow_working_days: Count = 3  # ≤ this many working days left → yellow
    default_rectify_working_days: Count = 15
    escalation: Escalation = Escalation()
    recheck: RecheckRules = RecheckRules()
    spot_check: SpotCheckRules = SpotCheckRules()
    satisfaction: SatisfactionRules = SatisfactionRules()

    @model_validator(mode="after")
    def _check(self) -> Rules:
        if self.yellow_working_days >= self.default_rectify_working_days:
            raise PlanIssue(("yellow_working_days",), "黄灯天数应小于默认整改时限")
        return self


Target = Literal["person", "unit", "both"]


class Grade(_Model):
    """Severity grade (情节), ordered from lightest to heaviest."""

    code: Code
    name: Text
    description: str = ""


class Measure(_Model):
    """An accountability measure (问责措施), e.g. 诫勉谈话."""

    code: Code
    name: Text
    grade: Code
    target: Target
    document: Code | None = None  # document kind issued, e.g. admonition_notice
    document_title: str | None = None  # its Chinese title, e.g. 诫勉谈话通知书
    deadline_working_days: Count | None = None  # 限期整改/答复
    needs_leader_approval: bool = False

    @model_validator(mode="after")
    def _check(self) -> Measure:
        if bool(self.document) != bool(self.document_title):
            field = "document_title" if self.document else "document"
            raise PlanIssue((field,), "document 与 document_title 须同时填写或同时为空")
        return self


class Commendation(_Model):
    """表彰先进典型: recorded like a measure, but positive."""

    name: Text
    target: Target = "both"
    document: Code | None = None
    document_title: str | None = None
    needs_leader_approval: bool = True


class Accountability(_Model):
    grades: list[Grade] = Field(min_length=1)
    measures: list[Measure] = Field(min_length=1)
    commendation: Commendation | None = None

    @model_validator(mode="after")
    def _check(self) -> Accountability:
        _check_unique(self.grades, ("grades",))
        _check_unique(self.measures, ("measures",))
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


class RoleCode(StrEnum):
    LEADER = "leader"  # 组长
    DEPUTY_LEADER = "deputy_leader"  # 副组长
    OFFICE = "office"  # 专项整治工作办公室
    UNIT_HEAD = "unit_head"  # 处（室）、局属单位负责人
    CADRE = "cadre"  # 党员干部
    PUBLIC = "public"  # 群众、服务对象


class Role(_Model):
    code: RoleCode
    name: Text
    description: str = ""


def _default_roles() -> list[Role]:
    names = {
        RoleCode.LEADER: "组长",
        RoleCode.DEPUTY_LEADER: "副组长",
        RoleCode.OFFICE: "专项整治工作办公室",
        RoleCode.UNIT_HEAD: "单位负责人",
        RoleCode.CADRE: "党员干部",
        RoleCode.PUBLIC: "群众",
    }
    return [Role(code=code, name=name) for code, name in names.items()]


class LeadingGroup(_Model):
    name: Text
    leader: Text  # who serves as 组长, e.g. 党组书记、局长
    deputy_leader: Text


class Office(_Model):
    name: Text
    members: list[Text] = Field(min_length=1)
    implementing_unit: Text  # 组织具体实施的处室


class Organization(_Model):
    leading_group: LeadingGroup
    office: Office
    roles: list[Role] = Field(default_factory=_default_roles)

    @model_validator(mode="after")
    def _check(self) -> Organization:
        _check_unique(self.roles, ("roles",))
        missing = [code.value for code in RoleCode if code not in {r.code for r in self.roles}]
        if missing:
            raise PlanIssue(("roles",), f"缺少角色：{'、'.join(missing)}")
        return self

    def role(self, code: str) -> Role:
        return _find(self.roles, code, "角色")


class CampaignPlan(_Model):
    format_version: Literal[1] = 1
    code: CampaignCode
    name: Text
    issuer: Text  # 发文机关全称
    issuer_short: Text
    doc_prefix: DocPrefix  # 发文字号前缀, e.g. 兰建效
    # 发文字号前缀 per document kind, e.g. {circulated_criticism: 兰建通}; a kind not
    # listed gets doc_prefix plus its mark (duban.documents.kinds.KIND_MARKS).
    document_prefixes: dict[Code, DocPrefix] = {}
    basis: DocumentRef | None = None
    start: IsoDate
    end: IsoDate
    timezone: Text = "Asia/Shanghai"
    guiding_idea: Prose = ""
    principles: list[Clause] = []
    goals: Prose = ""
    categories: list[Category] = Field(min_length=1)
    phases: list[Phase] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    rules: Rules = Rules()
    accountability: Accountability
    organization: Organization
    hotlines: list[Phone] = []
    requirements: list[Clause] = []

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
        _check_unique(self.categories, ("categories",))
        _check_unique(self.sources, ("sources",))
        _check_unique(self.phases, ("phases",))
        self._check_document_prefixes()
        self._check_phase_dates()
        self._check_references()
        return self

    def _check_document_prefixes(self) -> None:
        from duban.documents.kinds import KINDS, prefixes_by_kind, shared_prefixes  # plain data, no renderer

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
        for p, phase in enumerate(self.phases):
            for d, duty in enumerate(phase.duties):
                for s, source in enumerate(duty.sources):
                    if source not in sources:
                        raise PlanIssue(
                            ("phases", p, "duties", d, "sources", s),
                            f"未知问题来源（{source}），请先在 sources 中定义",
                        )
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
        return _find(self.phases, code, "阶段")

    def category(self, code: str) -> Category:
        return _find(self.categories, code, "整治类别")

    def source(self, code: str) -> Source:
        return _find(self.sources, code, "问题来源")

    def measure(self, code: str) -> Measure:
        return self.accountability.measure(code)


def _find(items: Iterable[Any], code: str, what: str) -> Any:
    for item in items:
        if item.code == code:
            return item
    raise NotFound(f"未知{what}：{code}")


# --- loading -----------------------------------------------------------------


class _PlanLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so pydantic reports bad ones with a line."""


_PlanLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_plan(path: str | Path) -> CampaignPlan:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        _fail(str(path), None, "", "文件不存在")
    except IsADirectoryError:
        _fail(str(path), None, "", "这是目录，不是文件")
    except PermissionError:
        _fail(str(path), None, "", "没有读取权限")
    except OSError as exc:
        _fail(str(path), None, "", f"无法读取文件（{exc.strerror or exc}）")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        _fail(str(path), line, "", "文件不是 UTF-8 编码，请另存为 UTF-8")
    return parse_plan(text, str(path))


def parse_plan(text: str, source_name: str) -> CampaignPlan:
    root, data = _compose(text, source_name)
    if data is None:
        _fail(source_name, 1, "", "文件为空")
    try:
        return CampaignPlan.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        loc, message = _describe(errors[0])
        if len(errors) > 1:
            message += f"（另有 {len(errors) - 1} 处错误）"
        _fail(source_name, _line_of(root, loc), _format_loc(loc), message)


def _compose(text: str, source_name: str) -> tuple[yaml.Node | None, Any]:
    loader = _PlanLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None
        _check_duplicate_keys(root, (), source_name)
        return root, loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        _fail(source_name, line, "", f"YAML 语法错误：{_yaml_problem(exc)}")
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        _fail(source_name, None, "", f"YAML 解析失败（{exc}）")
    finally:
        loader.dispose()


# The PyYAML problems authors meet most, in Chinese; others are shown as is.
_YAML_PROBLEMS = {
    "mapping values are not allowed here": "此处不能出现“: ”（值里含冒号请加引号）",
    "could not find expected ':'": "缺少“: ”或缩进不一致",
    "found character '\\t' that cannot start any token": "不能用制表符缩进，请改用空格",
    "found unexpected end of stream": "引号或括号未闭合",
    "found undefined alias": "引用了未定义的锚点",
}


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or exc.context or ""
    for english, chinese in _YAML_PROBLEMS.items():
        if problem.startswith(english):
            return chinese
    if problem.startswith("expected <block end>"):
        return "缩进不一致"
    return problem or "无法解析"


def _check_duplicate_keys(node: yaml.Node, loc: Loc, source_name: str) -> None:
    # PyYAML silently keeps the last of two equal keys; a plan must not.
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            if name in seen and name != "<<":
                _fail(source_name, key.start_mark.line + 1, _format_loc((*loc, name)), "键重复")
            seen.add(name)
            _check_duplicate_keys(value, (*loc, name), source_name)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _check_duplicate_keys(item, (*loc, index), source_name)


def _line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """Line of the deepest node along ``loc`` (a missing field → its parent)."""
    if root is None:
        return None
    node, line = root, root.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            match = next(
                ((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
                None,
            )
            if match is None:
                break
            node, line = match[1], match[0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _format_loc(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(error: dict[str, Any]) -> tuple[Loc, str]:
    """Turn one pydantic error into (field path, Simplified Chinese message)."""
    loc: Loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("error"), PlanIssue):
        issue = ctx["error"]
        return (*loc, *issue.loc), issue.message
    value = _show(error.get("input"))
    kind = error["type"]
    if kind in ("enum", "literal_error"):
        options = "、".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return loc, f"取值无效（{value}），可选：{options}"
    messages = {
        "missing": "缺少必填字段",
        "extra_forbidden": "未知字段",
        "string_type": f"应为文本（{value}）",
        "string_too_short": "不能为空",
        "string_too_long": f"过长（最多 {ctx.get('max_length')} 个字符）",
        "string_pattern_mismatch": f"格式不符（{value}），应匹配 {ctx.get('pattern')}",
        "int_type": f"应为整数（{value}）",
        "int_parsing": f"应为整数（{value}）",
        "int_from_float": f"应为整数（{value}）",
        "float_type": f"应为数字（{value}）",
        "float_parsing": f"应为数字（{value}）",
        "bool_type": f"应为 true 或 false（{value}）",
        "bool_parsing": f"应为 true 或 false（{value}）",
        "greater_than": f"应大于 {ctx.get('gt')}（{value}）",
        "greater_than_equal": f"应不小于 {ctx.get('ge')}（{value}）",
        "less_than": f"应小于 {ctx.get('lt')}（{value}）",
        "less_than_equal": f"应不大于 {ctx.get('le')}（{value}）",
        "too_short": f"至少需要 {ctx.get('min_length')} 项",
        "list_type": "应为列表",
        "dict_type": "应为映射（键: 值）",
        "model_type": "应为映射（键: 值）",
        "model_attributes_type": "应为映射（键: 值）",
    }
    return loc, messages.get(kind, f"取值无效（{error.get('msg')}）")


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, list):
        return "列表"
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _fail(source_name: str, line: int | None, path: str, message: str) -> NoReturn:
    where = f"{source_name} 第{line}行" if line else source_name
    raise BadInput(f"{where} {path}：{message}" if path else f"{where}：{message}")
