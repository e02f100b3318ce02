"""Operations commands: draw, satisfaction, reminder, tick, serve.

Prefect is imported only by ``duban serve``; ``duban tick`` runs the same service
as the campaign-tick flow, without Prefect.
"""

from __future__ import annotations

from typing import Optional

import typer

from duban.cli.app import actor, app, date_opt, emit, progress_bar, state, table, uow
from duban.cli.options import CAMPAIGN, DRAW_ID, UNIT_FILTER
from duban.labels import choices, code_of, label

draw_app = typer.Typer(help="随机抽查：暗访抽查、作风纪律检查、回头看（结果可复核）。", no_args_is_help=True)
app.add_typer(draw_app, name="draw")
satisfaction_app = typer.Typer(help="常态评议（满意度测评、作风评议等）：按方案规定的对象和方式登记测评，排名、趋势、结果公开和年度考核记录。",
                               no_args_is_help=True)
app.add_typer(satisfaction_app, name="satisfaction")
reminder_app = typer.Typer(help="系统自动发出的提醒（问题清单、学习、征求意见、举报交办、长效机制、满意度测评）。", no_args_is_help=True)
app.add_typer(reminder_app, name="reminder")


# --- draw ---------------------------------------------------------------------------


def _show_draw(r: dict) -> None:
    if not r.get("selection") and r.get("message"):
        typer.echo(f"{r['kind_label']} {r['date']}：{r['message']}")
        return
    rows = [["编号", r["id"]], ["类型", r["kind_label"]], ["日期", r["date"]],
            ["抽取范围", f"{r['population_size']} 个：{'、'.join(r['population'])}"],
            ["抽取数量", r["sample_size"]], ["抽中", "、".join(r["selection"])],
            ["随机种子", r["seed"]], ["种子输入", " | ".join(str(v) for v in r["seed_inputs"].values())],
            ["算法", r["algorithm"]],
            ["状态", f"已揭示（{r['revealed_on']}）" if r.get("revealed_on") else
             ("未揭示：密钥将于次一工作日揭示" if r.get("status") == "pending" else "可复核")]]
    if "created" in r:
        rows.append(["说明", "新抽取" if r["created"] else "当日已抽取，返回原结果"])
    table(f"随机抽取 #{r['id']}", ["项目", "内容"], rows)


def _draw(kind: str, campaign: Optional[str], size: Optional[int]) -> None:
    from duban.services.draws import draw

    with uow() as u:
        result = draw(u, actor(), kind=kind, campaign=campaign, today=state.today, sample_size=size)
    emit(result, _show_draw)


SIZE = typer.Option(None, "--size", metavar="数量", help="抽取数量（默认取方案规定）")


@draw_app.command("spot-check")
def draw_spot_check(campaign: Optional[str] = CAMPAIGN, size: Optional[int] = SIZE) -> None:
    """随机暗访抽查：从方案规定可抽查的单位中抽取（同一天再次执行返回当日结果）。"""
    _draw("spot_check", campaign, size)


@draw_app.command("discipline-check")
def draw_discipline_check(campaign: Optional[str] = CAMPAIGN, size: Optional[int] = SIZE) -> None:
    """机关作风纪律检查：从方案规定可抽查的单位中抽取。"""
    _draw("discipline_check", campaign, size)


@draw_app.command("recheck")
def draw_recheck(campaign: Optional[str] = CAMPAIGN, size: Optional[int] = SIZE) -> None:
    """回头看：从销号满规定工作日、尚未抽过的问题中按比例抽取。"""
    _draw("recheck", campaign, size)


@draw_app.command("show")
def draw_show(draw_id: int = DRAW_ID) -> None:
    """查看一次抽取的范围、种子与结果。"""
    from duban.services.draws import show_draw

    with uow() as u:
        result = show_draw(u, actor(), draw_id)
    emit(result, _show_draw)


