"""duban demo: the reference campaign end to end, reproducible, audit-clean.

One full run (the README's first command, through the real entry point) serves most
tests; a tiny bureau (--units 3 --cadres 20) checks --force and that the same seed
gives the same summary. bench/campaign_bench.py times the full run.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import run_duban

LADDER = ("criticism_education", "admonition_talk", "circulated_criticism", "written_self_criticism",
          "efficiency_supervision_advice", "public_self_criticism", "public_apology",
          "suspension_for_inspection", "organizational_handling", "disciplinary_sanction")
TINY = ("--units", "3", "--cadres", "20", "--seed", "11")


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory):
    """`duban --json demo --out DIR` with the defaults: 15 units, 200 people, seed 2015."""
    out = tmp_path_factory.mktemp("demo") / "demo-out"
    completed = run_duban("--json", "demo", "--out", out, timeout=1800)  # a hang guard; speed is bench/campaign_bench.py
    assert completed.returncode == 0, completed.stderr[-3000:]
    return out, json.loads(completed.stdout), completed


def _uow(out):
    from storage.uow import UnitOfWork

    return UnitOfWork(f"sqlite:///{out / 'duban.sqlite'}")


def test_full_demo_leaves_database_documents_ledger_and_summary(full_demo):
    out, result, completed = full_demo
    assert result["failures"] == []
    for name in ("duban.sqlite", "org.csv", "ledger.xlsx", "ledger.pdf", "summary.md", "summary.json"):
        assert (out / name).is_file(), name
    assert (out / "ledger.pdf").read_bytes().startswith(b"%PDF")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary == result["summary"]
    assert summary["campaign"] == {"code": "LZJ2015", "name": "兰州市建设局“庸懒散软”专项整治",
                                   "start": "2015-09-01", "end": "2015-11-30", "as_of": "2015-11-30"}
    assert summary["bureau"] == {"units": 16, "persons": 200}  # 15 units and the 局领导班子
    assert summary["items"]["total"] > 300
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    assert "问责处理（按措施）" in markdown and "满意度测评" in markdown
    assert "专项整治 2015-11-30（91/91）" in completed.stderr  # progress: a line a week when not a terminal


def test_every_person_filed_a_problem_list_and_reminders_fired(full_demo):
    out = full_demo[0]
    from storage.models import Person, ProblemItem, Reminder

    with _uow(out) as uow:
        people = uow.session.scalar(select(func.count()).select_from(Person).where(Person.login != "system"))
        owners = uow.session.scalar(select(func.count(func.distinct(ProblemItem.owner_id)))
                                    .where(ProblemItem.source == "自查"))
        per_owner = uow.session.execute(select(func.count()).select_from(ProblemItem)
                                        .where(ProblemItem.source == "自查").group_by(ProblemItem.owner_id)).scalars()
        reminders = uow.session.scalar(select(func.count()).select_from(Reminder)
                                       .where(Reminder.kind == "problem_list"))
        assert set(per_owner) <= {1, 2, 3}
    assert owners == people
    assert reminders > people  # everyone in the first week, the late ones again later


def test_intake_comes_through_lists_opinions_reports_and_a_reconciliation(full_demo):
    """Lists imported from the generated template and approved, opinions triaged, reports with a
    sealed identity and a receipt triaged, and one unit's returned 台账 reconciled."""
    out = full_demo[0]
    from duban.demo import scenario
    from storage.models import ItemPlan, Opinion, Person, ProblemItem, ProblemList, ReceiptLookup, Report

    with _uow(out) as uow:
        def grouped(column):
            return dict(uow.session.execute(select(column, func.count()).group_by(column)).all())

        people = uow.session.scalar(select(func.count()).select_from(Person).where(Person.login != "system"))
        filers = uow.session.scalar(select(func.count(func.distinct(ProblemList.person_id))))
        lists = grouped(ProblemList.state)
        levels = grouped(ProblemList.level)
        planned = uow.session.scalar(select(func.count()).select_from(ItemPlan))
        self_checked = uow.session.scalar(select(func.count()).select_from(ProblemItem)
                                          .where(ProblemItem.source == "自查"))
        opinions = grouped(Opinion.state)
        reports = grouped(Report.state)
        sealed = uow.session.scalar(select(func.count()).select_from(Report)
                                    .where(Report.identity_cipher.is_not(None)))
        looked_up = uow.session.scalar(select(func.count()).select_from(ReceiptLookup)
                                       .where(ReceiptLookup.found.is_(True)))
        from_reports = uow.session.scalar(select(func.count()).select_from(ProblemItem)
                                          .where(ProblemItem.origin.like("report:%")))
    assert filers == people and lists == {"approved": lists["approved"]}
    assert set(levels) == {"领导班子", "党员干部"} and levels["领导班子"] == 15 + 5  # the unit heads and the 局领导
    assert planned == self_checked  # every self-check item has its 任务书 and 时间表
    assert opinions == {"item": len(scenario.OPINIONS), "merged": len(scenario.MERGED_OPINIONS),
                        "dismissed": len(scenario.DISMISSED_OPINIONS)}
    incidents = sum(1 for i in scenario.INCIDENTS if i.said)
    assert reports == {"item": 6 + incidents, "merged": 1, "unfounded": 1} and from_reports == 6 + incidents
    assert sealed == len(scenario.REPORTS) - len(scenario.UNSIGNED_LETTERS) + incidents
    assert 0 < looked_up <= len(scenario.REPORTS) + incidents
    shown = full_demo[1]["summary"]["intake"]  # the 总结 shows each one's fate
    assert shown["opinions"] == {"待处理": 0, "已立为问题": opinions["item"], "已并入问题": opinions["merged"],
                                 "不予采纳": opinions["dismissed"]}
    assert shown["reports"]["不属实"] == 1 and shown["problem_lists"]["已审核"] == lists["approved"]
    assert "## 问题清单、意见建议和举报" in (out / "summary.md").read_text(encoding="utf-8")
    returned = sorted(p.name for p in (out / "reconcile").iterdir())
    assert [name[:4] for name in returned] == ["台账报回", "对账结果", "对账销号"], returned
    listed, confirmed = (json.loads(p.read_text(encoding="utf-8"))
                         for p in sorted((out / "reconcile").glob("*.json"), key=lambda p: "销号" in p.name))
    assert {"claimed_done", "no_number"} <= {f["kind"] for f in listed["findings"]}
    assert listed["applied"] == [] and confirmed["refused"]  # 提交验收 is the owner's, with evidence


