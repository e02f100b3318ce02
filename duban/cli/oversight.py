"""Oversight commands: duban deadline …, duban sweep, duban item escalate, duban report units."""

from __future__ import annotations

from typing import Optional

import typer

from duban.cli.app import actor, app, date_opt, emit, progress_bar, state, table, uow
from duban.cli.items import item_app
from duban.cli.options import CAMPAIGN, DAYS, DUE, EXPECT, ITEM_NO, NOTE, REQUEST_ID

deadline_app = typer.Typer(help="整改期限：延期申请与审批、挂起与恢复。", no_args_is_help=True)
report_app = typer.Typer(help="统计报表。", no_args_is_help=True)
app.add_typer(deadline_app, name="deadline")
app.add_typer(report_app, name="report")


def _said(change: dict) -> str:
    return (f"{change['no']} {change['kind_label']}{change['status_label']}（申请号 {change['id']}）："
            f"{change['old_due'] or '—'} → {change['new_due'] or '—'}；现期限 {change['due']}")


@deadline_app.command("request")
def deadline_request(
    no: str = ITEM_NO,
    reason: str = typer.Option(..., "--reason", metavar="文本", help="延期理由"),
    due: Optional[str] = DUE,
    days: Optional[int] = DAYS,
    expect: Optional[int] = EXPECT,
) -> None:
    """延期申请（责任人或单位负责人）；由办公室或领导小组审批。

    --due 为申请的新期限；--days 为在现期限基础上顺延的工作日数。
    """
    from duban.services.deadlines import request_extension

    with uow() as u:
        result = request_extension(u, actor(), no, reason=reason, due=date_opt(due, "--due"), days=days,
                                   today=state.today, expect_version=expect)
    emit(result, lambda r: typer.echo(_said(r)))


def _decide(request_id: int, approve: bool, note: str) -> None:
    from duban.services.deadlines import decide_extension

    with uow() as u:
        result = decide_extension(u, actor(), request_id, approve=approve, note=note, today=state.today)
    emit(result, lambda r: typer.echo(_said(r)))


@deadline_app.command("approve")
def deadline_approve(request_id: int = REQUEST_ID, note: str = NOTE) -> None:
    """批准延期申请（申请人本人不能审批）。"""
    _decide(request_id, True, note)


@deadline_app.command("refuse")
def deadline_refuse(request_id: int = REQUEST_ID, note: str = NOTE) -> None:
    """不批准延期申请。"""
    _decide(request_id, False, note)


@deadline_app.command("pause")
def deadline_pause(no: str = ITEM_NO,
                   reason: str = typer.Option(..., "--reason", metavar="文本", help="挂起理由（如等待其他机关处理）"),
                   expect: Optional[int] = EXPECT) -> None:
    """挂起：暂停计算整改期限。"""
    from duban.services.deadlines import pause

    with uow() as u:
        result = pause(u, actor(), no, reason=reason, today=state.today, expect_version=expect)
    emit(result, lambda r: typer.echo(f"{r['no']} 自 {r['paused_since']} 起挂起（现期限 {r['due']}）"))


@deadline_app.command("resume")
def deadline_resume(no: str = ITEM_NO, expect: Optional[int] = EXPECT) -> None:
    """恢复：期限按挂起期间的工作日数顺延。"""
    from duban.services.deadlines import resume

    with uow() as u:
        result = resume(u, actor(), no, today=state.today, expect_version=expect)
    emit(result, lambda r: typer.echo(_said(r)))


@deadline_app.command("list")
def deadline_list(no: Optional[str] = typer.Argument(None, metavar="问题编号", help="整改问题编号（省略则列出整个活动）"),
                  campaign: Optional[str] = CAMPAIGN) -> None:
    """列出期限变更：延期申请、审批结果、挂起与恢复。"""
    from duban.services.deadlines import list_changes

    with uow() as u:
        result = list_changes(u, actor(), no, campaign=campaign)
    emit(result, lambda r: table(f"期限变更（{len(r)} 条）",
                                 ["申请号", "编号", "类型", "状态", "原期限", "新期限", "理由", "申请人", "申请日", "审批人", "审批日"],
                                 [[c["id"], c["no"], c["kind_label"], c["status_label"], c["old_due"], c["new_due"],
                                   c["reason"], c["requested_by"], c["requested_on"], c["decided_by"],
                                   c["decided_on"]] for c in r]))


@app.command("sweep")
def sweep_command(
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="日期", help="按该日期巡查 YYYY-MM-DD（默认为业务日期）"),
    campaign: Optional[str] = CAMPAIGN,
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, metavar="个数",
                                             help="每批处理并提交的问题数（默认 2000）"),
) -> None:
    """逾期巡查：黄灯催办、红灯督办、逾期超过宽限期提出问责；自上次巡查后漏巡的工作日逐日补巡，各级催办督办记在应办之日；重复运行不会重复督办。"""
    from duban.services.escalation import sweep_through

    day = date_opt(as_of, "--as-of") or state.today
    with progress_bar("逾期巡查") as update:
        result = sweep_through(uow, actor(), campaign=campaign, as_of=day, batch_size=batch_size, progress=update)

    def human(r):
        counts = "、".join(f"{level} {n} 件" for level, n in r["counts"].items())
        caught_up = f"（含补巡 {len(r['days']) - 1} 天）" if len(r["days"]) > 1 else ""
        typer.echo(f"{r['campaign']} {r['as_of']} 逾期巡查完成{caught_up}：{counts}；新增红灯 {len(r['new_red'])} 件；"
                   f"用时 {r['seconds']} 秒")

    emit(result, human)


@item_app.command("escalate")
def item_escalate(no: str = ITEM_NO, level: str = typer.Option(..., "--level", metavar="级别", help="督办 或 挂牌督办"),
                  reason: str = typer.Option(..., "--reason", metavar="文本", help="督办事由"),
                  expect: Optional[int] = EXPECT) -> None:
    """督办或挂牌督办一个问题（办公室、领导小组）；同一轮次同一级别只能一次。"""
    from duban.services.escalation import escalate_item

    with uow() as u:
        result = escalate_item(u, actor(), no, level=level, reason=reason, today=state.today, expect_version=expect)
    emit(result, lambda r: typer.echo(f"{r['no']} 已{r['level']}，送达 {r['addressee'] or '（无单位负责人）'}"))


@report_app.command("units")
def report_units(campaign: Optional[str] = CAMPAIGN) -> None:
    """按单位统计：各状态、红黄绿灯、逾期、督办问责、反弹次数、按期销号率（--json 给出全部明细）。"""
    from duban.services.reports import ESCALATION_LEVELS, unit_report

    with uow() as u:
        result = unit_report(u, actor(), campaign=campaign, today=state.today)

    def human(rows):
        # Merged columns keep the table readable in a terminal; --json has every state separately.
        table("各单位整改进度", ["单位", "问题数", "未交办", "整改中", "待验收", "已销号", "已撤销", "红/黄/绿", "逾期",
                          "催办/督办/挂牌/问责", "反弹", "按期销号率"],
              [[r["unit"], r["items"], r["states"]["identified"], r["states"]["assigned"] + r["states"]["rectifying"],
                r["states"]["submitted"], r["states"]["verified"] + r["states"]["rechecked"], r["states"]["withdrawn"],
                "/".join(str(r["lights"][light]) for light in ("red", "yellow", "green")), r["overdue"],
                "/".join(str(r["escalations"][level]) for level in ESCALATION_LEVELS), r["relapses"],
                "—" if r["on_time_rate"] is None else f"{r['on_time_rate']:.0%}"] for r in rows])

    emit(result, human)
