"""Issuing documents from the database: every kind read back from its PDF, gapless numbers
under concurrent processes (SQLite and PostgreSQL), failed renders, reissue, verification,
injection, duban doctor.

People (tests/data/org-small.csv): wang 组长, li/zhou 副组长, zhao 办公室, qian 办公室+负责人,
sun 负责人 of JGC 建设管理处, wu/zheng 党员干部 in JGC, feng 负责人 of ZJZ 质量监督站, chen 党员干部 in ZJZ.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import ROOT, dump

try:  # tests/ is a rootdir-relative folder or a package, depending on the runner
    from pdfcheck import issued_typography_problems, read_pdf
except ImportError:
    from tests.pdfcheck import issued_typography_problems, read_pdf

TODAY = "2015-09-28"  # 15 working days later is 2015-10-23 (国庆 holidays, 10月10日 调休)
SWEEP_DAY = "2015-10-08"
SUPERVISE_DAY = "2015-10-12"  # 2 working days after the 催办 (10月10日 调休)
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
# What only the second plan (tests/data/plans/province-2007.yaml) prints: never in the reference's documents.
OTHER_PLAN_PHRASES = ("和西", "效能建设活动", "厅局", "直属机构", "和效", "实施意见", "省效能办", "专项工作")


# --- helpers -----------------------------------------------------------------------


def run(cli, db, *args, as_user="zhao", today=TODAY):
    result = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert result.code == 0, result
    return result.json()


def add_item(cli, db, *, unit="JGC", person="wu", title="窗口服务推诿扯皮，群众反映办事难", days=None,
             due=None, description="", category="懒", today=TODAY, source="自查") -> str:
    args = ["item", "add", "--unit", unit, "--title", title, "--person", person, "--category", category,
            "--source", source]
    args += ["--days", str(days)] if days else ["--due", due]
    if description:
        args += ["--description", description]
    return run(cli, db, *args, today=today)["no"]


def approved_case(cli, db, items, measure, *, person=None, unit=None, reason="办事拖拉，逾期未整改") -> str:
    args = ["case", "propose", "--reason", reason, "--person" if person else "--unit", person or unit]
    for no in items:
        args += ["--item", no]
    no = run(cli, db, *args)["no"]
    run(cli, db, "case", "investigate", no)
    run(cli, db, "case", "decide", no, "--measure", measure, as_user="li")
    run(cli, db, "case", "approve", no, as_user="wang")
    return no


def render(cli, db, kind, *subject, today=TODAY) -> dict:
    return run(cli, db, "doc", "render", kind, *subject, today=today)


def pdf_text(path) -> str:
    """The text without whitespace and page numbers, so sentences broken over pages still match."""
    return re.sub(r"—\d+—", "", read_pdf(Path(path).read_bytes()).compact_text())


def escalation_id(db, item_no, level) -> int:
    from storage.models import Escalation, ProblemItem
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        return uow.session.scalar(select(Escalation.id).join(ProblemItem, ProblemItem.id == Escalation.item_id)
                                  .where(ProblemItem.no == item_no, Escalation.level == level))


def snapshot(db) -> dict:
    return dump(db)


def document_files(files_dir: Path) -> list[Path]:
    folder = files_dir / "documents"
    return sorted(folder.rglob("*.pdf")) if folder.exists() else []


# --- every kind, from records built through the CLI ---------------------------------------


@SQLITE_ONLY
def test_every_kind_is_rendered_from_the_database(cli, campaign_db, tmp_path):
    db = campaign_db
    window = add_item(cli, db, days=15, description="9月21日暗访时窗口无人值守，群众等候四十分钟。")
    late = add_item(cli, db, unit="ZJZ", person="chen", title="质量投诉答复超过时限", due="2015-09-30")
    yellow = add_item(cli, db, unit="ZJZ", person="chen", title="来文来件积压", due="2015-10-12")
    talk = add_item(cli, db, person="zheng", title="上班时间玩手机、聊天", days=15, category="散")

    notice = render(cli, db, "整改通知书", "--item", window)
    text = pdf_text(notice["path"])
    for expected in ("兰州市建设局", "整改通知书", "兰建改〔2015〕1号", "建设管理处：", "窗口服务推诿扯皮，群众反映办事难",
                     "9月21日暗访时窗口无人值守", "吴刚", "15个工作日内（即2015年10月23日前）", "兰组通字〔2015〕57号",
                     "《兰州市建设局“庸懒散软”专项整治工作实施方案》", "批评教育直至纪律处分", "2015年9月28日"):
        assert expected in text, expected
    assert notice["path"].endswith("documents/2015/rectification_notice/兰建改〔2015〕1号-r1.pdf")

    cases = {
        "efficiency_advice": approved_case(cli, db, [window], "效能监察建议书", unit="JGC"),
        "circulated_criticism": approved_case(cli, db, [window], "通报批评", person="wu"),
        "admonition_notice": approved_case(cli, db, [talk], "诫勉谈话", person="zheng"),
        "written_check_notice": approved_case(cli, db, [late], "责令书面检查", person="chen"),
        "decision": approved_case(cli, db, [late], "停职检查", person="feng"),
    }
    expectations = {
        "efficiency_advice": ("效能监察建议书", "兰建效〔2015〕1号", "建设管理处：", "请于2015年10月23日前",
                              "窗口服务推诿扯皮", "监察建议"),
        "circulated_criticism": ("兰州市建设局文件", "兰建通〔2015〕1号", "关于对建设管理处科员吴刚同志予以通报批评的通报",
                                 "机关各处（室）、局属各单位：", "决定对建设管理处科员吴刚同志予以通报批评",
                                 "抄送：中共兰州市委组织部"),
        "admonition_notice": ("诫勉谈话通知书", "兰建诫〔2015〕1号", "郑丽同志：", f"涉及问题编号：{talk}。",
                              "李卫东（党组成员、副局长）", "谈话记录", "赵晓梅", "2015年10月10日前"),
        "written_check_notice": ("责令书面检查通知书", "兰建检〔2015〕1号", "质量监督站科员陈静同志：",
                                 "请于2015年10月10日前将书面检查报送", "质量投诉答复超过时限"),
        "decision": ("关于给予质量监督站站长冯强同志停职检查处理的决定", "兰建决〔2015〕1号",
                     "给予质量监督站站长冯强同志停职检查处理"),
    }
    for kind, case_no in cases.items():
        doc = render(cli, db, kind, "--case", case_no)
        assert (doc["kind"], doc["case"], doc["doc_number"]) == (kind, case_no, expectations[kind][1])
        text = pdf_text(doc["path"])
        for expected in expectations[kind]:
            assert expected in text, (kind, expected)
        assert not [phrase for phrase in OTHER_PLAN_PHRASES if phrase in text], kind

    # One level at a time, each on its day: the sweep, run late, catches up (the late one's 催办 in
    # September, its 督办 on its first red day); the 催办 of the yellow one on SWEEP_DAY.
    run(cli, db, "sweep", "--as-of", SWEEP_DAY)
    reminder = render(cli, db, "reminder_sheet", "--escalation", escalation_id(db, yellow, "催办"), today=SWEEP_DAY)
    supervision = render(cli, db, "督办单", "--escalation", escalation_id(db, late, "督办"), today=SUPERVISE_DAY)
    text = pdf_text(supervision["path"])
    for expected in ("督办单", "督办〔2015〕1号", "质量监督站", late, "质量投诉答复超过时限", "陈静",
                     "整改期限2015年9月30日，已逾期4个工作日", "2015年10月13日", "2015年10月12日"):
        assert expected in text, expected
    for sheet in (supervision, reminder):  # a form is one page
        assert read_pdf(Path(sheet["path"]).read_bytes()).page_count == 1
    text = pdf_text(reminder["path"])
    for expected in ("催办单", "催办〔2015〕1号", "来文来件积压", "2015年10月12日", "仅剩3个工作日", "第1次"):
        assert expected in text, expected

    # The item's and the case's histories show their documents; the audit chain still verifies.
    history = run(cli, db, "item", "history", window)
    assert [e["note"] for e in history if e["trigger"] == "document_issued"] == ["整改通知书 兰建改〔2015〕1号"]
    history = run(cli, db, "case", "history", cases["decision"])
    assert history[-1]["trigger"] == "document_issued" and "兰建决〔2015〕1号" in history[-1]["note"]
    assert cli("audit", "verify", db=db).code == 0
    listed = run(cli, db, "doc", "list")
    assert len(listed) == 8 and len({d["doc_number"] for d in listed}) == 8

    # Campaign documents: the ledger (PDF with charts + XLSX) and the 公示 with satisfaction results.
    evidence = tmp_path / "整改照片.txt"
    evidence.write_text("已调整窗口人员", encoding="utf-8")
    done = add_item(cli, db, title="办事指南未公开", days=10)
    run(cli, db, "item", "start", done, as_user="wu")
    run(cli, db, "item", "submit", done, "--evidence", evidence, "--note", "在大厅公开办事指南和时限", as_user="wu")
    run(cli, db, "item", "verify", done, as_user="qian")
    # 满意度测评 belongs to November's phase: the office opens it today, with a reason
    run(cli, db, "phase", "override", "--duty", "satisfaction", "--reason", "窗口单位提前测评")
    run(cli, db, "satisfaction", "record", "--unit", "JGC", "--method", "电话抽查", "--responses", "40",
        "--satisfied", "36")
    run(cli, db, "satisfaction", "publish")
    ledger = run(cli, db, "doc", "ledger", "--out", tmp_path / "out", today="2015-10-30")
    assert Path(ledger["xlsx"]).is_file() and ledger["rows"] == 5
    info = read_pdf(Path(ledger["pdf"]).read_bytes())
    assert info.pages[0]["width"] > info.pages[0]["height"]  # landscape
    text = info.compact_text()
    for expected in ("兰州市建设局“庸懒散软”专项整治整改落实台账", "统计截至2015年10月30日", window, late, "已销号"):
        assert expected in text, expected
    from duban.services.documents import renderer

    assert sorted(renderer().fetcher.requested) == ["duban-mem:by-category.svg", "duban-mem:by-unit.svg"]
    # The 公示 lists what the office decided to publish, and names nobody (钱红 verified the item).
    assert run(cli, db, "doc", "publicity", "--out", tmp_path / "none", today="2015-10-30")["items"] == 0
    run(cli, db, "publish", "mark", done, today="2015-10-30")
    publicity = run(cli, db, "doc", "publicity", "--out", tmp_path / "out", today="2015-10-30")
    text = pdf_text(publicity["pdf"])
    # Table cells wrap and interleave line by line: look for what fits on one line of a cell.
    for expected in ("关于兰州市建设局“庸懒散软”专项整治整改情况的公示", "一、建设管理处", done, "办事指南未公",
                     "在大厅公开办事指", "建设管理处90.0分", "有效样本40份，合格", "2015年11月6日"):
        assert expected in text, expected
    assert "钱红" not in text and "吴刚" not in text
    assert publicity["items"] == 1
    # Every document and report, read back: 两端对齐, 禁则, whole numbers, page numbers, dates.
    assert issued_typography_problems(run(cli, db, "doc", "list", today="2015-10-30"),
                                      [ledger["pdf"], publicity["pdf"]]) == {}


# --- numbering -------------------------------------------------------------------------------

ISSUER = r"""
import datetime as dt, sys
from duban.errors import RuleViolation
from duban.services.documents import issue_document
from storage.uow import UnitOfWork

