"""duban demo: the whole reference campaign, day by day, into a folder."""

from __future__ import annotations

from pathlib import Path

import typer

from duban.cli.app import app, emit, table
from duban.demo import DAY_LABEL, DEFAULT_SEED


@app.command()
def demo(
    out: Path = typer.Option(..., "--out", metavar="目录", help="输出目录：须为空或不存在（否则加 --force）"),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", metavar="种子", help="随机种子：相同种子生成完全相同的数据"),
    force: bool = typer.Option(False, "--force", help="目录非空时先删除其中由 duban demo 生成的文件（其他文件保留）"),
    units: int = typer.Option(15, "--units", metavar="个数", help="处室和局属单位数（3–15）"),
    cadres: int = typer.Option(200, "--cadres", metavar="人数", help="人员总数，含局领导"),
    workers: int = typer.Option(2, "--workers", min=1, metavar="进程数", help="生成 PDF 文书的进程数"),
) -> None:
    """演示：生成一个局机关，按参考方案（兰州市建设局“庸懒散软”）从 2015-09-01 到 2015-11-30 逐日运行。

    在输出目录留下数据库、制发的文书（PDF）、整改落实台账（XLSX 和带图表的 PDF）、汇总（summary.md、summary.json）、工作总结（summary.pdf），
    以及每类文书一份的页面图片（预览/，PNG）。
    --db、--as、--today 对本命令无效：演示自建数据库，用模拟日期。
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.text import Text

    from duban.demo.run import run_demo
    from duban.demo.summary import headline, tables

    err = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        days = progress.add_task("准备", total=None)

        def on_stage(text: str) -> None:
            progress.update(days, description=text)
            if not err.is_terminal:
                err.print(text, highlight=False)

        def on_day(day, index: int, total: int) -> None:
            progress.update(days, description=f"{DAY_LABEL} {day.isoformat()}", completed=index, total=total)
            if not err.is_terminal and (day.weekday() == 0 or index == total):  # a log line per week
                err.print(f"{DAY_LABEL} {day.isoformat()}（{index}/{total}）", highlight=False)

        result = run_demo(out, seed=seed, units=units, cadres=cadres, force=force, workers=workers,
                          on_day=on_day, on_stage=on_stage)
        progress.update(days, description="完成")
    for failure in result["failures"]:  # Text, not markup: messages quote user text
        err.print(Text.assemble(("注意", "yellow"), f"：{failure['day']} {failure['action']}：{failure['message']}"))

    from duban.web.demo import DEMO_PASSWORD, console_command, demo_accounts

    result["console"] = {"accounts": demo_accounts(f"sqlite:///{(out / 'duban.sqlite').resolve()}"),
                         "password": DEMO_PASSWORD,
                         "command": console_command(out / "duban.sqlite", result["summary"]["campaign"]["as_of"])}

    def human(r: dict) -> None:
        summary = r["summary"]
        for line in headline(summary):
            typer.echo(line)
        for title, header, rows in tables(summary):
            table(title, header, rows)
        typer.echo(f"结果已写入 {r['out']}：{'、'.join(r['files'].values())}、summary.md、summary.json、summary.pdf")
        typer.echo(f"各类文书的页面图片（{sum(p['pages'] for p in r['previews'])} 张）在 {Path(r['out']) / '预览'}")
        typer.echo(f"在网页控制台中打开演示数据库：{r['console']['command']}")
        typer.echo("然后浏览 http://127.0.0.1:8000/ ，演示账号（密码均为 " + r["console"]["password"] + "）："
                   + "、".join(f"{a['login']}（{a['name']}，{a['role']}）" for a in r["console"]["accounts"]))

    emit(result, human)
