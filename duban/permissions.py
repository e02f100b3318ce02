"""Who may do what: one policy table and the separation-of-duties rules.

Roles come from the plan (seed §六(一)): 领导小组 组长/副组长, the campaign office, 单位负责人,
党员干部, and the anonymous public. Every role is shown under the name the campaign's plan gives it
(``role_labels``; organization.roles); where no single plan is at hand, under the neutral names of
``duban/plan/defaults.yaml``. ``system`` is the campaign's own automation
(daily tick, sweeps, draws); it never makes a human decision such as verifying an
item or approving a case.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from duban.errors import PermissionDenied
from storage.models import Campaign, OrgUnit, Person

PLAN_DEFAULTS = Path(__file__).resolve().parent / "plan" / "defaults.yaml"
ROLE_SEPARATORS = ";；,，"  # between roles in an org file's 角色 column (and 、 where no name has it)


@lru_cache(maxsize=1)
def plan_defaults() -> dict:
    """The neutral defaults of plan fields (duban/plan/defaults.yaml): roles and actors."""
    return yaml.safe_load(PLAN_DEFAULTS.read_text(encoding="utf-8"))


def _plan_roles(campaign: Campaign | None) -> list[dict]:
    plan = campaign.plan if campaign is not None else {}
    return (plan.get("organization") or {}).get("roles") or []


def role_labels(campaign: Campaign | None) -> dict[str, str]:
    """role code -> label: each role as the campaign's plan names it (organization.roles), the
    automation and the scoping relations (owner, subject) as the defaults do. Without a campaign
    (none loaded, or several sharing the screen): the neutral names."""
    defaults = plan_defaults()
    labels = {code: role["name"] for code, role in defaults["roles"].items()}
    labels.update({role["code"]: role["name"] for role in _plan_roles(campaign) if role.get("name")})
    return {**labels, **defaults["actors"]}


def neutral_role_words() -> dict[str, str]:
    """Words that name a role whatever the plan -> its code: codes, neutral names and aliases."""
    defaults = plan_defaults()
    words = {"system": "system", defaults["actors"]["system"]: "system"}
    for code, role in defaults["roles"].items():
        words.update({word: code for word in (code, role["name"], *role["aliases"])})
    return words


def role_codes_by_name(campaign: Campaign | None) -> dict[str, str]:
    """Every word an org file's 角色 column may use for a role -> its code: the neutral words and
    the plan's names and aliases (the plan's load checks none of them is ambiguous)."""
    words = neutral_role_words()
    for role in _plan_roles(campaign):
        words.update({word: role["code"] for word in (role["name"], *(role.get("aliases") or []))})
    return words


SYSTEM_LOGIN = "system"
# Decisions only a person may take, whatever roles the automation's record carries:
# ``system`` never works on, submits, verifies or rechecks an item, nor decides a case
# or a deadline (and it never owns an item: see require_human_owner).
HUMAN_ONLY = {
    "item.start", "item.attach", "item.submit", "item.verify", "item.reject", "item.recheck",
    "deadline.request", "deadline.decide", "deadline.pause",
    "case.investigate", "case.decide", "case.approve", "case.dismiss", "case.close", "case.appeal",
    "case.resolve_appeal",
}

LEADERSHIP = {"leader", "deputy_leader"}
SUPERVISORS = {"office"} | LEADERSHIP
EVERYONE_INSIDE = SUPERVISORS | {"unit_head", "cadre", "system"}

# action -> roles that may perform it. "owner" and "unit_head" are scoped to the
# item's owner and the item's unit; see roles_for().
POLICY: dict[str, set[str]] = {
    "campaign.load": {"system", "office"},
    "org.import": {"system", "office"},
    "read": EVERYONE_INSIDE,
    "item.add": EVERYONE_INSIDE,
    "item.report": EVERYONE_INSIDE | {"public"},
    "report.read": {"office"},
    "report.receive": {"office"},
    "report.triage": {"office"},
    "opinion.record": {"office", "unit_head"},
    "opinion.read": {"office"},
    "opinion.triage": {"office"},
    "ledger.reconcile": {"office"},
    "problem_list.import": {"office", "unit_head"},
    "item.assign": {"office", "unit_head", "system"},
    "item.start": {"owner", "unit_head", "office"},
    "item.attach": {"owner", "unit_head", "office"},
    "item.submit": {"owner", "unit_head"},
    "item.verify": SUPERVISORS,
    "item.reject": SUPERVISORS,
    "item.recheck": SUPERVISORS,
    "item.relapse": SUPERVISORS | {"system"},
    "item.reopen": {"office"},
    "item.withdraw": {"office"},
    "item.escalate": SUPERVISORS,
    "deadline.request": {"owner", "unit_head"},
    "deadline.decide": SUPERVISORS,
    "deadline.pause": SUPERVISORS,
    "sweep": {"system", "office"},
    "draw": {"system", "office"},
    "case.propose": SUPERVISORS | {"system"},
    "case.investigate": {"office"},
    "case.decide": SUPERVISORS,
    "case.approve": LEADERSHIP,
    "case.execute": {"office", "system"},
    "case.close": {"office"},
    "case.dismiss": SUPERVISORS,
    "case.appeal": {"subject"},
    "case.resolve_appeal": LEADERSHIP,
    "commend": SUPERVISORS,
    "satisfaction": {"office", "system"},
    "doc.render": {"office", "system"},
    "tick": {"system", "office"},
    "study.record": {"office", "unit_head"},
    "mechanism.register": SUPERVISORS,
    "keys.init": {"system", "office"},
    "account.manage": {"system", "office"},
    "phase.override": {"office"},
    "draw.pending": {"office", "system"},
    "publish": {"office"},  # 公开: an office decision, never the automation's
}

ACTION_LABELS = {
    "campaign.load": "导入方案", "org.import": "导入组织机构", "read": "查看",
    "item.add": "登记问题", "item.report": "举报", "report.read": "查看举报内容", "report.receive": "受理举报",
    "report.triage": "办理举报", "opinion.record": "登记意见建议", "opinion.read": "查看意见建议",
    "opinion.triage": "办理意见建议", "ledger.reconcile": "确认对账销号", "problem_list.import": "报送问题整改清单", "item.assign": "交办",
    "item.start": "开始整改", "item.attach": "上传佐证材料", "item.submit": "提交验收",
    "item.verify": "验收销号", "item.reject": "退回整改", "item.recheck": "回头看",
    "item.relapse": "认定问题反弹", "item.reopen": "重新打开", "item.withdraw": "撤销问题",
    "item.escalate": "督办", "deadline.request": "申请延期", "deadline.decide": "审批延期",
    "deadline.pause": "挂起/恢复", "sweep": "逾期巡查", "draw": "随机抽查",
    "case.propose": "提出问责", "case.investigate": "调查核实", "case.decide": "作出处理决定",
    "case.approve": "审批处理决定", "case.execute": "执行处理决定", "case.close": "结案",
    "case.dismiss": "撤销问责", "case.appeal": "申诉", "case.resolve_appeal": "处理申诉",
    "commend": "表彰", "satisfaction": "满意度测评", "doc.render": "制发文书",
    "tick": "运行每日任务", "study.record": "登记集中学习",
    "mechanism.register": "登记长效机制", "keys.init": "生成签名密钥",
    "account.manage": "管理控制台账号",
    "phase.override": "放开阶段限制",
    "draw.pending": "查看未揭示的抽取",
    "publish": "决定公开整改情况",
}


def heads_unit(person: Person, unit: OrgUnit | None) -> bool:
    """A unit head leads the unit and every unit below it."""
    while unit is not None:
        if unit.head_id == person.id or (
            "unit_head" in person.role_set and person.unit_id == unit.id
        ):
            return True
        unit = unit.parent
    return False


def roles_for(person: Person, *, unit: OrgUnit | None = None, owner_id: int | None = None,
              subject_id: int | None = None) -> set[str]:
    roles = set(person.role_set) - {"unit_head"}
    if unit is not None and heads_unit(person, unit):
        roles.add("unit_head")
    if unit is None and "unit_head" in person.role_set:
        roles.add("unit_head")
    if owner_id is not None and owner_id == person.id:
        roles.add("owner")
    if subject_id is not None and subject_id == person.id:
        roles.add("subject")
    return roles


def is_system(person: Person) -> bool:
    return person.login == SYSTEM_LOGIN or "system" in person.role_set


def allowed(person: Person, action: str, **scope) -> bool:
    if is_system(person) and action in HUMAN_ONLY:
        return False
    return person.active and bool(roles_for(person, **scope) & POLICY[action])


def require(person: Person, action: str, **scope) -> None:
    if not person.active:
        raise PermissionDenied(f"{person.name}（{person.login}）已停用，不能{ACTION_LABELS[action]}")
    if is_system(person) and action in HUMAN_ONLY:
        raise PermissionDenied(f"{person.name}（{person.login}）是系统自动化，不能{ACTION_LABELS[action]}：须由人作出（职责分离）")
    if allowed(person, action, **scope):
        return
    labels = _labels_near(person)
    who_may = "、".join(labels.get(r, r) for r in sorted(POLICY[action]))
    raise PermissionDenied(f"{person.name}（{person.login}）无权{ACTION_LABELS[action]}：仅限{who_may}")


def _labels_near(person: Person) -> dict[str, str]:
    """Role labels for a refusal, which has no campaign at hand: the loaded plan's when exactly one
    campaign is loaded, else the neutral ones (read only on the way to refusing)."""
    from sqlalchemy.orm import object_session

    from storage.uow import CampaignRepository

    session = object_session(person)
    return role_labels(CampaignRepository(session).only() if session is not None else None)


def parse_roles(text: str, campaign: Campaign | None = None) -> list[str]:
    """'办公室;负责人' or 'office,unit_head' or the plan's own names -> ['office', 'unit_head'];
    unknown -> ValueError. A name with 、 in it (处（室）、单位负责人) is one role; otherwise 、 separates."""
    names = role_codes_by_name(campaign)
    roles = []
    for part in text.translate({ord(c): ";" for c in ROLE_SEPARATORS}).split(";"):
        part = part.strip()
        for token in [part] if part in names else part.split("、"):
            token = token.strip()
            if not token:
                continue
            if token not in names:
                raise ValueError(token)
            roles.append(names[token])
    return sorted(set(roles))


def require_human_owner(owner: Person) -> None:
    """An item's owner answers for it in person: never the automation."""
    if is_system(owner):
        raise PermissionDenied(f"{owner.name}（{owner.login}）是系统自动化，不能作为问题责任人（职责分离）")
