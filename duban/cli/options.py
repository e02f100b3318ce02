"""Options and arguments shared by several commands: one definition, one help text.

Use these instead of writing the same option again (the help test checks that an
option name means the same everywhere):

    from duban.cli.options import CAMPAIGN, EXPECT, ITEM_NO

    @item_app.command("start")
    def start(no: str = ITEM_NO, note: str = NOTE, expect: Optional[int] = EXPECT) -> None: ...

Metavars are Chinese (编号, 日期, 文件…); help texts name the accepted values in Chinese.
"""

from __future__ import annotations

import typer

from duban import labels

MAX_ID = 2**31 - 1  # record numbers fit an INTEGER column on SQLite and PostgreSQL alike

# --- arguments ------------------------------------------------------------------------

ITEM_NO = typer.Argument(..., metavar="问题编号", help="整改问题编号，如 MS2015-0001")
CASE_NO = typer.Argument(..., metavar="案件编号", help="问责案件编号，如 MS2015-W001")
REQUEST_ID = typer.Argument(..., metavar="申请号", min=1, max=MAX_ID, help="延期申请号（见 duban deadline list）")
DRAW_ID = typer.Argument(..., metavar="抽取编号", min=1, max=MAX_ID, help="随机抽取的编号（见 duban draw list）")

# --- options --------------------------------------------------------------------------

CAMPAIGN = typer.Option(None, "--campaign", metavar="活动编码", help="活动编码（只有一个活动时可省略）")
EXPECT = typer.Option(None, "--expect-version", metavar="版本",
                      help="仅当记录的当前版本为此值时执行，否则以退出码 4 失败（版本见 --json 输出）")
NOTE = typer.Option("", "--note", metavar="文本", help="备注（记入事件日志）")
DUE = typer.Option(None, "--due", metavar="日期", help="期限 YYYY-MM-DD（与 --days 二选一）")
DAYS = typer.Option(None, "--days", metavar="工作日数",
                    help="期限：自业务日期起第 N 个工作日（按法定节假日与调休计算；与 --due 二选一）")
UNIT_FILTER = typer.Option(None, "--unit", metavar="单位", help="只看该单位（编码或名称）")
OUT_DIR = typer.Option(..., "--out", metavar="目录", help="输出目录（不存在时创建）")
LIGHT = typer.Option(None, "--light", metavar="灯色", help=f"只看该灯色：{labels.choices('light')}")
