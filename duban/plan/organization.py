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
    name: Text
    description: str = ""


def _default_roles(office: str) -> list[Role]:
    names = {
        RoleCode.LEADER: "组长",
        RoleCode.DEPUTY_LEADER: "副组长",
        RoleCode.OFFICE: office,
        RoleCode.UNIT_HEAD: "单位负责人",
        RoleCode.CADRE: "党员干部",
        RoleCode.PUBLIC: "群众",
    }
    return [Role(code=code, name=name) for code, name in names.items()]


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
    roles: list[Role] = []  # default: 组长, 副组长, the office under office.name, 单位负责人, 党员干部, 群众

    @model_validator(mode="after")
    def _check(self) -> Organization:
        if not self.roles:
            self.roles = _default_roles(self.office.name)
        check_unique(self.roles, ("roles",))
        missing = [code.value for code in RoleCode if code not in {r.code for r in self.roles}]
        if missing:
            raise PlanIssue(("roles",), f"缺少角色：{'、'.join(missing)}")
        return self

    def role(self, code: str) -> Role:
        return find(self.roles, code, "角色")
