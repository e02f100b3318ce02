"""Set-up and audit commands: init, campaign, org, audit, diagram, ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from duban.cli.app import actor, app, emit, output_file, state, table, uow
from duban.cli.options import CAMPAIGN, UNIT_FILTER

campaign_app = typer.Typer(help="活动方案：导入、查看。", no_args_is_help=True)
org_app = typer.Typer(help="组织机构：单位与人员（含角色）。", no_args_is_help=True)
audit_app = typer.Typer(help="审计：校验事件日志与锚点、按事件核对记录、写锚点、生成密钥。", no_args_is_help=True)
ledger_app = typer.Typer(help="整改落实台账：导出（全部或一个单位）、单位报回后对账销号。", no_args_is_help=True)
app.add_typer(campaign_app, name="campaign")
app.add_typer(org_app, name="org")
app.add_typer(audit_app, name="audit")
app.add_typer(ledger_app, name="ledger")


@app.command()
def init(mkdir: bool = typer.Option(False, "--mkdir", help="SQLite 数据库所在目录不存在时创建它")) -> None:
    """创建或升级数据库（Alembic 迁移，SQLite 与 PostgreSQL 相同）。

    SQLite 数据库文件只在已有目录中创建；默认位置 ~/.duban 或加 --mkdir 时才创建目录。
    """
    from duban.services.setup import init_db

    result = init_db(state.settings.db_url, create_dirs=mkdir or state.settings.builtin_db)

    def human(r: dict) -> None:
        typer.echo(f"数据库已{'创建' if r['created'] else '升级到最新'}：版本 {r['revision']}")
        if r["anchor"]["status"] == "refused":
            typer.echo(f"注意：{r['anchor']['message']}", err=True)

    emit(result, human)


@campaign_app.command("load")
def campaign_load(file: Path = typer.Argument(..., metavar="文件", help="方案文件（YAML），如 campaigns/lanzhou-2015.yaml")
                  ) -> None:
    """校验并导入活动方案；重复导入同一文件不会改变任何数据。"""
    from duban.services.setup import load_campaign

    with uow() as u:
        result = load_campaign(u, actor(), file, today=state.today)
    labels = {"created": "已导入", "updated": "已更新", "unchanged": "未变化"}
    emit(result, lambda r: typer.echo(f"方案 {r['code']} {labels[r['status']]}"))


@campaign_app.command("show")
def campaign_show(code: Optional[str] = typer.Argument(None, metavar="活动编码", help="活动编码（只有一个活动时可省略）")
                  ) -> None:
    """查看方案：阶段、职责、问题类别。"""
    from duban.services.setup import campaign_view

    with uow() as u:
        result = campaign_view(u.campaigns.only_or(code))

    def human(r):
        typer.echo(f"{r['name']}（{r['code']}）{r['start']} 至 {r['end']}，发文机关：{r['issuer']}")
        table("阶段", ["编码", "名称", "起", "止", "职责"],
              [[p["code"], p["name"], p["start"], p["end"], "、".join(p["duty_names"])] for p in r["phases"]])
        table("问题类别", ["编码", "类别", "名称", "具体表现"],
              [[c["code"], c["name"], c["title"], "、".join(c["manifestations"][:6]) + "…"] for c in r["categories"]])

    emit(result, human)


@campaign_app.command("list")
def campaign_list() -> None:
    """列出已导入的活动。"""
    with uow() as u:
        result = [{"code": c.code, "name": c.name, "start": c.start_date.isoformat(), "end": c.end_date.isoformat()}
                  for c in u.campaigns.all()]
    emit(result, lambda r: table("活动", ["编码", "名称", "起", "止"],
                                 [[c["code"], c["name"], c["start"], c["end"]] for c in r]))


@org_app.command("import")
def org_import(file: Path = typer.Argument(..., metavar="文件",
                                           help="CSV（UTF-8）或 XLSX，表头：类型,编码,名称,所属单位,单位类别,民生,职务,角色")
               ) -> None:
    """导入单位与人员；有错误的行全部列出并且不导入任何数据。"""
    from duban.services.org import import_org

    with uow() as u:
        result = import_org(u, actor(), file, today=state.today)
    emit(result, lambda r: typer.echo(
        f"{r['file']}：{r['rows']} 行；单位新增 {r['units_created']}、更新 {r['units_updated']}；"
        f"人员新增 {r['persons_created']}、更新 {r['persons_updated']}"))


@org_app.command("list")
def org_list(people: bool = typer.Option(False, "--people", help="列出人员而非单位")) -> None:
    """列出单位或人员。"""
    from duban.permissions import role_labels

    with uow() as u:
        labels = role_labels(u.campaigns.only())
        if people:
            result = [{"login": p.login, "name": p.name, "unit": p.unit.name if p.unit else None,
                       "title": p.title, "roles": sorted(p.role_set)} for p in u.org.persons()]
        else:
            result = [{"code": x.code, "name": x.name, "kind": x.kind, "parent": x.parent.code if x.parent else None,
                       "serves_public": x.serves_public, "head": x.head.login if x.head else None}
                      for x in u.org.units()]
    if people:
        emit(result, lambda r: table("人员", ["登录名", "姓名", "单位", "职务", "角色"], [
            [p["login"], p["name"], p["unit"], p["title"], "、".join(labels[x] for x in p["roles"])] for p in r]))
    else:
        emit(result, lambda r: table("单位", ["编码", "名称", "类别", "上级", "民生", "负责人"], [
            [x["code"], x["name"], x["kind"], x["parent"], "是" if x["serves_public"] else "", x["head"]] for x in r]))


@audit_app.command("verify")
def audit_verify() -> None:
    """校验审计日志：哈希链、审计签名与锚点（配置密钥时），并按事件重放核对问题、案件等记录；有问题时以退出码 3 报告第一处。"""
    from duban.errors import IntegrityFailure
    from duban.services.audit import verify

    with uow() as u:
        result = verify(u)
    if result["problems"]:
        if state.as_json:
            emit(result)
        first = result["problems"][0]
        more = f"（另有 {len(result['problems']) - 1} 处，用 --json 查看全部）" if len(result["problems"]) > 1 else ""
        raise IntegrityFailure(f"审计校验失败：{first['message']}{more}")

    def human(r: dict) -> None:
        anchors = r["anchors"]
        if not anchors["key"]:
            said = "未配置审计密钥，未核对签名与锚点"
        else:
            said = f"签名有效，与 {anchors['count']} 个锚点相符（最新 #{anchors['latest']}，{anchors['latest_at']}）"
        typer.echo(f"审计链完好：{r['chains']} 条链 {r['checked']} 条事件；{said}；"
                   f"问题 {r['reconciled']['items']} 个、案件 {r['reconciled']['cases']} 个与事件日志一致")

    emit(result, human)


@audit_app.command("anchor")
def audit_anchor(adopt_unsigned: bool = typer.Option(
        False, "--adopt-unsigned", help="承认上一锚点之后未签名的事件（仅在核实某次写入确实未配置密钥之后使用）")) -> None:
    """把各审计链的链头用审计密钥签名后追加到锚点文件（库外）；每日任务也会自动执行。"""
    from duban.services.audit import write_anchor

    with uow() as u:
        result = write_anchor(u, adopt_unsigned=adopt_unsigned)
    emit(result, lambda r: typer.echo(f"已写入锚点 #{r['n']}（{r['chains']} 条链）：{r['path']}"))


@audit_app.command("keygen")
def audit_keygen(out: Path = typer.Option(..., "--out", help="密钥文件（不能已存在；请放在数据库所在机器和备份之外）")) -> None:
    """生成审计密钥文件（权限 0600）。把 DUBAN_AUDIT_KEY_FILE 设为该文件后，事件带签名、锚点可写。"""
    from duban.services.audit import keygen

    result = keygen(out)
    emit(result, lambda r: typer.echo(f"已生成审计密钥（标识 {r['key_id']}）：{r['path']}\n"
                                      f"请设置 DUBAN_AUDIT_KEY_FILE={r['path']}，再运行 duban audit anchor"))


@app.command()
def diagram(
    machine: str = typer.Argument("整改问题", metavar="对象", help="整改问题 或 问责案件"),
    fmt: str = typer.Option("mermaid", "--format", metavar="格式", help="Mermaid、DOT 或 SVG（SVG 需要 Graphviz）"),
    out: Optional[Path] = typer.Option(None, "--out", metavar="文件", help="写入文件（默认打印到标准输出）"),
) -> None:
    """输出状态机图（Mermaid；装有 Graphviz 时可输出 SVG）。"""
    from duban.labels import code_of
    from duban.services.diagrams import render_diagram

    machine = code_of("machine", machine, "状态机")
    text = render_diagram(machine, fmt.strip().lower())
    if out:
        output_file(out)
        out.write_bytes(text if isinstance(text, bytes) else text.encode())
        emit({"out": str(out)}, lambda r: typer.echo(f"已写入 {r['out']}"))
    else:
        emit({"machine": machine, "format": fmt, "source": text.decode() if isinstance(text, bytes) else text},
             lambda r: typer.echo(r["source"], nl=False))


@ledger_app.command("export")
def ledger_export(
    out: Path = typer.Option(..., "--out", metavar="文件", help="输出文件，如 台账.xlsx"),
    fmt: str = typer.Option("xlsx", "--format", metavar="格式", help="XLSX 或 CSV"),
    unit: Optional[str] = UNIT_FILTER,
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """导出整改落实台账：每个问题一行（类别、单位、责任人、来源、期限、状态、日期、验收、反弹）。"""
    from duban.services.ledger import export_ledger

    with uow() as u:
        result = export_ledger(u, actor(), output_file(out), fmt.strip().lower(), campaign=campaign,
                               unit=unit, today=state.today)
    emit(result, lambda r: typer.echo(f"台账已导出：{r['out']}（{r['rows']} 条）"))


@ledger_app.command("reconcile")
def ledger_reconcile(
    file: Path = typer.Argument(..., metavar="文件", help="单位报回的台账（duban ledger export 导出的 XLSX，状态栏填报进展）"),
    apply: bool = typer.Option(False, "--apply", help="办公室确认：按问题流程办理可确认的进展（仅办公室）；不加则只列出差异，不作任何改动"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """对账销号：逐行比对单位报回的台账，列出全部差异（报称已销号但未验收、未知编号、改动的表述、未报回的问题等）。"""
    from duban.services.reconcile import reconcile_ledger

    with uow() as u:
        result = reconcile_ledger(u, actor(), file, campaign=campaign, apply=apply, today=state.today)

    def show(r: dict) -> None:
        table(f"对账差异（报回 {r['rows']} 行，差异 {len(r['findings'])} 处，可确认 {r['confirmable']} 处）",
              ["行", "编号", "差异"], [[f["row"] or "", f["no"] or "", f["message"]] for f in r["findings"]])
        if apply:
            typer.echo(f"已办理 {len(r['applied'])} 项" + "".join(f"\n  未能办理 {f['no']}：{f['refusal']}"
                                                             for f in r["refused"]))
        elif r["confirmable"]:
            typer.echo("未作任何改动；办公室确认后加 --apply 办理可确认的进展")
    emit(result, show)
