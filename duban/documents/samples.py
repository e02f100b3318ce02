"""Sample contexts: one realistic context per document kind, for tests, `duban doctor` and the bench.

    from duban.documents import sample_context
    context = sample_context("rectification_notice")
"""

from __future__ import annotations

import datetime as dt

from duban.documents.kinds import get_kind

# Sample contexts: realistic demo content of a fictional bureau's 作风建设 campaign
# (no real campaign's wording: that belongs in campaigns/*.yaml).
# Names of people are anonymized the way published 通报 do (张某某).

_BUREAU = "某市住房和城乡建设局"
_OFFICE = "某市住房和城乡建设局作风建设工作办公室"
_COMMON = {
    "issuer": _BUREAU,
    "cc": ["市纪委", "市委组织部", "市委督查室"],
    "printer": "某市住房和城乡建设局办公室",
    "seal_text": "某市住房和城乡建设局（印章）",
}
_BASIS_57 = ("根据市委办公厅《关于印发深入开展机关作风建设工作意见的通知》"
             "（某办发〔2015〕57号）和《某市住房和城乡建设局作风建设工作方案》要求")


def _sample_items() -> list[dict]:
    units = ["局办公室", "建设管理处", "市建设工程质量监督站", "市建筑市场管理站",
             "市建设工程安全监督站", "市城建档案馆"]
    categories = ["作风漂浮", "效率低下", "纪律松弛", "服务不优"]
    problems = [
        "落实上级部署磨磨蹭蹭，重大事项议而不决",
        "行政审批窗口办事拖拉，群众反映急事慢办",
        "上班时间玩手机、聊天，工作日迟到早退",
        "对基层存在的问题不敢指正，监管抓而不实",
        "业务学习流于形式，政策研究不深不透",
        "来文来件积压，答复群众诉求超过时限",
        "工作日溜岗溜会，请销假制度执行不严",
        "执法检查浮于表面，整改督促跟进不够",
    ]
    sources = ["暗访抽查", "群众举报", "征求意见", "自查自纠"]
    states = [("已销号", "绿"), ("待验收", "绿"), ("整改中", "黄"), ("整改中", "绿"),
              ("已逾期", "红"), ("已销号", "绿"), ("已交办", "绿")]
    owners = ["张某某", "李某某", "王某某", "赵某某", "刘某某", "陈某某", "杨某某"]
    items = []
    for n in range(1, 31):
        state, light = states[n % len(states)]
        assigned = dt.date(2015, 10, 1 + n % 12)
        original_due = assigned + dt.timedelta(days=21)
        due = original_due + (dt.timedelta(days=10) if n % 5 == 0 else dt.timedelta())
        items.append({
            "no": f"ZF-2015-{n:03d}",
            "problem": problems[n % len(problems)],
            "category": categories[n % len(categories)],
            "unit": units[n % len(units)],
            "owner": owners[n % len(owners)],
            "source": sources[n % len(sources)],
            "original_due": original_due,
            "due": due,
            "state": state,
            "light": light,
            "assigned_on": assigned,
            "submitted_on": assigned + dt.timedelta(days=12) if state in ("待验收", "已销号") else None,
            "closed_on": assigned + dt.timedelta(days=18) if state == "已销号" else None,
            "verifier": "马某某" if state == "已销号" else "",
            "recurrences": 1 if n % 9 == 0 else 0,
        })
    return items


