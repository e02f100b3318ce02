import re
from datetime import date
from pathlib import Path

import pytest

from duban.errors import BadInput
from duban.plan import CampaignPlan, DutyCode, RoleCode, load_plan, parse_plan
from duban.seedtext import clean_seed_text

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "campaigns/lanzhou-2015.yaml"
SOURCE_TXT = ROOT / "campaigns/lanzhou-2015.source.txt"
PLANS = ROOT / "tests/data/plans"
SEED = Path(__file__).resolve().parents[2] / "shared/seed/000_de5a8e2f1029ebba.txt"

PINYIN_GROUP = re.compile(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)")


@pytest.fixture(scope="module")
def plan() -> CampaignPlan:
    return load_plan(REFERENCE)


def test_reference_plan_categories(plan):
    assert [c.code for c in plan.categories] == ["yong", "lan", "san", "ruan"]
    assert [c.name for c in plan.categories] == ["庸", "懒", "散", "软"]
    yong = plan.category("yong")
    assert yong.title == "工作能力上的“庸”"
    assert yong.manifestations[:2] == ["不善于学习", "不研究政策"]


def test_reference_plan_phases(plan):
    assert (plan.start, plan.end) == (date(2015, 9, 1), date(2015, 11, 30))
    assert [(p.name, p.start, p.end) for p in plan.phases] == [
        ("动员学习、查摆问题", date(2015, 9, 1), date(2015, 9, 30)),
        ("集中整改、从严问责", date(2015, 10, 1), date(2015, 10, 31)),
        ("巩固提升、建章立制", date(2015, 11, 1), date(2015, 11, 30)),
    ]
    assert plan.phases[0].has_duty(DutyCode.PROBLEM_LISTS)
    assert plan.phases[1].has_duty(DutyCode.SPOT_CHECK)
    assert plan.phases[2].has_duty(DutyCode.RECHECK)
    # The overdue sweep runs in every phase from the second on.
    assert [p.has_duty(DutyCode.SWEEP) for p in plan.phases] == [False, True, True]
    assert plan.phase_on(date(2015, 10, 8)).code == plan.phases[1].code
    assert plan.phase_on(date(2015, 12, 1)) is None


def test_reference_plan_accountability_ladder(plan):
    acc = plan.accountability
    assert [g.code for g in acc.grades] == ["minor", "serious_relatively", "serious"]
    assert acc.grade_rank("minor") < acc.grade_rank("serious_relatively") < acc.grade_rank("serious")
    assert plan.measure("admonition_talk").document_title == "诫勉谈话通知书"
    advice = plan.measure("efficiency_supervision_advice")
    assert advice.grade == "serious_relatively" and advice.deadline_working_days == 15
    assert all(m.needs_leader_approval for m in acc.measures_for("serious"))
    assert plan.rules.escalation.case_measure in {m.code for m in acc.measures}


def test_reference_plan_misc(plan):
    assert plan.code == "LZJ2015"
    assert [ref.number for ref in plan.basis] == ["兰组通字〔2015〕57号"]
    assert (plan.title, plan.kind) == ("兰州市建设局“庸懒散软”专项整治工作实施方案", "专项整治")
    assert plan.issuing.file_masthead == "兰州市建设局文件"
    assert [c.addressed_as for c in plan.unit_categories] == ["机关各处（室）", "局属各单位", ""]
    assert plan.hotlines == ["8105008", "8105020"]
    assert {r.code for r in plan.organization.roles} == set(RoleCode)
    assert plan.organization.office.implementing_unit == "人教处"
    # Folded YAML lines must not leave a space between Chinese characters.
    assert " " not in plan.guiding_idea


def test_plan_round_trips_through_json(plan):
    stored = plan.model_dump(mode="json")
    assert CampaignPlan.model_validate(stored) == plan


def test_second_bureau_plan_loads():
    other = load_plan(PLANS / "other-bureau-2016.yaml")
    assert other.code == "TSJT2016"
    assert [p.code for p in other.phases] == ["find", "fix"]
    assert other.rules.yellow_working_days == 3  # defaults apply
    # Names documents print default to the plan's own names, as written, never joined twice.
    assert (other.title, other.kind) == ("天水市交通运输局“庸懒散软”专项整治实施方案", "专项工作")
    assert (other.issuing.masthead, other.issuing.file_masthead) == ("天水市交通运输局", "天水市交通运输局文件")
    assert (other.issuing.office, other.issuing.leading_group) == ("专项整治办公室", "专项整治工作领导小组")
    assert CampaignPlan.model_validate(other.model_dump(mode="json")) == other


