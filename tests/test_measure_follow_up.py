"""A decided measure with a deadline (责令书面检查: 5 working days) is followed up like an item."""

from __future__ import annotations

import datetime as dt

from tests.test_cases import add_item, propose, run, to_executed

D = dt.date


def _tick(db_url, through: dt.date) -> dict:
    from duban.services.tick import run_tick
    from storage.uow import UnitOfWork

    return run_tick(lambda: UnitOfWork(db_url), "system", through=through, ledger_pdf=False)


def _written_check(cli, db) -> dict:
    no = add_item(cli, db)
    case = propose(cli, db, [no], person="wu")
    executed = to_executed(cli, db, case["no"], "责令书面检查")
    assert executed["measure_due"] == "2015-09-17"  # 5 working days after 09-10
    return executed


def test_an_undelivered_written_check_is_reminded_then_supervised_and_listed_overdue(cli, campaign_db):
    db = campaign_db
    case = _written_check(cli, db)
    _tick(db, D(2015, 9, 22))
    reminders = run(cli, db, "reminder", "list", "--kind", "measure", as_user="zhao")
    # 催办 to the subject at yellow (3 working days left), 督办 to the unit head on the first red day.
    assert [(r["date"], r["person"]) for r in reminders] == [("2015-09-14", "wu"), ("2015-09-18", "sun")]
    history = run(cli, db, "case", "history", case["no"], as_user="zhao")
    assert [e["trigger"] for e in history][-2:] == ["case_escalated", "case_escalated"]
    overdue = run(cli, db, "case", "list", "--overdue", as_user="zhao", today="2015-09-22")
    assert [c["no"] for c in overdue] == [case["no"]]

    done = run(cli, db, "case", "measure-done", case["no"], "--note", "书面检查已提交", as_user="zhao",
               today="2015-09-22")
    assert done["measure_done_on"] == "2015-09-22"
    assert run(cli, db, "case", "list", "--overdue", as_user="zhao", today="2015-09-22") == []
    again = cli("case", "measure-done", case["no"], "--note", "再次登记", db=db, as_user="zhao", today="2015-09-23")
    assert again.code == 3
    assert cli("audit", "verify", db=db, as_user="zhao").code == 0


def test_manual_supervision_of_a_measure_once_per_level(cli, campaign_db):
    db = campaign_db
    case = _written_check(cli, db)
    first = cli("case", "escalate", case["no"], "--reason", "书面检查迟迟未交", db=db, as_user="zhao", today="2015-09-15")
    assert first.code == 0, first
    twice = cli("case", "escalate", case["no"], "--reason", "再次督办", db=db, as_user="zhao", today="2015-09-16")
    assert twice.code == 3 and "不能重复督办" in twice.stderr
    assert cli("case", "escalate", case["no"], "--reason", "督办", db=db, as_user="wu", today="2015-09-16").code == 3


def test_a_measure_delivered_late_during_downtime_is_still_followed_up_on_the_days_it_was_late(cli, campaign_db):
    """No tick ran until 09-22; the written check came in on 09-21. The catch-up judges each missed
    day by the case as it stood then: 催办 at yellow and 督办 once red, nothing after the delivery."""
    db = campaign_db
    case = _written_check(cli, db)
    run(cli, db, "case", "measure-done", case["no"], "--note", "书面检查已提交", as_user="zhao", today="2015-09-21")
    _tick(db, D(2015, 9, 22))
    reminders = run(cli, db, "reminder", "list", "--kind", "measure", as_user="zhao")
    assert [(r["date"], r["person"]) for r in reminders] == [("2015-09-14", "wu"), ("2015-09-18", "sun")]
    assert cli("audit", "verify", db=db, as_user="zhao").code == 0
