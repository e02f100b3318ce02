"""A release (duban publish release): the 公示, the A4 整改公开栏, a static site opened in a real
browser, and the 电子显示屏's loop — with only what the office decided to publish, and no
person's data beyond what the plan allows (never a verifier, never a reporter).

People (tests/data/org-small.csv): zhao 办公室 (publishes), qian 办公室 (verifies), wu 党员干部 of
JGC (owns the items), zheng 党员干部 of JGC (commended), wang 组长.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import PLAN, ROOT

try:
    from pdfcheck import glyph_lines, read_pdf
except ImportError:
    from tests.pdfcheck import glyph_lines, read_pdf

TODAY = "2015-10-12"
RELEASE_DAY = "2015-11-27"
REPORTER, PHONE, CONTENT = "李四光", "13911112222", "窗口人员上班时间离岗，办事群众久等无人，还说“爱找谁找谁”。"
# Who must never appear with the default plan: verifier, owner, commended person, the clerks (names and logins).
NEVER = ("钱红", "吴刚", "郑丽", "赵晓梅", "王建国", "qian", "zhao", "zheng", REPORTER, PHONE, "久等无人", "爱找谁找谁")


def run(cli, db, *args, as_user="zhao", today=TODAY):
    result = cli(*args, db=db, as_user=as_user, json=True, today=today)
    assert result.code == 0, result
    return result.json()


def add(cli, db, title, *, unit="JGC", person="wu", today="2015-09-28"):
    return run(cli, db, "item", "add", "--unit", unit, "--title", title, "--person", person, "--category", "懒",
               "--source", "自查", "--days", "10", today=today)["no"]


def rectify(cli, db, no, tmp_path, *, note, verifier="qian", person="wu"):
    evidence = tmp_path / f"{no}.txt"
    evidence.write_text("整改照片", encoding="utf-8")
    run(cli, db, "item", "start", no, as_user=person)
    run(cli, db, "item", "submit", no, "--evidence", evidence, "--note", note, as_user=person)
    run(cli, db, "item", "verify", no, as_user=verifier)


@pytest.fixture
def report_key(monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("DUBAN_REPORT_KEY", Fernet.generate_key().decode())


@pytest.fixture
def campaign(cli, campaign_db, tmp_path, report_key):
    """Three published items (two rectified, one from a hotline report), one not published,
    published satisfaction rounds, a unit and a person commended."""
    db = campaign_db
    shown = add(cli, db, "办事指南未公开")
    rectify(cli, db, shown, tmp_path, note="在大厅公开办事指南和办理时限")
    hidden = add(cli, db, "科室内部考勤记录不全")
    rectify(cli, db, hidden, tmp_path, note="补齐考勤记录")
    tip = run(cli, db, "tip", "add", "--channel", "举报电话", "--content", CONTENT, "--unit", "JGC",
              "--reporter-name", REPORTER, "--reporter-contact", PHONE)
    reported = run(cli, db, "tip", "accept", tip["no"], "--unit", "JGC", "--title", "窗口人员在岗不在位",
                   "--category", "散", "--person", "wu", "--days", "10", "--reply", "已立为问题，责成整改。")["item"]
    rectify(cli, db, reported, tmp_path, note="实行窗口巡查和考勤通报")
    still_open = add(cli, db, "档案查询等候时间长", unit="ZJZ", person="chen")
    run(cli, db, "publish", "mark", shown, reported, still_open, "--reason", "群众关注")
    for unit, responses, satisfied in (("JGC", 40, 36), ("ZJZ", 50, 35)):
        run(cli, db, "satisfaction", "record", "--unit", unit, "--method", "电话抽查", "--responses", str(responses),
            "--satisfied", str(satisfied), today="2015-11-06")
    run(cli, db, "satisfaction", "publish", today="2015-11-06")
    run(cli, db, "commend", "--unit", "ZJZ", "--reason", "档案查询窗口整改成效明显", as_user="wang", today="2015-11-26")
    run(cli, db, "commend", "--person", "zheng", "--reason", "郑丽同志主动查摆问题并带头整改", as_user="wang",
        today="2015-11-26")
    return {"db": db, "shown": shown, "hidden": hidden, "reported": reported, "open": still_open}


def folder_text(folder: Path) -> str:
    """Everything the published folder says: every text file, and each PDF's text and metadata."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".pdf":
            info = read_pdf(path.read_bytes())
            parts += [info.compact_text(), *map(str, info.metadata.values())]
        elif path.is_file():
            parts.append(path.read_text(encoding="utf-8"))
        parts.append(path.name)
    return "\n".join(parts)