@draw_app.command("list")
def draw_list(campaign: Optional[str] = CAMPAIGN,
              kind: Optional[str] = typer.Option(None, "--kind", metavar="类型", help=f"只看该类型：{choices('draw')}")
              ) -> None:
    """列出抽取（未揭示的抽取只有办公室可见）。"""
    from duban.services.draws import list_draws

    with uow() as u:
        result = list_draws(u, actor(), campaign=campaign, kind=code_of("draw", kind, "--kind"))
    emit(result, lambda rows: table("随机抽取", ["编号", "日期", "类型", "范围", "抽中"], [
        [r["id"], r["date"], r["kind_label"], r["population_size"], "、".join(r["selection"])] for r in rows]))


@draw_app.command("reveal")
def draw_reveal(campaign: Optional[str] = CAMPAIGN) -> None:
    """揭示业务日期之前各次抽取的密钥（每日任务会自动揭示），揭示后任何人可复核。"""
    from duban.services.draws import reveal_pending

    with uow() as u:
        result = reveal_pending(u, actor(), campaign=campaign, today=state.today)
    emit(result, lambda r: typer.echo(f"已揭示 {r['revealed']} 个抽取密钥"))


@draw_app.command("verify")
def draw_verify(draw_id: int = DRAW_ID) -> None:
    """复核：用揭示的密钥和存储的范围重算种子与抽中结果，并与事先公布的密钥哈希、事件日志核对；不一致或尚未揭示时退出码 3。"""
    from duban.errors import IntegrityFailure
    from duban.services.draws import verify_for

    with uow() as u:
        result = verify_for(u, actor(), draw_id)
    emit(result, lambda r: typer.echo(f"抽取 #{r['id']} 复核通过：种子与结果均可重算" if r["ok"] else ""))
    if not result["ok"]:
        raise IntegrityFailure(f"抽取 #{draw_id} 复核不通过：" + "；".join(result["problems"]))


# --- satisfaction -------------------------------------------------------------------


def _rounds_table(title: str, rows: list[dict]) -> None:
    table(title, ["日期", "单位", "轮次", "方式", "样本", "满意", "得分", "合格", "已公开"], [
        [r["date"], r["unit"], r["round"], r["method"], r["responses"], r["satisfied"], r["score"],
         "是" if r["passed"] else "否", "是" if r["published"] else "否"] for r in rows])


