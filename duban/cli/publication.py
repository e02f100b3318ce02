"""Publication commands: duban publish mark|unmark|list|release (公开整改问题、公布整改成效)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from duban.cli.app import actor, app, emit, state, table, uow
from duban.cli.options import CAMPAIGN

publish_app = typer.Typer(
    help="整改公开：由办公室决定公开哪些问题，发布公示、网页、电子显示屏和宣传栏内容（不含举报人、验收人等个人信息）。",
    no_args_is_help=True)
app.add_typer(publish_app, name="publish")

ITEM_NOS = typer.Argument(..., metavar="问题编号", help="整改问题编号（可给多个），如 MS2015-0001")
REASON = typer.Option("", "--reason", metavar="文本", help="理由（记入事件日志）")


def _marked(r: dict) -> None:
    what = "公开" if r["publishable"] else "不公开"
    typer.echo(f"已决定{what}：{'、'.join(r['changed']) or '无变化'}")
    if r["unchanged"]:
        typer.echo(f"此前已是{what}：{'、'.join(r['unchanged'])}")


@publish_app.command("mark")
def publish_mark(numbers: List[str] = ITEM_NOS, reason: str = REASON, campaign: Optional[str] = CAMPAIGN) -> None:
    """决定公开这些问题（办公室）：此后发布的公开内容列出它们及其整改情况。"""
    from duban.services.publication import mark

    with uow() as u:
        result = mark(u, actor(), numbers, publishable=True, reason=reason, campaign=campaign, today=state.today)
    emit(result, _marked)


@publish_app.command("unmark")
def publish_unmark(numbers: List[str] = ITEM_NOS, reason: str = REASON, campaign: Optional[str] = CAMPAIGN) -> None:
    """决定不公开这些问题（办公室）：此后发布的公开内容不再列出它们。"""
    from duban.services.publication import mark

    with uow() as u:
        result = mark(u, actor(), numbers, publishable=False, reason=reason, campaign=campaign, today=state.today)
    emit(result, _marked)


@publish_app.command("list")
def publish_list(
    publishable: Optional[bool] = typer.Option(None, "--publishable/--not-publishable",
                                               help="只看已决定公开的（或未决定公开的）问题"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """列出问题及是否已决定公开。"""
    from duban.services.publication import list_items

    with uow() as u:
        rows = list_items(u, actor(), campaign=campaign, publishable=publishable)
    emit(rows, lambda rs: table(f"整改公开（{len(rs)} 项）", ["编号", "单位", "问题", "状态", "公开"], [
        [r["no"], r["unit"], r["title"], r["state_label"], "是" if r["publishable"] else "否"] for r in rs]))


@publish_app.command("release")
def publish_release(
    out: Optional[Path] = typer.Option(None, "--out", metavar="目录",
                                       help="输出目录（须为空或不存在；默认写入文件存储中的整改公开目录）"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """发布一期公开内容（办公室）：公示、宣传栏 PDF、静态网页和电子显示屏文本，只含已决定公开的问题和已公开的测评结果。"""
    from duban.services.publication.release import release
    from storage.uow import UnitOfWork

    settings = state.settings
    result = release(lambda: UnitOfWork(settings.db_url), actor(), out=out, campaign=campaign, today=state.today)
    emit(result, lambda r: typer.echo(
        f"已发布第 {r['seq']} 期公开内容（问题 {r['items']} 个，其中已整改销号 {r['rectified']} 个；"
        f"测评 {r['rounds']} 个单位；先进典型 {r['commendations']} 个）：{r['index']}"))


@publish_app.command("history")
def publish_history(campaign: Optional[str] = CAMPAIGN) -> None:
    """列出已发布的各期公开内容。"""
    from duban.services.publication.release import list_publications

    with uow() as u:
        rows = list_publications(u, actor(), campaign=campaign)
    emit(rows, lambda rs: table(f"已发布的公开内容（{len(rs)} 期）", ["期数", "日期", "发布人", "问题", "测评", "目录"], [
        [r["seq"], r["date"], r["actor"], r["items"], r["rounds"], r["folder"]] for r in rs]))
