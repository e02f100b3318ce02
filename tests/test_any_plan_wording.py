"""The campaign's own names outside its documents: role labels, the console's login page and the CLI
speak of the office as the loaded plan names it (tests/data/plans/province-2007.yaml: a 效能建设活动
whose office is 和西省机关效能建设领导小组办公室), and where no single plan is at hand they use neutral
words. No code or template outside the demo names the reference campaign's kind (专项整治).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from test_documents_any_plan import PLAN, REFERENCE_PHRASES, province_db  # noqa: F401  (a fixture)

PROVINCE_OFFICE = "和西省机关效能建设领导小组办公室"
REFERENCE_KIND = "专项整治"
# Where the product's code, templates and wording live; the demo (duban/demo, campaigns/) runs the
# reference campaign and may say so.
CODE_FOLDERS = ("duban", "templates", "storage", "flows", "statemachines", "bench")
DEMO = ROOT / "duban" / "demo"


@pytest.fixture(autouse=True)
def wide_tables(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # table cells unwrapped


def people_rows(cli, db, login) -> str:
    result = cli("org", "list", "--people", db=db, as_user="lin")
    assert result.code == 0, result
    return next(line for line in result.stdout.splitlines() if login in line)


def test_a_plans_default_office_role_is_its_office():
    from duban.plan import load_plan

    plan = load_plan(PLAN)
    assert plan.organization.role("office").name == PROVINCE_OFFICE == plan.organization.office.name


def test_the_cli_names_the_office_as_the_loaded_plan_does(cli, province_db, tmp_path):
    db = province_db
    row = people_rows(cli, db, "lin")
    assert PROVINCE_OFFICE in row and REFERENCE_KIND not in row, row
    assert "组长" in people_rows(cli, db, "gao")

    # An org file's role column may name the office as the plan does; a bad role lists the plan's names.
    sheet = tmp_path / "org.csv"
    sheet.write_text("类型,编码,名称,所属单位,单位类别,民生,职务,角色\n"
                     f"人员,qin,秦岚,JCT,,,副处长,{PROVINCE_OFFICE}\n人员,zhu,朱迪,JCT,,,科员,大王\n",
                     encoding="utf-8")
    refused = cli("org", "import", sheet, db=db, as_user="lin")
    assert refused.code == 2 and "大王" in refused.stderr and PROVINCE_OFFICE in refused.stderr, refused
    assert REFERENCE_KIND not in refused.stderr
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("大王", "党员干部"), encoding="utf-8")
    assert cli("org", "import", sheet, db=db, as_user="lin").code == 0
    assert PROVINCE_OFFICE in people_rows(cli, db, "qin")

    # A refusal names who may act as the loaded plan does, never the reference campaign's words.
    refused = cli("user", "list", db=db, as_user="xu")
    assert refused.code == 3 and PROVINCE_OFFICE in refused.stderr and REFERENCE_KIND not in refused.stderr, refused
    listed = cli("campaign", "list", db=db, as_user="lin")
    assert listed.code == 0 and REFERENCE_KIND not in listed.stdout and "HXS2007" in listed.stdout, listed


# A plan with role names of its own (a 委员会 with 主任/副主任, 厅局 heads, 机关工作人员).
OWN_ROLES = [
    {"code": "leader", "name": "效能委主任"},
    {"code": "deputy_leader", "name": "效能委副主任"},
    {"code": "office", "name": "省效能办", "aliases": ["效能办"]},
    {"code": "unit_head", "name": "厅局主要负责人"},
    {"code": "cadre", "name": "机关工作人员"},
    {"code": "public", "name": "服务对象"},
]
# The reference plan's role names and the neutral ones: none may show for a plan with its own.
OTHER_ROLE_NAMES = ("专项整治工作办公室", "处（室）、局属单位负责人", "领导小组组长", "领导小组副组长", "工作办公室",
                    "单位负责人", "党员干部", "组长")


def plan_with_roles(tmp_path, roles) -> Path:
    import yaml

    plan = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    plan["organization"]["roles"] = roles
    path = tmp_path / "own-roles.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_plan_with_its_own_role_names_shows_them_and_no_others(cli, province_db, tmp_path):
    db = province_db
    assert cli("campaign", "load", plan_with_roles(tmp_path, OWN_ROLES), db=db).code == 0
    shown = {login: people_rows(cli, db, login) for login in ("gao", "he", "lin", "tang", "xu")}
    assert "效能委主任" in shown["gao"] and "效能委副主任" in shown["he"] and "厅局主要负责人" in shown["he"], shown
    assert "省效能办" in shown["lin"] and "厅局主要负责人" in shown["tang"] and "机关工作人员" in shown["xu"], shown
    assert not [(login, name) for login, row in shown.items() for name in OTHER_ROLE_NAMES if name in row], shown

    # The org file's 角色 column takes the plan's names and aliases (and the neutral short words).
    sheet = tmp_path / "org.csv"
    sheet.write_text("类型,编码,名称,所属单位,单位类别,民生,职务,角色\n"
                     "人员,qin,秦岚,JCT,,,副处长,效能办\n人员,zhu,朱迪,JTT,,,科员,机关工作人员\n"
                     "人员,wen,温雅,GTT,,,副厅长,厅局主要负责人；机关工作人员\n", encoding="utf-8")
    assert cli("org", "import", sheet, db=db, as_user="lin").code == 0
    assert "省效能办" in people_rows(cli, db, "qin") and "机关工作人员" in people_rows(cli, db, "zhu")
    assert "厅局主要负责人" in people_rows(cli, db, "wen") and "机关工作人员" in people_rows(cli, db, "wen")
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("科员,机关工作人员", "科员,处长"), encoding="utf-8")
    refused = cli("org", "import", sheet, db=db, as_user="lin")
    assert refused.code == 2 and "角色无效：处长" in refused.stderr, refused
    assert "效能委主任、效能委副主任、省效能办、厅局主要负责人、机关工作人员、服务对象" in refused.stderr, refused

    # Refusals and reminders name the roles as the plan does.
    refused = cli("user", "list", db=db, as_user="xu")
    assert refused.code == 3 and "仅限省效能办" in refused.stderr, refused
    assert not [name for name in OTHER_ROLE_NAMES if name in refused.stderr], refused


@pytest.mark.parametrize("roles, where, words", [
    ([{**r, "name": "机关工作人员"} if r["code"] == "public" else r for r in OWN_ROLES],
     "organization.roles[5].name", "已用于角色 cadre"),
    ([{**r, "name": "负责人"} if r["code"] == "cadre" else r for r in OWN_ROLES],
     "organization.roles[4].name", "已用于角色 unit_head"),
    ([{**r, "aliases": ["效能办;督查室"]} if r["code"] == "office" else r for r in OWN_ROLES],
     "organization.roles[2].aliases", "不能含有"),
])
def test_a_plans_role_names_are_checked_at_load(cli, province_db, tmp_path, roles, where, words):
    from conftest import dump

    before = dump(province_db)
    refused = cli("campaign", "load", plan_with_roles(tmp_path, roles), db=province_db)
    assert refused.code == 2 and where in refused.stderr and words in refused.stderr and "第" in refused.stderr, refused
    assert dump(province_db) == before


def test_with_two_campaigns_the_office_has_its_neutral_name(cli, province_db, tmp_path):
    """Two plans, two office names: a screen shared by both names neither."""
    db = province_db
    second = tmp_path / "second.yaml"
    text = PLAN.read_text(encoding="utf-8")
    assert "code: HXS2007" in text and f"name: {PROVINCE_OFFICE}" in text
    second.write_text(text.replace("code: HXS2007", "code: HXS2008", 1)
                      .replace(f"name: {PROVINCE_OFFICE}", "name: 和西省效能建设第二办公室"), encoding="utf-8")
    assert cli("campaign", "load", second, db=db).code == 0
    row = people_rows(cli, db, "lin")
    assert "工作办公室" in row and PROVINCE_OFFICE not in row and REFERENCE_KIND not in row, row
    refused = cli("item", "list", db=db, as_user="lin")
    assert refused.code != 0 and "存在多个活动" in refused.stderr and REFERENCE_KIND not in refused.stderr, refused


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_login_page_names_the_plans_office(province_db, browser):
    from webconsole import start_server

    server, thread, base = start_server(province_db)
    try:
        page = browser.new_page()
        page.goto(base + "/login")
        hint = page.locator("p.hint").inner_text()
        page.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert hint == f"没有密码或忘记密码，请联系{PROVINCE_OFFICE}设置。"


def test_no_code_or_template_outside_the_demo_names_the_reference_kind():
    found = []
    for folder in CODE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or DEMO in path.parents or "__pycache__" in path.parts:
                continue
            if REFERENCE_KIND.encode() in path.read_bytes():
                found.append(str(path.relative_to(ROOT)))
    assert found == []
    assert any(REFERENCE_KIND in p.read_text(encoding="utf-8") for p in DEMO.glob("*.py"))  # the scan can see


def test_the_campaign_reports_tables_speak_of_the_plans_own_categories(cli, province_db, tmp_path):
    """工作总结 of the second plan: its tables (worded in templates/wording/summaries.txt.j2) list the
    plan's categories and nothing of the reference campaign, in summary.md and in the PDF."""
    try:
        from pdfcheck import read_pdf
    except ImportError:
        from tests.pdfcheck import read_pdf

    result = cli("campaign", "report", "--out", tmp_path / "report", db=province_db, as_user="lin", json=True,
                 today="2007-11-30")
    assert result.code == 0, result
    report = result.json()
    md = Path(report["markdown"]).read_text(encoding="utf-8")
    pdf = read_pdf(Path(report["pdf"]).read_bytes()).compact_text()
    for category in ("效率低下", "作风漂浮", "纪律松弛"):
        assert f"| {category} |" in md, category
    assert "## 各单位整改情况" in md and "干部作风效能建设活动工作总结" in pdf
    assert [phrase for phrase in REFERENCE_PHRASES if phrase in md or phrase in pdf] == []
