"""Problem-item commands: duban item add|assign|start|submit|verify|… NO."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from duban.cli.app import actor, app, date_opt, emit, history_table, state, table, uow
from duban.cli.options import CAMPAIGN, DAYS, DUE, EXPECT, ITEM_NO, LIGHT, MAX_ID, NOTE, UNIT_FILTER
from duban.labels import code_of, label

item_app = typer.Typer(help="整改问题：登记、交办、整改、验收销号、回头看。", no_args_is_help=True)
app.add_typer(item_app, name="item")

PERSON = typer.Option(..., "--person", metavar="人员", help="责任人（登录名或姓名）")


def _show(r: dict) -> None:
    rows = [
        ["编号", r["no"]], ["问题", r["title"]], ["类别", r["category"]], ["来源", r["source"]],
        ["单位", r["unit"]], ["责任人", r["owner"]], ["状态", r["state_label"]],
        ["红黄绿灯", label("light", r.get("light"))], ["原定期限", r["original_due"]], ["现期限", r["due"]],
        ["交办", r["assigned_on"]], ["提交", r["submitted_on"]],
        ["销号", f"{r['verified_on'] or ''} {r['verified_by'] or ''}".strip()],
        ["回头看", f"{r['rechecked_on'] or ''} {r['rechecked_by'] or ''}".strip()],
        ["退回/反弹", f"{r['reject_count']} / {r['relapse_count']}"], ["版本", r["version"]],
        ["佐证材料", "、".join(e["filename"] for e in r["evidence"])],
    ]
    table(f"整改问题 {r['no']}", ["项目", "内容"], rows)


@item_app.command("add")
def add(
    unit: str = typer.Option(..., "--unit", metavar="单位", help="责任单位（编码或名称）"),
    title: str = typer.Option(..., "--title", metavar="文本", help="问题标题（不超过 200 字）"),
    campaign: Optional[str] = CAMPAIGN,
    person: Optional[str] = typer.Option(None, "--person", metavar="人员", help="责任人（登录名或姓名）"),
    category: Optional[str] = typer.Option(None, "--category", metavar="类别", help="问题类别，如 庸、懒、散、软（见方案）"),
    source: Optional[str] = typer.Option(None, "--source", metavar="来源",
                                         help="问题来源，如 座谈会、走访、问卷、征求意见表、自查、暗访、举报电话（见方案）"),
    description: str = typer.Option("", "--description", metavar="文本", help="问题描述"),
    due: Optional[str] = DUE,
    days: Optional[int] = DAYS,
) -> None:
    """登记一个问题；同时给出责任人和期限时直接交办。"""
    from duban.services.items import add_item

    with uow() as u:
        result = add_item(u, actor(), campaign=campaign, unit=unit, title=title, person=person,
                          category=category, source=source, description=description,
                          due=date_opt(due, "--due"), due_days=days, today=state.today)
    emit(result, lambda r: typer.echo(f"已登记 {r['no']}（{r['state_label']}）"))


def _transition(no: str, trigger: str, expect: Optional[int], **kwargs) -> None:
    from duban.services.items import transition

    with uow() as u:
        result = transition(u, actor(), no, trigger, today=state.today, expect_version=expect, **kwargs)
    emit(result, lambda r: typer.echo(f"{r['no']} → {r['state_label']}（版本 {r['version']}）"))


@item_app.command("assign")
def assign(no: str = ITEM_NO, person: str = PERSON,
           due: Optional[str] = DUE, days: Optional[int] = DAYS, expect: Optional[int] = EXPECT) -> None:
    """交办：指定责任人与整改期限（不给 --due、--days 时按方案的默认整改时限）。"""
    _transition(no, "assign", expect, person=person, due=date_opt(due, "--due"), due_days=days)


@item_app.command("start")
def start(no: str = ITEM_NO, note: str = NOTE, expect: Optional[int] = EXPECT) -> None:
    """开始整改。"""
    _transition(no, "start", expect, note=note)


@item_app.command("submit")
def submit(no: str = ITEM_NO,
           evidence: List[Path] = typer.Option([], "--evidence", metavar="文件", help="佐证材料文件"),
           note: str = NOTE, expect: Optional[int] = EXPECT) -> None:
    """提交验收（须附佐证材料）。"""
    _transition(no, "submit", expect, note=note, evidence_files=evidence)


@item_app.command("verify")
def verify(no: str = ITEM_NO, note: str = NOTE, expect: Optional[int] = EXPECT) -> None:
    """验收销号（不能验收本人负责或登记的问题）。"""
    _transition(no, "verify", expect, note=note)


@item_app.command("reject")
def reject(no: str = ITEM_NO, reason: str = typer.Option(..., "--reason", metavar="文本", help="退回理由"),
           expect: Optional[int] = EXPECT) -> None:
    """退回整改。"""
    _transition(no, "reject", expect, reason=reason)


@item_app.command("recheck")
def recheck(no: str = ITEM_NO, note: str = NOTE, expect: Optional[int] = EXPECT) -> None:
    """回头看通过（此后仍可认定问题反弹或重新打开）。"""
    _transition(no, "recheck", expect, note=note)


@item_app.command("relapse")
def relapse(no: str = ITEM_NO, reason: str = typer.Option(..., "--reason", metavar="文本", help="反弹情况"),
            due: Optional[str] = DUE, days: Optional[int] = DAYS, expect: Optional[int] = EXPECT) -> None:
    """问题反弹：回头看或抽查发现问题复发，重新整改并计入反弹次数。"""
    _transition(no, "relapse", expect, reason=reason, due=date_opt(due, "--due"), due_days=days)


@item_app.command("reopen")
def reopen(no: str = ITEM_NO, reason: str = typer.Option(..., "--reason", metavar="文本", help="重新打开的理由"),
           due: Optional[str] = DUE, days: Optional[int] = DAYS, expect: Optional[int] = EXPECT) -> None:
    """办公室重新打开已销号或已撤销的问题。"""
    _transition(no, "reopen", expect, reason=reason, due=date_opt(due, "--due"), due_days=days)


@item_app.command("withdraw")
def withdraw(no: str = ITEM_NO,
             reason: str = typer.Option(..., "--reason", metavar="文本", help="撤销理由（重复、误报…）"),
             expect: Optional[int] = EXPECT) -> None:
    """撤销重复或误登记的问题（办公室可重新打开）。"""
    _transition(no, "withdraw", expect, reason=reason)


@item_app.command("attach")
def attach(no: str = ITEM_NO, files: List[Path] = typer.Argument(..., metavar="文件", help="佐证材料文件"),
           expect: Optional[int] = EXPECT) -> None:
    """上传佐证材料（按内容哈希保存，单个文件不超过 20 MB）。"""
    from duban.services.items import attach_evidence

    with uow() as u:
        result = attach_evidence(u, actor(), no, files, today=state.today, expect_version=expect)
    emit(result, lambda r: typer.echo(f"{r['no']} 佐证材料 {len(r['evidence'])} 份（版本 {r['version']}）"))


@item_app.command("show")
def show(no: str = ITEM_NO) -> None:
    """查看一个问题。"""
    from duban.services.items import show_item

    with uow() as u:
        result = show_item(u, actor(), no, today=state.today)
    emit(result, _show)


@item_app.command("history")
def history(no: str = ITEM_NO) -> None:
    """查看一个问题的全部事件。"""
    from duban.services.items import item_history

    with uow() as u:
        result = item_history(u, actor(), no)
    emit(result, lambda r: history_table(f"{no} 事件记录", r))


@item_app.command("list")
def list_(
    campaign: Optional[str] = CAMPAIGN,
    unit: Optional[str] = UNIT_FILTER,
    state_: Optional[str] = typer.Option(None, "--state", metavar="状态", help="只看该状态，如 整改中、待验收"),
    owner: Optional[str] = typer.Option(None, "--owner", metavar="人员", help="只看该责任人（登录名或姓名）"),
    category: Optional[str] = typer.Option(None, "--category", metavar="类别", help="只看该问题类别，如 懒"),
    light: Optional[str] = LIGHT,
    page: int = typer.Option(1, "--page", metavar="页码", min=1, max=MAX_ID, help="第几页（从 1 开始）"),
    per_page: int = typer.Option(50, "--per-page", metavar="条数", min=1, max=200, help="每页条数（1–200）"),
    all_: bool = typer.Option(False, "--all", help="不分页，依次输出全部符合条件的问题"),
) -> None:
    """列出问题（分页），可按单位、状态、责任人、类别、红黄绿灯筛选。"""
    from duban.services.listing import ItemFilters, item_page, iter_items

    filters = ItemFilters(unit=unit or "", state=state_ or "", owner=owner or "", category=category or "",
                          light=code_of("light", light, "--light") or "")
    with uow() as u:
        if all_:
            return _emit_all(iter_items(u, actor(), filters, campaign=campaign, today=state.today))
        result = item_page(u, actor(), filters, page=page, per_page=per_page, campaign=campaign, today=state.today)
    rows, total = result["rows"], result["total"]
    counted = f"超过 {total} 条" if result["capped"] else f"共 {total} 条"
    if result["capped"] or total > len(rows):
        first = (page - 1) * per_page
        shown = f"第 {first + 1}–{first + len(rows)} 条" if rows else "本页没有记录"
        where = f"第 {page} 页" if result["capped"] else f"第 {page}/{result['pages']} 页"
        typer.echo(f"{counted}，{shown}（{where}）；用 --page 翻页，或 --all 输出全部", err=True)
    emit(rows, lambda r: _list_table(f"整改问题（{counted}）", r))


def _list_table(title: str, rows: list[dict]) -> None:
    table(title, ["编号", "问题", "类别", "单位", "责任人", "状态", "期限", "灯"],
          [[i["no"], i["title"][:30], i["category"], i["unit"], i["owner"], i["state_label"],
            i["due"], label("light", i["light"])] for i in rows])


def _emit_all(rows) -> None:
    """Every row, streamed: --json writes a JSON array one row at a time, never the whole list in memory."""
    import itertools
    import json

    rows = iter(rows)
    first = next(rows, None)  # runs the query: a bad filter fails before anything is printed
    rows = itertools.chain([first], rows) if first is not None else iter(())
    if not state.as_json:
        return _list_table("整改问题（全部）", list(rows))
    typer.echo("[", nl=False)
    for n, row in enumerate(rows):
        typer.echo(("," if n else "") + "\n  " + json.dumps(row, ensure_ascii=False), nl=False)
    typer.echo("\n]" if first is not None else "]")