def _expectations(path: Path) -> tuple[int, str, str]:
    lines = path.read_bytes().decode("ascii", errors="replace").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.endswith("# <-- error"))
    header = path.read_bytes().split(b"\n")[:3]
    field = header[1].decode().removeprefix("# expect-field: ")
    message = header[2].decode("utf-8", errors="replace").removeprefix("# expect-message: ")
    return line, field, message


@pytest.mark.parametrize("path", sorted(PLANS.glob("bad-*.yaml")), ids=lambda p: p.stem)
def test_bad_plan_names_line_and_field(path):
    line, field, message = _expectations(path)
    with pytest.raises(BadInput) as caught:
        load_plan(path)
    text = caught.value.message
    assert "\n" not in text
    assert text.startswith(f"{path} 第{line}行"), text
    if field != "-":
        assert f" {field}：" in text, text
    assert message in text, text


def test_unreadable_and_empty_input(tmp_path):
    with pytest.raises(BadInput, match="文件不存在"):
        load_plan(tmp_path / "missing.yaml")
    with pytest.raises(BadInput, match="文件为空"):
        parse_plan("# nothing\n", "x.yaml")
    with pytest.raises(BadInput, match=r"x.yaml 第1行：应为映射"):
        parse_plan("- a\n", "x.yaml")


@pytest.mark.parametrize("old,new,where", [
    ("doc_prefix: 兰建效", "doc_prefix: 兰建/效", "第10行 doc_prefix："),
    ("doc_prefix: 兰建效", "doc_prefix: 兰建\\效", "第10行 doc_prefix："),
    ("doc_prefix: 兰建效", "doc_prefix: ..", "第10行 doc_prefix："),
    ("doc_prefix: 兰建效", 'doc_prefix: "兰建\\0效"', "第10行 doc_prefix："),
    ("  decision: 兰建决", "  decision: ../../决", "第17行 document_prefixes.decision："),
    ("  decision: 兰建决", '  decision: "兰建\\t决"', "第17行 document_prefixes.decision："),
    ("  decision: 兰建决", '  decision: "兰建\\e决"', "第17行 document_prefixes.decision："),
])
def test_document_prefixes_are_safe_in_file_names(old, new, where):
    text = REFERENCE.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(BadInput) as caught:
        parse_plan(text.replace(old, new, 1), "x.yaml")
    message = caught.value.message
    assert message.startswith(f"x.yaml {where}") and "控制字符" in message and "\n" not in message, message


@pytest.mark.parametrize("old,new,where,words", [
    # two kinds listed on one prefix
    ("  decision: 兰建决", "  decision: 兰建通", "第17行 document_prefixes.decision：", "通报批评（circulated_criticism）"),
    # a listed kind on the prefix a kind not listed takes: doc_prefix itself for the 效能监察建议书…
    ("  decision: 兰建决", "  decision: 兰建效", "第17行 document_prefixes.decision：", "效能监察建议书（efficiency_advice）"),
    # … or doc_prefix plus its mark
    ("  rectification_notice: 兰建改\n  circulated_criticism: 兰建通", "  circulated_criticism: 兰建效改",
     "第13行 document_prefixes.circulated_criticism：", "整改通知书（rectification_notice）"),
])
def test_every_kind_needs_its_own_document_prefix(old, new, where, words):
    text = REFERENCE.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(BadInput) as caught:
        parse_plan(text.replace(old, new, 1), "x.yaml")
    message = caught.value.message
    assert message.startswith(f"x.yaml {where}") and words in message and "不同前缀" in message, message


def test_clean_seed_text_keeps_real_parentheses():
    raw = "根據(jù)《關(guān)于…》(蘭組通字〔2015〕57號)要求(9月)電話(8105008、8105020)處(chù)(室)"
    assert clean_seed_text(raw) == "根据《关于…》(兰组通字〔2015〕57号)要求(9月)电话(8105008、8105020)处(室)"


def test_source_text_is_clean_simplified():
    text = SOURCE_TXT.read_text("utf-8")
    assert text.startswith("根据市委组织部《关于印发在“三严三实”专题教育中开展四项专项整治工作方案的通知》(兰组通字〔2015〕57号)要求")
    for phrase in ["监察室", "举报电话(8105008、8105020)", "(一)动员学习、查摆问题(9月)", "效能监察建议书", "回头看"]:
        assert phrase in text
    assert not PINYIN_GROUP.search(text)
    assert not set("據關監處齊劃統導") & set(text)


@pytest.mark.skipif(not SEED.exists(), reason="shared seed not available")
def test_source_text_matches_seed():
    assert SOURCE_TXT.read_text("utf-8") == clean_seed_text(SEED.read_text("utf-8"))
