"""Accountability commands: duban case propose|investigate|decide|…, duban commend."""

from __future__ import annotations

from typing import List, Optional

import typer

from duban.cli.app import actor, app, date_opt, emit, history_table, state, table, uow
from duban.cli.options import CAMPAIGN, CASE_NO, DAYS, DUE, EXPECT, NOTE
from duban.labels import choices, code_of

case_app = typer.Typer(help="问责案件：立案、调查核实、处理决定、审批、执行、申诉、结案。", no_args_is_help=True)
app.add_typer(case_app, name="case")

MEASURE = typer.Option(..., "--measure", metavar="措施", help="问责措施（方案中的名称或编码，如 诫勉谈话）")
SANCTION = typer.Option(None, "--sanction", metavar="种类",
                        help="处理种类：方案为该措施列出种类时必填（如 纪律处分的 记过处分、组织处理的 免职）")


def _show(r: dict) -> None:
    rows = [
        ["编号", r["no"]], ["被问责对象", r["subject"]], ["关联问题", "、".join(r["items"])],
        ["状态", r["state_label"]], ["问责事由", r["reason"]], ["事实与依据", r["facts"]],
        ["最低情节等级", r["min_grade_label"]], ["问责措施", r["measure_label"]], ["处理种类", r["sanction"]], ["情节等级", r["grade_label"]],
        ["文书", r["document_title"]], ["文书编号", r.get("document_no")], ["限期", r["measure_due"]],
        ["提出", f"{r['proposed_on']} {r['proposed_by']}"],
        ["决定", f"{r['decided_on'] or ''} {r['decided_by'] or ''}".strip()],
        ["批准", r["approved_by"]], ["结案/撤销", r["closed_on"]], ["来源", r["origin"]], ["版本", r["version"]],
    ]
    table(f"问责案件 {r['no']}", ["项目", "内容"], rows)


def _moved(r: dict) -> None:
    measure = f"，{r['measure_label']}" if r["measure_label"] else ""
    typer.echo(f"{r['no']} → {r['state_label']}{measure}（版本 {r['version']}）")


def _change(function: str, no: str, **kwargs) -> None:
    from duban.services import cases

    with uow() as u:
        result = getattr(cases, function)(u, actor(), no, today=state.today, **kwargs)
    emit(result, _moved)


