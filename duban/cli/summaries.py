"""述职 and 总结: duban person summary | unit summary | campaign report."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from duban.cli.admin import campaign_app
from duban.cli.app import actor, app, emit, state, uow
from duban.cli.options import CAMPAIGN, OUT_DIR

person_app = typer.Typer(help="个人：述职材料（本人在本次活动中的问题整改、按期完成、检查、学习、问责和表彰）。",
                         no_args_is_help=True)
unit_app = typer.Typer(help="单位：述职材料（单位在本次活动中的问题整改、按期完成、检查、学习、测评、问责和表彰）。",
                       no_args_is_help=True)
app.add_typer(person_app, name="person")
app.add_typer(unit_app, name="unit")


def _written(r: dict) -> None:
    typer.echo(f"已生成《{r['title']}》：{r['pdf']}、{r['markdown']}")


@person_app.command("summary")
def person_summary(name: str = typer.Argument(..., metavar="姓名", help="人员姓名或登录名"),
                   out: Path = OUT_DIR, campaign: Optional[str] = CAMPAIGN) -> None:
    """生成个人述职材料：一页 PDF（GB/T 9704 版式）和文本稿，数据全部取自数据库。"""
    from duban.services.summaries import person_summary as make

    with uow() as u:
        result = make(u, actor(), name, out=out, campaign=campaign, today=state.today)
    emit(result, _written)


@unit_app.command("summary")
def unit_summary(unit: str = typer.Argument(..., metavar="单位", help="单位编码或名称"),
                 out: Path = OUT_DIR, campaign: Optional[str] = CAMPAIGN) -> None:
    """生成单位述职材料：一页 PDF（GB/T 9704 版式）和文本稿，数据全部取自数据库。"""
    from duban.services.summaries import unit_summary as make

    with uow() as u:
        result = make(u, actor(), unit, out=out, campaign=campaign, today=state.today)
    emit(result, _written)


@campaign_app.command("report")
def campaign_report(out: Path = OUT_DIR, campaign: Optional[str] = CAMPAIGN) -> None:
    """生成活动工作总结：带图表的 PDF（GB/T 9704 版式）、文本稿和 JSON 数据，数据全部取自数据库。"""
    from duban.services.campaign_report import write_report

    with uow() as u:
        result = write_report(u, actor(), out=out, campaign=campaign, today=state.today)
    emit(result, _written)