db_url, *items = sys.argv[1:]
for no in items:
    with UnitOfWork(db_url) as uow:
        try:
            print("issued", issue_document(uow, "zhao", "rectification_notice", item=no,
                                           today=dt.date(2015, 9, 28))["doc_number"], flush=True)
        except RuleViolation as error:
            print("refused", no, error.message, flush=True)
"""


def test_numbers_stay_gapless_under_four_concurrent_processes(cli, campaign_db, files_dir):
    from storage.models import DocCounter, Document, ProblemItem
    from storage.uow import UnitOfWork

    db = campaign_db
    items = [add_item(cli, db, title=f"窗口问题{n}", days=15) for n in range(1, 9)]
    # Four processes each try every item, in different orders: each item once, numbers 1..8.
    processes = [subprocess.Popen([sys.executable, "-c", ISSUER, db, *(items[k * 2:] + items[:k * 2])],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for k in range(4)]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err
    issued = [line.split()[1] for out, _ in outputs for line in out.splitlines() if line.startswith("issued")]
    assert sorted(issued) == sorted(f"兰建改〔2015〕{n}号" for n in range(1, 9))

    with UnitOfWork(db) as uow:
        docs = [(doc.number, doc.doc_number, doc.path, uow.session.get(ProblemItem, doc.item_id).no)
                for doc in uow.session.scalars(select(Document).order_by(Document.number))]
        counter = uow.session.scalar(select(DocCounter.last_number))
    assert [number for number, *_ in docs] == list(range(1, 9)) and counter == 8
    assert sorted(no for *_, no in docs) == sorted(items)
    assert len(document_files(files_dir)) == 8
    for _, doc_number, path, no in docs:
        text = pdf_text(files_dir / path)
        assert doc_number in text and f"问题编号：{no}" in text


@pytest.fixture
def failing_templates(tmp_path, monkeypatch):
    """The real templates, except that a notice for a title with 模板故障 hits an undefined name."""
    copy = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", copy)
    notice = copy / "kinds" / "rectification_notice.html.j2"
    text = notice.read_text(encoding="utf-8").replace(
        "{% block body %}", '{% block body %}{% if "模板故障" in problems[0].title %}{{ no_such_field }}{% endif %}')
    notice.write_text(text, encoding="utf-8")
    monkeypatch.setenv("DUBAN_TEMPLATES_DIR", str(copy))
    return copy


def test_a_failed_render_uses_no_number_and_leaves_no_file(cli, campaign_db, files_dir, failing_templates):
    db = campaign_db
    broken = add_item(cli, db, title="模板故障", days=15)
    good = add_item(cli, db, title="窗口服务推诿扯皮", days=15)
    before = snapshot(db)
    failed = cli("doc", "render", "rectification_notice", "--item", broken, db=db, as_user="zhao", today=TODAY)
    assert failed.code == 1 and "no_such_field" in failed.stderr
    assert snapshot(db) == before and document_files(files_dir) == []
    assert render(cli, db, "rectification_notice", "--item", good)["doc_number"] == "兰建改〔2015〕1号"

    # In a batch the chunk is rolled back and retried without the failing document.
    from duban.services.documents import issue_batch
    from storage.uow import UnitOfWork

    more = [add_item(cli, db, title=f"窗口问题{n}", days=15) for n in (1, 2)]
    jobs = [{"kind": "rectification_notice", "item": no} for no in (more[0], broken, more[1], good)]
    result = issue_batch(lambda: UnitOfWork(db), "zhao", jobs, workers=2, today=dt.date(2015, 9, 28))
    assert [d["doc_number"] for d in result["issued"]] == ["兰建改〔2015〕2号", "兰建改〔2015〕3号"]
    assert [d["item"] for d in result["issued"]] == more
    errors = {failure["job"]["item"]: failure["error"] for failure in result["failed"]}
    assert set(errors) == {broken, good} and "no_such_field" in errors[broken] and "已制发" in errors[good]
    assert len(document_files(files_dir)) == 3


def test_a_failed_commit_removes_the_written_file(cli, campaign_db, files_dir, monkeypatch):
    from duban.errors import ConcurrentModification
    from storage.uow import UnitOfWork

    db = campaign_db
    item = add_item(cli, db, days=15)
    before = snapshot(db)
    written = []

    def commit_fails(uow):
        written.extend(document_files(files_dir))  # the PDF is in place when the commit is tried
        raise ConcurrentModification("模拟提交失败")

    monkeypatch.setattr(UnitOfWork, "commit", commit_fails)
    failed = cli("doc", "render", "rectification_notice", "--item", item, db=db, as_user="zhao", today=TODAY)
    assert failed.code == 4 and "模拟提交失败" in failed.stderr
    assert len(written) == 1 and document_files(files_dir) == [] and snapshot(db) == before


@SQLITE_ONLY
def test_batch_command_issues_what_is_missing(cli, campaign_db, files_dir):
    db = campaign_db
    items = [add_item(cli, db, title=f"窗口问题{n}", days=15) for n in range(1, 6)]
    add_item(cli, db, title="已逾期的问题", due="2015-09-25", today="2015-09-10")  # overdue: a 督办单's job, not a notice's
    result = run(cli, db, "doc", "batch", "rectification_notice", "--workers", "2")
    assert sorted(d["item"] for d in result["issued"]) == items and result["failed"] == []
    assert sorted(d["number"] for d in result["issued"]) == [1, 2, 3, 4, 5]
    assert run(cli, db, "doc", "batch", "rectification_notice")["issued"] == []
    assert len(document_files(files_dir)) == 5


def test_writes_go_through_while_a_batch_renders(cli, campaign_db, files_dir):
    """A batch renders its documents outside the write lock: while a chunk is in the render pool an
    item's change and a single document (which takes the same counter) go through; the batch's
    drafts superseded by that number are rendered again under the lock, and numbers stay gapless."""
    import threading

    from duban.services.documents import issue_batch, issue_document
    from duban.services.items import transition
    from storage.models import Document
    from storage.uow import UnitOfWork

    db, day = campaign_db, dt.date(2015, 9, 28)
    batch = [add_item(cli, db, title=f"窗口问题{n}", days=15) for n in range(1, 5)]
    started, single = (add_item(cli, db, title=title, days=15) for title in ("另一问题", "单独制发的问题"))
    writes: list = []

    def write():
        with UnitOfWork(db) as uow:
            writes.append(transition(uow, "wu", started, "start", today=day)["state"])
        with UnitOfWork(db) as uow:
            writes.append(issue_document(uow, "zhao", "rectification_notice", item=single, today=day)["doc_number"])

    def progress(done, total):
        if done == 1 and not writes:  # the first document is rendered, the chunk's others still rendering
            writer = threading.Thread(target=write)
            writer.start()
            writer.join(45)  # rendering under the lock made this wait for the batch, which waits here
            assert not writer.is_alive(), "a write waited for the batch's rendering"

    jobs = [{"kind": "rectification_notice", "item": no} for no in batch]
    result = issue_batch(lambda: UnitOfWork(db), "zhao", jobs, workers=2, progress=progress, today=day)
    assert writes == ["rectifying", "兰建改〔2015〕1号"]
    assert sorted(d["number"] for d in result["issued"]) == [2, 3, 4, 5] and result["rendered_under_lock"] == 4
    more = [add_item(cli, db, title=f"窗口问题{n}", days=15) for n in (5, 6)]
    again = issue_batch(lambda: UnitOfWork(db), "zhao", [{"kind": "rectification_notice", "item": no} for no in more],
                        workers=2, today=day)
    assert [d["number"] for d in again["issued"]] == [6, 7] and again["rendered_under_lock"] == 0  # drafts kept
    with UnitOfWork(db) as uow:
        docs = uow.session.execute(select(Document.number, Document.doc_number, Document.path)
                                   .order_by(Document.number)).all()
    assert [number for number, *_ in docs] == list(range(1, 8)) and len(document_files(files_dir)) == 7
    for _, doc_number, path in docs:  # each file carries its own number, drafts or not
        assert doc_number in pdf_text(files_dir / path)


def _counter(db):
    from storage.models import DocCounter
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        return tuple(uow.session.execute(select(DocCounter.last_number, DocCounter.claimed_through,
                                                DocCounter.claim_epoch)).one())


def test_two_issuers_at_once_keep_their_drafts(cli, campaign_db, files_dir):
    """Two batches of one kind drafting at the same time draft different numbers (each claims the
    numbers after the other's), so neither renders a draft again under the lock; numbers gapless."""
    import threading

    from duban.services.documents import issue_batch
    from storage.models import Document
    from storage.uow import UnitOfWork

    db, day = campaign_db, dt.date(2015, 9, 28)
    items = [add_item(cli, db, title=f"窗口问题{n}", days=15) for n in range(1, 9)]
    results: list[dict] = []

    def issuer(share):
        jobs = [{"kind": "rectification_notice", "item": no} for no in share]
        results.append(issue_batch(lambda: UnitOfWork(db), "zhao", jobs, workers=1, today=day, chunk_size=2))

    threads = [threading.Thread(target=issuer, args=(share,)) for share in (items[:4], items[4:])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(240)
    assert len(results) == 2 and all(not r["failed"] for r in results)
    assert sorted(d["number"] for r in results for d in r["issued"]) == list(range(1, 9))
    assert [r["rendered_under_lock"] for r in results] == [0, 0]
    assert _counter(db)[:2] == (8, 8)
    with UnitOfWork(db) as uow:
        docs = uow.session.execute(select(Document.doc_number, Document.path)).all()
    for doc_number, path in docs:
        assert doc_number in pdf_text(files_dir / path)


def test_a_dead_issuers_claim_costs_a_wait_not_a_gap(cli, campaign_db, files_dir, monkeypatch):
    """Numbers claimed by a draft are a promise, not a reservation: when the issuer that claimed
    them never comes back, the next batch waits a while, takes the numbers, renders its drafts
    again under the lock and drops the promises; no gap, and the batch after it keeps its drafts."""
    from duban.services.documents import batch as batch_module
    from duban.services.documents import issue_batch
    from duban.services.documents.numbering import claim_numbers
    from storage.uow import UnitOfWork

    monkeypatch.setattr(batch_module, "CLAIM_WAIT", 1.0)
    db, day = campaign_db, dt.date(2015, 9, 28)
    items = [add_item(cli, db, title=f"窗口问题{n}", days=15) for n in range(1, 6)]
    with UnitOfWork(db) as uow:  # an issuer drafting numbers 1 and 2 that dies before it takes them
        prefix = uow.campaigns.only_or(None).doc_prefix
        assert claim_numbers(uow, {(prefix, "rectification_notice", 2015): 2}) == {
            (prefix, "rectification_notice", 2015): (1, 2, 0)}
        uow.commit()
    jobs = [{"kind": "rectification_notice", "item": no} for no in items[:3]]
    result = issue_batch(lambda: UnitOfWork(db), "zhao", jobs, workers=1, today=day)
    assert [d["number"] for d in result["issued"]] == [1, 2, 3] and result["rendered_under_lock"] == 3
    assert result["seconds"] >= 1.0  # it waited for the promise
    assert _counter(db) == (3, 3, 1)  # promises dropped
    again = issue_batch(lambda: UnitOfWork(db), "zhao", [{"kind": "rectification_notice", "item": no}
                                                          for no in items[3:]], workers=1, today=day)
    assert [d["number"] for d in again["issued"]] == [4, 5] and again["rendered_under_lock"] == 0
    assert _counter(db) == (5, 5, 1)


@SQLITE_ONLY
def test_batch_outside_the_campaign_warns_once(cli, campaign_db, files_dir):
    db = campaign_db
    for n in range(1, 4):
        add_item(cli, db, title=f"窗口问题{n}", due="2015-12-18", today="2015-11-20", source="问卷调查")  # open in November
    r = cli("doc", "batch", "rectification_notice", "--chunk", "1", db=db, as_user="zhao", today="2015-12-01")
    assert r.code == 0, r
    assert r.stderr.splitlines() == [line for line in r.stderr.splitlines() if line.startswith("注意：")]
    assert r.stderr.count("不在 LZJ2015 活动期间") == 1, r.stderr
    assert len(document_files(files_dir)) == 3


# --- refusals, reissue, verification ----------------------------------------------------------------


def test_refusals_change_nothing(cli, campaign_db, files_dir):
    db = campaign_db
    item = add_item(cli, db, days=15)
    render(cli, db, "rectification_notice", "--item", item)
    late = add_item(cli, db, title="已逾期的问题", due="2015-09-25", today="2015-09-10")
    case = approved_case(cli, db, [item], "诫勉谈话", person="wu")
    before = snapshot(db)
    for args, user, message in [
        (("rectification_notice", "--item", item), "zhao", "已制发整改通知书 兰建改〔2015〕1号"),
        (("rectification_notice", "--item", late), "zhao", "已到或已过"),
        (("通报批评", "--case", case), "zhao", "应制发诫勉谈话通知书"),
        (("rectification_notice", "--item", item), "wu", "无权制发文书"),
    ]:
        refused = cli("doc", "render", *args, db=db, as_user=user, json=True, today=TODAY)
        assert refused.code == 3 and message in refused.stderr, refused
    assert snapshot(db) == before and len(document_files(files_dir)) == 1
    bad = cli("doc", "render", "rectification_notice", db=db, as_user="zhao", today=TODAY)
    assert bad.code == 2 and "--item" in bad.stderr


def test_reissue_adds_revision_two_and_keeps_revision_one(cli, campaign_db, files_dir):
    db = campaign_db
    item = add_item(cli, db, days=15)
    first = render(cli, db, "rectification_notice", "--item", item)
    original = Path(first["path"]).read_bytes()
    run(cli, db, "deadline", "request", item, "--days", "5", "--reason", "需协调其他部门", as_user="wu")
    run(cli, db, "deadline", "approve", "1", as_user="li")
    second = run(cli, db, "doc", "reissue", first["doc_number"], today="2015-09-29")
    assert (second["doc_number"], second["revision"], second["superseded"]) == (first["doc_number"], 2, False)
    assert second["path"].endswith("兰建改〔2015〕1号-r2.pdf") and second["path"] != first["path"]
    assert Path(first["path"]).read_bytes() == original
    text = pdf_text(second["path"])
    assert "兰建改〔2015〕1号" in text and "2015年10月30日" in text and "2015年9月29日" in text
    old = run(cli, db, "doc", "verify", first["path"])
    assert old["genuine"] and old["revision"] == 1 and old["superseded"] and old["latest_revision"] == 2
    history = run(cli, db, "item", "history", item)
    assert [e["trigger"] for e in history if e["trigger"].startswith("document")] == \
        ["document_issued", "document_reissued"]


def test_verify_tells_genuine_from_altered_and_foreign_files(cli, campaign_db, tmp_path):
    db = campaign_db
    doc = render(cli, db, "rectification_notice", "--item", add_item(cli, db, days=15))
    genuine = cli("doc", "verify", doc["path"], db=db, json=True)
    assert genuine.code == 0 and genuine.json()["doc_number"] == "兰建改〔2015〕1号"
    assert genuine.json()["genuine"] and not genuine.json()["superseded"]

    altered = tmp_path / "altered.pdf"
    data = bytearray(Path(doc["path"]).read_bytes())
    data[len(data) // 2] ^= 0x01
    altered.write_bytes(bytes(data))
    foreign = tmp_path / "foreign.pdf"
    foreign.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    for path in (altered, foreign):
        result = cli("doc", "verify", path, db=db, json=True)
        assert result.code == 3 and result.json()["genuine"] is False, result
    human = cli("doc", "verify", altered, db=db)
    assert human.code == 3 and human.stdout == ""
    assert human.stderr.count("\n") == 1 and human.stderr.startswith("错误：不是本系统制发的原件")
    assert cli("doc", "verify", tmp_path / "missing.pdf", db=db).code == 2


@SQLITE_ONLY
def test_injection_strings_are_printed_literally(cli, campaign_db, files_dir):
    db = campaign_db
    title = '{{7*7}} <img src="file:///etc/passwd"> <script>alert(1)</script>'
    doc = render(cli, db, "rectification_notice", "--item", add_item(cli, db, title=title, days=15))
    text = pdf_text(doc["path"])
    for literal in ("{{7*7}}", '<imgsrc="file:///etc/passwd">', "<script>alert(1)</script>"):
        assert literal in text, literal
    assert "root:" not in text


@SQLITE_ONLY
def test_doctor_reports_every_font_role(cli, campaign_db):
    from duban.documents.fonts import ROLES

    result = cli("doctor", db=campaign_db)
    assert result.code == 0, result
    for role in ROLES.values():
        assert role.label in result.stdout, role.label
    from storage.migrate import head_revision

    assert f"数据库结构版本：{head_revision()}（最新）" in result.stdout and "WeasyPrint" in result.stdout
    report = cli("doctor", db=campaign_db, json=True).json()
    assert result.stdout.count("建议：") == report["warnings"]
    missing = cli("doctor", db=f"sqlite:///{os.devnull}.missing/none.sqlite")
    assert missing.code == 0 and "建议：" in missing.stdout


def test_a_post_that_names_its_unit_is_not_prefixed_with_it_again(cli, campaign_db):
    """赵晓梅 is 监察室主任 in 监察室: the documents say 监察室主任赵晓梅, never 监察室监察室主任."""
    db = campaign_db
    item = add_item(cli, db, unit="JCS", person="zhao", title="来文办理超过时限", days=10)
    args = ["case", "propose", "--reason", "办事拖拉，逾期未整改", "--person", "zhao", "--item", item]
    no = run(cli, db, *args, as_user="qian")["no"]
    run(cli, db, "case", "investigate", no, as_user="qian")
    run(cli, db, "case", "decide", no, "--measure", "通报批评", as_user="li")
    run(cli, db, "case", "approve", no, as_user="wang")
    text = pdf_text(render(cli, db, "通报批评", "--case", no)["path"])
    assert "关于对监察室主任赵晓梅同志予以通报批评的通报" in text and "决定对监察室主任赵晓梅同志予以通报批评" in text
    assert "监察室监察室" not in text


def _talk_record_cell(path, label: str) -> str:
    """The cell right of ``label`` in the 谈话记录 form, read back from the PDF's table."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                for row in table:
                    cells = [re.sub(r"\s", "", cell or "") for cell in row]
                    if label in cells:
                        return cells[cells.index(label) + 1]
    raise AssertionError(f"{label} not found")


@SQLITE_ONLY
def test_talk_record_prints_the_talk_day_or_leaves_it_blank_never_the_deadline(cli, campaign_db, files_dir):
    """The 谈话记录's 谈话时间 is when the talk took place: blank for the pen until the office records
    the talk (the plan gives 诫勉谈话 no deadline: ``case execute``, 谈话已进行), then that day; the
    notice's 'come before' deadline is not a talk time."""
    db = campaign_db
    talk = add_item(cli, db, person="zheng", title="上班时间玩手机、聊天", days=15, category="散")
    case = approved_case(cli, db, [talk], "诫勉谈话", person="zheng")
    notice = render(cli, db, "admonition_notice", "--case", case)
    assert "请你于2015年10月10日前到" in pdf_text(notice["path"])
    assert _talk_record_cell(notice["path"], "谈话时间") == ""
    run(cli, db, "case", "execute", case, "--note", "已进行诫勉谈话", today="2015-10-09")
    again = run(cli, db, "doc", "reissue", notice["doc_number"], today="2015-10-09")
    assert _talk_record_cell(again["path"], "谈话时间") == "2015年10月9日"
