"""Opinion commands: duban opinion add|list|show|accept|merge|dismiss."""

from __future__ import annotations

from typing import List, Optional

import typer

from duban.cli.app import actor, app, date_opt, emit, state, table, uow
from duban.cli.options import CAMPAIGN, DAYS, DUE, EXPECT

opinion_app = typer.Typer(help="座谈会、走访群众、问卷调查、征求意见表收集的意见建议：登记、归类建议、"
                               "立为问题（可多条合并为一个问题）、并入问题、不予采纳。", no_args_is_help=True)
app.add_typer(opinion_app, name="opinion")

OPINION_NOS = typer.Argument(..., metavar="意见编号", help="意见编号，如 MS2015-Y0001（可给出多个）")
OPINION_NO = typer.Argument(..., metavar="意见编号", help="意见编号，如 MS2015-Y0001")


def _suggested(o: dict) -> str:
    return "；".join(f"{s['name']} {s['score']}（{'、'.join(p for p, _ in s['phrases'])}）" for s in o["suggestions"])


@opinion_app.command("add")
def add(
    source: str = typer.Option(..., "--source", metavar="来源",
                               help="问题来源，如 座谈会、走访、问卷、征求意见表、自查、暗访、举报电话（见方案）"),
    text: str = typer.Option(..., "--text", metavar="文本", help="意见原文（仅办公室可见，不进入任何文书）"),
    respondent: str = typer.Option(..., "--respondent", metavar="类别",
                                   help="意见提出者类别，如 工作对象、服务对象（见方案；不登记姓名）"),
    collected_by: Optional[str] = typer.Option(None, "--collected-by", metavar="单位",
                                               help="组织座谈会、走访或报回征求意见表的单位（默认为操作人所在单位）"),
    unit: Optional[str] = typer.Option(None, "--unit", metavar="单位", help="意见所针对的单位（编码或名称，如有）"),
    received: Optional[str] = typer.Option(None, "--received", metavar="日期", help="受理日期 YYYY-MM-DD（默认业务日期）"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """登记一条意见建议（匿名：只记提出者类别）。"""
    from duban.services.opinions import record_opinion

    with uow() as u:
        result = record_opinion(u, actor(), source=source, text=text, respondent=respondent,
                                collected_by=collected_by, unit=unit, campaign=campaign,
                                received_on=date_opt(received, "--received"), today=state.today)
    emit(result, lambda r: typer.echo(f"已登记意见 {r['no']}（{r['source']}）"
                                      + (f"；归类建议：{_suggested(r)}" if r["suggestions"] else "")))


@opinion_app.command("list")
def list_(
    campaign: Optional[str] = CAMPAIGN,
    state_: Optional[str] = typer.Option(None, "--state", metavar="状态",
                                         help="只看该状态：待处理、已立为问题、已并入问题、不予采纳"),
    source: Optional[str] = typer.Option(None, "--source", metavar="来源",
                                         help="问题来源，如 座谈会、走访、问卷、征求意见表、自查、暗访、举报电话（见方案）"),
    unit: Optional[str] = typer.Option(None, "--unit", metavar="单位", help="只看该单位收集或针对该单位的意见"),
) -> None:
    """列出意见建议及其去向（仅办公室）。"""
    from duban.services.opinions import list_opinions

    with uow() as u:
        result = list_opinions(u, actor(), campaign=campaign, state=state_, source=source, unit=unit)
    emit(result, lambda r: table(f"意见建议（{len(r)} 条）", ["编号", "来源", "日期", "收集单位", "状态", "问题", "归类建议"],
                                 [[o["no"], o["source"], o["received_on"], o["collected_by"], o["state_label"],
                                   o["item"], o["suggestions"][0]["name"] if o["suggestions"] else ""] for o in r]))


@opinion_app.command("show")
def show(no: str = OPINION_NO) -> None:
    """查看一条意见（仅办公室），及按方案具体表现给出的归类建议和命中的表述。"""
    from duban.services.opinions import show_opinion

    with uow() as u:
        result = show_opinion(u, actor(), no)
    emit(result, lambda r: table(f"意见 {r['no']}", ["项目", "内容"], [
        ["来源", r["source"]], ["日期", r["received_on"]], ["提出者类别", r["respondent"]],
        ["收集单位", r["collected_by"]], ["针对单位", r["unit"]], ["内容", r["text"]],
        ["归类建议", _suggested(r) or "（无命中表述）"], ["状态", r["state_label"]], ["问题", r["item"]],
        ["理由", r["reason"]], ["版本", r["version"]]]))


def _triage(nos: List[str], outcome: str, expect: Optional[int], **kwargs) -> None:
    from duban.services.opinions import triage_opinions

    with uow() as u:
        result = triage_opinions(u, actor(), nos, outcome, today=state.today, expect_version=expect, **kwargs)
    emit(result, lambda r: typer.echo("\n".join(f"{o['no']} → {o['state_label']}" + (f"（{o['item']}）" if o["item"] else "")
                                                for o in r)))


@opinion_app.command("accept")
def accept(
    nos: List[str] = OPINION_NOS,
    unit: str = typer.Option(..., "--unit", metavar="单位", help="责任单位（编码或名称）"),
    title: str = typer.Option(..., "--title", metavar="文本", help="问题标题（不超过 200 字）"),
    category: Optional[str] = typer.Option(None, "--category", metavar="类别",
                                           help="问题类别，如 庸、懒、散、软（见方案；可参考 duban opinion show 的归类建议）"),
    person: Optional[str] = typer.Option(None, "--person", metavar="人员", help="责任人（登录名或姓名）"),
    due: Optional[str] = DUE,
    days: Optional[int] = DAYS,
    expect: Optional[int] = EXPECT,
) -> None:
    """立为问题：一条或多条意见合并为一个整改问题，标题由办公室撰写（不照录意见原文）。"""
    _triage(nos, "accept", expect, unit=unit, title=title, category=category, person=person,
            due=date_opt(due, "--due"), due_days=days)


@opinion_app.command("merge")
def merge(
    nos: List[str] = OPINION_NOS,
    item: str = typer.Option(..., "--item", metavar="问题编号", help="并入的整改问题编号"),
    expect: Optional[int] = EXPECT,
) -> None:
    """并入问题：意见反映的问题已在整改问题中。"""
    _triage(nos, "merge", expect, item=item)


@opinion_app.command("dismiss")
def dismiss(
    nos: List[str] = OPINION_NOS,
    reason: str = typer.Option(..., "--reason", metavar="文本", help="不予采纳的理由"),
    expect: Optional[int] = EXPECT,
) -> None:
    """不予采纳，写明理由。"""
    _triage(nos, "dismiss", expect, reason=reason)