def test_campaign_covers_sources_escalations_deadlines_recheck_and_satisfaction(full_demo):
    summary = full_demo[1]["summary"]
    sources = summary["items"]["by_source"]
    for source in ("自查", "座谈会", "走访群众", "问卷调查", "征求意见表", "暗访抽查", "作风纪律检查",
                   "举报电话", "举报信箱", "满意度测评"):
        assert sources[source] > 0, source
    assert all(summary["items"]["by_category"][c] > 0 for c in "庸懒散软")
    assert all(summary["escalations"][level] > 0 for level in ("催办", "督办", "问责"))
    changes = summary["deadline_changes"]
    assert changes["延期批准"] > 0 and changes["延期未批准"] > 0 and changes["挂起"] == 2
    assert summary["recheck"]["passed"] > 0 and summary["recheck"]["relapses"] > 0
    rounds = summary["satisfaction"]
    assert {r["unit"] for r in rounds} == {"行政审批服务窗口", "市建设工程质量监督站", "市城建档案馆",
                                           "市建设工程安全监督站", "市建筑市场管理站", "市建设工程招标投标管理办公室"}
    assert all(r["published"] for r in rounds) and any(not r["passed"] for r in rounds)
    assert all(summary["draws"][kind] > 0 for kind in ("随机暗访抽查", "作风纪律检查", "回头看"))


