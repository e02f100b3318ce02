"""Verifiable random draws: recomputable, tamper-evident, one per campaign, kind and day."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random

import pytest
from sqlalchemy import text

from tests.conftest import dump

OCT_9 = dt.date(2015, 10, 9)


def _uow(db_url):
    from storage.uow import UnitOfWork

    return UnitOfWork(db_url)


def _draw(db_url, kind="spot_check", day=OCT_9, **kwargs) -> dict:
    from duban.services.draws import draw

    with _uow(db_url) as uow:
        return draw(uow, "system", kind=kind, today=day, **kwargs)


def _verify(db_url, draw_id) -> bool:
    from duban.services.draws import verify_draw

    with _uow(db_url) as uow:
        return verify_draw(uow, draw_id)


def _canonical(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _reveal(db_url, day=OCT_9 + dt.timedelta(days=1)) -> dict:
    from duban.services.draws import reveal_pending

    with _uow(db_url) as uow:
        return reveal_pending(uow, "system", today=day)


def _show(db_url, draw_id, login="system") -> dict:
    from duban.services.draws import show_draw

    with _uow(db_url) as uow:
        return show_draw(uow, login, draw_id)


def test_draw_is_recomputable_from_published_inputs_after_the_reveal(campaign_db):
    result = _draw(campaign_db)
    # The leadership (BGS) and the campaign office (JCS, RJC) check; they are not drawn.
    assert result["created"] and result["population"] == ["JGC", "ZJZ"]
    assert result["sample_size"] == 2 and result["status"] == "pending"
    assert result["seed_inputs"]["secret"] is None  # not even the office's view shows it before the reveal
    assert _reveal(campaign_db)["revealed"] == 1
    shown = _show(campaign_db, result["id"], "feng")  # a unit head may look once it is revealed
    secret = shown["seed_inputs"]["secret"]
    assert hashlib.sha256(secret.encode()).hexdigest() == result["seed_inputs"]["secret_sha256"]

    # Recomputed from the documented recipe alone, without duban's code.
    population_sha = hashlib.sha256(_canonical(result["population"]).encode()).hexdigest()
    seed = hashlib.sha256(_canonical(["LZJ2015", "spot_check", "2015-10-09", secret, "LZJ2015-spot-check",
                                      population_sha]).encode()).hexdigest()
    assert seed == result["seed"]
    assert random.Random(int(seed, 16)).sample(result["population"], 2) == result["selection"]
    assert _verify(campaign_db, result["id"])


def test_seed_depends_on_kind_and_date(campaign_db):
    spot = _draw(campaign_db)
    discipline = _draw(campaign_db, kind="discipline_check")
    later = _draw(campaign_db, day=OCT_9 + dt.timedelta(days=3))
    assert len({spot["seed"], discipline["seed"], later["seed"]}) == 3


def _tamper(db_url, draw_id, column, value) -> None:
    from storage.db import get_engine

    stored = json.dumps(value) if isinstance(value, list) else value
    with get_engine(db_url).begin() as conn:
        conn.execute(text(f"UPDATE draws SET {column} = :v WHERE id = :id"), {"v": stored, "id": draw_id})


def _other_selection(result) -> list[str]:
    """The same size, one unit swapped for one that was not drawn."""
    outsider = next(code for code in result["population"] if code not in result["selection"])
    return [outsider, *result["selection"][1:]]


@pytest.mark.parametrize("column", ["population", "selection", "seed"])
def test_tampering_makes_verify_fail(campaign_db, column):
    result = _draw(campaign_db, sample_size=1)
    _reveal(campaign_db)
    value = {"population": result["population"][:-1], "selection": _other_selection(result),
             "seed": "0" * 64}[column]
    _tamper(campaign_db, result["id"], column, value)
    assert not _verify(campaign_db, result["id"])


def test_consistent_rewrite_is_caught_by_the_event_log(campaign_db):
    """Even a forger who recomputes seed and selection for a new population is caught."""
    from duban.services.draws import audit_draw, compute_seed, select_sample
    from storage.db import get_engine

    result = _draw(campaign_db, sample_size=1)
    _reveal(campaign_db)
    secret = _show(campaign_db, result["id"])["seed_inputs"]["secret"]
    population = ["ZJZ"]  # 建设管理处 quietly removed
    seed = compute_seed("LZJ2015", "spot_check", OCT_9, "LZJ2015-spot-check", population, secret=secret)
    with get_engine(campaign_db).begin() as conn:
        conn.execute(text("UPDATE draws SET population = :p, seed = :s, selection = :sel WHERE id = :id"),
                     {"p": json.dumps(population), "s": seed, "sel": json.dumps(select_sample(seed, population, 1)),
                      "id": result["id"]})
    with _uow(campaign_db) as uow:
        audit = audit_draw(uow, result["id"])
    assert not audit["ok"] and audit["problems"] == ["与事件日志中登记的抽取范围、种子或结果不一致"]


def test_same_day_draw_returns_the_first_and_changes_nothing(campaign_db):
    first = _draw(campaign_db)
    before = dump(campaign_db)
    second = _draw(campaign_db, sample_size=5)
    assert dump(campaign_db) == before
    assert second["id"] == first["id"] and not second["created"]
    assert second["selection"] == first["selection"]


def _verified_item(db_url, title: str, verified_on: dt.date, tmp_path) -> str:
    from duban.services.items import add_item, transition

    evidence = tmp_path / f"{title}.txt"
    evidence.write_text("整改佐证材料", encoding="utf-8")
    start = verified_on - dt.timedelta(days=10)
    with _uow(db_url) as uow:
        no = add_item(uow, "zhao", campaign=None, unit="JGC", title=title, person="wu", source="作风纪律检查",
                      due=verified_on + dt.timedelta(days=20), today=start)["no"]
    for login, trigger, extra in (("wu", "start", {}), ("wu", "submit", {"evidence_files": [evidence]}),
                                  ("qian", "verify", {})):
        with _uow(db_url) as uow:
            transition(uow, login, no, trigger, today=verified_on if trigger == "verify" else start, **extra)
    return no


def test_recheck_draws_old_enough_verified_items_once(campaign_db, tmp_path):
    old = [_verified_item(campaign_db, f"问题{i}", dt.date(2015, 10, 12), tmp_path) for i in range(4)]
    recent = _verified_item(campaign_db, "新销号问题", dt.date(2015, 10, 28), tmp_path)
    first = _draw(campaign_db, kind="recheck", day=dt.date(2015, 11, 2))
    assert first["population"] == sorted(old)  # 10 working days after 10-12 is 10-26; 10-28 is too recent
    assert recent not in first["population"]
    assert first["sample_size"] == 1  # ceil(4 × 0.2)
    assert _verify(campaign_db, first["id"])

    second = _draw(campaign_db, kind="recheck", day=dt.date(2015, 11, 16))
    assert first["selection"][0] not in second["population"]  # drawn once, never again
    assert recent in second["population"]


def test_empty_recheck_population_stores_nothing(campaign_db):
    before = dump(campaign_db)
    result = _draw(campaign_db, kind="recheck", day=dt.date(2015, 11, 2))
    assert result["selection"] == [] and "没有符合条件" in result["message"]
    assert dump(campaign_db) == before


def test_cli_draw_show_and_verify(campaign_db, cli):
    made = cli("draw", "spot-check", "--size", "1", db=campaign_db, json=True, today="2015-10-09")
    assert made.code == 0, made
    draw_id = made.json()["id"]
    shown = cli("draw", "show", draw_id, db=campaign_db, json=True)
    assert shown.code == 0 and shown.json()["selection"] == made.json()["selection"]
    early = cli("draw", "verify", draw_id, db=campaign_db)
    assert early.code == 3 and "尚未揭示" in early.stderr
    assert cli("draw", "reveal", db=campaign_db, today="2015-10-12").code == 0
    ok = cli("draw", "verify", draw_id, db=campaign_db, as_user="feng")
    assert ok.code == 0 and "复核通过" in ok.stdout

    _tamper(campaign_db, draw_id, "selection", _other_selection(made.json()))
    bad = cli("draw", "verify", draw_id, db=campaign_db)
    assert bad.code == 3 and "复核不通过" in bad.stderr


def test_draw_needs_permission(campaign_db, cli):
    refused = cli("draw", "spot-check", db=campaign_db, as_user="wu", today="2015-10-09")
    assert refused.code == 3 and "无权随机抽查" in refused.stderr
    missing = cli("draw", "show", 999, db=campaign_db)
    assert missing.code == 2


def test_satisfaction_rounds_for_public_serving_units(campaign_db, cli):
    ok = cli("satisfaction", "record", "--unit", "JGC", "--method", "电话抽查", "--responses", "40",
             "--satisfied", "30", db=campaign_db, json=True, today="2015-11-05")
    assert ok.code == 0 and ok.json()["score"] == 75.0 and not ok.json()["passed"]
    not_public = cli("satisfaction", "record", "--unit", "BGS", "--method", "电话抽查", "--responses", "10",
                     "--satisfied", "9", db=campaign_db, today="2015-11-05")
    assert not_public.code == 3 and "不是直接关系民生" in not_public.stderr
    bad = cli("satisfaction", "record", "--unit", "ZJZ", "--method", "问卷调查", "--responses", "10",
              "--satisfied", "11", db=campaign_db, today="2015-11-05")
    assert bad.code == 2
    again = cli("satisfaction", "record", "--unit", "JGC", "--method", "问卷调查", "--responses", "10",
                "--satisfied", "9", db=campaign_db, today="2015-11-05")
    assert again.code == 3
    published = cli("satisfaction", "publish", db=campaign_db, json=True, today="2015-11-06")
    assert published.code == 0 and published.json()["newly_published"] == 1
    assert [r["published"] for r in published.json()["rounds"]] == [True]
    assert cli("satisfaction", "publish", db=campaign_db, json=True).json()["newly_published"] == 0


def test_a_relapsed_and_reverified_item_is_drawn_for_recheck_again(campaign_db, tmp_path):
    from duban.services.items import transition

    old = [_verified_item(campaign_db, f"问题{i}", dt.date(2015, 10, 12), tmp_path) for i in range(4)]
    first = _draw(campaign_db, kind="recheck", day=dt.date(2015, 11, 2))
    [drawn] = first["selection"]
    evidence = tmp_path / "再次整改.txt"
    evidence.write_text("再次整改佐证", encoding="utf-8")
    steps = (("zhao", "relapse", {"reason": "回头看发现反弹", "due": dt.date(2015, 11, 10)}),  # back to 整改中
             ("wu", "submit", {"evidence_files": [evidence]}), ("qian", "verify", {}))
    for login, trigger, extra in steps:
        with _uow(campaign_db) as uow:
            transition(uow, login, drawn, trigger, today=dt.date(2015, 11, 4), **extra)
    second = _draw(campaign_db, kind="recheck", day=dt.date(2015, 11, 19))
    assert drawn in second["population"]  # verified again on 11-04: due for 回头看 again
    assert set(old) - {drawn} <= set(second["population"])


def test_no_item_state_with_a_way_out_is_labelled_final():
    from statemachines.case import CASE
    from statemachines.item import ITEM

    for lifecycle in (ITEM, CASE):
        leaving = {source for t in lifecycle.transitions for source in t.source}
        assert not lifecycle.final & leaving, lifecycle.name
