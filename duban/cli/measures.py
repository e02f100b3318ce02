"""Measure follow-up commands: duban case measure-done, duban case escalate."""

from __future__ import annotations

from typing import Optional

import typer

from duban.cli.app import actor, emit, state, uow
from duban.cli.cases import case_app
from duban.cli.options import CASE_NO, EXPECT, NOTE


@case_app.command("measure-done")
def measure_done(
    no: str = CASE_NO,
    note: str = NOTE,
    expect: Optional[int] = EXPECT,
) -> None:
    """登记限期问责措施已落实（办公室）：书面检查已提交、效能监察建议书已答复等。

    --note 须写明落实情况。"""
    from duban.services.measures import measure_done as done

    with uow() as u:
        result = done(u, actor(), no, note=note, today=state.today, expect_version=expect)
    emit(result, lambda r: typer.echo(f"{r['no']} 的问责措施已登记落实（限期 {r['measure_due']}）"))


@case_app.command("escalate")
def escalate(
    no: str = CASE_NO,
    level: str = typer.Option("督办", "--level", metavar="级别", help="督办 或 挂牌督办"),
    reason: str = typer.Option(..., "--reason", metavar="文本", help="督办事由（记入事件日志）"),
    expect: Optional[int] = EXPECT,
) -> None:
    """督办尚未落实的限期问责措施（办公室或领导小组；每级一次）。"""
    from duban.services.measures import escalate_case

    with uow() as u:
        result = escalate_case(u, actor(), no, level=level, reason=reason, today=state.today, expect_version=expect)
    emit(result, lambda r: typer.echo(f"{r['no']} 的问责措施已{r['level']}（限期 {r['measure_due']}）"))