def test_demo_shows_study_attendance_mechanisms_and_the_evaluation_ranking(full_demo):
    out, result, _completed = full_demo
    summary = result["summary"]
    study = summary["study"]
    assert study["sessions"] >= 30 and 0.5 < study["rate"] < 1 and study["absent_persons"] > 0
    mechanisms = summary["mechanisms"]
    assert len(mechanisms) == 5 and all(m["registered"] for m in mechanisms)
    assert sum(m["state"] in ("已销号", "回头看通过") for m in mechanisms) == 4
    assert all(m["adopted_doc"] for m in mechanisms if m["state"] in ("已销号", "回头看通过"))
    evaluation = summary["evaluation"]
    assert evaluation["round"] == 2 and [r["round"] for r in evaluation["rounds"]] == [1, 2]
    assert all(e["trend"] in ("up", "down", "same") for e in evaluation["ranking"])
    assert [e["rank"] for e in evaluation["ranking"]][0] == 1
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    for section in ("## 集中学习", "## 长效机制", "## 测评排名（第2轮"):
        assert section in markdown, section
    from tests.pdfcheck import read_pdf

    report = read_pdf((out / "summary.pdf").read_bytes()).compact_text()
    assert "兰州市建设局“庸懒散软”专项整治工作总结" in report and "评议测评" in report and "统计图" in report


def test_every_rung_of_the_ladder_is_in_the_database(full_demo):
    out = full_demo[0]
    from storage.models import AccountabilityCase, Commendation, Event

    with _uow(out) as uow:
        cases = uow.session.scalars(select(AccountabilityCase)).all()
        appeals = uow.session.scalar(select(func.count()).select_from(Event).where(Event.trigger == "appeal"))
        commended = uow.session.scalars(select(Commendation)).all()
        done = {c.measure for c in cases if c.state in ("executed", "closed")}
        assert set(LADDER) <= done, set(LADDER) - done
        assert any(c.subject_unit_id and c.measure == "circulated_criticism" and c.state in ("executed", "closed")
                   for c in cases)
        assert appeals == 1
        assert sum(c.state == "dismissed" for c in cases) == 1
        for case in cases:
            if case.approved_by_id is not None:  # 职责分离 as the services enforce it
                assert case.approved_by_id not in (case.proposed_by_id, case.decided_by_id)
        assert any(c.person_id for c in commended) and any(c.unit_id for c in commended)


def test_pressure_passes_one_level_at_a_time_from_september(full_demo):
    """No 督办 without an earlier 催办, no 问责 without an earlier 督办, 催办单 issued, September
    deadlines supervised in September, and no 督办 addressed to the item's owner."""
    out = full_demo[0]
    from storage.models import Document, Escalation, ProblemItem

    with _uow(out) as uow:
        rows = uow.session.execute(select(Escalation.item_id, Escalation.cycle, Escalation.level, Escalation.on_date,
                                          Escalation.addressee_id, Escalation.automatic)).all()
        owners = dict(uow.session.execute(select(ProblemItem.id, ProblemItem.owner_id)).all())
        sheets = uow.session.scalar(select(func.count()).select_from(Document)
                                    .where(Document.kind == "reminder_sheet"))
    first = {}
    for item_id, cycle, level, on_date, _, _ in rows:
        key = (item_id, cycle, level)
        first[key] = min(first.get(key, on_date), on_date)
    for item_id, cycle, level, on_date, addressee, automatic in rows:
        if level == "督办" and automatic:
            assert first.get((item_id, cycle, "催办"), on_date) < on_date, (item_id, cycle)
            assert (item_id, cycle, "催办") in first
        if level == "问责":
            supervised = [first.get((item_id, cycle, lvl)) for lvl in ("督办", "挂牌督办")]
            assert any(day is not None and day < on_date for day in supervised), (item_id, cycle)
        if level in ("督办", "问责"):
            assert addressee != owners[item_id], (item_id, level)
    assert sheets > 0 and sheets == sum(1 for row in rows if row.level == "催办")
    september = [row for row in rows if row.on_date.month == 9]
    assert {row.level for row in september} >= {"催办", "督办"}


def test_documents_are_issued_numbered_and_filed(full_demo):
    out, result = full_demo[:2]
    from duban.services.documents import verify_file
    from storage.models import Document

    published = out / "publication"  # the office's one release: 公示, 整改公开栏, site, 电子显示屏
    assert list(published.glob("publicity-LZJ2015-*.pdf")) and list(published.glob("bulletin-LZJ2015-*.pdf"))
    assert (published / "index.html").is_file() and list(published.glob("screen-LZJ2015-*.txt"))
    with _uow(out) as uow:
        docs = uow.session.scalars(select(Document).order_by(Document.id)).all()
        assert {"supervision_sheet", "rectification_notice", "admonition_notice", "written_check_notice",
                "circulated_criticism", "efficiency_advice", "decision"} <= {doc.kind for doc in docs}
        # the 总结 (summary.pdf) is registered after it counted the documents
        assert docs[-1].kind == "campaign_report" and docs[-1].path == "summary.pdf"
        assert result["summary"]["documents"]["total"] == len(docs) - 1
        for doc in docs:
            assert (out / doc.path).is_file(), doc.path
        for doc in docs[::15]:
            assert verify_file(uow, out / doc.path)["genuine"]


