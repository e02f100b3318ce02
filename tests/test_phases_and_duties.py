"""Phases gate actions; every plan duty code does something on a working day of its phase."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.conftest import dump

D = dt.date


def _factory(db_url):
    from storage.uow import UnitOfWork

    return lambda: UnitOfWork(db_url)


def _reminders(db_url, kind: str) -> list:
    from storage.models import Reminder

    with _factory(db_url)() as uow:
        return [(r.key, r.on_date, r.text) for r in uow.session.scalars(
            select(Reminder).where(Reminder.kind == kind).order_by(Reminder.key))]


def _run_day(db_url, day: dt.date) -> dict:
    from duban.services.tick import run_day

    return run_day(_factory(db_url), "system", "LZJ2015", day, ledger_pdf=False)


# --- the registry ------------------------------------------------------------------


def test_every_plan_duty_code_is_implemented_and_nothing_else():
    from duban.plan.phases import DutyCode
    from duban.services.duties import REGISTRY, _load_duty_modules

    _load_duty_modules()
    assert set(REGISTRY) == {code.value for code in DutyCode}


def test_a_plan_naming_an_unknown_duty_is_bad_input(cli, tmp_path):
    from tests.conftest import PLAN

    text = PLAN.read_text(encoding="utf-8").replace("- code: mechanisms", "- code: make_tea", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert cli("--db", url, "init").code == 0
    r = cli("--db", url, "campaign", "load", str(bad))
    assert r.code == 2, r
    assert "make_tea" in r.stderr or "duties" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


# --- one test per duty code the tick reminds for (study: tests/test_study.py) ----------------


def test_collect_opinions_reminds_only_units_without_an_opinion_yet(campaign_db):
    from duban.services.items import add_item

    with _factory(campaign_db)() as uow:
        add_item(uow, "zhao", campaign=None, unit="JGC", title="审批环节多", source="座谈会", today=D(2015, 9, 1))
    result = _run_day(campaign_db, D(2015, 9, 1))["results"]["collect_opinions"]
    keys = [key for key, *_ in _reminders(campaign_db, "collect_opinions")]
    assert result["sent"] == len(keys) > 0
    assert not any(":JGC:" in key for key in keys) and any(":ZJZ:" in key for key in keys)
    assert all("座谈会、走访群众、问卷调查、征求意见表" in text for *_k, text in _reminders(campaign_db, "collect_opinions"))


def test_collect_opinions_asks_the_unit_kinds_the_plan_names(campaign_db):
    from storage.models import Campaign, OrgUnit

    with _factory(campaign_db)() as uow:
        uow.session.add(OrgUnit(code="LDBZ", name="局领导班子", kind="领导班子"))
        uow.commit()
    _run_day(campaign_db, D(2015, 9, 1))
    keys = [key for key, *_ in _reminders(campaign_db, "collect_opinions")]
    assert any(":ZJZ:" in key for key in keys) and not any(":LDBZ:" in key for key in keys)  # unit_kinds: 处室、局属单位
    with _factory(campaign_db)() as uow:  # a plan that names no unit kinds asks every unit
        camp = uow.session.scalar(select(Campaign))
        plan = camp.plan
        for phase in plan["phases"]:
            for duty in phase["duties"]:
                duty.pop("unit_kinds", None)
        camp.plan = {**plan}
        for phase in camp.phases:
            phase.duties = [{k: v for k, v in d.items() if k != "unit_kinds"} for d in phase.duties]
        uow.commit()
    _run_day(campaign_db, D(2015, 9, 7))
    keys = [key for key, *_ in _reminders(campaign_db, "collect_opinions")]
    assert any(":LDBZ:2015-W37" in key for key in keys)


def test_reports_remind_the_office_of_reports_not_assigned_after_a_working_day(campaign_db):
    from duban.services.items import add_item

    with _factory(campaign_db)() as uow:
        no = add_item(uow, "zhao", campaign=None, unit="ZJZ", title="来电人张三13800000000反映投诉无人答复",
                      source="举报电话", today=D(2015, 10, 8))["no"]
    assert _run_day(campaign_db, D(2015, 10, 8))["results"]["reports"]["sent"] == 0  # same day: not late yet
    assert _run_day(campaign_db, D(2015, 10, 9))["results"]["reports"]["sent"] == 1
    [(key, _day, text)] = _reminders(campaign_db, "reports")
    assert no in text and "举报电话" in text
    assert "张三" not in text and "138" not in text  # nothing the reporter said
    assert _run_day(campaign_db, D(2015, 10, 12))["results"]["reports"]["sent"] == 0  # once per report


def test_reports_duty_reminds_of_untriaged_reports_and_escalates_them_past_their_deadline(campaign_db):
    from duban.services.tips import receive_report
    from storage.models import Event

    with _factory(campaign_db)() as uow:
        no = receive_report(uow, "zhao", channel="举报信箱", content="某科长上班时间打牌，电话13800000000",
                            today=D(2015, 10, 8))["no"]
    assert _run_day(campaign_db, D(2015, 10, 8))["results"]["reports"]["sent"] == 0  # same day: not late yet
    assert _run_day(campaign_db, D(2015, 10, 9))["results"]["reports"]["sent"] == 1
    [(_key, _day, text)] = _reminders(campaign_db, "reports")
    assert no in text and "举报信箱" in text and "打牌" not in text and "138" not in text
    from duban.services.reminders import list_reminders

    with _factory(campaign_db)() as uow:  # that a report came in is the office's to know
        assert [r for r in list_reminders(uow, "sun", kind="reports")] == []
        assert len(list_reminders(uow, "zhao", kind="reports")) == 1
    assert _run_day(campaign_db, D(2015, 10, 21))["results"]["reports"]["escalated"] == []  # due 10-21
    assert _run_day(campaign_db, D(2015, 10, 22))["results"]["reports"]["escalated"] == [no]
    assert _run_day(campaign_db, D(2015, 10, 26))["results"]["reports"]["escalated"] == []  # once
    with _factory(campaign_db)() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Event)
                                  .where(Event.trigger == "report_overdue")) == 1


def test_mechanisms_duty_reminds_what_is_due_in_the_consolidation_phase(campaign_db):
    result = _run_day(campaign_db, D(2015, 11, 2))
    assert result["duties"]["mechanisms"] == "done"
    sent = _reminders(campaign_db, "mechanism")  # duban.services.mechanisms: unregistered plan mechanisms
    assert result["results"]["mechanisms"]["sent"] == len(sent) > 0
    assert "mechanisms" not in _run_day(campaign_db, D(2015, 10, 8))["duties"]


# --- phase gating ---------------------------------------------------------------------


def test_hotline_report_before_the_plan_opens_it_is_refused_and_writes_nothing(cli, campaign_db):
    before = dump(campaign_db)
    r = cli("item", "add", "--unit", "ZJZ", "--title", "来电反映", "--source", "举报电话", db=campaign_db,
            as_user="zhao", today="2015-09-10")
    assert r.code == 3, r
    assert "动员学习、查摆问题" in r.stderr and "举报电话" in r.stderr and "集中整改、从严问责" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert dump(campaign_db) == before
    ok = cli("item", "add", "--unit", "ZJZ", "--title", "来电反映", "--source", "举报电话", db=campaign_db,
             as_user="zhao", today="2015-10-08")
    assert ok.code == 0, ok


def test_a_report_received_before_the_plan_opens_its_channel_is_refused_and_writes_nothing(cli, campaign_db):
    tip = ("tip", "add", "--channel", "举报电话", "--content", "窗口人员上班时间离岗")
    before = dump(campaign_db)
    r = cli(*tip, db=campaign_db, as_user="zhao", today="2015-09-10")
    assert r.code == 3 and "举报电话" in r.stderr and "集中整改、从严问责" in r.stderr, r
    assert "离岗" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert dump(campaign_db) == before
    assert cli(*tip, db=campaign_db, as_user="zhao", today="2015-10-08").code == 0
    # a report dated back into September is refused too, unless the office opens the channel with a reason
    late = (*tip, "--received", "2015-09-28")
    assert cli(*late, db=campaign_db, as_user="zhao", today="2015-10-08").code == 3
    assert cli("phase", "override", "--source", "举报电话", "--from", "2015-09-28", "--until", "2015-09-28",
               "--reason", "节前来电补登", db=campaign_db, as_user="zhao", today="2015-10-08").code == 0
    assert cli(*late, db=campaign_db, as_user="zhao", today="2015-10-08").code == 0


@pytest.mark.parametrize("day, word", [("2015-08-31", "尚未开始"), ("2015-12-01", "已经结束")])
def test_registering_outside_the_campaign_is_refused(cli, campaign_db, day, word):
    r = cli("item", "add", "--unit", "ZJZ", "--title", "工作拖拉", db=campaign_db, as_user="zhao", today=day)
    assert r.code == 3 and word in r.stderr, r


def test_the_office_can_open_a_source_for_some_days_with_a_reason(cli, campaign_db):
    add = ("item", "add", "--unit", "ZJZ", "--title", "补报问题清单")
    assert cli(*add, db=campaign_db, as_user="zhao", today="2015-10-08").code == 3  # 自查 closed in October
    refused = cli("phase", "override", "--source", "自查", "--until", "2015-10-09", "--reason", "补报",
                  db=campaign_db, as_user="feng", today="2015-10-08")
    assert refused.code == 3, refused  # a unit head may not open a phase
    r = cli("phase", "override", "--source", "自查", "--until", "2015-10-09", "--reason", "国庆后补报清单",
            db=campaign_db, as_user="zhao", today="2015-10-08", json=True)
    assert r.code == 0, r
    assert r.json()["source"] == "self_check" and r.json()["until"] == "2015-10-09"
    assert cli(*add, db=campaign_db, as_user="zhao", today="2015-10-08").code == 0
    assert cli(*add, db=campaign_db, as_user="zhao", today="2015-10-09").code == 0
    assert cli(*add, db=campaign_db, as_user="zhao", today="2015-10-12").code == 3  # the window has closed
    listed = cli("phase", "list", db=campaign_db, as_user="zhao", json=True).json()
    assert [o["reason"] for o in listed["overrides"]] == ["国庆后补报清单"]
    assert cli("audit", "verify", db=campaign_db, as_user="zhao").code == 0


@pytest.mark.parametrize("command, closed_day, open_day, phase_open", [
    (("satisfaction", "record", "--unit", "JGC", "--method", "电话抽查", "--responses", "40", "--satisfied", "30"),
     "2015-10-12", "2015-11-05", "巩固提升、建章立制"),
    (("study", "add", "--unit", "JGC", "--form", "党组会", "--topic", "2"), "2015-10-12", "2015-09-10",
     "动员学习、查摆问题"),
    (("opinion", "add", "--source", "座谈会", "--text", "窗口办事拖拉", "--respondent", "服务对象", "--unit", "JGC"),
     "2015-10-12", "2015-09-10", "动员学习、查摆问题"),
], ids=["satisfaction", "study", "opinion"])
def test_duty_actions_outside_their_phase_are_refused_and_write_nothing(cli, campaign_db, command, closed_day,
                                                                        open_day, phase_open):
    before = dump(campaign_db)
    r = cli(*command, db=campaign_db, as_user="zhao", today=closed_day)
    assert r.code == 3, r
    assert "集中整改、从严问责" in r.stderr and phase_open in r.stderr and "phase override" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert dump(campaign_db) == before
    assert cli(*command, db=campaign_db, as_user="zhao", today=open_day).code == 0


def test_a_study_session_dated_back_into_its_phase_is_accepted_after_the_phase(cli, campaign_db):
    # recorded late, held in September: the session's date is what the phase gates
    held = ("study", "add", "--unit", "JGC", "--form", "党组会", "--topic", "1", "--date")
    assert cli(*held, "2015-09-29", db=campaign_db, as_user="zhao", today="2015-10-08").code == 0
    assert cli(*held, "2015-10-08", db=campaign_db, as_user="zhao", today="2015-10-08").code == 3