@case_app.command("propose")
def propose(
    items: List[str] = typer.Option(..., "--item", metavar="问题编号", help="关联的整改问题编号"),
    person: Optional[str] = typer.Option(None, "--person", metavar="人员", help="被问责人（登录名或姓名）"),
    unit: Optional[str] = typer.Option(None, "--unit", metavar="单位", help="被问责单位（编码或名称）"),
    reason: str = typer.Option(..., "--reason", metavar="文本", help="问责事由"),
    facts: str = typer.Option("", "--facts", metavar="文本", help="事实与依据"),
    origin: Optional[str] = typer.Option(None, "--origin", metavar="标识", help="来源标识：同一来源只立案一次"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """提出问责（立案）：被问责对象为一人或一个单位；屡犯或问题反弹的从重。"""
    from duban.services.cases import propose_case

    with uow() as u:
        result = propose_case(u, actor(), items=items, person=person, unit=unit, reason=reason, facts=facts,
                              origin=origin, campaign=campaign, today=state.today)
    emit(result, lambda r: typer.echo(
        f"{'已立案' if r['created'] else '已存在'} {r['no']}（{r['subject']}，最低情节等级：{r['min_grade_label']}）"))


@case_app.command("propose-units")
def propose_units(
    min_overdue: int = typer.Option(3, "--min-overdue", metavar="个数", help="逾期未整改问题达到此数即视为开展不力"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """对开展活动不力的单位（逾期问题多、暗访抽查问题反弹或暗访检查发现问题）按方案规定的单位问责措施提出问责；每单位每月一次。"""
    from duban.services.cases import propose_unit_cases

    with uow() as u:
        result = propose_unit_cases(u, actor(), campaign=campaign, min_overdue=min_overdue, today=state.today)
    emit(result, lambda r: table(f"单位问责（{len(r)} 件）", ["编号", "单位", "结果", "事由"],
                                 [[c["no"], c["subject"], "新立案" if c["created"] else "已存在", c["reason"]] for c in r]))


@case_app.command("investigate")
def investigate(no: str = CASE_NO, note: str = NOTE, expect: Optional[int] = EXPECT) -> None:
    """调查核实。"""
    _change("investigate_case", no, note=note, expect_version=expect)


@case_app.command("decide")
def decide(no: str = CASE_NO, measure: str = MEASURE, sanction: Optional[str] = SANCTION, note: str = NOTE,
           due: Optional[str] = DUE, days: Optional[int] = DAYS, expect: Optional[int] = EXPECT) -> None:
    """作出处理决定：措施须适用于被问责对象，且不轻于本案最低情节等级。

    方案为措施列出处理种类（如纪律处分的警告、记过）时，用 --sanction 选定其一，决定书写明种类及其依据。
    不给 --due 或 --days 时，限期按方案规定的工作日数计算。
    """
    _change("decide_case", no, measure=measure, sanction=sanction, note=note, due=date_opt(due, "--due"), due_days=days,
            expect_version=expect)


@case_app.command("send-back")
def send_back(no: str = CASE_NO, reason: str = typer.Option(..., "--reason", metavar="文本", help="退回理由"),
              expect: Optional[int] = EXPECT) -> None:
    """审批人不同意处理决定，退回重新决定。"""
    _change("send_back_case", no, reason=reason, expect_version=expect)


@case_app.command("approve")
def approve(no: str = CASE_NO, note: str = NOTE, expect: Optional[int] = EXPECT) -> None:
    """领导小组批准处理决定（不能批准本人提出或决定的案件）。"""
    _change("approve_case", no, note=note, expect_version=expect)


@case_app.command("execute")
def execute(no: str = CASE_NO,
            document_no: Optional[str] = typer.Option(None, "--document-no", metavar="文号", help="已送达文书的发文字号"),
            note: str = NOTE, expect: Optional[int] = EXPECT) -> None:
    """执行处理决定：文书已制发送达或谈话已进行。"""
    _change("execute_case", no, document_no=document_no, note=note, expect_version=expect)


@case_app.command("close")
def close(no: str = CASE_NO, note: str = NOTE, expect: Optional[int] = EXPECT) -> None:
    """结案。"""
    _change("close_case", no, note=note, expect_version=expect)


@case_app.command("dismiss")
def dismiss(no: str = CASE_NO, reason: str = typer.Option(..., "--reason", metavar="文本", help="撤销理由"),
            expect: Optional[int] = EXPECT) -> None:
    """撤销问责（批准前；最终状态）。"""
    _change("dismiss_case", no, reason=reason, expect_version=expect)


@case_app.command("appeal")
def appeal(no: str = CASE_NO, reason: str = typer.Option(..., "--reason", metavar="文本", help="申诉理由"),
           expect: Optional[int] = EXPECT) -> None:
    """被问责人对已执行的处理决定申诉（每个决定一次）。"""
    _change("appeal_case", no, reason=reason, expect_version=expect)


@case_app.command("resolve-appeal")
def resolve_appeal(
    no: str = CASE_NO,
    outcome: str = typer.Option(..., "--outcome", metavar="结果", help=f"处理结果：{choices('appeal_outcome')}"),
    reason: str = typer.Option(..., "--reason", metavar="文本", help="处理意见"),
    measure: Optional[str] = typer.Option(None, "--measure", metavar="措施", help="变更后的问责措施（仅限变更处理）"),
    sanction: Optional[str] = SANCTION, due: Optional[str] = DUE, days: Optional[int] = DAYS, expect: Optional[int] = EXPECT,
) -> None:
    """领导小组处理申诉（须由未参与原决定的成员处理）；变更处理后须重新批准。"""
    _change("resolve_appeal", no, outcome=code_of("appeal_outcome", outcome, "--outcome"), reason=reason,
            measure=measure, sanction=sanction, due=date_opt(due, "--due"), due_days=days, expect_version=expect)


@case_app.command("show")
def show(no: str = CASE_NO) -> None:
    """查看一个问责案件。"""
    from duban.services.cases import show_case

    with uow() as u:
        result = show_case(u, actor(), no)
    emit(result, _show)


@case_app.command("history")
def history(no: str = CASE_NO) -> None:
    """查看一个问责案件的全部事件。"""
    from duban.services.cases import case_history

    with uow() as u:
        result = case_history(u, actor(), no)
    emit(result, lambda r: history_table(f"{no} 事件记录", r))


@case_app.command("list")
def list_(
    campaign: Optional[str] = CAMPAIGN,
    state_: Optional[str] = typer.Option(None, "--state", metavar="状态", help="只看该状态，如 已作出处理决定"),
    person: Optional[str] = typer.Option(None, "--person", metavar="人员", help="只看该被问责人（登录名或姓名）"),
    unit: Optional[str] = typer.Option(None, "--unit", metavar="单位", help="只看该被问责单位（编码或名称）"),
    overdue: bool = typer.Option(False, "--overdue", help="只看限期问责措施已逾期未落实的案件"),
) -> None:
    """列出问责案件，可按状态、被问责人、单位筛选；--overdue 只看措施逾期未落实的。"""
    from duban.services.cases import list_cases
    from duban.services.measures import overdue_cases

    with uow() as u:
        result = list_cases(u, actor(), campaign=campaign, state=state_, person=person, unit=unit)
        if overdue:
            late = {c["no"] for c in overdue_cases(u, actor(), campaign=campaign, today=state.today)}
            result = [c for c in result if c["no"] in late]
    emit(result, lambda r: table(f"问责案件（{len(r)} 件）", ["编号", "对象", "状态", "措施", "最低等级", "提出日期"],
                                 [[c["no"], c["subject"], c["state_label"], c["measure_label"], c["min_grade_label"],
                                   c["proposed_on"]] for c in r]))


@app.command("commend")
def commend(
    person: Optional[str] = typer.Option(None, "--person", metavar="人员", help="被表彰人（登录名或姓名）"),
    unit: Optional[str] = typer.Option(None, "--unit", metavar="单位", help="被表彰单位（编码或名称）"),
    reason: str = typer.Option(..., "--reason", metavar="文本", help="表彰事由（先进事迹）"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """表彰机关作风建设先进典型（个人或单位）。"""
    from duban.services.cases import commend as commend_

    with uow() as u:
        result = commend_(u, actor(), person=person, unit=unit, reason=reason, campaign=campaign, today=state.today)
    emit(result, lambda r: typer.echo(f"已表彰 {r['subject']}（{r['on_date']}）"))


@app.command("commendations")
def commendations(campaign: Optional[str] = CAMPAIGN) -> None:
    """列出表彰记录。"""
    from duban.services.cases import list_commendations

    with uow() as u:
        result = list_commendations(u, actor(), campaign=campaign)
    emit(result, lambda r: table(f"表彰先进典型（{len(r)} 项）", ["日期", "对象", "事由", "操作人"],
                                 [[c["on_date"], c["subject"], c["reason"], c["actor"]] for c in r]))