def test_audit_chain_of_the_demo_database_verifies(full_demo):
    out = full_demo[0]
    result = run_duban("--db", f"sqlite:///{out / 'duban.sqlite'}", "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "审计链完好" in result.stdout


def test_ledger_has_one_row_per_item(full_demo):
    out, result = full_demo[:2]
    from openpyxl import load_workbook

    book = load_workbook(out / "ledger.xlsx", read_only=True)
    rows = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
    book.close()
    assert len(rows) == result["summary"]["items"]["total"]
    assert len({row[0] for row in rows}) == len(rows)


def test_refuses_non_empty_folder_force_keeps_foreign_files_and_same_seed_repeats(cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    refused = cli("demo", "--out", out, *TINY)
    assert refused.code == 2 and "不是空目录" in refused.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    first = cli("demo", "--out", out, *TINY, "--force", json=True)
    assert first.code == 0, first
    assert first.json()["failures"] == []  # e.g. no scripted measure below a repeat offender's minimum
    summary, sheet = (out / "summary.json").read_bytes(), (out / "org.csv").read_bytes()
    again = cli("demo", "--out", out, *TINY, "--force", json=True)
    assert again.code == 0, again
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    # A fresh database (the old one was removed, not added to), and the same seed gives the
    # same campaign: summary and generated bureau byte for byte equal.
    assert (out / "summary.json").read_bytes() == summary
    assert (out / "org.csv").read_bytes() == sheet
    assert again.json()["summary"] == json.loads(summary)


def test_other_seed_gives_other_bureau():
    import random

    from duban.demo.bureau import generate_bureau

    one = generate_bureau(random.Random(1), units=5, cadres=40)
    two = generate_bureau(random.Random(2), units=5, cadres=40)
    assert [p.name for p in one.persons] != [p.name for p in two.persons]
    assert len({p.login for p in one.persons}) == len({p.name for p in one.persons}) == 40
    again = generate_bureau(random.Random(1), units=5, cadres=40)
    assert [(p.login, p.name, p.unit, p.title, p.roles) for p in again.persons] == \
        [(p.login, p.name, p.unit, p.title, p.roles) for p in one.persons]


def test_bad_options_are_refused(cli, tmp_path):
    result = cli("demo", "--out", tmp_path / "x", "--units", "40")
    assert result.code == 2 and "单位数" in result.stderr
    result = cli("demo", "--out", tmp_path / "x", "--units", "10", "--cadres", "30")
    assert result.code == 2 and "至少需要" in result.stderr
    assert not (tmp_path / "x").exists()


def test_demo_previews_one_document_of_each_kind_as_png_pages(full_demo):
    out, result = full_demo[:2]
    from PIL import Image

    from duban.documents import KINDS
    from storage.models import Document
    try:
        from pdfcheck import read_pdf
    except ImportError:
        from tests.pdfcheck import read_pdf

    with _uow(out) as uow:
        kinds = set(uow.session.scalars(select(Document.kind)))
    previews = {p["name"]: p for p in result["previews"]}
    assert set(previews) == {KINDS[kind].name for kind in kinds | {"ledger", "publicity", "bulletin"}}
    folder = out / "预览"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        png.split("/")[-1] for p in previews.values() for png in p["pngs"])
    for name, preview in previews.items():
        pages = read_pdf((out / preview["pdf"]).read_bytes()).pages
        assert preview["pages"] == len(pages) and len(preview["pngs"]) == len(pages), name
        for page, png in zip(pages, preview["pngs"]):
            with Image.open(out / png) as image:
                gray = image.convert("L")
                inked = sum(gray.histogram()[:200]) / (gray.width * gray.height)
            # the page as printed: text shows; the blank page GB/T 9704 puts before a 版记 stays blank
            assert (inked > 0.001) == bool(page["text"].strip()), png
