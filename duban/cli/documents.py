"""Document commands: duban doc render|batch|reissue|verify|list|ledger|publicity|preview, duban keys init, duban doctor."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from duban.cli.app import actor, app, emit, progress_bar, state, table, uow
from duban.cli.options import CAMPAIGN, MAX_ID, OUT_DIR, UNIT_FILTER

doc_app = typer.Typer(help="文书：整改通知书、催办单、督办单、问责文书、台账与公示的制发、核验和查询。",
                      no_args_is_help=True)
app.add_typer(doc_app, name="doc")

KIND_HELP = ("文书种类：整改通知书、催办单、督办单、效能监察建议书、通报批评、诫勉谈话通知书、责令书面检查通知书、"
             "处理决定（中文名，或 --json 输出中的代码）")
KIND = typer.Argument(..., metavar="种类", help=KIND_HELP)


def _issued(r: dict) -> None:
    revision = f"（第{r['revision']}版）" if r["revision"] > 1 else ""
    subject = r["case"] or r["item"] or ""
    typer.echo(f"已制发{r['kind_name']} {r['doc_number']}{revision}（{subject}）：{r['path']}")


@doc_app.command("render")
def render(
    kind: Optional[str] = typer.Argument(None, metavar="种类", help=KIND_HELP + "；省略时按 --item 或 --case 确定"),
    item: Optional[str] = typer.Option(None, "--item", metavar="问题编号",
                                       help="整改问题编号：整改通知书，或该问题最近一次催办、督办的催办单、督办单"),
    case: Optional[str] = typer.Option(None, "--case", metavar="案件编号", help="问责案件编号（按其问责措施制发文书）"),
    escalation: Optional[int] = typer.Option(None, "--escalation", metavar="记录号", min=1, max=MAX_ID,
                                             help="督办记录号（一般不需要，用 --item 即可）"),
    open_path: bool = typer.Option(False, "--open-path", help="只打印生成的 PDF 路径（便于打开或交给其他程序）"),
) -> None:
    """制发一份文书：编号、生成 PDF、存档并记入审计链（同一事务，失败不占用编号）。

    例：duban doc render 督办单 --item MS2015-0002；duban doc render --case MS2015-W001。
    已制发的文书再次制发以退出码 3 拒绝，更正请用 duban doc reissue。
    """
    from duban.services.documents import issue_document

    with uow() as u:
        result = issue_document(u, actor(), kind, item=item, case=case, escalation_id=escalation,
                                today=state.today)
    emit(result, (lambda r: typer.echo(r["path"])) if open_path else _issued)


@doc_app.command("batch")
def batch(
    kind: str = KIND,
    states: List[str] = typer.Option([], "--state", metavar="状态", help="整改问题状态（默认已交办、整改中）"),
    all_open: bool = typer.Option(False, "--all-open", help="所有尚未制发该文书的在办事项（默认即是，写明更清楚）"),
    unit: Optional[str] = UNIT_FILTER,
    cases: List[str] = typer.Option([], "--case", metavar="案件编号", help="只限这些问责案件"),
    workers: int = typer.Option(2, "--workers", min=1, metavar="进程数", help="生成 PDF 文书的进程数"),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, metavar="份数", help="最多制发的份数"),
    chunk: Optional[int] = typer.Option(None, "--chunk", min=1, metavar="份数",
                                        help="每个事务编号、生成并提交的份数（默认 40；中断后已提交的批次保留）"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """批量制发尚未制发的文书（如所有已交办问题的整改通知书），带进度条；单份失败不影响其余。"""
    from duban.services.documents import issue_batch, pending_jobs
    from duban.services.documents.batch import BATCH_CHUNK

    if all_open and states:
        from duban.errors import BadInput

        raise BadInput("--all-open 与 --state 只能指定其一")
    with uow() as u:
        jobs = pending_jobs(u, actor(), kind, campaign=campaign, states=states or None, unit=unit,
                            cases=cases or None, today=state.today)
    jobs = jobs[:limit] if limit else jobs
    with progress_bar("制发文书") as update:
        result = issue_batch(uow, actor(), jobs, workers=workers, today=state.today,
                             chunk_size=chunk or BATCH_CHUNK, progress=update)

    def human(r: dict) -> None:
        typer.echo(f"已制发 {len(r['issued'])} 份，失败 {len(r['failed'])} 份，用时 {r['seconds']} 秒"
                   f"（{r['docs_per_second']} 份/秒）")
        for failure in r["failed"]:
            subject = failure["job"].get("item") or failure["job"].get("case") or failure["job"].get("escalation_id")
            typer.echo(f"  未制发 {subject}：{failure['error']}")

    emit(result, human)


@doc_app.command("reissue")
def reissue(doc_number: str = typer.Argument(..., metavar="发文字号", help="发文字号，如 某建改〔2015〕7号")) -> None:
    """按当前记录重新制发：同一发文字号，版本号加一，原文件保留。"""
    from duban.services.documents import reissue_document

    with uow() as u:
        result = reissue_document(u, actor(), doc_number, today=state.today)
    emit(result, _issued)


@doc_app.command("verify")
def verify(file: Path = typer.Argument(..., metavar="文件", help="要核验的 PDF 文件")) -> None:
    """核验文件（文书、台账或公示）是否为本系统制发且未被改动（按 SHA-256 比对登记簿），并报告其中的签名（签名人、签名后是否被改动）；
    真实返回 0，否则返回 3。"""
    from duban.errors import IntegrityFailure
    from duban.services.documents import verify_file
    from duban.services.documents.registry import signature_summary

    with uow() as u:
        result = verify_file(u, file)

    signed = signature_summary(result["signatures"])

    def human(r: dict) -> None:
        current = (f"已被第{r['latest_revision']}版取代" if r["superseded"] else "现行有效")
        if r["doc_number"]:
            typer.echo(f"真实：{r['kind_name']} {r['doc_number']} 第{r['revision']}版，{r['issued_on']} 由 {r['actor']} 制发，"
                       f"{current}")
        else:  # 台账、公示: registered by date, no 发文字号
            typer.echo(f"真实：{r['title']}（{r['issued_on']} 由 {r['actor']} 生成，当日第{r['revision']}版，{current}）")
        typer.echo(f"签名：{signed}")

    if not result["genuine"]:
        if state.as_json:
            emit(result)
        # A forged or altered copy is a refusal like any other: one line on stderr, exit 3.
        raise IntegrityFailure(f"不是本系统制发的原件：{result['reason']}（SHA-256 {result['sha256']}）；签名：{signed}")
    emit(result, human)


@doc_app.command("list")
def list_command(
    kind: Optional[str] = typer.Option(None, "--kind", metavar="种类", help="只看该种类的文书，如 督办单"),
    item: Optional[str] = typer.Option(None, "--item", metavar="问题编号", help="只看该整改问题的文书"),
    case: Optional[str] = typer.Option(None, "--case", metavar="案件编号", help="只看该问责案件的文书"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """列出已制发的文书（含各版本）。"""
    from duban.services.documents import list_documents

    with uow() as u:
        result = list_documents(u, actor(), campaign=campaign, kind=kind, item=item, case=case)
    emit(result, lambda r: table(f"已制发文书（{len(r)} 份；文件路径见 --json）", ["发文字号", "版本", "种类", "对象", "日期"],
                                 [[d["doc_number"], d["revision"] if not d["superseded"] else f"{d['revision']}（已取代）",
                                   d["kind_name"], d["case"] or d["item"], d["issued_on"]] for d in r]))


@doc_app.command("ledger")
def ledger(out: Path = OUT_DIR, campaign: Optional[str] = CAMPAIGN) -> None:
    """生成整改落实台账：横排 PDF（含统计图）和 XLSX。"""
    from duban.services.documents import render_ledger

    with uow() as u:
        result = render_ledger(u, actor(), out, campaign=campaign, today=state.today)
    emit(result, lambda r: typer.echo(f"台账（{r['rows']} 条，截至 {r['as_of']}）：{r['pdf']}、{r['xlsx']}"))


@doc_app.command("publicity")
def publicity(out: Path = OUT_DIR, campaign: Optional[str] = CAMPAIGN) -> None:
    """生成整改情况公示（已销号问题按单位列出，附已公开的满意度测评结果）。"""
    from duban.services.documents import render_publicity

    with uow() as u:
        result = render_publicity(u, actor(), out, campaign=campaign, today=state.today)
    emit(result, lambda r: typer.echo(f"公示（{r['units']} 个单位、{r['items']} 个问题，公示至 {r['period_end']}）：{r['pdf']}"))


@doc_app.command("preview")
def preview(
    files: List[Path] = typer.Argument(None, metavar="文件", help="要预览的 PDF 文件（可给出多个）"),
    folder: Optional[Path] = typer.Option(None, "--dir", metavar="目录", help="预览该目录（含子目录）中的全部 PDF"),
    out: Path = OUT_DIR,
    dpi: int = typer.Option(100, "--dpi", min=1, max=600, metavar="分辨率", help="每英寸像素数（默认 100：A4 约 827×1169 像素）"),
) -> None:
    """把 PDF 文书逐页转成 PNG 图片（每页一张，文件名为原文件名加页码），不用 PDF 阅读器也能查看版面。"""
    from duban.documents.preview import pdfs_under, preview_files
    from duban.errors import BadInput

    if bool(files) == bool(folder):
        raise BadInput("请给出 PDF 文件，或用 --dir 指定目录（二者只能选一）")
    pdfs = pdfs_under(folder) if folder else list(files)
    if not pdfs:
        raise BadInput(f"目录中没有 PDF 文件：{folder}")
    result = preview_files(pdfs, out, dpi=dpi, base=folder)
    emit(result, lambda r: typer.echo(f"已生成 {sum(d['pages'] for d in r)} 张页面图片（{len(r)} 份 PDF）：{out}"))


keys_app = typer.Typer(help="发文机关的签名密钥：给文书加电子签名用的私钥和证书。", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("init")
def keys_init(
    name: Optional[str] = typer.Option(None, "--name", metavar="名称", help="证书上的签名人（默认方案中的办公室名称）"),
    organisation: Optional[str] = typer.Option(None, "--org", metavar="名称", help="证书上的单位（默认方案中的发文机关署名）"),
    out: Optional[Path] = typer.Option(None, "--out", metavar="目录",
                                       help="写入的目录（默认文书存储目录下的 keys，之后制发的文书即带签名）"),
    force: bool = typer.Option(False, "--replace", help="替换已有的密钥和证书"),
    campaign: Optional[str] = CAMPAIGN,
) -> None:
    """生成发文机关的私钥和自签名证书，用于试用文书签名；正式使用时请用本单位的证书，
    并设置 DUBAN_SIGN_KEY、DUBAN_SIGN_CERT（私钥和证书文件；私钥加密时设置 DUBAN_SIGN_PASSPHRASE）。"""
    from duban.services.documents.keys import init_keys

    with uow() as u:
        result = init_keys(u, actor(), name=name, organisation=organisation, out=out, force=force, campaign=campaign)

    def human(r: dict) -> None:
        typer.echo(f"已生成签名私钥 {r['key']} 和自签名证书 {r['cert']}（{r['subject']}，有效至 {r['not_after']}）")
        typer.echo("此后制发的文书均带发文机关签名。" if r["signs_documents"] else
                   f"请设置 DUBAN_SIGN_KEY={r['key']}、DUBAN_SIGN_CERT={r['cert']}，此后制发的文书即带签名。")

    emit(result, human)


@app.command("doctor")
def doctor() -> None:
    """检查本机文书环境：各字体角色实际使用的字体、HarfBuzz、WeasyPrint、数据库结构版本、Graphviz。"""
    from duban.services.documents import doctor as run_doctor

    result = run_doctor(state.settings.db_url)

    def human(r: dict) -> None:
        for check in r["checks"]:
            typer.echo(f"{'✓' if check['ok'] else '!'} {check['check']}：{check['value']}")
        for check in r["checks"]:
            if not check["ok"]:
                typer.echo(f"建议：{check['check']} —— {check['advice']}")
        typer.echo("检查完成，无警告。" if not r["warnings"] else f"检查完成，{r['warnings']} 项警告（见上方建议）。")

    emit(result, human)