def _sample_campaign_report() -> dict:
    facts = {
        "campaign": {"code": "MS2015", "name": "某市住房和城乡建设局作风建设", "start": "2015-09-01",
                     "end": "2015-11-30", "as_of": "2015-11-30"},
        "items": {"by_source": {"自查": 12, "暗访抽查": 3, "举报电话": 0}},
        "escalations": {"催办": 6, "督办": 2, "挂牌督办": 0, "问责": 1},
        "draws": {"随机暗访抽查": 4, "作风纪律检查": 2, "回头看": 2},
        "recheck": {"drawn": 3, "passed": 2, "relapses": 1},
        "cases": {"total": 2, "unit_cases": 1, "by_measure": {"批评教育": 1, "通报批评": 1}},
        "commendations": {"persons": 2, "units": 1},
        "study": {"sessions": 8, "expected": 120, "attended": 112, "rate": 0.933},
        "mechanisms": [{"name": "严肃组织纪律制度"}],
        "evaluation": {"round": 2, "evaluated": 2, "failed": 0, "pass_score": 80,
                       "rounds": [{"round": 1, "average": 82.5}, {"round": 2, "average": 88.0}]},
    }
    return {
        "facts": facts,
        "opening": "集中三个月时间，按照迅速治标、制度治本、推动工作的思路开展作风建设。迅速治标，要在高压态势下强力推动、"
                   "集中整治现实问题，使全局党员干部工作作风和精神状态在短时间内得到好转；制度治本，要探索建立作风建设长效机制。",
        "headline": ["单位6个，人员40人；整改问题15个，已销号13个。"],
        "rows": {"by_unit": [["建设管理处", 9, 8, 0, 1, 3, "88%"], ["办公室", 6, 5, 1, 0, 2, "80%"]],
                 "mechanisms": [["严肃组织纪律制度", "办公室", "已销号", "某建发〔2015〕12号"]],
                 "ranking": [[1, "市城建档案馆", 92.0, "是", 85.0, "上升 +7.0"],
                             [2, "行政审批服务窗口", 84.0, "是", 76.0, "上升 +8.0"]]},
        "attachments": ["统计图"],
        "charts": [{"name": "by-unit", "title": "各单位问题整改情况", "series": ["已办结", "未办结"],
                    "rows": [["建设管理处", {"已办结": 8, "未办结": 1}, 9], ["办公室", {"已办结": 5, "未办结": 1}, 6]]}],
    }


def _sample_work_summary() -> dict:
    return {
        "subject": {"kind": "person", "name": "王明", "login": "wangming", "title": "副处长兼机关第二党支部书记、纪检委员",
                    "unit": "建设管理处"},
        "campaign": {"code": "MS2015", "name": "某市住房和城乡建设局机关作风问题集中整治工作暨机关作风建设年和干部作风集中整顿活动动员学习查摆问题阶段工作",
                     "start": "2015-09-01",
                     "end": "2015-11-30", "as_of": "2015-11-30"},
        "problems": {"found": 3, "rectified": 2, "open": 1, "by_source": {"自查": 2, "暗访抽查": 1},
                     "on_time": 1, "late": 1, "overdue_open": 0, "extended": 1, "on_time_rate": 0.5,
                     "relapses": 0, "rechecked": 1, "list": [], "mechanisms": []},
        "checks": {"items_from_checks": 1, "rechecked": 1, "relapses": 0},
        "study": {"expected": 4, "attended": 3, "rate": 0.75, "missed": [{"date": "2015-09-16", "topic": "《党章》"}]},
        "accountability": [],
        "commendations": [{"date": "2015-11-26"}],
    }


