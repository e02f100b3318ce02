"""Report (举报) commands: duban tip add|list|show|accept|merge|dismiss|reveal|status|sweep|keygen."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from duban.cli.app import actor, app, date_opt, emit, output_file, state, table, uow
from duban.cli.options import CAMPAIGN, DAYS, DUE, EXPECT, LIGHT
from duban.labels import code_of, label

tip_app = typer.Typer(help="举报电话、举报信箱：受理、办理（立为问题、并入问题、不属实）、查询码查询；举报人信息加密保存。",
                      no_args_is_help=True)
app.add_typer(tip_app, name="tip")

TIP_NO = typer.Argument(..., metavar="举报编号", help="举报编号，如 MS2015-J0001")
REPLY = typer.Option("", "--reply", metavar="文本", help="给举报人的公开答复（举报人凭查询码可见）")


def _said(r: dict) -> str:
    return f"{r['no']} {r['state_label']}（办理期限 {r['due']}）"


@tip_app.command("add")
def add(
    channel: str = typer.Option(..., "--channel", metavar="渠道", help="举报渠道，如 举报电话、举报信箱（见方案）"),
    content: str = typer.Option(..., "--content", metavar="文本", help="举报内容（仅办公室可见，不进入任何文书）"),
    unit: Optional[str] = typer.Option(None, "--unit", metavar="单位", help="被举报单位（编码或名称，如已知）"),
    person: Optional[str] = typer.Option(None, "--person", metavar="人员", help="被举报人（登录名或姓名，如已知）"),
    name: Optional[str] = typer.Option(None, "--reporter-name", metavar="姓名", help="举报人姓名（可不填；加密保存）"),
    contact: Optional[str] = typer.Option(None, "--reporter-contact", metavar="联系方式",
                                          help="举报人联系方式（可不填；加密保存）"),
    received: Optional[str] = typer.Option(None, "--received", metavar="日期", help="受理日期 YYYY-MM-DD（默认业务日期）"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """受理一件举报，给出查询码（只显示这一次，请告知举报人）。"""
    from duban.services.tips import receive_report

    with uow() as u:
        result = receive_report(u, actor(), channel=channel, content=content, campaign=campaign,
                                received_on=date_opt(received, "--received"), unit=unit, person=person,
                                reporter_name=name, reporter_contact=contact, today=state.today)
    emit(result, lambda r: typer.echo(f"已受理 {_said(r)}；查询码：{r['receipt_code']}（只显示这一次）"))


@tip_app.command("list")
def list_(
    campaign: Optional[str] = CAMPAIGN,
    state_: Optional[str] = typer.Option(None, "--state", metavar="状态", help="只看该状态，如 已受理、不属实"),
    light: Optional[str] = LIGHT,
) -> None:
    """列出举报（仅办公室）：状态、办理期限与红黄绿灯。"""
    from duban.services.tips import list_reports

    with uow() as u:
        result = list_reports(u, actor(), campaign=campaign, state=state_,
                              light=code_of("light", light, "--light"), today=state.today)
    emit(result, lambda r: table(f"举报（{len(r)} 件）", ["编号", "渠道", "受理日期", "状态", "办理期限", "灯", "问题"],
                                 [[t["no"], t["channel"], t["received_on"], t["state_label"], t["due"],
                                   label("light", t["light"]), t["item"]] for t in r]))


@tip_app.command("show")
def show(no: str = TIP_NO) -> None:
    """查看一件举报（仅办公室；举报人信息只显示为已加密）。"""
    from duban.services.tips import show_report

    with uow() as u:
        result = show_report(u, actor(), no, today=state.today)
    emit(result, lambda r: table(f"举报 {r['no']}", ["项目", "内容"], [
        ["渠道", r["channel"]], ["受理日期", r["received_on"]], ["内容", r["content"]],
        ["被举报单位", r["reported_unit"]], ["被举报人", r["reported_person"]], ["举报人", r["identity"]],
        ["状态", r["state_label"]], ["办理期限", r["due"]], ["红黄绿灯", label("light", r["light"])],
        ["问题", r["item"]], ["理由", r["reason"]], ["答复", r["reply"]], ["版本", r["version"]]]))


def _triage(no: str, outcome: str, expect: Optional[int], **kwargs) -> None:
    from duban.services.tips import triage_report

    with uow() as u:
        result = triage_report(u, actor(), no, outcome, today=state.today, expect_version=expect, **kwargs)
    emit(result, lambda r: typer.echo(f"{r['no']} → {r['state_label']}" + (f"（{r['item']}）" if r["item"] else "")))


@tip_app.command("accept")
def accept(
    no: str = TIP_NO,
    unit: str = typer.Option(..., "--unit", metavar="单位", help="责任单位（编码或名称）"),
    title: str = typer.Option(..., "--title", metavar="文本", help="问题标题（不超过 200 字）"),
    category: Optional[str] = typer.Option(None, "--category", metavar="类别", help="问题类别，如 庸、懒、散、软（见方案）"),
    person: Optional[str] = typer.Option(None, "--person", metavar="人员", help="责任人（登录名或姓名）"),
    due: Optional[str] = DUE,
    days: Optional[int] = DAYS,
    reply: str = REPLY,
    expect: Optional[int] = EXPECT,
) -> None:
    """立为问题：办公室撰写问题标题（不照录举报内容），登记为整改问题。"""
    _triage(no, "accept", expect, unit=unit, title=title, category=category, person=person,
            due=date_opt(due, "--due"), due_days=days, reply=reply)


@tip_app.command("merge")
def merge(
    no: str = TIP_NO,
    item: str = typer.Option(..., "--item", metavar="问题编号", help="并入的整改问题编号"),
    reply: str = REPLY,
    expect: Optional[int] = EXPECT,
) -> None:
    """并入问题：举报反映的问题已在整改问题中。"""
    _triage(no, "merge", expect, item=item, reply=reply)


@tip_app.command("dismiss")
def dismiss(
    no: str = TIP_NO,
    reason: str = typer.Option(..., "--reason", metavar="文本", help="认定不属实的理由"),
    reply: str = REPLY,
    expect: Optional[int] = EXPECT,
) -> None:
    """认定不属实，写明理由。"""
    _triage(no, "dismiss", expect, reason=reason, reply=reply)


@tip_app.command("reveal")
def reveal(
    no: str = TIP_NO,
    reason: str = typer.Option(..., "--reason", metavar="文本", help="查看举报人信息的理由（记入事件日志）"),
) -> None:
    """查看举报人姓名和联系方式（仅限方案指定的角色，每次查看都记入事件日志）。"""
    from duban.services.tips import reveal_identity

    with uow() as u:
        result = reveal_identity(u, actor(), no, reason=reason, today=state.today)
    emit(result, lambda r: typer.echo(f"{r['no']} 举报人：{r['name'] or '—'}；联系方式：{r['contact'] or '—'}"))


@tip_app.command("status")
def status(code: str = typer.Argument(..., metavar="查询码", help="受理时告知举报人的查询码")) -> None:
    """举报人凭查询码查询办理状态和公开答复。"""
    from duban.services.tips import report_status

    with uow() as u:
        result = report_status(u, code)
    emit(result, lambda r: typer.echo(f"办理状态：{r['state_label']}" + (f"；答复：{r['reply']}" if r["reply"] else "")))


@tip_app.command("sweep")
def sweep(campaign: Optional[str] = CAMPAIGN) -> None:
    """逾期未办的举报提醒办公室（每件一次）。"""
    from duban.services.tips import sweep_reports

    with uow() as u:
        result = sweep_reports(u, actor(), campaign=campaign, today=state.today)
    emit(result, lambda r: typer.echo(f"逾期未办的举报：{len(r)} 件" + "".join(f"\n  {_said(t)}" for t in r)))


@tip_app.command("keygen")
def keygen(out: Path = typer.Option(..., "--out", metavar="文件", help="写入密钥的文件（不得已存在）")) -> None:
    """生成举报人信息密钥，写入文件（权限 600）；以 DUBAN_REPORT_KEY_FILE 指向它。"""
    import os

    from duban.errors import BadInput
    from duban.services.tips import new_key

    path = output_file(out)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadInput(f"密钥文件已存在：{path}（不覆盖已有密钥）") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(new_key() + "\n")
    emit({"out": str(path)}, lambda r: typer.echo(f"举报人信息密钥已写入 {r['out']}"))