def test_a_release_writes_every_output_and_the_site_opens_in_a_browser(cli, campaign, tmp_path, browser,
                                                                       screenshots):
    db, out = campaign["db"], tmp_path / "release"
    result = run(cli, db, "publish", "release", "--out", out, today=RELEASE_DAY)
    assert result["seq"] == 1 and result["items"] == 3 and result["rectified"] == 2 and result["rounds"] == 2
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["index.html", "problems.html", "results.html", "rankings.html", "commendations.html",
                            "site.css", "publicity-LZJ2015-2015-11-27.pdf", "bulletin-LZJ2015-2015-11-27.pdf",
                            "screen-LZJ2015-2015-11-27.txt"])

    # The site, from the folder (file://, no server), in headless Chromium.
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    page.goto((out / "index.html").as_uri())
    assert page.title().startswith("首页")
    assert [page.text_content(f"#{key}") for key in ("published", "rectified", "open")] == ["3", "2", "1"]
    screenshots(page, "index")
    page.click("nav >> text=公开问题")
    rows = page.locator("tr.problem")
    assert rows.count() == 3 and page.locator(f"[id='{campaign['hidden']}']").count() == 0
    assert "窗口人员在岗不在位" in page.text_content("main") and "已交办" in page.text_content("main")
    screenshots(page, "problems")
    page.click("nav >> text=整改成效")
    results = page.text_content("main")
    assert "在大厅公开办事指南和办理时限" in results and "验收销号" in results and page.locator("tr.result").count() == 2
    screenshots(page, "results")
    page.click("nav >> text=测评排名")
    ranking = [page.locator("#ranking tbody tr").nth(i).inner_text().split("\t")[:4] for i in range(2)]
    assert ranking == [["1", "建设管理处", "90.0", "合格"], ["2", "质量监督站", "70.0", "不合格"]]
    screenshots(page, "rankings")
    page.click("nav >> text=先进典型")
    commended = page.text_content("#commendations")
    assert "质量监督站受到表彰：档案查询窗口整改成效明显" in commended and "建设管理处一名同志受到表彰" in commended
    screenshots(page, "commendations")
    page.click("nav >> text=首页")
    href = page.get_attribute("text=整改情况公示（PDF）", "href")
    assert (out / href).is_file()
    page.context.close()

    # The 电子显示屏's loop: one message a line.
    screen = (out / "screen-LZJ2015-2015-11-27.txt").read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in screen) and len(screen) >= 6
    assert any(line.startswith("建设管理处：办事指南未公开——按期完成整改") for line in screen)
    assert "满意度测评第1名：建设管理处，90.0分（合格）。" in screen

    # The A4 bulletin board and the 公示, through the document renderer, registered and verifiable.
    bulletin = read_pdf((out / "bulletin-LZJ2015-2015-11-27.pdf").read_bytes())
    assert all(abs(p["width"] - 210) < 0.5 and abs(p["height"] - 297) < 0.5 for p in bulletin.pages)
    text = bulletin.compact_text()
    for phrase in ("整改公开栏（第1期）", "本期公开问题3个，已整改销号2个", "满意度测评排名", "先进典型", "不合格"):
        assert phrase in text, phrase
    # Its title keeps the campaign's name whole, and 公开栏 too (not 专|项…, not 公开|栏（第1期）).
    assert [line.text for line in glyph_lines(bulletin, 22.0)] == ["兰州市建设局“庸懒散软”专项整治", "整改公开栏（第1期）"]
    for pdf in ("bulletin", "publicity"):
        checked = cli("doc", "verify", out / f"{pdf}-LZJ2015-2015-11-27.pdf", db=db, as_user="zhao", json=True)
        assert checked.code == 0, checked

    # Recorded: the event, the history, the audit.
    history = run(cli, db, "publish", "history")
    assert [(h["seq"], h["items"], h["rounds"]) for h in history] == [(1, 3, 2)]
    assert cli("audit", "verify", db=db, as_user="zhao").code == 0
    again = cli("publish", "release", "--out", out, db=db, as_user="zhao", today=RELEASE_DAY)
    assert again.code == 2 and "空目录" in again.stderr


def test_nothing_personal_reaches_the_published_folder(cli, campaign, tmp_path):
    db, out = campaign["db"], tmp_path / "release"
    run(cli, db, "publish", "release", "--out", out, today=RELEASE_DAY)
    everything = folder_text(out)
    assert "办事指南未公开" in everything and "窗口人员在岗不在位" in everything  # the grep reads the files
    found = [word for word in NEVER if word in everything]
    assert found == []
    assert "科室内部考勤记录不全" not in everything and campaign["hidden"] not in everything  # not marked


