"""Every deployment of duban, as plain data: ``duban serve`` serves these, and
tests check that prefect.yaml (used by ``prefect deploy --all``) says the same.

Importing this module does not import Prefect.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

TIMEZONE = "Asia/Shanghai"
WORK_POOL = "duban-process"
RED_EVENT = "duban.item.red"

# One escalate run per newly red item: the event's resource id names the item.
RED_ITEM_TRIGGER = {
    "type": "event",
    "enabled": True,
    "match": {"prefect.resource.id": "duban.item.*"},
    "expect": [RED_EVENT],
    "for_each": ["prefect.resource.id"],
    "posture": "Reactive",
    "threshold": 1,
    "within": 0,
    "parameters": {"item": "{{ event.resource.id }}"},
}


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str  # path/to/file.py:function, relative to the repository root
    description: str
    cron: str | None = None
    triggers: list[dict] = field(default_factory=list)

    @property
    def flow_name(self) -> str:
        return self.name

    def load_flow(self):
        path, function = self.entrypoint.split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        return getattr(module, function)

    def schedule_text(self) -> str:
        if self.cron:
            return f"cron {self.cron}（{TIMEZONE}）"
        if self.triggers:
            return f"事件 {RED_EVENT} 触发"
        return "按需运行"


DEPLOYMENTS = [
    DeploymentSpec("campaign-tick", "flows/tick.py:campaign_tick",
                   "每日 08:00：按数据库中的阶段与职责执行当日到期事项（含补跑停机期间的日期）", cron="0 8 * * *"),
    DeploymentSpec("sweep-and-escalate", "flows/escalation.py:sweep_and_escalate",
                   "逾期巡查（催办、督办、问责建议），每个新增红灯问题发出 duban.item.red 事件"),
    DeploymentSpec("escalate", "flows/escalation.py:escalate",
                   "由 duban.item.red 事件触发：为该问题制发督办单", triggers=[RED_ITEM_TRIGGER]),
    DeploymentSpec("spot-check-draw", "flows/draws.py:spot_check_draw",
                   "随机暗访抽查 / 作风纪律检查：可复核的随机抽取（按需）"),
    DeploymentSpec("recheck-draw", "flows/draws.py:recheck_draw", "回头看：按比例随机抽取已销号问题（按需）"),
    DeploymentSpec("weekly-ledger", "flows/ledger.py:weekly_ledger",
                   "每周五 17:00：整改落实台账 XLSX/PDF 与 Prefect 产物（按单位汇总表）", cron="0 17 * * 5"),
    DeploymentSpec("render-documents", "flows/documents.py:render_documents",
                   "批量补发督办单（事件丢失、崩溃或文书服务后装时的兜底）"),
]


def to_runner_deployments(specs=DEPLOYMENTS, *, parameters: dict | None = None) -> list:
    """Prefect RunnerDeployments for ``serve()`` with the same schedules and triggers as prefect.yaml."""
    from prefect.events.schemas.deployment_triggers import DeploymentEventTrigger
    from prefect.schedules import Cron

    deployments = []
    for spec in specs:
        flow = spec.load_flow()
        known = set(flow.parameters.properties)
        deployments.append(flow.to_deployment(
            name=spec.name,
            description=spec.description,
            schedules=[Cron(spec.cron, timezone=TIMEZONE)] if spec.cron else None,
            triggers=[DeploymentEventTrigger(**{k: v for k, v in t.items() if k != "type"}) for t in spec.triggers]
            or None,
            parameters={k: v for k, v in (parameters or {}).items() if k in known and v is not None},
            tags=["duban"],
        ))
    return deployments
