"""duban demo: the reference campaign end to end, reproducible, audit-clean."""

from __future__ import annotations

import json
import os
import time

import pytest
from sqlalchemy import func, select

from tests.conftest import run_duban

SMALL = {"seed": 7, "units": 6, "cadres": 50}
LADDER = ("criticism_education", "admonition_talk", "circulated_criticism", "written_self_criticism",
          "efficiency_supervision_advice", "public_self_criticism", "public_apology",
          "suspension_for_inspection", "organizational_handling", "disciplinary_sanction")


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    from duban.demo.simulation import run_demo

    out = tmp_path_factory.mktemp("demo") / "out"
    result = run_demo(out, **SMALL)
    return out, result


def _uow(out):
    from storage.uow import UnitOfWork

    return UnitOfWork(f"sqlite:///{out / 'duban.sqlite'}")


def test_demo_leaves_database_documents_ledger_and_summary(small_demo):
    out, result = small_demo
    assert result["failures"] == []
    for name in ("duban.sqlite", "org.csv", "ledger.xlsx", "summary.md", "summary.json"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary == result["summary"]
    assert summary["campaign"] == {"code": "LZJ2015", "name": "兰州市建设局“庸懒散软”专项整治",
                                   "start": "2015-09-01", "end": "2015-11-30", "as_of": "2015-11-30"}
    assert summary["bureau"] == {"units": 7, "persons": 50}  # 6 units and the 局领导班子
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    assert "问责处理（按措施）" in markdown and "满意度测评" in markdown


def test_documents_are_issued_numbered_and_filed(small_demo):
    out, result = small_demo
    from duban.services.documents import verify_file
    from storage.models import Document

    assert (out / "ledger.pdf").read_bytes().startswith(b"%PDF")
    assert list((out / "documents" / "publicity").glob("publicity-LZJ2015-*.pdf"))
    with _uow(out) as uow:
        docs = uow.session.scalars(select(Document).order_by(Document.id)).all()
        kinds = {doc.kind for doc in docs}
        assert {"supervision_sheet", "rectification_notice", "admonition_notice", "written_check_notice",
                "circulated_criticism", "efficiency_advice", "decision"} <= kinds
        assert result["summary"]["documents"]["total"] == len(docs)
        for doc in docs:
            assert (out / doc.path).is_file(), doc.path
        for doc in docs[::10]:
            assert verify_file(uow, out / doc.path)["genuine"]


def test_every_person_filed_a_problem_list_and_reminders_fired(small_demo):
    out, _ = small_demo
    from storage.models import Person, ProblemItem, Reminder

    with _uow(out) as uow:
        people = uow.session.scalar(select(func.count()).select_from(Person).where(Person.login != "system"))
        owners = uow.session.scalar(select(func.count(func.distinct(ProblemItem.owner_id)))
                                    .where(ProblemItem.source == "自查"))
        reminders = uow.session.scalar(select(func.count()).select_from(Reminder)
                                       .where(Reminder.kind == "problem_list"))
    assert owners == people
    assert reminders > people  # everyone in the first week, the late ones again later


def test_campaign_covers_sources_escalations_deadlines_recheck_and_satisfaction(small_demo):
    _, result = small_demo
    summary = result["summary"]
    sources = summary["items"]["by_source"]
    for source in ("自查", "座谈会", "走访群众", "问卷调查", "征求意见表", "暗访抽查", "作风纪律检查",
                   "举报电话", "举报信箱"):
        assert sources[source] > 0, source
    assert all(summary["items"]["by_category"][c] > 0 for c in "庸懒散软")
    assert all(summary["escalations"][level] > 0 for level in ("催办", "督办", "问责"))
    changes = summary["deadline_changes"]
    assert changes["延期批准"] > 0 and changes["延期未批准"] > 0 and changes["挂起"] >= 1
    assert summary["recheck"]["passed"] > 0 and summary["recheck"]["relapses"] > 0
    rounds = summary["satisfaction"]
    assert rounds and all(r["published"] for r in rounds)
    assert any(not r["passed"] for r in rounds)
    assert summary["draws"]["随机暗访抽查"] > 0 and summary["draws"]["回头看"] > 0


def test_every_rung_of_the_ladder_is_in_the_database(small_demo):
    out, _ = small_demo
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


def test_audit_chain_of_the_demo_database_verifies(small_demo):
    out, _ = small_demo
    result = run_duban("--db", f"sqlite:///{out / 'duban.sqlite'}", "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "审计链完好" in result.stdout


def test_ledger_has_one_row_per_item(small_demo):
    out, result = small_demo
    from openpyxl import load_workbook

    sheet = load_workbook(out / "ledger.xlsx", read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == result["summary"]["items"]["total"]
    assert len({row[0] for row in rows}) == len(rows)


def test_other_seed_gives_other_bureau(tmp_path):
    import random

    from duban.demo.bureau import generate_bureau

    one = generate_bureau(random.Random(1), units=5, cadres=40)
    two = generate_bureau(random.Random(2), units=5, cadres=40)
    assert [p.name for p in one.persons] != [p.name for p in two.persons]
    assert len({p.login for p in one.persons}) == 40


def test_refuses_non_empty_folder_force_keeps_foreign_files_and_same_seed_repeats(small_demo, cli, tmp_path):
    import shutil

    earlier, _ = small_demo
    out = tmp_path / "out"
    shutil.copytree(earlier, out)  # an earlier demo's files …
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # … and one of the user's
    options = ("--seed", SMALL["seed"], "--units", SMALL["units"], "--cadres", SMALL["cadres"])
    refused = cli("demo", "--out", out, *options)
    assert refused.code == 2 and "不是空目录" in refused.stderr
    assert (out / "summary.json").read_bytes() == (earlier / "summary.json").read_bytes()
    again = cli("demo", "--out", out, *options, "--force", json=True)
    assert again.code == 0, again
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    # A fresh database (the old one was removed, not added to), and the same seed gives the
    # same campaign: summary and generated bureau byte for byte equal.
    assert (out / "summary.json").read_bytes() == (earlier / "summary.json").read_bytes()
    assert (out / "org.csv").read_bytes() == (earlier / "org.csv").read_bytes()
    assert again.json()["summary"] == json.loads((earlier / "summary.json").read_text(encoding="utf-8"))


def test_bad_options_are_refused(cli, tmp_path):
    result = cli("demo", "--out", tmp_path / "x", "--units", "40")
    assert result.code == 2 and "单位数" in result.stderr


@pytest.mark.skipif(os.environ.get("DUBAN_FULL_DEMO") != "1",
                    reason="the full demo takes minutes; DUBAN_FULL_DEMO=1 runs it (bench/campaign_bench.py times it)")
def test_full_demo_through_the_command_line(tmp_path):
    out = tmp_path / "demo-out"
    started = time.perf_counter()
    result = run_duban("demo", "--out", out, timeout=600)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["bureau"]["persons"] == 200 and summary["bureau"]["units"] == 16
    assert summary["items"]["total"] > 300
    assert all(n > 0 for n in summary["cases"]["by_measure"].values())
    assert "专项整治 2015-11-30（91/91）" in result.stderr  # progress, one line a week when not a terminal
    assert "问责处理（按措施）" in result.stdout
    assert elapsed < 300, f"full demo took {elapsed:.0f} s"
