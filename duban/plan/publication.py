"""Publication (公开整改问题、公布整改成效): what a publication may show about people."""

from __future__ import annotations

from typing import Literal

from duban.plan.fields import PlanModel

# Whose names a publication may print. Verifiers and reporters are not on the list: never.
PublicPerson = Literal["owner", "commended"]


class Publication(PlanModel):
    # owner: 整改责任人 beside a published problem; commended: 受表彰的个人.
    # Default: nobody's name (units only).
    persons: list[PublicPerson] = []
