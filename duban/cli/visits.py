"""Visit records of unannounced checks: duban inspect record|list."""

from __future__ import annotations

from typing import List, Optional

import typer

from duban.cli.app import actor, app, emit, state, table, uow
from duban.cli.options import CAMPAIGN, DRAW_ID, UNIT_FILTER
from duban.labels import choices

inspect_app = typer.Typer(help="暗访抽查、作风纪律检查的检查记录：逐项检查结果，发现的问题登记为整改问题。",
                          no_args_is_help=True)
app.add_typer(inspect_app, name="inspect")


def _said(r: dict) -> str:
    problems = f"；有问题的检查项：{'、'.join(r['problems'])}" if r["problems"] else ""
    items = f"；登记问题：{'、'.join(r['items'])}" if r["items"] else ""
    return f"已登记{r['kind_label']} #{r['draw']} 对{r['unit_name']}的检查：{r['outcome_label']}{problems}{items}"


@inspect_app.command("record")
def record(
    draw_id: int = DRAW_ID,
    unit: str = typer.Option(..., "--unit", metavar="单位", help="被检查的单位（须为该次抽取抽中的单位）"),
    outcome: str = typer.Option(..., "--result", metavar="结果", help=f"检查结果：{choices('visit_outcome')}"),
    problems: Optional[List[str]] = typer.Option(None, "--problem", metavar="检查项",
                                                 help="发现问题的检查项（方案为该职责规定的检查项之一，可重复）"),
    findings: Optional[List[str]] = typer.Option(None, "--finding", metavar="标题",
                                                 help="发现的问题，各登记为该单位的一个整改问题（可重复）"),
    category: Optional[str] = typer.Option(None, "--category", metavar="类别", help="问题类别，如 庸、懒、散、软（见方案）"),
) -> None:
    """登记一次暗访检查的结果（办公室）：逐项检查结果、无问题或发现问题；发现的问题登记为整改问题并关联本次抽取。"""
    from duban.services.visits import record_visit

    with uow() as u:
        result = record_visit(u, actor(), draw_id, unit=unit, outcome=outcome, problems=problems or [],
                              findings=[(title, category) for title in findings or []], today=state.today)
    emit(result, lambda r: typer.echo(_said(r)))


@inspect_app.command("list")
def list_(
    campaign: Optional[str] = CAMPAIGN,
    draw_id: Optional[int] = typer.Option(None, "--draw", metavar="抽取编号", min=1, help="只看该次抽取的检查"),
    unit: Optional[str] = UNIT_FILTER,
) -> None:
    """列出暗访检查记录（单位负责人和干部只看到本单位的）。"""
    from duban.services.visits import list_visits

    with uow() as u:
        result = list_visits(u, actor(), campaign=campaign, draw_id=draw_id, unit=unit)
    emit(result, lambda rows: table("暗访检查记录", ["日期", "抽取", "类型", "单位", "结果", "有问题的检查项", "登记问题"], [
        [r["date"], r["draw"], r["kind_label"], r["unit_name"], r["outcome_label"], "、".join(r["problems"]),
         "、".join(r["items"])] for r in rows]))
