"""Programme commands beyond problem items: duban study …, duban mechanism …"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from duban.cli.app import actor, app, date_opt, emit, state, table, uow
from duban.cli.options import CAMPAIGN, DAYS, DUE, EXPECT, ITEM_NO, UNIT_FILTER

study_app = typer.Typer(help="集中学习：按方案所列形式和专题登记学习，统计个人和单位的参学情况。", no_args_is_help=True)
app.add_typer(study_app, name="study")


TOPIC_HELP = "学习专题：方案所列专题的名称或序号"


def _rate(value) -> str:
    return "—" if value is None else f"{value:.0%}"


@study_app.command("add")
def study_add(
    unit: str = typer.Option(..., "--unit", metavar="单位", help="组织学习的单位（编码或名称）"),
    form: str = typer.Option(..., "--form", metavar="形式", help="学习形式，取方案所列（如党组会、中心组会议、自学）"),
    topic: str = typer.Option(..., "--topic", metavar="专题", help=TOPIC_HELP),
    on: Optional[str] = typer.Option(None, "--date", metavar="日期", help="学习日期 YYYY-MM-DD（默认为业务日期）"),
    attendee: Optional[List[str]] = typer.Option(
        None, "--attendee", metavar="人员", help="参加人员（登录名或姓名，可重复；省略则为该单位及下属单位全体人员）"),
    absent: Optional[List[str]] = typer.Option(
        None, "--absent", metavar="人员", help="缺席人员，可写“登录名:原因”（可重复）"),
    note: str = typer.Option("", "--note", metavar="文本", help="备注（记入事件日志）"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """登记一次集中学习（办公室或单位负责人）：日期、形式、专题、参加和缺席人员。"""
    from duban.services.study import add_session

    with uow() as u:
        result = add_session(u, actor(), unit=unit, form=form, topic=topic, on=date_opt(on, "--date"),
                             attendees=attendee or [], absent=absent or [], note=note, campaign=campaign,
                             today=state.today)
    emit(result, lambda r: typer.echo(
        f"已登记第 {r['no']} 次学习：{r['date']} {r['unit']} {r['form']}，专题“{r['topic']}”；"
        f"应到 {r['expected']} 人，实到 {r['attended']} 人"))


@study_app.command("list")
def study_list(campaign: Optional[str] = CAMPAIGN, unit: Optional[str] = UNIT_FILTER,
               topic: Optional[str] = typer.Option(None, "--topic", metavar="专题", help=TOPIC_HELP)) -> None:
    """列出已登记的集中学习（可按单位、专题筛选）。"""
    from duban.services.study import list_sessions

    with uow() as u:
        result = list_sessions(u, actor(), campaign=campaign, unit=unit, topic=topic)
    emit(result, lambda rows: table(f"集中学习（{len(rows)} 次）", ["序号", "日期", "单位", "形式", "专题", "应到", "实到", "缺席"], [
        [r["no"], r["date"], r["unit"], r["form"], r["topic"], r["expected"], r["attended"],
         "、".join(a["name"] for a in r["absent"])] for r in rows]))


@study_app.command("attendance")
def study_attendance(campaign: Optional[str] = CAMPAIGN, unit: Optional[str] = UNIT_FILTER,
                     person: Optional[str] = typer.Option(None, "--person", metavar="人员",
                                                          help="只看该人员（登录名或姓名）")) -> None:
    """参学情况：每人应参加、实参加、缺席次数；每个单位组织次数、参学率和未学专题。"""
    from duban.services.study import attendance

    with uow() as u:
        result = attendance(u, actor(), campaign=campaign, unit=unit, person=person)

    def human(r: dict) -> None:
        table("个人参学情况", ["登录名", "姓名", "单位", "应参加", "实参加", "参学率", "缺席"], [
            [p["login"], p["name"], p["unit"], p["expected"], p["attended"], _rate(p["rate"]),
             "、".join(m["date"] for m in p["missed"])] for p in r["persons"]])
        if person is None:
            table("单位参学情况", ["单位", "组织学习", "应参加人次", "实参加人次", "参学率", "已学专题"], [
                [u_["unit"], u_["sessions"], u_["expected"], u_["attended"], _rate(u_["rate"]),
                 f"{len(u_['topics_covered'])}/{u_['topics_total']}" if u_["topics_total"] else len(u_["topics_covered"])]
                for u_ in r["units"]])

    emit(result, human)


# --- long-term mechanisms -------------------------------------------------------------------------

mechanism_app = typer.Typer(help="长效机制：方案所列制度机制的牵头单位、期限、制度文件，与整改问题同样亮灯、催办督办。",
                            no_args_is_help=True)
app.add_typer(mechanism_app, name="mechanism")


@mechanism_app.command("add")
def mechanism_add(
    deliverable: str = typer.Argument(..., metavar="机制", help="方案所列长效机制的编码或名称（见 duban mechanism list）"),
    unit: str = typer.Option(..., "--unit", metavar="单位", help="牵头单位（编码或名称）"),
    person: str = typer.Option(..., "--person", metavar="人员", help="责任人（登录名或姓名）"),
    due: Optional[str] = DUE,
    days: Optional[int] = DAYS,
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """登记并交办一项长效机制（办公室、领导小组）；期限省略时取方案所定期限或所在阶段结束日。"""
    from duban.services.mechanisms import register

    with uow() as u:
        result = register(u, actor(), deliverable=deliverable, unit=unit, person=person, due=date_opt(due, "--due"),
                          due_days=days, campaign=campaign, today=state.today)
    emit(result, lambda r: typer.echo(f"已登记长效机制 {r['no']}“{r['title']}”：{r['unit']} {r['owner']}，期限 {r['due']}"))


@mechanism_app.command("adopt")
def mechanism_adopt(
    no: str = ITEM_NO,
    title: str = typer.Option(..., "--document", metavar="文本", help="制度文件名称及文号"),
    files: List[Path] = typer.Option(..., "--file", metavar="文件", help="制度文件（可重复）"),
    expect: Optional[int] = EXPECT,
) -> None:
    """上传长效机制已印发的制度文件；之后按整改问题同样提交验收（duban item submit）。"""
    from duban.services.mechanisms import adopt

    with uow() as u:
        result = adopt(u, actor(), no, title=title, files=files, today=state.today, expect_version=expect)
    emit(result, lambda r: typer.echo(f"{r['no']} 已上传制度文件“{r['adopted_doc']}”"))


@mechanism_app.command("list")
def mechanism_list(campaign: Optional[str] = CAMPAIGN) -> None:
    """列出方案所列长效机制及其登记、期限、灯色和办理状态。"""
    from duban.labels import label
    from duban.services.mechanisms import list_mechanisms

    with uow() as u:
        result = list_mechanisms(u, actor(), campaign=campaign, today=state.today)
    emit(result, lambda rows: table("长效机制", ["机制", "编号", "牵头单位", "责任人", "期限", "灯色", "状态", "制度文件"], [
        [r["name"], *((r["item"]["no"], r["item"]["unit"], r["item"]["owner"], r["item"]["due"],
                       label("light", r["item"]["light"]), r["item"]["state_label"], r["item"]["adopted_doc"] or "")
                      if r["item"] else ("", "", "", r["plan_due"], "", "未登记", ""))] for r in rows]))