def sample_context(kind: str) -> dict:
    """Realistic demo context for `kind` (used by tests, `duban doctor` and the bench)."""
    from duban.wording import wording  # the package stays cheap to import

    get_kind(kind)
    date = dt.date(2015, 10, 8)
    samples: dict[str, dict] = {
        "efficiency_advice": {
            **_COMMON,
            "issuer_mark": "某市住房和城乡建设局",
            "doc_number": "某建效〔2015〕3号",
            "title": "效能监察建议书",
            "recipient": "市建筑市场管理站",
            "opening": _BASIS_57 + "，局作风建设工作办公室于2015年9月21日至25日"
                       "采取不打招呼、不定时间的方式，对你站行政审批窗口的工作作风和办事效率进行了暗访抽查。"
                       "现将有关情况和监察建议函告如下。",
            "facts": [
                "暗访期间，监察人员以办事群众身份先后五次到你站办事窗口咨询建筑业企业资质变更手续，"
                "其中两次窗口无人值守，一次工作人员在上班时间使用手机浏览与工作无关的内容，"
                "群众排队等候时间最长超过四十分钟，对窗口服务意见较大。",
                "经调阅近三个月的办件登记，你站受理的资质变更申请共一百二十六件，"
                "其中超过承诺时限办结的十九件，未按规定一次性告知补正材料的十一件。",
            ],
            "findings": [
                {"title": "办事拖拉，效率低下。",
                 "detail": "部分事项该办不办、急事慢办，超过承诺时限办结的占百分之十五，"
                           "群众多次往返，反映强烈。"},
                {"title": "纪律松弛，作风散漫。",
                 "detail": "窗口人员上班时间玩手机、擅离岗位，请销假和首问负责制度执行不严。"},
                {"title": "责任不实，监管缺位。",
                 "detail": "站领导班子对窗口作风问题失察，日常督促检查流于形式，对发现的问题不敢指正。"},
            ],
            "recommendations": [
                "对暗访发现的问题逐项建立整改台账，明确责任人和完成时限，一周内完成窗口人员调整。",
                "严格执行首问负责、一次性告知和限时办结制度，在办事大厅公开办理流程、时限和监督电话。",
                "对在岗玩手机、擅离岗位的工作人员进行批评教育，情节较重的按规定进行诫勉谈话。",
                "建立窗口服务满意度测评机制，每月向局作风建设工作办公室报送测评结果。",
            ],
            "reply_by": dt.date(2015, 10, 23),
            "reply_to": "局作风建设工作办公室（局监察室）",
        },
        "rectification_notice": {
            **_COMMON,
            "issuer_mark": "某市住房和城乡建设局",
            "doc_number": "某建改〔2015〕7号",
            "title": "整改通知书",
            "recipient": "市建设工程质量监督站",
            "basis": _BASIS_57 + "，局作风建设工作办公室于2015年9月28日对你站机关作风纪律进行了督促检查，"
                     "发现你站在工作作风和办事效率方面存在以下突出问题：",
            "problems": [
                {"title": "上下班纪律执行不严。",
                 "detail": "检查当日上午九时，你站应到岗四十二人，实到三十五人，"
                           "其中三人未履行请假手续，考勤记录与实际到岗情况不符。"},
                {"title": "群众反映问题办理迟缓。",
                 "detail": "今年以来群众反映的质量投诉中有七件超过十五个工作日未予答复，"
                           "个别投诉件在科室之间推诿扯皮，长期无人负责。"},
                {"title": "整改工作推进缓慢。",
                 "detail": "教育实践活动中确定的四项整改任务，目前仍有两项未按期完成，整改台账更新不及时。"},
            ],
            "requirements": [
                "站领导班子要召开专题会议，认真剖析问题根源，制定整改方案，明确责任领导、责任人和完成时限。",
                "严格落实考勤、请销假和首问负责制度，对未履行请假手续的人员进行批评教育。",
                "对逾期未答复的投诉件逐件清理，在五个工作日内答复投诉人，并建立办理情况回访制度。",
                "举一反三，全面排查作风方面的问题，健全长效机制，防止问题反弹。",
            ],
            "working_days": 15,
            "deadline": dt.date(2015, 10, 28),
            "report_to": "局作风建设工作办公室",
            "consequences": "逾期未完成整改或整改不到位的，将视情节轻重对你站予以通报批评、"
                            "责令书面检查，情节严重的，按照有关规定追究单位主要负责人和相关责任人的责任。",
        },
        "circulated_criticism": {
            **_COMMON,
            "issuer_mark": "某市住房和城乡建设局文件",
            "doc_number": "某建发〔2015〕118号",
            "title": "关于对市建设工程质量监督站李某某同志上班时间玩电脑游戏问题的通报",
            "recipient": "局机关各科室，各下属单位",
            "subject": "市建设工程质量监督站工作人员李某某同志",
            "subject_is_unit": False,
            "facts": [
                "2015年9月29日上午十时，局作风建设工作办公室在不打招呼的暗访检查中发现，"
                "市建设工程质量监督站工作人员李某某同志在工作时间玩电脑游戏，办事群众在其办公室等候办理业务长达二十分钟无人接待。",
                "李某某同志的行为违反了机关工作纪律，损害了机关作风形象，在群众中造成了不良影响。",
            ],
            "decision": "为严肃工作纪律，经局作风建设工作领导小组研究，决定对李某某同志予以通报批评，"
                        "责令其作出深刻书面检查，取消其本年度评优评先资格。",
            "requirements": [
                "各单位要以此为戒，组织干部职工认真学习本通报，深刻汲取教训，切实增强纪律观念。",
                "各单位主要负责人要切实履行主体责任，加强对干部职工日常管理，坚决纠正上班时间玩游戏、看电影、聊天、购物等不良行为。",
                "局作风建设工作办公室将继续采取不打招呼、不定时间的方式开展暗访抽查，发现一起，查处一起，通报一起。",
            ],
        },
        "admonition_notice": {
            **_COMMON,
            "issuer_mark": "某市住房和城乡建设局",
            "doc_number": "某建诫〔2015〕2号",
            "title": "诫勉谈话通知书",
            "recipient": "王某某同志",
            "person": "王某某",
            "position": "市建筑市场管理站审批科科长",
            "reason": "经查，你在担任审批科科长期间，对科室工作人员上班时间擅离岗位、办事拖拉等问题失察失管，"
                      "你科今年以来超过承诺时限办结的事项达十九件，群众反映强烈。根据《某市住房和城乡建设局作风建设工作方案》有关规定，"
                      "决定对你进行诫勉谈话。",
            "talk_time": "2015年10月12日上午9时",
            "talk_place": "某市住房和城乡建设局三楼会议室",
            "talker": "马某某（局党组成员、纪检组长）",
            "recorder": "孙某某",
            "attachments": wording("cases").lines("admonition_attachments"),
            "requirements": [
                "按时到达指定地点，不得无故缺席或委托他人代为参加。",
                "如实说明有关情况，对存在的问题作出深刻反思，提出整改措施。",
                "谈话结束后五个工作日内，向局作风建设工作办公室提交书面整改报告。",
            ],
        },
        "written_check_notice": {
            **_COMMON,
            "issuer_mark": "某市住房和城乡建设局",
            "doc_number": "某建检〔2015〕5号",
            "title": "责令书面检查通知书",
            "recipient": "市建设工程安全监督站赵某某同志",
            "person": "赵某某",
            "facts": [
                "2015年9月30日，局作风建设工作办公室在督促检查中发现，你在负责的建筑施工安全投诉处理工作中，"
                "对群众反映的施工扰民问题拖延不办，投诉人三次到站反映均未得到答复，造成群众越级上访。",
            ],
            "requirements": [
                "对照作风建设有关要求，深刻剖析问题产生的思想根源。",
                "说明问题的具体经过，认清问题的性质和危害。",
                "提出切实可行的整改措施和完成时限。",
                "检查材料须本人签名，字数不少于一千五百字。",
            ],
            "submit_by": dt.date(2015, 10, 16),
            "submit_to": "局作风建设工作办公室",
            "plan_title": "《某市住房和城乡建设局作风建设工作方案》",
        },
        "decision": {
            **_COMMON,
            "issuer_mark": "某市住房和城乡建设局文件",
            "doc_number": "某建发〔2015〕126号",
            "title": "关于给予陈某某同志停职检查处理的决定",
            "recipient": "局机关各科室，各下属单位",
            "measure": "停职检查",
            "subject": "市城建档案馆副馆长陈某某",
            "facts": [
                "经查，陈某某同志在作风建设期间，对分管科室存在的档案查询服务推诿扯皮问题不闻不问，"
                "经通报批评和诫勉谈话后仍未整改，群众反映的十二件档案查询申请超过规定时限三十个工作日未予办理。",
            ],
            "basis": "依据《某市住房和城乡建设局作风建设工作方案》关于“对经过教育仍不改正的要严肃组织处理”的规定，"
                     "经局党组会议研究",
            "decision": "给予陈某某同志停职检查处理，停职检查期间由馆长直接分管相关科室工作。",
            "requirements": [
                "陈某某同志要在停职检查期间深刻反省，十个工作日内向局党组提交书面检查。",
                "市城建档案馆要立即组织清理积压的档案查询申请，二十个工作日内全部办结并回访群众。",
            ],
        },
        "commendation_notice": {
            **_COMMON,
            "issuer_mark": "某市住房和城乡建设局文件",
            "doc_number": "某建表〔2015〕1号",
            "title": "关于对市建筑市场管理站予以表彰的通报",
            "recipient": "局机关各科室，各下属单位",
            "subject": "市建筑市场管理站",
            "subject_is_unit": True,
            "facts": ["市建筑市场管理站认真对照问题清单逐项整改，窗口办件平均用时由七个工作日缩短至四个工作日，"
                      "群众满意度测评得分九十二分，所列问题全部按期整改销号。",
                      "该站建立首问负责、一次性告知和限时办结制度，在办事大厅公开办理流程、时限和监督电话，"
                      "每月开展窗口服务满意度测评，形成了可复制、可推广的经验做法，在全局起到了示范带动作用。"],
            "decision": "经局作风建设工作领导小组研究，决定对市建筑市场管理站予以通报表彰。",
            "requirements": ["希望受表彰的单位珍惜荣誉，再接再厉。", "各单位要以先进为榜样，推动作风持续好转。"],
        },
        "supervision_sheet": {
            **_COMMON,
            "issuer": _OFFICE,
            "issuer_mark": _OFFICE,
            "doc_number": "某建督〔2015〕12号",
            "title": "督办单",
            "seal_text": "作风建设工作办公室（印章）",
            "to_unit": "市建筑市场管理站",
            "item": {"no": "ZF-2015-017", "problem": "行政审批窗口办事拖拉，群众反映急事慢办",
                     "category": "效率低下", "source": "群众举报", "owner": "王某某"},
            "requirements": "请你单位对照问题清单立即组织核查整改，明确责任领导和责任人，"
                            "于办结期限前将整改落实情况书面报局作风建设工作办公室。",
            "due": dt.date(2015, 10, 23),
            "contact": "孙某某  0123-8105020",
        },
        "reminder_sheet": {
            **_COMMON,
            "issuer": _OFFICE,
            "issuer_mark": _OFFICE,
            "doc_number": "某建催〔2015〕4号",
            "title": "催办单",
            "seal_text": "作风建设工作办公室（印章）",
            "to_unit": "市城建档案馆",
            "item": {"no": "ZF-2015-009", "problem": "来文来件积压，答复群众诉求超过时限",
                     "category": "效率低下", "source": "暗访抽查", "owner": "陈某某"},
            "original_due": dt.date(2015, 10, 16),
            "due": dt.date(2015, 10, 21),
            "overdue_days": 3,
            "round": 2,
            "requirements": "该事项已超过办结期限，请你单位高度重视，立即组织办理，"
                            "于新的期限前报送整改落实情况；逾期仍未办结的，将按规定予以通报批评。",
            "contact": "孙某某  0123-8105020",
        },
        "ledger": {
            "issuer": _OFFICE,
            "title": "某市住房和城乡建设局作风建设整改落实台账",
            "as_of": dt.date(2015, 10, 30),
            "items": _sample_items(),
        },
        "bulletin": {
            "issuer": _BUREAU,
            "seal_text": "某市住房和城乡建设局（印章）",
            "title": "某市住房和城乡建设局作风建设整改公开栏（第1期）",
            "campaign_name": "某市住房和城乡建设局作风建设",
            "counts": {"published": 3, "rectified": 2, "open": 1, "on_time": 1},
            "units": [
                {"unit": "市建筑市场管理站", "problems": [
                    {"title": "行政审批窗口办事拖拉", "rectified": True, "measures": "公开办理流程和时限，实行限时办结",
                     "evidence": 2, "late": False, "late_days": 0, "sent_back": False,
                     "closed_on": dt.date(2015, 10, 20), "rechecked_on": dt.date(2015, 11, 5),
                     "due": dt.date(2015, 10, 23), "state_label": "回头看通过"},
                    {"title": "窗口人员上班时间玩手机", "rectified": False, "measures": "", "evidence": 0,
                     "late": False, "late_days": 0, "sent_back": False, "closed_on": None, "rechecked_on": None,
                     "due": dt.date(2015, 11, 13), "state_label": "整改中"},
                ]},
                {"unit": "市建设工程质量监督站", "problems": [
                    {"title": "质量投诉答复超过时限", "rectified": True, "measures": "逐件清理积压投诉件，建立回访制度",
                     "evidence": 1, "late": True, "late_days": 2, "sent_back": True,
                     "closed_on": dt.date(2015, 10, 28), "rechecked_on": None,
                     "due": dt.date(2015, 10, 23), "state_label": "已销号"},
                ]},
            ],
            "rankings": {"title": "满意度测评", "max_score": 100, "pass_score": 80, "rows": [
                {"rank": 1, "unit": "市建筑市场管理站", "score": 92.5, "passed": True},
                {"rank": 2, "unit": "市建设工程质量监督站", "score": 76.0, "passed": False}]},
            "commendations": [{"date": dt.date(2015, 11, 26), "unit": "市建筑市场管理站", "person": "",
                               "is_person": False, "reason": "窗口服务整改成效明显"}],
            "hotlines": ["0123-8105021", "0123-8105020"],
            "office": _OFFICE,
        },
        "campaign_report": {
            "issuer": _BUREAU,
            "title": "某市住房和城乡建设局作风建设工作总结",
            **_sample_campaign_report(),
        },
        "work_summary": {
            "issuer": _BUREAU,
            "title": "王明同志作风建设情况（述职材料）",
            "facts": _sample_work_summary(),
        },
        "publicity": {
            "issuer": _BUREAU,
            "seal_text": "某市住房和城乡建设局（印章）",
            "title": "关于作风建设整改情况的公示",
            "intro": "按照“开门开放抓整改”的要求，现将我局作风建设中群众反映强烈问题的整改情况予以公示，"
                     "接受干部群众监督。对整改情况有意见和建议的，请在公示期内通过以下方式反映，"
                     "我局将逐件登记、认真核实，并在公示期满后五个工作日内向反映人反馈核实结果。",
            "period_start": dt.date(2015, 11, 2),
            "period_end": dt.date(2015, 11, 8),
            "units": [
                {"unit": "市建筑市场管理站", "items": [
                    {"no": "ZF-2015-017", "problem": "行政审批窗口办事拖拉",
                     "measures": "调整窗口人员，公开办理流程和时限，实行限时办结",
                     "result": "已整改，平均办理时间由七个工作日缩短至四个工作日"},
                    {"no": "ZF-2015-021", "problem": "窗口人员上班时间玩手机",
                     "measures": "对相关人员批评教育，建立窗口巡查制度",
                     "result": "已整改，经验收销号"},
                ]},
                {"unit": "市建设工程质量监督站", "items": [
                    {"no": "ZF-2015-004", "problem": "质量投诉答复超过时限",
                     "measures": "逐件清理积压投诉件，建立回访制度",
                     "result": "七件投诉件已全部答复并回访"},
                ]},
            ],
            "verified": "以下问题的整改结果均经局作风建设工作办公室验收。",
            "contact": "监督电话：0123-8105021、0123-8105020；意见箱：某市住房和城乡建设局一楼大厅",
        },
    }
    context = samples[kind]
    context.setdefault("date", date)
    return context
