"""Problem-list commands: duban template problem-list, duban problem-list import|list|approve|return."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from duban.cli.app import actor, app, emit, output_file, state, table, uow
from duban.cli.options import CAMPAIGN, UNIT_FILTER

template_app = typer.Typer(help="生成填报模板（XLSX，带下拉选项）。", no_args_is_help=True)
list_app = typer.Typer(help="个人问题整改清单（任务书、时间表、责任人）：导入、报送、审核。", no_args_is_help=True)
app.add_typer(template_app, name="template")
app.add_typer(list_app, name="problem-list")

LIST_PERSON = typer.Option(..., "--person", metavar="人员", help="清单所属人员（登录名或姓名）")
LEVEL = typer.Option(None, "--layer", metavar="层面", help="清单层面，如 领导班子（一人有多份清单时指定）")


def _lists(rows: list[dict]) -> None:
    table(f"问题整改清单（{len(rows)} 份）", ["人员", "单位", "层面", "状态", "报送日期", "审核人", "审核日期"],
          [[r["person"], r["unit"], r["level"], r["state_label"], r["submitted_on"], r["reviewed_by"], r["reviewed_on"]]
           for r in rows])


@template_app.command("problem-list")
def template_problem_list(
    unit: str = typer.Option(..., "--unit", metavar="单位", help="单位（编码或名称）；其下属单位各一张工作表"),
    out: Path = typer.Option(..., "--out", metavar="文件", help="输出的 XLSX 文件"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """生成问题整改清单模板：每个单位一张工作表，人员、层面、对照、类别为下拉选项。"""
    from duban.services.problem_lists import write_template

    with uow() as u:
        result = write_template(u, actor(), unit=unit, out=output_file(out), campaign=campaign)
    emit(result, lambda r: typer.echo(f"模板已生成：{r['out']}（{len(r['units'])} 个单位）"))


@list_app.command("import")
def import_(
    path: Path = typer.Argument(..., metavar="文件", help="填好的问题整改清单（XLSX）"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """导入问题整改清单：逐行检查，有错误时列出工作表、行、列，什么也不导入。"""
    from duban.services.problem_lists import import_lists

    with uow() as u:
        result = import_lists(u, actor(), path, campaign=campaign, today=state.today)
    emit(result, lambda r: typer.echo(f"已导入 {r['items']} 个问题，报送清单 {len(r['lists'])} 份"))


@list_app.command("list")
def list_(campaign: Optional[str] = CAMPAIGN, unit: Optional[str] = UNIT_FILTER) -> None:
    """列出已报送的问题整改清单及审核情况。"""
    from duban.services.problem_lists import list_lists

    with uow() as u:
        result = list_lists(u, actor(), campaign=campaign, unit=unit)
    emit(result, _lists)


def _review(person: str, decision: str, level: Optional[str], note: str, campaign: Optional[str]) -> None:
    from duban.services.problem_lists import review_list

    with uow() as u:
        result = review_list(u, actor(), person=person, decision=decision, level=level, note=note,
                             campaign=campaign, today=state.today)
    emit(result, lambda r: typer.echo(f"{r['person']}的问题整改清单：{r['state_label']}"))


@list_app.command("approve")
def approve(person: str = LIST_PERSON, level: Optional[str] = LEVEL,
            note: str = typer.Option("", "--note", metavar="文本", help="备注（记入事件日志）"),
            campaign: Optional[str] = CAMPAIGN) -> None:
    """审核通过问题整改清单（单位负责人；方案指定的层面由领导小组审核）。"""
    _review(person, "approved", level, note, campaign)


@list_app.command("return")
def return_(person: str = LIST_PERSON, level: Optional[str] = LEVEL,
            reason: str = typer.Option(..., "--reason", metavar="文本", help="退回理由"),
            campaign: Optional[str] = CAMPAIGN) -> None:
    """退回问题整改清单，写明理由；修改后重新导入即再次报送。"""
    _review(person, "returned", level, reason, campaign)
