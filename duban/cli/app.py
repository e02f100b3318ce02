"""The Typer application, global options and output helpers."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Optional

import typer

from duban import config


@dataclass
class State:
    settings: config.Settings | None = None
    as_json: bool = False
    today: dt.date | None = None
    command: str = ""
    where: str = "duban"  # the command path, for "见 duban item add --help"
    extra: dict = field(default_factory=dict)


state = State()

app = typer.Typer(
    name="duban",
    help="督办：问题清单、整改台账、督办问责与文书制发。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # help pages are duban's own (duban.cli.usage), Rich loads only for tables
)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(None, "--db", metavar="地址",
                                     help="数据库地址（默认取 DUBAN_DB，否则 ~/.duban/duban.sqlite）"),
    as_user: Optional[str] = typer.Option(None, "--as", metavar="登录名",
                                          help="操作人登录名（默认取 DUBAN_USER，否则为系统自动化账号 system）"),
    as_json: bool = typer.Option(False, "--json", help="在标准输出打印 JSON 结果（状态等为代码）"),
    today: Optional[str] = typer.Option(None, "--today", metavar="日期",
                                        help="业务日期 YYYY-MM-DD（默认取 DUBAN_TODAY，否则今天）"),
) -> None:
    from duban.clock import parse_date
    from duban.errors import UnknownActor

    state.command = logged_command(sys.argv[1:])
    state.as_json = as_json
    if as_user is not None and not as_user.strip():
        state.settings = config.Settings(config.load(db).db_url, as_user)  # logged as given
        raise UnknownActor("操作人不能为空：--as 须给出已导入人员的登录名")
    state.settings = config.load(db, as_user)
    state.today = parse_date(today, "--today") if today else None


def logged_command(argv: list[str]) -> str:
    """The command line as the refusal log keeps it: the command and its option names, never
    values — a value may be a reporter's name, phone or words (a reporter is never exposed)."""
    options = [token.split("=", 1)[0] for token in argv if re.fullmatch(r"--?[A-Za-z][A-Za-z-]*(=.*)?", token)]
    return " ".join([state.where, *options])[:200]


def uow():
    from storage.uow import UnitOfWork

    return UnitOfWork(state.settings.db_url)


def actor() -> str:
    return state.settings.actor


def emit(result: Any, human=None) -> None:
    """Print JSON (--json) or the human rendering."""
    if state.as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    elif human is not None:
        human(result)
    else:
        typer.echo(result)


def console():
    from rich.console import Console

    return Console()


def table(title: str, columns: list[str], rows: list[list]) -> None:
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title, show_lines=False)
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:  # Text(), not str: user text must never be read as Rich markup
        t.add_row(*[Text("" if v is None else str(v)) for v in r])
    console().print(t)


@contextlib.contextmanager
def progress_bar(description: str):
    """A Rich progress bar on stderr for a long command; yields ``update(done, total, label="")``.

    Only on a terminal and without --json: in pipes, logs and tests stderr carries
    nothing but the command's own lines (an error stays one line).
    """
    if state.as_json or not sys.stderr.isatty():
        yield lambda done, total, label="": None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(f"{description} {{task.description}}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)
        yield lambda done, total, label="": bar.update(task, completed=done, total=total, description=label)


def history_table(title: str, events: list[dict]) -> None:
    """The event log of one item or case, as `item history` and `case history` print it."""
    from duban.labels import label

    table(title, ["序号", "日期", "操作人", "操作", "从", "到", "说明"],
          [[e["seq"], e["date"], e["actor"], label("event", e["trigger"]), label("state", e["from"]),
            label("state", e["to"]), e["note"]] for e in events])


def output_file(path, what: str = "--out"):
    """A file the command will write: not a directory, in a folder that exists."""
    from duban.errors import BadInput

    if path.is_dir():
        raise BadInput(f"{what} 指向目录 {path}：请给出文件名")
    if not path.parent.is_dir():
        raise BadInput(f"{what} 的目录不存在：{path.parent}（请先创建该目录）")
    return path


def date_opt(value: Optional[str], what: str):
    from duban.clock import parse_date

    return parse_date(value, what) if value else None


from duban.cli import admin, cases, demo, documents, items, measures, operations, oversight, phases, web  # noqa: E402,F401  (register commands)
from duban.cli import programme  # noqa: E402,F401  (study, mechanism, evaluation, summaries)
from duban.cli import opinions, problem_lists, tips  # noqa: E402,F401  (意见建议, 问题整改清单, 举报)
from duban.cli import visits  # noqa: E402,F401  (暗访检查记录)
from duban.cli import publication  # noqa: E402,F401  (整改公开)
from duban.cli import summaries  # noqa: E402,F401  (述职材料, 工作总结)
