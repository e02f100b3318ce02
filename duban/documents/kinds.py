"""The kinds of documents a campaign issues, and the context each one takes.

Every kind gets the common fields below; `Kind.fields` lists its own. Dates are
`datetime.date` objects (printed 2015年10月8日); everything else is plain text
that the templates escape.

Common fields (every kind):
    issuer        发文机关署名, e.g. 某市住房和城乡建设局                     (required)
    title         标题                                                   (required)
    date          成文日期 (datetime.date)                               (required)
    issuer_mark   发文机关标志 printed red on top, e.g. 某市住房和城乡建设局文件; None = no 版头
    doc_number    发文字号, e.g. 某建效〔2015〕3号; None for documents without one
    recipient     主送机关 / 主送人, printed flush left with a colon
    cc            抄送 list of names (版记)
    printer       印发机关 (版记), e.g. 某市住房和城乡建设局办公室
    print_date    印发日期 (datetime.date), defaults to `date`
    seal_text     text inside the dashed 印章 placeholder; None = blank seal space
    attachments   附件说明 list of names (a kind may add its own)

The 发文字号 prefix of each kind is in `duban.documents.prefixes`; a sample context of each
kind (tests, `duban doctor`, the bench) in `duban.documents.samples`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from duban.errors import BadInput

COMMON_REQUIRED = ("issuer", "title", "date")
COMMON_DEFAULTS = {
    "issuer_mark": None,
    "doc_number": None,
    "recipient": None,
    "cc": [],
    "printer": None,
    "print_date": None,
    "seal_text": None,
    "attachments": [],
}


@dataclass(frozen=True)
class Kind:
    code: str
    name: str  # Chinese name shown to users
    template: str
    # {field: meaning}; all are required unless listed in `optional`.
    fields: dict[str, str] = field(default_factory=dict)
    optional: dict[str, object] = field(default_factory=dict)
    landscape: bool = False
    # 公文 = red 版头, 28 x 22 body grid, 版记 on an even page (GB/T 9704-2012).
    gongwen: bool = True
    has_doc_number: bool = True
    one_page: bool = False  # a sheet: the renderer tightens it until it fits one page

    @property
    def stylesheets(self) -> tuple[str, ...]:
        if self.landscape:
            return ("base.css", "ledger.css")
        return ("base.css", "gongwen.css") if self.gongwen else ("base.css", "form.css")


# Ledger item keys that may be left out (a fresh item has no dates yet).
ITEM_DEFAULTS = {"owner": "", "source": "", "light": "", "assigned_on": None,
                 "submitted_on": None, "closed_on": None, "verifier": "", "recurrences": 0}
ITEM_FIELDS = ("no 编号, problem 问题, category 类别, unit 责任单位, owner 责任人, "
               "source 来源, original_due 原定期限 (date), due 现期限 (date), "
               "state 状态 (Chinese label), light 红/黄/绿, assigned_on 交办日期, "
               "submitted_on 提交日期, closed_on 销号日期 (dates or None), "
               "verifier 验收人, recurrences 复发次数 (int)")

KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(
            "efficiency_advice", "效能监察建议书", "kinds/efficiency_advice.html.j2",
            fields={
                "opening": "开头：依据和检查经过（一段）",
                "facts": "基本情况，段落列表",
                "findings": "发现的问题，列表：{title 小标题, detail 具体情形}",
                "recommendations": "监察建议，列表（自动编号 1. 2. …）",
                "reply_by": "书面回复期限 (date)",
                "reply_to": "回复报送单位",
            },
        ),
        Kind(
            "rectification_notice", "整改通知书", "kinds/rectification_notice.html.j2",
            fields={
                "basis": "整改依据和检查经过（一段）",
                "problems": "存在的问题，列表：{title, detail}",
                "requirements": "整改要求，列表",
                "working_days": "整改期限（工作日数, int）",
                "deadline": "按工作日历算出的截止日期 (date)",
                "report_to": "书面整改报告报送单位",
                "consequences": "逾期或整改不到位的后果（一段）",
            },
        ),
        Kind(
            "circulated_criticism", "通报批评", "kinds/circulated_criticism.html.j2",
            fields={
                "subject": "被通报的个人或单位，如 市建设工程质量监督站李某某同志",
                "subject_is_unit": "True = 单位, False = 个人",
                "facts": "基本事实，段落列表",
                "decision": "处理决定（一段）",
                "requirements": "对各单位的要求，列表",
            },
        ),
        Kind(
            "admonition_notice", "诫勉谈话通知书", "kinds/admonition_notice.html.j2",
            fields={
                "person": "被谈话人姓名",
                "position": "单位及职务",
                "reason": "诫勉事由（一段）",
                "talk_time": "通知的谈话时间（文字，如 2015年10月12日前）",
                "talk_place": "谈话地点",
                "talker": "谈话人（姓名、职务）",
                "recorder": "记录人",
                "requirements": "被谈话人须知，列表",
            },
            # the day the talk was recorded as held, printed in the 谈话记录 (None: left blank for the pen)
            optional={"talked_on": None},
        ),
        Kind(
            "written_check_notice", "责令书面检查通知书", "kinds/written_check_notice.html.j2",
            fields={
                "person": "被责令检查人（个人或单位）",
                "facts": "存在的问题，段落列表",
                "requirements": "检查的内容要求，列表",
                "submit_by": "书面检查报送期限 (date)",
                "submit_to": "报送单位",
                "plan_title": "所依据的方案，带书名号，如 《……工作方案》",
            },
        ),
        Kind(
            "commendation_notice", "表彰通报", "kinds/commendation_notice.html.j2",
            fields={
                "subject": "受表彰的个人或单位",
                "subject_is_unit": "True = 单位, False = 个人",
                "facts": "先进事迹，段落列表",
                "decision": "表彰决定（一段）",
                "requirements": "对各单位的希望和要求，列表",
            },
        ),
        Kind(
            "decision", "处理决定", "kinds/decision.html.j2",
            fields={
                "measure": "给予的处理：停职检查处理，或方案为措施列出的种类（记过处分、免职处理…）",
                "subject": "被处理的个人或单位（含单位职务）",
                "facts": "查明的事实，段落列表",
                "basis": "处理依据（一段）",
                "decision": "决定内容（一段）",
                "requirements": "执行要求，列表",
            },
        ),
        Kind(
            "supervision_sheet", "督办单", "kinds/supervision_sheet.html.j2",
            gongwen=False, one_page=True,
            fields={
                "to_unit": "承办单位",
                "item": "督办事项 {no, problem, category, source, owner}",
                "requirements": "督办要求（一段）",
                "due": "办结期限 (date)",
                "contact": "联系人及电话",
            },
        ),
        Kind(
            "reminder_sheet", "催办单", "kinds/reminder_sheet.html.j2",
            gongwen=False, one_page=True,
            fields={
                "to_unit": "承办单位",
                "item": "催办事项 {no, problem, category, source, owner}",
                "original_due": "原定办结期限 (date)",
                "due": "催办后期限 (date)",
                "overdue_days": "已逾期工作日数 (int)",
                "round": "第几次催办 (int)",
                "requirements": "催办要求（一段）",
                "contact": "联系人及电话",
            },
        ),
        Kind(
            "ledger", "整改落实台账", "kinds/ledger.html.j2",
            landscape=True, gongwen=False, has_doc_number=False,
            fields={
                "as_of": "统计截止日期 (date)",
                "items": "整改事项列表，每项：" + ITEM_FIELDS + "（owner 以后各项可省略）",
            },
            optional={"states": None, "charts": True, "mechanisms": ()},
        ),
        Kind(
            "bulletin", "整改公开栏", "kinds/bulletin.html.j2",
            gongwen=False, has_doc_number=False,
            fields={
                "campaign_name": "活动名称",
                "counts": "本期数字：{published 公开问题, rectified 已整改销号, open 正在整改, on_time 按期完成}",
                "units": "按单位分组：{unit, problems: [{title, rectified, measures, evidence, late, late_days, "
                         "sent_back, closed_on, rechecked_on, due, state_label}]}",
                "rankings": "测评排名：{title 测评名称, max_score, pass_score, rows: [{rank, unit, score, passed}]}",
                "commendations": "先进典型：[{date, unit, person, is_person, reason}]",
                "hotlines": "监督电话列表",
                "office": "受理意见的办公室名称",
            },
        ),
        Kind(
            "work_summary", "述职材料", "kinds/work_summary.html.j2",
            has_doc_number=False,
            fields={"facts": "一个人或一个单位的活动情况（duban.services.summaries 的 person_facts / unit_facts）"},
        ),
        Kind(
            "campaign_report", "工作总结", "kinds/campaign_report.html.j2",
            has_doc_number=False,
            fields={"facts": "活动的全部统计（duban.services.campaign_report.collect）",
                    "headline": "总体情况，段落列表",
                    "rows": "表格行：{by_unit, mechanisms, ranking}"},
            optional={"charts": (), "opening": ""},  # opening: the plan's goals (工作目标), printed first
        ),
        Kind(
            "publicity", "公示", "kinds/publicity.html.j2",
            has_doc_number=False,
            fields={
                "intro": "公示说明（一段）",
                "period_start": "公示开始日期 (date)",
                "period_end": "公示截止日期 (date)",
                "units": "按单位分组：{unit, items: [{no, problem, measures 整改措施, result 整改结果}]}",
                "contact": "意见反映渠道（电话、信箱）",
            },
            optional={"verified": ""},  # who verified the results, said once before the tables
        ),
    )
}


# Kinds issued for an approved accountability case and for a commendation; a plan's
# ``accountability.measures[].document`` and ``commendation.document`` name one of these.
CASE_KINDS = ("efficiency_advice", "circulated_criticism", "admonition_notice", "written_check_notice", "decision")
COMMENDATION_KINDS = ("commendation_notice",)


def get_kind(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise BadInput(f"未知的文书种类：{code}（可用：{'、'.join(KINDS)}）") from None


def complete_context(kind: Kind, context: dict) -> dict:
    """Check the required fields and fill the optional ones with their defaults."""
    missing = [name for name in (*COMMON_REQUIRED, *kind.fields) if name not in context]
    if missing:
        raise BadInput(f"{kind.name}缺少字段：{'、'.join(missing)}")
    for name in ("date", "print_date", "reply_by", "deadline", "due",
                 "original_due", "submit_by", "as_of", "period_start", "period_end"):
        value = context.get(name)
        if value is not None and not isinstance(value, dt.date):
            raise BadInput(f"{kind.name}字段 {name} 应为日期，实际为：{value!r}")
    full = {**COMMON_DEFAULTS, **kind.optional, **context,
            "print_date": context.get("print_date") or context["date"]}
    if "items" in kind.fields:
        full["items"] = [{**ITEM_DEFAULTS, "original_due": item.get("due"), **item}
                         for item in context["items"]]
    return full
