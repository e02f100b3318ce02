"""Phase commands: duban phase list, duban phase override."""

from __future__ import annotations

from typing import Optional

import typer

from duban.cli.app import actor, app, date_opt, emit, state, table, uow
from duban.cli.options import CAMPAIGN

phase_app = typer.Typer(help="工作阶段：各阶段开放的工作职责和问题来源，阶段限制的放开。", no_args_is_help=True)
app.add_typer(phase_app, name="phase")


@phase_app.command("list")
def phase_list(campaign: Optional[str] = CAMPAIGN) -> None:
    """列出各阶段的起止日期、工作职责和开放的问题来源，以及已放开的阶段限制。"""
    from duban.labels import label
    from duban.services.phase_gate import phase_table

    with uow() as u:
        result = phase_table(u, actor(), campaign=campaign)

    def human(r: dict) -> None:
        table(f"{r['campaign']} 工作阶段", ["阶段", "起止", "工作职责", "问题来源"],
              [[p["name"], f"{p['start']} 至 {p['end']}", "、".join(label("duty", d) for d in p["duties"]),
                "、".join(p["sources"])] for p in r["phases"]])
        if r["overrides"]:
            table("已放开的阶段限制", ["日期", "操作人", "来源/职责", "放开期间", "理由"],
                  [[o["date"], o["actor"], o.get("source") or label("duty", o.get("duty")),
                    f"{o['from']} 至 {o['until']}", o["reason"]] for o in r["overrides"]])
    emit(result, human)


@phase_app.command("override")
def phase_override(
    reason: str = typer.Option(..., "--reason", metavar="文本", help="放开理由（记入事件日志）"),
    source: Optional[str] = typer.Option(None, "--source", metavar="来源",
                                         help="问题来源，如 座谈会、走访、问卷、征求意见表、自查、暗访、举报电话（见方案）"),
    duty: Optional[str] = typer.Option(None, "--duty", metavar="职责",
                                       help="放开的工作职责（编码或名称，与 --source 二选一）"),
    start: Optional[str] = typer.Option(None, "--from", metavar="日期", help="放开起始日期（默认业务日期）"),
    until: Optional[str] = typer.Option(None, "--until", metavar="日期", help="放开截止日期（默认同起始日期）"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """放开阶段限制（仅办公室）：在指定日期内允许方案未在该阶段开放的问题来源或工作职责。

    --source 与 --duty 二选一。"""
    from duban.services.phase_gate import override

    with uow() as u:
        result = override(u, actor(), reason=reason, source=source, duty=duty, start=date_opt(start, "--from"),
                          until=date_opt(until, "--until"), campaign=campaign, today=state.today)
    emit(result, lambda r: typer.echo(f"已放开「{r['what']}」：{r['from']} 至 {r['until']}（理由：{r['reason']}）"))
