"""组织集中学习: sessions with the plan's forms and topics, attendance per person and unit,
the study duty's reminders in the tick, and audit verify covering the new rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from tests.conftest import ROOT, dump
from storage.db import get_engine

SECOND_PLAN = ROOT / "tests" / "data" / "plans" / "style-review-2017.yaml"


def _add(cli, db, *args, as_user="zhao", today="2015-09-10"):
    return cli("study", "add", *args, db=db, as_user=as_user, json=True, today=today)


def test_session_with_plan_form_and_topic_counts_attendance_per_person_and_unit(campaign_db, cli):
    r = _add(cli, campaign_db, "--unit", "JGC", "--form", "党组会", "--topic", "2", "--absent", "wu:出差",
             "--date", "2015-09-09", as_user="qian")
    assert r.code == 0, r
    session = r.json()
    assert session["topic"] == "党的十八大和十八届三中、四中全会精神"  # topic by its number in the plan
    assert session["expected"] == 5 and session["attended"] == 4  # JGC and ZJZ below it
    assert session["absent"] == [{"login": "wu", "name": "吴刚", "reason": "出差"}]
    assert _add(cli, campaign_db, "--unit", "BGS", "--form", "自学", "--topic", "《党章》",
                "--attendee", "wang", "--attendee", "li").code == 0

    listed = cli("study", "list", "--unit", "JGC", db=campaign_db, as_user="wu", json=True).json()
    assert [s["no"] for s in listed] == [1]
    report = cli("study", "attendance", db=campaign_db, as_user="wu", json=True).json()
    persons = {p["login"]: p for p in report["persons"]}
    assert persons["wu"]["expected"] == 1 and persons["wu"]["attended"] == 0
    assert persons["wu"]["missed"][0]["reason"] == "出差"
    assert persons["wang"]["rate"] == 1.0 and "zhou" not in persons  # zhou was not expected at BGS's session
    units = {u["unit_code"]: u for u in report["units"]}
    assert units["JGC"]["sessions"] == 1 and units["JGC"]["absences"] == 1
    assert units["BGS"]["topics_covered"] == ["《党章》"] and len(units["BGS"]["topics_missing"]) == 5
    assert units["JCS"]["sessions"] == 0 and units["JCS"]["rate"] is None
    human = cli("study", "attendance", "--person", "吴刚", db=campaign_db, as_user="wu")
    assert human.code == 0 and "吴刚" in human.stdout and "2015-09-09" in human.stdout
    assert cli("audit", "verify", db=campaign_db).code == 0


def test_refusals_change_nothing(campaign_db, cli):
    before = dump(campaign_db)
    bad_form = _add(cli, campaign_db, "--unit", "BGS", "--form", "读书会", "--topic", "1")
    assert bad_form.code == 2 and "党组会、中心组会议、支部党员干部会议、自学" in bad_form.stderr
    assert _add(cli, campaign_db, "--unit", "BGS", "--form", "自学", "--topic", "7").code == 2
    assert _add(cli, campaign_db, "--unit", "BGS", "--form", "自学", "--topic", "1",
                "--date", "2015-09-11").code == 2  # not held yet
    assert _add(cli, campaign_db, "--unit", "BGS", "--form", "自学", "--topic", "1", as_user="sun").code == 3
    assert _add(cli, campaign_db, "--unit", "BGS", "--form", "自学", "--topic", "1", "--attendee", "wang",
                "--absent", "wang").code == 2
    assert dump(campaign_db) == before


def test_tick_reminds_units_without_sessions_and_absentees_once(campaign_db, cli):
    from duban.services.tick import run_tick
    from storage.uow import UnitOfWork

    assert _add(cli, campaign_db, "--unit", "JGC", "--form", "党组会", "--topic", "1", "--absent", "wu",
                "--date", "2015-09-07", as_user="qian").code == 0
    run_tick(lambda: UnitOfWork(campaign_db), "system", through=dt.date(2015, 9, 18))
    reminders = cli("reminder", "list", db=campaign_db, as_user="zhao", json=True).json()
    absences = [r for r in reminders if r["kind"] == "study_absence"]
    assert [(r["person"], r["date"]) for r in absences] == [("wu", "2015-09-07")]
    # JGC was reminded in the first week, before its session on 09-07, and not after it
    jgc = [r for r in reminders if r["kind"] == "study" and r["text"].startswith("建设管理处")]
    assert [r["date"] for r in jgc] == ["2015-09-01"]
    jcs = [r for r in reminders if r["kind"] == "study" and r["text"].startswith("监察室")]
    assert [r["date"] for r in jcs] == ["2015-09-01", "2015-09-07", "2015-09-14"]  # once per ISO week
    # October's phase has no study duty: no study reminder after September
    run_tick(lambda: UnitOfWork(campaign_db), "system", through=dt.date(2015, 10, 16))
    later = cli("reminder", "list", "--kind", "集中学习提醒", db=campaign_db, as_user="zhao", json=True).json()
    assert max(r["date"] for r in later) < "2015-10-01"


def test_audit_verify_finds_an_attendance_row_changed_behind_duban(campaign_db, cli):
    assert _add(cli, campaign_db, "--unit", "JGC", "--form", "党组会", "--topic", "1", "--absent", "wu",
                as_user="qian").code == 0
    with get_engine(campaign_db).begin() as conn:
        conn.execute(text("UPDATE study_attendance SET present = :yes WHERE present = :no"), {"yes": True, "no": False})
    r = cli("audit", "verify", db=campaign_db)
    assert r.code == 3 and "study_sessions" in r.stdout + r.stderr


def test_another_bodys_plan_brings_its_own_forms_and_topics(db_url, files_dir, tmp_path, cli, monkeypatch):
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.uow import UnitOfWork

    monkeypatch.setenv("DUBAN_TODAY", "2017-06-07")
    org = tmp_path / "organs.csv"
    rows = ["类型,编码,名称,所属单位,单位类别,民生,职务,角色", "单位,ZFB,县作风办,,其他,否,,", "人员,he,何平,ZFB,,,主任,办公室"]
    for n in range(1, 21):
        rows += [f"单位,O{n:02d},县第{n}局,,其他,否,,", f"人员,h{n:02d},局长{n},O{n:02d},,,局长,负责人",
                 f"人员,c{n:02d},干部{n},O{n:02d},,,科员,党员干部"]
    org.write_text("\n".join(rows) + "\n", encoding="utf-8")
    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", SECOND_PLAN)
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", org)
    wrong = cli("study", "add", "--unit", "O01", "--form", "党组会", "--topic", "1", db=db_url, as_user="h01")
    assert wrong.code == 2 and "机关干部大会、科室学习会、个人自学" in wrong.stderr
    r = cli("study", "add", "--unit", "O01", "--form", "科室学习会", "--topic", "县委作风建设文件",
            "--absent", "c01", "--date", "2017-06-05", db=db_url, as_user="h01", json=True)
    assert r.code == 0, r
    report = cli("study", "attendance", "--unit", "O01", db=db_url, as_user="he", json=True).json()
    assert report["topics"] == ["中央八项规定精神", "县委作风建设文件"]
    assert report["units"][0]["topics_missing"] == ["中央八项规定精神"]
    from duban.services.tick import run_tick

    run_tick(lambda: UnitOfWork(db_url), "system", through=dt.date(2017, 6, 7))
    reminded = cli("reminder", "list", "--kind", "study", db=db_url, as_user="he", json=True).json()
    assert len(reminded) == 20 and not any(r["text"].startswith("县第1局") for r in reminded)  # O01 held one
    assert any(r["person"] == "c01" for r in cli("reminder", "list", "--kind", "study_absence", db=db_url,
                                                  as_user="he", json=True).json())