@satisfaction_app.command("record")
def satisfaction_record(
    unit: str = typer.Option(..., "--unit", metavar="单位", help="测评对象单位（编码或名称），须在方案规定的测评范围内"),
    method: str = typer.Option(..., "--method", metavar="方式", help="测评方式，须为方案所列的方式"),
    responses: int = typer.Option(..., "--responses", metavar="人数", help="有效样本数"),
    satisfied: int = typer.Option(..., "--satisfied", metavar="人数", help="满意（含基本满意）人数"),
    round_no: Optional[int] = typer.Option(None, "--round", metavar="轮次", help="测评轮次（第几轮）"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """登记一轮测评（轮次默认为该单位的下一轮）；不合格的单位按方案列入整改问题，并视方案规定发出质询或安排定向检查。"""
    from duban.services.satisfaction import record_round

    with uow() as u:
        result = record_round(u, actor(), unit=unit, method=method, responses=responses, satisfied=satisfied,
                              round_no=round_no, today=state.today, campaign=campaign)

    def human(r: dict) -> None:
        typer.echo(f"已登记 {r['unit']} {r['date']} 第{r['round']}轮 {r['method']}：得分 {r['score']}"
                   f"（{'合格' if r['passed'] else '不合格'}）")
        follow = r["followups"]
        if follow.get("item"):
            typer.echo(f"已列入整改问题 {follow['item']}")
        if follow.get("inquiry"):
            typer.echo("已发出质询")
        if follow.get("check"):
            typer.echo(f"已安排定向检查（{label('draw', follow['check'])}）"
                       + (f"：抽取 #{follow['draw']}" if follow.get("draw") else "，由下次每日任务抽取"))

    emit(result, human)


@satisfaction_app.command("ranking")
def satisfaction_ranking(
    round_no: Optional[int] = typer.Option(None, "--round", metavar="轮次", help="测评轮次（第几轮）"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """测评排名：一轮（默认为最近一轮）中各单位的得分、名次、是否合格及与上一轮相比的变化，并列出各轮的平均分（趋势）。"""
    from duban.services.evaluation import ranking

    with uow() as u:
        result = ranking(u, actor(), campaign=campaign, round_no=round_no, today=state.today)

    def human(r: dict) -> None:
        table(f"第{r['round']}轮测评排名（合格分 {r['pass_score']}，测评 {r['evaluated']}/{r['targets']} 个单位，"
              f"不合格 {r['failed']} 个）", ["名次", "单位", "得分", "合格", "上轮", "变化"], [
            [e["rank"], e["unit"], e["score"], "是" if e["passed"] else "否",
             "" if e["previous"] is None else e["previous"],
             "" if e["trend"] is None else f"{label('trend', e['trend'])} {e['change']:+}"] for e in r["ranking"]])
        table("各轮趋势", ["轮次", "单位数", "合格数", "平均分"],
              [[x["round"], x["units"], x["passed"], x["average"]] for x in r["rounds"]])

    emit(result, human)


@satisfaction_app.command("assessment")
def satisfaction_assessment(
    year: Optional[int] = typer.Option(None, "--year", metavar="年度", help="只看该年度"),
    unit: Optional[str] = UNIT_FILTER,
) -> None:
    """年度考核记录：各单位当年的测评轮次、不合格次数、平均分和最近一次得分。"""
    from duban.services.evaluation import list_assessments

    with uow() as u:
        result = list_assessments(u, actor(), year=year, unit=unit)
    emit(result, lambda rows: table("年度考核记录（测评结果）", ["年度", "单位", "轮次", "不合格", "平均分", "最近得分"], [
        [r["year"], r["unit"], r["rounds"], r["failed"], r["average_score"], r["latest_score"]] for r in rows]))


@satisfaction_app.command("publish")
def satisfaction_publish(campaign: Optional[str] = CAMPAIGN) -> None:
    """公开测评结果：将未公开的轮次标为已公开，并输出公开表。"""
    from duban.services.satisfaction import publish_results

    with uow() as u:
        result = publish_results(u, actor(), campaign=campaign, today=state.today)

    def human(r: dict) -> None:
        _rounds_table(f"满意度测评结果（合格分 {r['pass_score']}）", r["rounds"])
        typer.echo(f"本次新公开 {r['newly_published']} 轮")

    emit(result, human)


@satisfaction_app.command("list")
def satisfaction_list(campaign: Optional[str] = CAMPAIGN,
                      unit: Optional[str] = UNIT_FILTER) -> None:
    """列出测评轮次。"""
    from duban.services.satisfaction import list_rounds

    with uow() as u:
        result = list_rounds(u, actor(), campaign=campaign, unit=unit)
    emit(result, lambda rows: _rounds_table("满意度测评", rows))


# --- reminders ----------------------------------------------------------------------


@reminder_app.command("list")
def reminder_list(campaign: Optional[str] = CAMPAIGN,
                  kind: Optional[str] = typer.Option(None, "--kind", metavar="类型",
                                                     help=f"只看该类型：{choices('reminder')}")) -> None:
    """列出已发出的提醒。"""
    from duban.services.reminders import list_reminders

    with uow() as u:
        result = list_reminders(u, actor(), campaign=campaign, kind=code_of("reminder", kind, "--kind"))
    emit(result, lambda rows: table("提醒", ["日期", "类型", "对象", "内容"], [
        [r["date"], label("reminder", r["kind"]), r["person"] or "", r["text"]] for r in rows]))


# --- tick and serve -----------------------------------------------------------------

@app.command("tick")
def tick(
    through: Optional[str] = typer.Option(None, "--through", metavar="日期",
                                          help="处理到该日期 YYYY-MM-DD（默认为业务日期；停机期间的日期依次补跑）"),
    campaign: Optional[str] = CAMPAIGN,
    documents: bool = typer.Option(True, "--documents/--no-documents",
                                   help="制发所有尚未制发的催办单和督办单（在 Prefect 中由 escalate 部署完成）"),
) -> None:
    """运行每日任务（不需要 Prefect）：按数据库中的阶段与职责，逐日执行到期事项，每项每天只执行一次。"""
    from duban import clock
    from duban.services.tick import issue_supervision_sheets, run_tick
    from storage.uow import UnitOfWork

    day = date_opt(through, "--through") or state.today or clock.today()
    db_url = state.settings.db_url
    start_uow = lambda: UnitOfWork(db_url)  # noqa: E731
    with progress_bar("每日任务") as update:
        result = run_tick(start_uow, actor(), campaign=campaign, through=day,
                          progress=lambda done, total, on: update(done, total, on.isoformat()))
    if documents:  # what the escalate deployment does for each new red item, plus any sheet still owed
        # (a crash, a manual sweep, a failed render): issuing is idempotent, once per escalation
        result["supervision_sheets"] = issue_supervision_sheets(start_uow, actor(), campaign=result["campaign"])

    def human(r: dict) -> None:
        with uow() as u:
            phases = {p.code: p.name for p in u.campaigns.get(r["campaign"]).phases}
        rows = [[d["date"], phases.get(d["phase"], d["phase"] or ""), "是" if d["workday"] else "否",
                 "、".join(f"{label('tick_duty', k)}（{label('tick_status', v)}）" for k, v in d["duties"].items())]
                for d in r["days"] if d["duties"]]
        if rows:
            table(f"{r['campaign']} 每日任务", ["日期", "阶段", "工作日", "执行事项"], rows)
        typer.echo(f"处理 {r['days_processed']} 天（截至 {r['through']}），新增红灯 {len(r['new_red'])} 项"
                   if r["days_processed"] else f"截至 {r['through']} 的日期均已处理，无事可做")
        sheets = r.get("supervision_sheets", {})
        if sheets.get("status") == "done":
            if sheets["issued"]:
                counts = {kind: sum(1 for d in sheets["issued"] if d.get("kind") == kind)
                          for kind in ("reminder_sheet", "supervision_sheet")}
                typer.echo("制发" + "、".join(f"{label('document', kind)} {n} 份" for kind, n in counts.items() if n))
            for failure in sheets["failed"]:
                what = label("document", failure["job"].get("kind"))
                typer.echo(f"注意：督办记录 {failure['job']['escalation_id']} 的{what}未能制发：{failure['error']}", err=True)
        elif sheets:
            typer.echo(f"注意：{sheets['message']}", err=True)
        for d in r["days"]:
            for duty, result in d["results"].items():
                if result.get("status") in ("unavailable", "refused"):
                    typer.echo(f"注意：{d['date']} {label('tick_duty', duty)}：{result['message']}", err=True)
        if r["anchor"]["status"] == "refused":
            typer.echo(f"注意：{r['anchor']['message']}", err=True)

    emit(result, human)


@app.command("serve")
def serve(
    campaign: Optional[str] = CAMPAIGN,
    list_only: bool = typer.Option(False, "--list", help="只列出将要提供的部署，不连接 Prefect 服务器"),
) -> None:
    """在本进程中以 Prefect 提供全部部署（运行时机与 prefect.yaml 相同）；需设置 PREFECT_API_URL 指向 Prefect 服务器。"""
    import os

    from flows.deployments import DEPLOYMENTS, to_runner_deployments

    rows = [[d.name, d.entrypoint, d.schedule_text(), d.description] for d in DEPLOYMENTS]
    summary = [{"name": d.name, "entrypoint": d.entrypoint, "cron": d.cron, "timezone": "Asia/Shanghai",
                "triggers": d.triggers, "description": d.description} for d in DEPLOYMENTS]
    if list_only:
        emit(summary, lambda _: table("duban 部署", ["名称", "入口", "运行时机", "说明"], rows))
        return
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL

    from duban.errors import BadInput

    api_url = PREFECT_API_URL.value()
    if not api_url:
        raise BadInput("未设置 PREFECT_API_URL：serve 需要 Prefect 服务器，"
                       "例如先运行 prefect server start，再设 PREFECT_API_URL=http://127.0.0.1:4200/api")
    os.environ.setdefault("DUBAN_DB", state.settings.db_url)  # flow runs default to the same database
    deployments = to_runner_deployments(parameters={"campaign": campaign})
    emit(summary, lambda _: table(f"duban 部署（Prefect：{api_url}）", ["名称", "入口", "运行时机", "说明"], rows))
    prefect_serve(*deployments, print_starting_message=not state.as_json)
