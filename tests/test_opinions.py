"""Opinions (意见建议) from 座谈会、走访群众、问卷调查、征求意见表: recorded anonymously, each one's
fate decided by the office (a new item — several may become one —, merged, dismissed) and
visible; a category suggestion from the plan's manifestations; the words stay with the office.

People (tests/data/org-small.csv): zhao 办公室, sun 负责人 of JGC (and ZJZ below it), feng 负责人
of ZJZ, wu 党员干部 in JGC.
"""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import PLAN, dump

TODAY = "2015-09-15"
# An opinion giver's words, with a name in them: they must stay in the opinions table.
WORDS = "窗口的老张办事拖拉，急事慢办，我跑了三趟"
OTHER = "办证要等很久，能拖则拖"


def run(cli, db, *args, as_user="zhao", today=TODAY, code=0):
    result = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert result.code == code, result
    return result


def add(cli, db, text=WORDS, *extra, as_user="zhao", source="座谈会", respondent="服务对象"):
    return run(cli, db, "opinion", "add", "--source", source, "--text", text, "--respondent", respondent,
               *extra, as_user=as_user).json()


def test_each_opinion_has_a_visible_fate_and_several_become_one_item(cli, campaign_db):
    db = campaign_db
    first = add(cli, db, WORDS, "--unit", "JGC", as_user="sun")  # sun's 座谈会: collected by JGC
    assert (first["no"], first["collected_by"], first["state_label"]) == ("LZJ2015-Y0001", "建设管理处", "待处理")
    second = add(cli, db, OTHER, "--collected-by", "ZJZ", "--received", "2015-09-14", source="征求意见表")
    third = add(cli, db, "建议多组织业务培训", source="questionnaire", respondent="工作对象")
    assert second["source"] == "征求意见表" and third["source"] == "问卷调查"  # by name or by code

    accepted = run(cli, db, "opinion", "accept", first["no"], second["no"], "--unit", "JGC",
                   "--title", "窗口办件拖延", "--category", "懒", "--person", "wu", "--days", "10").json()
    item_no = accepted[0]["item"]
    assert [o["state"] for o in accepted] == ["item", "item"] and accepted[1]["item"] == item_no
    run(cli, db, "opinion", "dismiss", third["no"], "--reason", "已纳入年度培训计划")

    fates = {o["no"]: (o["state_label"], o["item"], o["reason"]) for o in run(cli, db, "opinion", "list").json()}
    assert fates == {"LZJ2015-Y0001": ("已立为问题", item_no, None), "LZJ2015-Y0002": ("已立为问题", item_no, None),
                     "LZJ2015-Y0003": ("不予采纳", None, "已纳入年度培训计划")}
    assert [o["no"] for o in run(cli, db, "opinion", "list", "--state", "待处理").json()] == []
    assert [o["no"] for o in run(cli, db, "opinion", "list", "--unit", "ZJZ").json()] == ["LZJ2015-Y0002"]

    item = run(cli, db, "item", "show", item_no, as_user="wu").json()
    assert (item["title"], item["source"], item["state"]) == ("窗口办件拖延", "座谈会", "assigned")
    assert item["category"] in ("懒", "lan")
    assert WORDS not in json.dumps(item, ensure_ascii=False)

    later = add(cli, db, "窗口还是慢")  # merged into the item the office already has
    merged = run(cli, db, "opinion", "merge", later["no"], "--item", item_no).json()
    assert merged[0]["state_label"] == "已并入问题" and merged[0]["item"] == item_no
    assert run(cli, db, "audit", "verify").code == 0


def test_category_suggestion_shows_the_plan_phrases_it_matched():
    from duban.categorize import suggest

    categories = yaml.safe_load(PLAN.read_text(encoding="utf-8"))["categories"]

    def best(text):
        found = suggest(text, categories)
        return (found[0]["name"], [p for p, _ in found[0]["phrases"]]) if found else None

    # phrases from the seed's lists of 具体表现
    assert best(WORDS) == ("懒", ["办事拖拉", "急事慢办"])
    assert best("有的干部上班开会玩手机、打游戏") == ("散", ["上班开会玩手机", "打游戏"])  # an enumeration, by part
    assert best("遇见困难绕着走，重大事项议而不决") == ("庸", ["重大事项议而不决", "遇见困难绕着走"])  # plan order
    assert best("对基层存在的问题不敢指正，老好人思想严重") == ("软", ["老好人思想严重", "对基层存在的问题不敢指正"])
    assert best("有的同志责任心不够强") == ("软", ["责任心不强"])  # most of the phrase's pieces: partial share
    assert suggest("有的同志责任心不够强", categories)[0]["phrases"][0][1] < 1
    assert best("办证大厅空调坏了") is None  # nothing matched: no suggestion, the office decides