def test_the_plan_decides_whose_names_appear_but_never_a_verifier(cli, campaign, tmp_path):
    from duban.services.setup import load_campaign
    from storage.uow import UnitOfWork

    db = campaign["db"]
    plan = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    plan["publication"] = {"persons": ["owner", "commended"]}
    changed = tmp_path / "plan.yaml"
    changed.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with UnitOfWork(db) as uow:
        load_campaign(uow, "system", changed)
    out = tmp_path / "named"
    run(cli, db, "publish", "release", "--out", out, today=RELEASE_DAY)
    everything = folder_text(out)
    assert "吴刚" in (out / "problems.html").read_text(encoding="utf-8")
    assert "建设管理处郑丽同志受到表彰" in everything
    assert [word for word in ("钱红", "qian", REPORTER, PHONE, "久等无人") if word in everything] == []

    plan["publication"] = {"persons": ["verifier"]}
    changed.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    refused = cli("campaign", "load", changed, db=db, as_user="zhao")
    assert refused.code == 2 and "publication" in refused.stderr, refused


def test_the_tick_releases_nothing_and_a_forged_publication_is_found(cli, campaign, tmp_path):
    from sqlalchemy import text

    from storage.db import get_engine

    db = campaign["db"]
    run(cli, db, "tick", as_user="system", today=RELEASE_DAY)
    assert run(cli, db, "publish", "history") == []
    refused = cli("publish", "release", "--out", tmp_path / "x", db=db, as_user="system", today=RELEASE_DAY)
    assert refused.code == 3 and not (tmp_path / "x").exists()
    run(cli, db, "publish", "release", "--out", tmp_path / "r", today=RELEASE_DAY)
    with get_engine(db).begin() as conn:
        conn.execute(text("UPDATE publications SET items = :items"), {"items": "[]"})
    audit = cli("audit", "verify", db=db, as_user="zhao")
    assert audit.code != 0 and "publications" in audit.stdout + audit.stderr, audit


def test_a_second_plan_publishes_in_its_own_words(cli, db_url, files_dir, monkeypatch, tmp_path, browser):
    """Another body's plan (tests/data/plans/province-2007.yaml): its names, none of the reference's."""
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.uow import UnitOfWork

    monkeypatch.setenv("DUBAN_TODAY", "2007-11-05")
    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", ROOT / "tests" / "data" / "plans" / "province-2007.yaml")
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", ROOT / "tests" / "data" / "org-province.csv")
    db = db_url
    no = run(cli, db, "item", "add", "--unit", "JTT", "--title", "审批窗口超时办结", "--person", "xu",
             "--category", "效率低下", "--source", "效能投诉", "--days", "10", as_user="lin", today="2007-11-05")["no"]
    evidence = tmp_path / "evidence.txt"
    evidence.write_text("整改材料", encoding="utf-8")
    run(cli, db, "item", "start", no, as_user="xu", today="2007-11-06")
    run(cli, db, "item", "submit", no, "--evidence", evidence, "--note", "推行限时办结制", as_user="xu",
        today="2007-11-06")
    run(cli, db, "item", "verify", no, as_user="ma", today="2007-11-07")
    run(cli, db, "publish", "mark", no, as_user="lin", today="2007-11-08")
    out = tmp_path / "province"
    result = run(cli, db, "publish", "release", "--out", out, as_user="lin", today="2007-11-30")
    assert result["items"] == 1 and Path(result["files"]["bulletin"]).name == "bulletin-HXS2007-2007-11-30.pdf"
    everything = folder_text(out)
    for phrase in ("和西省直机关干部作风效能建设活动整改公开", "和西省机关效能建设领导小组", "审批窗口超时办结",
                   "推行限时办结制", "暂无公开的测评结果"):
        assert phrase in everything, phrase
    reference = ("庸懒散软", "兰州", "兰建", "专项整治", "局属", "市建设局")
    assert [phrase for phrase in reference if phrase in everything] == []
    page = browser.new_page()
    page.goto((out / "results.html").as_uri())
    assert "审批窗口超时办结" in page.text_content("main")
    page.close()


def test_every_output_words_a_result_from_the_one_wording_template(cli, campaign, tmp_path, monkeypatch):
    """整改结果 has one source (templates/wording/reports.txt.j2): reworded there, the 公示, the
    bulletin board, the site and the screen all say it the new way, and none the old."""
    import shutil

    copy = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", copy)
    wording = copy / "wording" / "reports.txt.j2"
    text = wording.read_text(encoding="utf-8")
    assert "按期完成整改" in text
    wording.write_text(text.replace("按期完成整改", "如期整改到位"), encoding="utf-8")
    monkeypatch.setenv("DUBAN_TEMPLATES_DIR", str(copy))
    db, out = campaign["db"], tmp_path / "release"
    run(cli, db, "publish", "release", "--out", out, today=RELEASE_DAY)
    outputs = {path.name.split("-")[0]: (read_pdf(path.read_bytes()).compact_text() if path.suffix == ".pdf"
                                         else re.sub(r"\s", "", path.read_text(encoding="utf-8")))
               for path in out.iterdir() if path.suffix in (".pdf", ".txt") or path.name == "results.html"}
    assert sorted(outputs) == ["bulletin", "publicity", "results.html", "screen"]
    for name, said in outputs.items():
        assert "如期整改到位" in said and "按期完成整改" not in said, name
