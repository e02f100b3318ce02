"""Who runs the campaign: the leading group, the office and the roles."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from duban.plan.fields import PlanIssue, PlanModel, Text, check_unique, find


class RoleCode(StrEnum):
    LEADER = "leader"  # 组长
    DEPUTY_LEADER = "deputy_leader"  # 副组长
    OFFICE = "office"  # the campaign office (工作办公室)
    UNIT_HEAD = "unit_head"  # 处（室）、局属单位负责人
    CADRE = "cadre"  # 党员干部
    PUBLIC = "public"  # 群众、服务对象


class Role(PlanModel):
    code: RoleCode
    name: Text  # as every screen, message and document shows the role
    aliases: list[Text] = []  # other words an org file's 角色 column may use for it
    description: str = ""


def _default_roles(office: str) -> list[Role]:
    """The neutral roles of duban/plan/defaults.yaml, the office under the plan's office name."""
    from duban.permissions import plan_defaults

    return [Role(code=code, name=office if code == RoleCode.OFFICE else role["name"])
            for code, role in plan_defaults()["roles"].items()]


def _check_role_words(roles: list[Role]) -> None:
    """Each name and alias of a role is one word of an org file's 角色 column and means that role
    only: not another role's code, name or alias, nor another role's neutral name or alias."""
    from duban.permissions import ROLE_SEPARATORS, neutral_role_words

    meaning = neutral_role_words()
    for index, role in enumerate(roles):
        for field, words in (("name", [role.name]), ("aliases", role.aliases)):
            for word in words:
                loc = ("roles", index, field)
                if any(c in word for c in ROLE_SEPARATORS):
                    raise PlanIssue(loc, f"角色名称“{word}”不能含有 {' '.join(ROLE_SEPARATORS)}"
                                         "（组织机构表用它们分隔多个角色）")
                if meaning.setdefault(word, role.code) != role.code:
                    raise PlanIssue(loc, f"角色名称“{word}”已用于角色 {meaning[word]}，一个名称只能指一个角色")


class LeadingGroup(PlanModel):
    name: Text
    leader: Text  # who serves as 组长, e.g. 党组书记、局长
    deputy_leader: Text


class Office(PlanModel):
    name: Text
    members: list[Text] = Field(min_length=1)
    implementing_unit: Text  # 组织具体实施的处室


class Organization(PlanModel):
    leading_group: LeadingGroup
    office: Office
    roles: list[Role] = []  # default: duban/plan/defaults.yaml, the office under office.name

    @model_validator(mode="after")
    def _check(self) -> Organization:
        if not self.roles:
            self.roles = _default_roles(self.office.name)
        check_unique(self.roles, ("roles",))
        missing = [code.value for code in RoleCode if code not in {r.code for r in self.roles}]
        if missing:
            raise PlanIssue(("roles",), f"缺少角色：{'、'.join(missing)}")
        _check_role_words(self.roles)
        return self

    def role(self, code: str) -> Role:
        return find(self.roles, code, "角色")