def test_the_office_sees_the_suggestion_and_confirms_it(cli, campaign_db):
    shown = add(cli, campaign_db, "班子不团结，谋人不谋事")
    assert shown["suggestions"][0]["name"] == "散"
    assert [p for p, _ in shown["suggestions"][0]["phrases"]] == ["班子不团结", "谋人不谋事"]
    text = cli("opinion", "show", shown["no"], db=campaign_db, as_user="zhao", today=TODAY).stdout
    assert "散 2.0（班子不团结、谋人不谋事）" in text
    done = run(cli, campaign_db, "opinion", "accept", shown["no"], "--unit", "RJC", "--title", "班子团结问题").json()
    item = run(cli, campaign_db, "item", "show", done[0]["item"]).json()
    assert not item["category"]  # a suggestion is never applied by itself


def test_an_opinion_givers_words_stay_with_the_office(cli, campaign_db, tmp_path):
    db = campaign_db
    opinion = add(cli, db, WORDS, "--unit", "JGC", as_user="sun")
    done = run(cli, db, "opinion", "accept", opinion["no"], "--unit", "JGC", "--title", "窗口办件拖延",
               "--person", "wu", "--days", "10").json()
    for who in ("sun", "wu", "wang"):  # other roles: not even the unit head who held the 座谈会
        refused = run(cli, db, "opinion", "show", opinion["no"], as_user=who, code=3)
        assert WORDS not in refused.stdout + refused.stderr
        run(cli, db, "opinion", "list", as_user=who, code=3)
        assert WORDS not in run(cli, db, "item", "show", done[0]["item"], as_user=who).stdout
    out = tmp_path / "台账.csv"
    run(cli, db, "ledger", "export", "--out", out, "--format", "csv")
    assert "窗口办件拖延" in out.read_text(encoding="utf-8-sig") and "老张" not in out.read_text(encoding="utf-8-sig")
    tables = dump(db, with_security_log=True)
    elsewhere = repr({name: rows for name, rows in tables.items() if name != "opinions"})
    assert "老张" not in elsewhere and "拖延" in elsewhere  # the log holds the office's title, a hash of the words


def test_who_may_record_and_what_is_refused(cli, campaign_db):
    db = campaign_db
    before = dump(db)
    r = run(cli, db, "opinion", "add", "--source", "举报电话", "--text", "x", "--respondent", "服务对象", code=2)
    assert "座谈会、走访群众、问卷调查、征求意见表" in r.stderr
    r = run(cli, db, "opinion", "add", "--source", "座谈会", "--text", "x", "--respondent", "张三", code=2)
    assert "工作对象、服务对象" in r.stderr  # the plan's respondent types; never a name
    run(cli, db, "opinion", "add", "--source", "座谈会", "--text", "x", "--respondent", "群众", as_user="wu", code=3)
    run(cli, db, "opinion", "add", "--source", "座谈会", "--text", "x", "--respondent", "群众", "--collected-by",
        "JGC", as_user="feng", code=3)  # feng heads ZJZ, not JGC
    run(cli, db, "opinion", "add", "--source", "座谈会", "--text", "x", "--respondent", "群众", "--received",
        "2015-09-16", code=2)  # after the business date
    assert dump(db) == before

    first, second = add(cli, db, "a"), add(cli, db, "b")
    run(cli, db, "opinion", "dismiss", second["no"], "--reason", "重复")
    before = dump(db)
    r = run(cli, db, "opinion", "accept", first["no"], second["no"], "--unit", "JGC", "--title", "t", code=3)
    assert "不予采纳" in r.stderr  # second is decided already: neither changes, no item is made
    run(cli, db, "opinion", "dismiss", first["no"], "--reason", " ", code=3)
    run(cli, db, "opinion", "accept", first["no"], "--unit", "JGC", "--title", "t", as_user="sun", code=3)
    run(cli, db, "opinion", "merge", first["no"], "--item", "LZJ2015-0999", code=2)
    run(cli, db, "opinion", "accept", first["no"], "--unit", "JGC", "--title", "t", "--expect-version", "7", code=4)
    assert dump(db) == before
    assert run(cli, db, "item", "list").json() == []
