"""The web console and its accounts: duban web, duban user set-password|list."""

from __future__ import annotations

import sys

import typer

from duban.cli.app import actor, app, emit, state, table, uow

user_app = typer.Typer(help="控制台账号：设置密码、列出账号。", no_args_is_help=True)
app.add_typer(user_app, name="user")


@app.command("web")
def web(
    host: str = typer.Option("127.0.0.1", "--host", metavar="地址", help="监听地址（默认只在本机 127.0.0.1）"),
    port: int = typer.Option(8000, "--port", metavar="端口", min=1, max=65535, help="监听端口（默认 8000）"),
    workers: int = typer.Option(1, "--workers", metavar="进程数", min=1, max=64,
                                help="工作进程数（多进程请用 PostgreSQL，见说明文档的网页控制台一节）"),
) -> None:
    """启动网页控制台（同一数据库；登录后以本人身份操作，不接受 --as）。"""
    import os

    import uvicorn

    from storage.db import ready_engine

    ready_engine(state.settings.db_url)  # not initialised / unreachable: the usual one line, before binding
    os.environ["DUBAN_DB"] = state.settings.db_url  # the workers build the app from the environment
    typer.echo(f"督办控制台：http://{host}:{port}/ （按 Ctrl+C 停止）", err=True)
    uvicorn.run("duban.web.main:app", host=host, port=port, workers=workers, proxy_headers=True,
                forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"), log_level="warning")


def _read_password() -> str:
    if sys.stdin.isatty():
        return typer.prompt("新密码", hide_input=True, confirmation_prompt="再次输入新密码")
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("set-password")
def set_password(login: str = typer.Argument(..., metavar="登录名", help="人员登录名（见 duban org list）")) -> None:
    """设置某人的控制台密码（办公室操作；本人首次登录时须修改）。

    在终端中提示输入两次；从管道读取时取标准输入的第一行。
    """
    from duban.services.accounts import set_password as set_pw

    password = _read_password()
    with uow() as u:
        result = set_pw(u, actor(), login, password)
    emit(result, lambda r: typer.echo(f"已设置 {r['name']}（{r['login']}）的控制台密码"
                                      + ("，首次登录须修改" if r["must_change"] else "")))


@user_app.command("list")
def user_list() -> None:
    """列出人员及其控制台账号状态。"""
    from duban.services.accounts import list_users

    with uow() as u:
        rows = list_users(u, actor())
    emit(rows, lambda r: table("控制台账号", ["登录名", "姓名", "单位", "已设密码", "待修改", "已锁定", "最近登录"],
                               [[x["login"], x["name"], x["unit"], "是" if x["has_password"] else "否",
                                 "是" if x["must_change"] else "", "是" if x["locked"] else "", x["last_login"]]
                                for x in r]))
