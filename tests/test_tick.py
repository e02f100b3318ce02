"""The daily tick: each duty once per day, days in order, duties read from the phases in the DB."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import yaml
from sqlalchemy import select

from tests.conftest import PLAN, dump

D = dt.date


def _factory(db_url):
    from storage.uow import UnitOfWork

    return lambda: UnitOfWork(db_url)


def _tick(db_url, through: dt.date, progress=None) -> dict:
    from duban.services.tick import run_tick

    return run_tick(_factory(db_url), "system", through=through, progress=progress)


def _duty_runs(db_url) -> list[tuple[int, dt.date, str]]:
    from storage.models import DutyRun

    with _factory(db_url)() as uow:
        return [tuple(r) for r in uow.session.execute(
            select(DutyRun.id, DutyRun.business_date, DutyRun.duty).order_by(DutyRun.id))]


def _assigned_item(db_url, title: str, due: dt.date) -> str:
    from duban.services.items import add_item

    with _factory(db_url)() as uow:
        return add_item(uow, "zhao", campaign=None, unit="JGC", title=title, person="wu", due=due,
                        today=D(2015, 9, 10))["no"]


def test_second_tick_for_the_same_day_changes_nothing(campaign_db):
    late = _assigned_item(campaign_db, "审批拖拉", D(2015, 9, 25))
    first = _tick(campaign_db, D(2015, 10, 12))
    assert first["days_processed"] == 42  # 2015-09-01 … 2015-10-12
    assert late in first["new_red"]
    before = dump(campaign_db)
    second = _tick(campaign_db, D(2015, 10, 12))
    assert dump(campaign_db) == before
    assert second["days_processed"] == 0 and second["new_red"] == []


def test_rerunning_a_processed_day_changes_nothing(campaign_db):
    from duban.services.tick import run_day

    _assigned_item(campaign_db, "审批拖拉", D(2015, 9, 25))
    _tick(campaign_db, D(2015, 10, 9))
    before = dump(campaign_db)
    again = run_day(_factory(campaign_db), "system", "LZJ2015", D(2015, 10, 9))
    assert set(again["duties"].values()) == {"already_done"}
    assert dump(campaign_db) == before


def test_catch_up_processes_each_missed_day_once_in_order(campaign_db):
    _tick(campaign_db, D(2015, 9, 3))
    seen = []
    result = _tick(campaign_db, D(2015, 9, 8), progress=lambda done, total, day: seen.append((done, total, day)))
    missed = [D(2015, 9, day) for day in range(4, 9)]
    assert [d["date"] for d in result["days"]] == [d.isoformat() for d in missed]
    assert seen == [(n, 5, day) for n, day in enumerate(missed, start=1)]

    runs = _duty_runs(campaign_db)
    closed = [day for _id, day, duty in runs if duty == "day"]
    assert closed == [D(2015, 9, 1) + dt.timedelta(days=n) for n in range(8)]  # in order, each once
    dates_in_id_order = [day for _id, day, _duty in runs]
    assert dates_in_id_order == sorted(dates_in_id_order)  # every duty row of a day before the next day's
    assert len(runs) == len({(day, duty) for _id, day, duty in runs})
    # 09-05 is a Saturday: only working days send problem-list reminders (09-06 is a 调休 working day).
    reminders = sorted(day for _id, day, duty in runs if duty == "problem_lists")
    assert D(2015, 9, 5) not in reminders and D(2015, 9, 6) in reminders


def test_problem_list_reminders_once_per_week_until_a_list_is_submitted(campaign_db):
    from storage.models import Reminder, ProblemList

    _tick(campaign_db, D(2015, 9, 10))
    with _factory(campaign_db)() as uow:
        keys = set(uow.session.scalars(select(Reminder.key).where(Reminder.kind == "problem_list")))
    # leaders, the office's staff, unit heads and cadres; not system
    people = {"chen", "feng", "li", "qian", "sun", "wang", "wu", "zhao", "zheng", "zhou"}
    assert keys == {f"problem-list:LZJ2015:{p}:{week}" for p in people for week in ("2015-W36", "2015-W37")}

    _assigned_item(campaign_db, "本人问题", D(2015, 10, 20))  # owning an item is not filing a list
    with _factory(campaign_db)() as uow:  # zheng's list is submitted (as `duban problem-list import` does)
        zheng = uow.org.person("zheng")
        uow.session.add(ProblemList(campaign_id=uow.campaigns.only_or(None).id, person=zheng, unit=zheng.unit,
                                    level="", state="submitted", submitted_on=D(2015, 9, 11), version=1))
        uow.commit()
    _tick(campaign_db, D(2015, 9, 14))
    with _factory(campaign_db)() as uow:
        week38 = set(uow.session.scalars(select(Reminder.key).where(Reminder.key.like("problem-list:%2015-W38"))))
    assert week38 == {f"problem-list:LZJ2015:{p}:2015-W38" for p in people - {"zheng"}}


def test_duties_follow_the_calendar_and_the_phases(campaign_db):
    result = _tick(campaign_db, D(2015, 11, 30))
    by_date = {d["date"]: set(d["duties"]) for d in result["days"]}
    # The sweep runs in every phase (deadlines fall in September too).
    assert by_date["2015-09-01"] == {"phase_open", "study", "problem_lists", "sweep", "collect_opinions"}
    assert by_date["2015-09-07"] == {"study", "problem_lists", "sweep", "collect_opinions"}  # weekly: each Monday
    assert by_date["2015-09-30"] == {"study", "problem_lists", "sweep", "phase_close"}
    # National Day: no office work; the phase's draw secrets are committed as it opens.
    assert by_date["2015-10-01"] == {"draw_commit", "phase_open"}
    assert all(not by_date[f"2015-10-0{day}"] for day in range(2, 8))
    assert "sweep" in by_date["2015-10-10"]  # a Saturday, but a 调休 working day
    september = [duties for date, duties in by_date.items() if date.startswith("2015-09")]
    assert not any(duties & {"spot_check", "recheck", "satisfaction", "publish"} for duties in september)
    assert all("sweep" in duties for date, duties in by_date.items()
               if date.startswith("2015-09") and "problem_lists" in duties)  # every working day, every phase
    october = [duties for date, duties in by_date.items() if date.startswith("2015-10")]
    assert sum("spot_check" in duties for duties in october) == 4  # one per block of 5 working days
    assert not any("recheck" in duties or "satisfaction" in duties for duties in october)
    assert [date for date, duties in by_date.items() if "accountability" in duties] == ["2015-10-30", "2015-11-30"]
    assert [date for date, duties in by_date.items() if "publish" in duties][:3] == [
        "2015-10-10", "2015-10-16", "2015-10-23"]  # last working day of each week
    assert "recheck" in set().union(*[d for date, d in by_date.items() if date.startswith("2015-11")])
    assert result["days_processed"] == 91


def test_tick_follows_a_changed_plan_in_the_database(campaign_db, tmp_path):
    from duban.services.setup import load_campaign
    from storage.models import Draw, Reminder

    plan = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    mobilize = plan["phases"][0]
    mobilize["duties"] = [d for d in mobilize["duties"] if d["code"] != "problem_lists"] + [
        {"code": "spot_check", "name": "随机暗访抽查", "sample_size": 2, "frequency_working_days": 3}]
    changed = tmp_path / "plan.yaml"
    changed.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with _factory(campaign_db)() as uow:
        assert load_campaign(uow, "system", changed)["status"] == "updated"

    result = _tick(campaign_db, D(2015, 9, 30))
    with _factory(campaign_db)() as uow:
        draws = uow.session.execute(select(Draw.kind, Draw.sample_size).order_by(Draw.on_date)).all()
        reminders = uow.session.scalars(select(Reminder.key).where(Reminder.kind == "problem_list")).all()
    assert reminders == []  # problem_lists was removed from the phase
    assert len(draws) == 7 and set(draws) == {("spot_check", 2)}  # 21 working days in blocks of 3
    assert sum("spot_check" in d["duties"] for d in result["days"]) == len(draws)


def test_satisfaction_reminders_in_november_and_the_tick_publishes_nothing(campaign_db):
    from duban.services.satisfaction import record_round
    from storage.models import Event, Reminder, SatisfactionRound

    _tick(campaign_db, D(2015, 11, 2))
    with _factory(campaign_db)() as uow:
        keys = set(uow.session.scalars(select(Reminder.key).where(Reminder.kind == "satisfaction")))
        record_round(uow, "zhao", unit="ZJZ", method="问卷调查", responses=20, satisfied=19, today=D(2015, 11, 3))
    assert keys == {"satisfaction:LZJ2015:JGC:2015-W45", "satisfaction:LZJ2015:ZJZ:2015-W45"}
    result = _tick(campaign_db, D(2015, 11, 9))
    assert {d["date"]: d["duties"] for d in result["days"]}["2015-11-06"]["publish"] == "done"
    with _factory(campaign_db)() as uow:
        week46 = set(uow.session.scalars(select(Reminder.key).where(Reminder.key.like("satisfaction:%W46"))))
        published = uow.session.scalars(select(SatisfactionRound.published)).all()
        reminders = uow.session.scalars(select(Reminder.text).where(Reminder.kind == "publication")).all()
        triggers = set(uow.session.scalars(select(Event.trigger)))
    assert week46 == {"satisfaction:LZJ2015:JGC:2015-W46"}  # ZJZ has its round
    # Publishing is the office's decision: the week's end only reminds it of the round.
    assert published == [False]
    assert reminders and "满意度测评 1 轮尚未公开" in reminders[-1] and "工作办公室" in reminders[-1]
    assert not triggers & {"satisfaction_published", "publication_released", "publishable_set"}


def test_publish_writes_the_ledger(campaign_db, files_dir):
    _assigned_item(campaign_db, "审批拖拉", D(2015, 9, 25))
    result = _tick(campaign_db, D(2015, 10, 10))
    publish = result["days"][-1]["results"]["publish"]
    assert publish["status"] == "done" and publish["ledger"]["rows"] == 1
    folder = files_dir / "ledgers" / "LZJ2015" / "2015-10-10"  # the office's, not a publication
    assert publish["ledger"]["xlsx"] == str(folder / "ledger-LZJ2015-2015-10-10.xlsx")
    assert publish["ledger"]["pdf"] == str(folder / "ledger-LZJ2015-2015-10-10.pdf")
    assert (folder / "ledger-LZJ2015-2015-10-10.xlsx").is_file()
    assert (folder / "ledger-LZJ2015-2015-10-10.pdf").read_bytes().startswith(b"%PDF")


def test_concurrent_ticks_do_each_duty_once(campaign_db):
    _assigned_item(campaign_db, "审批拖拉", D(2015, 9, 25))
    errors = []

    def tick():
        try:
            _tick(campaign_db, D(2015, 10, 12))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    runs = _duty_runs(campaign_db)
    assert len(runs) == len({(day, duty) for _id, day, duty in runs})
    from storage.models import Escalation, Reminder

    with _factory(campaign_db)() as uow:
        assert len(uow.session.scalars(select(Escalation).where(Escalation.level == "督办")).all()) == 1
        keys = uow.session.scalars(select(Reminder.key)).all()
    assert len(keys) == len(set(keys))


def test_cli_tick(campaign_db, cli):
    result = cli("tick", "--through", "2015-09-02", db=campaign_db, json=True)
    assert result.code == 0, result
    assert [d["date"] for d in result.json()["days"]] == ["2015-09-01", "2015-09-02"]
    again = cli("tick", "--through", "2015-09-02", db=campaign_db)
    assert again.code == 0 and "均已处理" in again.stdout
    refused = cli("tick", db=campaign_db, as_user="wu", today="2015-09-03")
    assert refused.code == 3

    no = _assigned_item(campaign_db, "审批拖拉", D(2015, 9, 25))
    red = cli("tick", "--through", "2015-10-08", db=campaign_db, json=True)
    assert red.code == 0, red
    assert red.json()["new_red"] == [no]
    issued = red.json()["supervision_sheets"]["issued"]  # as the escalate flow would: 催办单 and 督办单
    assert sorted((d["item"], d["kind"]) for d in issued) == [(no, "reminder_sheet"), (no, "supervision_sheet")]


@pytest.mark.parametrize("through", [D(2015, 8, 31)])
def test_tick_before_the_campaign_does_nothing(campaign_db, through):
    before = dump(campaign_db)
    assert _tick(campaign_db, through)["days_processed"] == 0
    assert dump(campaign_db) == before


def test_a_refused_duty_is_recorded_and_the_tick_goes_on(campaign_db, tmp_path):
    from duban.services.setup import load_campaign

    plan = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    plan["accountability"].pop("unit_measure")  # no measure for units doing the campaign poorly
    changed = tmp_path / "plan.yaml"
    changed.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with _factory(campaign_db)() as uow:
        load_campaign(uow, "system", changed)
    result = _tick(campaign_db, D(2015, 11, 2))
    october_30 = {d["date"]: d for d in result["days"]}["2015-10-30"]
    assert october_30["results"]["accountability"]["status"] == "refused"
    assert "accountability.unit_measure" in october_30["results"]["accountability"]["message"]
    assert result["days"][-1]["date"] == "2015-11-02"
    assert (D(2015, 10, 30), "accountability") in {(day, duty) for _id, day, duty in _duty_runs(campaign_db)}


def test_tick_issues_every_owed_supervision_sheet_once(campaign_db, cli):
    from storage.models import Document, Escalation

    no = _assigned_item(campaign_db, "审批拖拉", D(2015, 9, 25))
    swept = cli("sweep", "--as-of", "2015-10-08", db=campaign_db, as_user="system", json=True)
    # A late manual sweep catches up: 催办 on 09-22, 督办 on 09-28 (no level skipped), no sheet yet.
    assert swept.code == 0 and swept.json()["counts"] == {"催办": 1, "督办": 1, "问责": 0}
    assert swept.json()["new_red"] == [no]
    first = cli("tick", "--through", "2015-10-08", db=campaign_db, json=True)
    assert first.code == 0, first
    assert first.json()["new_red"] == []  # the manual sweep did those days' sweeps
    assert [(d["item"], d["kind"]) for d in first.json()["supervision_sheets"]["issued"]] == [
        (no, "reminder_sheet"), (no, "supervision_sheet")]
    again = cli("tick", "--through", "2015-10-09", db=campaign_db, json=True)
    assert again.code == 0 and again.json()["supervision_sheets"]["issued"] == []
    with _factory(campaign_db)() as uow:
        sheets = uow.session.execute(select(Document.escalation_id, Document.issued_on)
                                     .order_by(Document.issued_on)).all()
        escalations = uow.session.execute(select(Escalation.id, Escalation.on_date).order_by(Escalation.on_date)).all()
    assert [tuple(s) for s in sheets] == [tuple(e) for e in escalations] == [
        (escalations[0][0], D(2015, 9, 22)), (escalations[1][0], D(2015, 9, 28))]


def test_a_refused_sheet_stays_owed_and_does_not_block_the_others(campaign_db, monkeypatch):
    from duban.errors import RuleViolation
    from duban.services import documents
    from duban.services.escalation import sweep
    from duban.services.tick import issue_supervision_sheets
    from storage.models import Escalation, ProblemItem

    first = _assigned_item(campaign_db, "审批拖拉", D(2015, 9, 25))
    second = _assigned_item(campaign_db, "推诿扯皮", D(2015, 9, 25))
    sweep(_factory(campaign_db), "system", as_of=D(2015, 10, 8))
    with _factory(campaign_db)() as uow:
        refused = uow.session.scalar(select(Escalation.id).join(ProblemItem).where(ProblemItem.no == first))
    issue = documents.issue_document

    def refuse_the_first(uow, login, kind, *, escalation_id, today):
        if escalation_id == refused:
            raise RuleViolation("模板有误")
        return issue(uow, login, kind, escalation_id=escalation_id, today=today)

    monkeypatch.setattr(documents, "issue_document", refuse_the_first)
    result = issue_supervision_sheets(_factory(campaign_db), "system")
    assert [d["item"] for d in result["issued"]] == [second]
    assert result["failed"] == [{"job": {"kind": "reminder_sheet", "escalation_id": refused}, "error": "模板有误"}]
    monkeypatch.setattr(documents, "issue_document", issue)
    assert [d["item"] for d in issue_supervision_sheets(_factory(campaign_db), "system")["issued"]] == [first]
