"""建立长效机制: the plan's mechanisms as items of a second kind on the same lifecycle, lights,
sweep and escalation; judged on the adopted document; a section of their own in the 台账."""

from __future__ import annotations

from sqlalchemy import select, text

from storage.db import get_engine
from tests.conftest import dump
from tests.test_study import SECOND_PLAN


def _add(cli, db, *args, as_user="zhao", today="2015-11-02"):
    return cli("mechanism", "add", *args, db=db, as_user=as_user, json=True, today=today)


def test_plan_mechanisms_are_registered_once_with_owner_unit_and_deadline(campaign_db, cli):
    listed = cli("mechanism", "list", db=campaign_db, as_user="wu", json=True, today="2015-11-02").json()
    assert [m["code"] for m in listed] == ["merit_selection", "organizational_discipline", "administrative_efficiency",
                                           "cadre_education", "dereliction_accountability"]
    assert not any(m["registered"] for m in listed)
    r = _add(cli, campaign_db, "行政效能建设机制", "--unit", "JGC", "--person", "sun")
    assert r.code == 0, r
    item = r.json()
    assert item["kind"] == "mechanism" and item["deliverable"] == "administrative_efficiency"
    assert item["state"] == "assigned" and item["due"] == "2015-11-30"  # the end of the phase asking for it
    assert item["source"] == "建立长效机制"
    before = dump(campaign_db)
    assert _add(cli, campaign_db, "administrative_efficiency", "--unit", "JGC", "--person", "sun").code == 3  # once
    assert _add(cli, campaign_db, "nonexistent", "--unit", "JGC", "--person", "sun").code == 2
    assert _add(cli, campaign_db, "cadre_education", "--unit", "JGC", "--person", "sun", as_user="sun").code == 3
    assert dump(campaign_db) == before
    shown = cli("mechanism", "list", db=campaign_db, as_user="wu", json=True, today="2015-11-02").json()
    assert [m["item"]["no"] for m in shown if m["registered"]] == [item["no"]]
    assert shown[2]["item"]["light"] == "green"


def test_a_mechanism_is_escalated_by_the_same_sweep_as_an_item(campaign_db, cli):
    from storage.models import Escalation, ProblemItem
    from storage.uow import UnitOfWork

    mechanism = _add(cli, campaign_db, "cadre_education", "--unit", "JGC", "--person", "wu", "--due",
                     "2015-11-06").json()["no"]
    problem = cli("item", "add", "--unit", "JGC", "--title", "审批拖拉", "--person", "wu", "--due", "2015-11-06",
                  "--source", "满意度测评",  # a source the plan opens in November
                  db=campaign_db, as_user="zhao", json=True, today="2015-11-02").json()["no"]
    assert cli("mechanism", "list", db=campaign_db, as_user="wu", json=True,
               today="2015-11-05").json()[3]["item"]["light"] == "yellow"
    for day in ("2015-11-05", "2015-11-09", "2015-11-18"):
        assert cli("sweep", "--as-of", day, db=campaign_db, as_user="system").code == 0
    with UnitOfWork(campaign_db) as uow:
        ladder = {no: sorted(level for level, in uow.session.execute(
            select(Escalation.level).join(ProblemItem, ProblemItem.id == Escalation.item_id)
            .where(ProblemItem.no == no))) for no in (mechanism, problem)}
    assert ladder[mechanism] == ladder[problem] == sorted(["催办", "督办", "问责"])
    cases = cli("case", "list", db=campaign_db, as_user="zhao", json=True).json()
    assert any(mechanism in case["items"] for case in cases)
    assert cli("audit", "verify", db=campaign_db).code == 0


