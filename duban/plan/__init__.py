"""The campaign plan (实施方案) as data.

A plan is a YAML file (see campaigns/README.md). ``load_plan`` reads it and
returns a validated ``CampaignPlan``; every problem becomes one ``BadInput``
line naming the file, the YAML line and the field path, e.g.
``campaigns/x.yaml 第12行 phases[1].start：日期无效（2015-02-30）``.

Nothing here knows about a particular campaign, year or bureau.
"""

from duban.plan.accountability import Accountability, Commendation, Grade, Measure
from duban.plan.campaign import CampaignPlan, Category, Clause, DocumentRef, Source
from duban.plan.fields import PlanIssue
from duban.plan.loader import load_plan, parse_plan
from duban.plan.organization import LeadingGroup, Office, Organization, Role, RoleCode
from duban.plan.phases import Duty, DutyCode, Phase
from duban.plan.rules import (
    Escalation,
    RecheckRules,
    Rules,
    SatisfactionRules,
    SpotCheckRules,
)

__all__ = [
    "Accountability", "CampaignPlan", "Category", "Clause", "Commendation", "DocumentRef", "Duty",
    "DutyCode", "Escalation", "Grade", "LeadingGroup", "Measure", "Office", "Organization", "Phase",
    "PlanIssue", "RecheckRules", "Role", "RoleCode", "Rules", "SatisfactionRules", "Source",
    "SpotCheckRules", "load_plan", "parse_plan",
]
