"""What used to be the reference campaign's wording in code is plan data: the source of
``item add`` without --source, the measure proposed for units running the campaign poorly,
and the names of the duties that draw."""

from __future__ import annotations

import pytest
import yaml

from duban.errors import BadInput
from duban.plan import parse_plan
from tests.conftest import ROOT, dump

REFERENCE = ROOT / "campaigns" / "lanzhou-2015.yaml"


def _changed_plan(tmp_path, change) -> str:
    plan = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    change(plan)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def _load(cli, db, path):
    assert cli("campaign", "load", path, db=db).code == 0


@pytest.mark.parametrize("field, value, words", [
    ("default_source", "nowhere", "default_source：未知问题来源（nowhere）"),
    ("accountability.unit_measure", "nothing", "unit_measure：未知问责措施（nothing）"),
    ("accountability.unit_measure", "criticism_education", "只适用于个人"),
])
def test_plan_names_only_known_defaults(field, value, words):
    plan = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    *path, last = field.split(".")
    target = plan
    for key in path:
        target = target[key]
    target[last] = value
    with pytest.raises(BadInput) as caught:
        parse_plan(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), "x.yaml")
    assert words in caught.value.message, caught.value.message


def test_item_add_without_source_takes_the_plans_default_or_asks_for_one(cli, campaign_db, tmp_path):
    add = ("item", "add", "--unit", "ZJZ", "--title", "工作拖拉")
    r = cli(*add, db=campaign_db, as_user="zhao", json=True)
    assert r.code == 0 and r.json()["source"] == "自查", r  # the reference plan: default_source: self_check
    _load(cli, campaign_db, _changed_plan(tmp_path, lambda plan: plan.pop("default_source")))
    before = dump(campaign_db)
    r = cli(*add, db=campaign_db, as_user="zhao")
    assert r.code == 2 and "请用 --source 指定问题来源" in r.stderr and "座谈会" in r.stderr, r
    assert dump(campaign_db) == before
    assert cli(*add, "--source", "座谈会", db=campaign_db, as_user="zhao").code == 0


def test_unit_cases_propose_the_plans_unit_measure(cli, campaign_db, tmp_path):
    for n in range(3):
        assert cli("item", "add", "--unit", "ZJZ", "--title", f"逾期问题{n}", "--person", "chen", "--due",
                   "2015-09-15", db=campaign_db, as_user="zhao", today="2015-09-10").code == 0
    def advice(plan):
        plan["accountability"]["unit_measure"] = "efficiency_supervision_advice"
    _load(cli, campaign_db, _changed_plan(tmp_path, advice))
    r = cli("case", "propose-units", db=campaign_db, as_user="zhao", json=True, today="2015-09-25")
    assert r.code == 0 and len(r.json()) == 1, r
    history = cli("case", "history", r.json()[0]["no"], db=campaign_db, as_user="zhao", json=True).json()
    assert "应予效能监察建议书" in str(history) and "通报批评" not in str(history), history
    _load(cli, campaign_db, _changed_plan(tmp_path, lambda plan: plan["accountability"].pop("unit_measure")))
    r = cli("case", "propose-units", db=campaign_db, as_user="zhao", today="2015-10-26")
    assert r.code == 3 and "accountability.unit_measure" in r.stderr, r


def test_a_draw_is_named_as_the_plan_names_its_duty(cli, campaign_db, tmp_path):
    def rename(plan):
        for phase in plan["phases"]:
            for duty in phase["duties"]:
                if duty["code"] == "spot_check":
                    duty["name"] = "不打招呼明察暗访"
    _load(cli, campaign_db, _changed_plan(tmp_path, rename))
    r = cli("draw", "spot-check", db=campaign_db, as_user="zhao", json=True, today="2015-10-09")
    assert r.code == 0 and r.json()["kind_label"] == "不打招呼明察暗访", r