def test_judged_on_the_adopted_document_and_listed_apart_in_the_ledger(campaign_db, cli, tmp_path, files_dir):
    from openpyxl import load_workbook

    from tests.pdfcheck import read_pdf

    no = _add(cli, campaign_db, "organizational_discipline", "--unit", "BGS", "--person", "li").json()["no"]
    problem = cli("item", "add", "--unit", "JGC", "--title", "窗口服务差", "--person", "wu", "--days", "10",
                  "--source", "满意度测评", db=campaign_db, as_user="zhao", json=True, today="2015-11-02").json()["no"]
    doc = tmp_path / "rules.pdf"
    doc.write_bytes(b"%PDF-1.4 adopted rules")
    assert cli("item", "start", no, db=campaign_db, as_user="li", today="2015-11-03").code == 0
    refused = cli("item", "submit", no, "--evidence", doc, db=campaign_db, as_user="li", today="2015-11-03")
    assert refused.code == 3 and "制度文件" in refused.stderr
    assert cli("mechanism", "adopt", problem, "--document", "x", "--file", doc, db=campaign_db,
               as_user="zhao", today="2015-11-03").code == 3  # a problem has no adopted document
    title = "关于严肃组织纪律的若干规定（兰建发〔2015〕9号）"
    adopted = cli("mechanism", "adopt", no, "--document", title, "--file", doc, db=campaign_db, as_user="li",
                  json=True, today="2015-11-04")
    assert adopted.code == 0, adopted
    assert adopted.json()["adopted_doc"] == title
    assert cli("item", "submit", no, db=campaign_db, as_user="li", today="2015-11-04").code == 0
    assert cli("item", "verify", no, db=campaign_db, as_user="qian", today="2015-11-05").code == 0

    out = tmp_path / "ledger"
    r = cli("doc", "ledger", "--out", out, db=campaign_db, as_user="zhao", json=True, today="2015-11-05")
    assert r.code == 0, r
    book = load_workbook(r.json()["xlsx"])
    assert book.sheetnames == ["整改落实台账", "长效机制"]
    main_rows = [row[0] for row in book["整改落实台账"].iter_rows(min_row=3, values_only=True)]
    mechanism_rows = list(book["长效机制"].iter_rows(min_row=3, values_only=True))
    assert main_rows == [problem] and [row[0] for row in mechanism_rows] == [no]
    assert title in mechanism_rows[0]
    pdf = read_pdf(open(r.json()["pdf"], "rb").read()).compact_text()
    assert "三、长效机制" in pdf and "兰建发〔2015〕9号" in pdf
    assert pdf.index(problem) < pdf.index("三、长效机制") < pdf.rindex(no)

    assert cli("audit", "verify", db=campaign_db).code == 0
    with get_engine(campaign_db).begin() as conn:
        conn.execute(text("UPDATE problem_items SET adopted_doc = :t WHERE no = :no"), {"t": "伪造文件", "no": no})
    found = cli("audit", "verify", db=campaign_db)
    assert found.code == 3 and "adopted_doc" in found.stdout + found.stderr


def test_another_bodys_plan_names_its_own_mechanisms_and_deadlines(db_url, files_dir, tmp_path, cli, monkeypatch):
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.uow import UnitOfWork

    monkeypatch.setenv("DUBAN_TODAY", "2017-06-12")
    org = tmp_path / "organs.csv"
    org.write_text("类型,编码,名称,所属单位,单位类别,民生,职务,角色\n单位,ZFB,县作风办,,其他,否,,\n"
                   "单位,O01,县第1局,,其他,否,,\n人员,he,何平,ZFB,,,主任,办公室\n人员,h01,局长1,O01,,,局长,负责人\n",
                   encoding="utf-8")
    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", SECOND_PLAN)
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", org)
    r = cli("mechanism", "add", "服务承诺制度", "--unit", "O01", "--person", "h01", db=db_url, as_user="he", json=True)
    assert r.code == 0, r
    assert r.json()["due"] == "2017-06-21" and r.json()["source"] == "健全作风建设制度"
    listed = cli("mechanism", "list", db=db_url, as_user="he", json=True).json()
    assert [(m["name"], m["plan_due"]) for m in listed] == [("服务承诺制度", "2017-06-21"), ("首问负责制", "2017-06-23")]
