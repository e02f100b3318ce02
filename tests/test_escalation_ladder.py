"""一级一级传导压力: 催办 → 督办 → 问责, at least the plan's interval apart, from the first deadline
(September too), each level's sheet issued, and a 督办 never addressed to the item's owner."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

D = dt.date


def _factory(db_url):
    from storage.uow import UnitOfWork

    return lambda: UnitOfWork(db_url)


def _tick(db_url, through: dt.date) -> dict:
    from duban.services.tick import run_tick

    return run_tick(_factory(db_url), "system", through=through, ledger_pdf=False)


def _escalations(db_url, no: str) -> list[tuple]:
    from storage.models import Escalation, Person, ProblemItem

    with _factory(db_url)() as uow:
        return [tuple(r) for r in uow.session.execute(
            select(Escalation.level, Escalation.on_date, Person.login)
            .join(ProblemItem, ProblemItem.id == Escalation.item_id)
            .outerjoin(Person, Person.id == Escalation.addressee_id)
            .where(ProblemItem.no == no).order_by(Escalation.on_date, Escalation.id))]


def _add(db_url, *, person: str, due: dt.date, unit: str = "JGC") -> str:
    from duban.services.items import add_item

    with _factory(db_url)() as uow:
        return add_item(uow, "zhao", campaign=None, unit=unit, title=f"{person} 的问题", person=person, due=due,
                        today=D(2015, 9, 7))["no"]


def _leaders_in_charge(cli, db_url, tmp_path) -> None:
    sheet = tmp_path / "leaders.csv"
    sheet.write_text("类型,编码,名称,所属单位,单位类别,民生,职务,角色,分管领导\n"
                     "单位,JGC,建设管理处,,处室,是,,,li\n", encoding="utf-8")
    r = cli("org", "import", str(sheet), db=db_url, as_user="zhao")
    assert r.code == 0, r


def test_september_deadline_goes_up_the_ladder_in_september(campaign_db):
    no = _add(campaign_db, person="wu", due=D(2015, 9, 15))
    _tick(campaign_db, D(2015, 9, 30))
    ladder = _escalations(campaign_db, no)
    assert [level for level, *_ in ladder] == ["催办", "督办", "问责"]
    (_, remind, to_owner), (_, supervise, to_head), (_, case, _) = ladder
    assert remind == D(2015, 9, 10) and to_owner == "wu"  # yellow: 3 working days left
    assert supervise == D(2015, 9, 16) and to_head == "sun"  # first red day, ≥ 2 working days after the 催办
    assert case == D(2015, 9, 24)  # more than 5 working days after the 督办


def test_a_late_manual_sweep_catches_up_each_level_on_its_day_like_the_tick(campaign_db, cli, tmp_path):
    """A sweep run late records 催办, 督办 and 问责 on the days they fell due, not all on the day it ran."""
    no = _add(campaign_db, person="wu", due=D(2015, 9, 8))
    late = cli("sweep", "--as-of", "2015-09-21", db=campaign_db, json=True).json()
    assert late["counts"] == {"催办": 1, "督办": 1, "问责": 1} and late["days"][-1] == "2015-09-21"
    manual = _escalations(campaign_db, no)
    assert [(level, day) for level, day, _ in manual] == [
        ("催办", D(2015, 9, 7)), ("督办", D(2015, 9, 9)), ("问责", D(2015, 9, 17))]
    # the same days as the daily tick gives on a fresh database
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from tests.conftest import ORG, ROOT
    from storage.uow import UnitOfWork

    other = f"sqlite:///{tmp_path / 'tick.sqlite'}"
    init_db(other)
    with UnitOfWork(other) as uow:
        load_campaign(uow, "system", ROOT / "campaigns" / "lanzhou-2015.yaml")
    with UnitOfWork(other) as uow:
        import_org(uow, "system", ORG)
    other_no = _add(other, person="wu", due=D(2015, 9, 8))
    _tick(other, D(2015, 9, 21))
    assert _escalations(other, other_no) == manual
    # the tick after the manual sweep does not sweep those days again
    assert cli("sweep", "--as-of", "2015-09-21", db=campaign_db, json=True).json()["days"] == ["2015-09-21"]
    _tick(campaign_db, D(2015, 9, 25))
    assert _escalations(campaign_db, no) == manual


def test_supervision_goes_to_the_leader_in_charge_when_the_head_owns_the_item(campaign_db, cli, tmp_path):
    _leaders_in_charge(cli, campaign_db, tmp_path)
    heads_own = _add(campaign_db, person="sun", due=D(2015, 9, 15))  # sun heads 建设管理处
    station_head = _add(campaign_db, person="feng", due=D(2015, 9, 15), unit="ZJZ")  # feng heads 质量监督站
    _tick(campaign_db, D(2015, 9, 25))
    assert [(level, to) for level, _, to in _escalations(campaign_db, heads_own)] == [
        ("催办", "sun"), ("督办", "li"), ("问责", "li")]
    # 质量监督站 lies under 建设管理处: its head's item goes to the head above, not to 分管领导.
    assert [(level, to) for level, _, to in _escalations(campaign_db, station_head)][1] == ("督办", "sun")
    assert cli("audit", "verify", db=campaign_db, as_user="zhao").code == 0


def test_reminder_and_supervision_sheets_are_issued(campaign_db, files_dir):
    from duban.services.tick import issue_supervision_sheets
    from storage.models import Document

    no = _add(campaign_db, person="wu", due=D(2015, 9, 15))
    _tick(campaign_db, D(2015, 9, 17))
    result = issue_supervision_sheets(_factory(campaign_db), "system")
    assert result["failed"] == [] and len(result["issued"]) == 2
    with _factory(campaign_db)() as uow:
        kinds = sorted(uow.session.scalars(select(Document.kind)))
    assert kinds == ["reminder_sheet", "supervision_sheet"]
    assert issue_supervision_sheets(_factory(campaign_db), "system")["issued"] == []
    assert no


def _step(db_url, login: str, no: str, trigger: str, day: dt.date, **kwargs) -> None:
    from duban.services.items import transition

    with _factory(db_url)() as uow:
        transition(uow, login, no, trigger, today=day, **kwargs)


def _close(db_url, no: str, evidence, *, submitted: dt.date, verified: dt.date, owner: str = "wu") -> None:
    _step(db_url, owner, no, "start", submitted)
    _step(db_url, owner, no, "submit", submitted, evidence_files=[evidence])
    _step(db_url, "qian", no, "verify", verified)


def _extend(db_url, no: str, *, to: dt.date, asked: dt.date, approved: dt.date) -> None:
    from duban.services.deadlines import decide_extension, request_extension

    with _factory(db_url)() as uow:
        request = request_extension(uow, "wu", no, reason="需协调外单位", due=to, today=asked)
    with _factory(db_url)() as uow:
        decide_extension(uow, "qian", request["id"], approve=True, today=approved)


def _cycles(db_url, no: str) -> list[tuple]:
    from storage.models import Escalation, ProblemItem

    with _factory(db_url)() as uow:
        return [tuple(r) for r in uow.session.execute(
            select(Escalation.level, Escalation.on_date, Escalation.cycle)
            .join(ProblemItem, ProblemItem.id == Escalation.item_id)
            .where(ProblemItem.no == no).order_by(Escalation.on_date, Escalation.id))]


@pytest.mark.parametrize("catch_up", ["tick", "sweep"])
def test_a_catch_up_judges_each_missed_day_by_the_item_as_it_stood_that_day(campaign_db, cli, tmp_path, catch_up):
    """Nothing swept from the start of the campaign until 09-30; meanwhile one item was verified late,
    one relapsed and one had its deadline extended. Each missed day is judged by the item as it was then."""
    evidence = tmp_path / "整改报告.txt"
    evidence.write_text("已整改", encoding="utf-8")
    verified_late = _add(campaign_db, person="wu", due=D(2015, 9, 8))
    _close(campaign_db, verified_late, evidence, submitted=D(2015, 9, 14), verified=D(2015, 9, 15))
    relapsed = _add(campaign_db, person="wu", due=D(2015, 9, 25))
    _close(campaign_db, relapsed, evidence, submitted=D(2015, 9, 9), verified=D(2015, 9, 10))
    _step(campaign_db, "qian", relapsed, "relapse", D(2015, 9, 21), reason="回头看发现反弹", due=D(2015, 9, 22))
    extended = _add(campaign_db, person="wu", due=D(2015, 9, 15))
    _extend(campaign_db, extended, to=D(2015, 9, 30), asked=D(2015, 9, 14), approved=D(2015, 9, 18))

    if catch_up == "tick":
        _tick(campaign_db, D(2015, 9, 30))
    else:
        assert cli("sweep", "--as-of", "2015-09-30", db=campaign_db).code == 0

    # open and red until it was submitted on 09-14: 催办, then 督办; no 问责 (due 09-17, it was closed by then)
    assert _cycles(campaign_db, verified_late) == [("催办", D(2015, 9, 7), 0), ("督办", D(2015, 9, 9), 0)]
    # closed from 09-10 until the relapse on 09-21, whose new deadline is 09-22: the new cycle starts that day
    assert _cycles(campaign_db, relapsed) == [("催办", D(2015, 9, 21), 1), ("督办", D(2015, 9, 23), 1)]
    # the deadline 09-15 ran until the extension was approved on 09-18: red on 09-16 and 09-17
    assert _cycles(campaign_db, extended) == [("催办", D(2015, 9, 10), 0), ("督办", D(2015, 9, 16), 0)]
    assert cli("audit", "verify", db=campaign_db, as_user="zhao").code == 0


def test_a_catch_up_proposes_unit_accountability_for_the_items_overdue_at_the_month_end(campaign_db, tmp_path):
    """Three items of 建设管理处 were overdue through October and verified only on 11-02, before the tick
    caught up: the month-end duty of 10-30 still sees them red and proposes the plan's unit measure."""
    from storage.models import AccountabilityCase, OrgUnit

    evidence = tmp_path / "整改报告.txt"
    evidence.write_text("已整改", encoding="utf-8")
    owners = ("wu", "zheng", "wu")
    late = [_add(campaign_db, person=person, due=D(2015, 10, 15)) for person in owners]
    for no, owner in zip(late, owners):
        _close(campaign_db, no, evidence, submitted=D(2015, 11, 2), verified=D(2015, 11, 2), owner=owner)
    _tick(campaign_db, D(2015, 11, 2))
    with _factory(campaign_db)() as uow:
        case = uow.session.scalar(select(AccountabilityCase).where(AccountabilityCase.origin == "unit-poor:JGC:2015-10"))
        assert case is not None and uow.session.get(OrgUnit, case.subject_unit_id).code == "JGC"
        assert sorted(item.no for item in case.items) == sorted(late)
