"""What happens in the demo campaign: problem texts, opinions, findings and the accountability script.

Texts follow the plan's manifestations (§四) and the bureau's line of work; the
incidents put every rung of the accountability ladder (§五(二)2, §六(三)) on stage
once, with the people who decide, approve and execute it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Personal problems from the 查摆 (self-check), per category code.
SELF_CHECK = {
    "yong": (
        "对新修订的建设领域法规学习不深，业务指导时政策依据说不清",
        "起草文稿思路不清，材料多次返工",
        "对分管业务标准把握不严，审查意见不够规范",
        "遇到复杂问题习惯上交矛盾，不敢拍板",
        "落实局党组部署的工作进度滞后",
        "参加业务培训走过场，专业能力提升不明显",
        "下基层调研少，对企业和群众的实际困难了解不够",
        "工作满足于过得去，缺少创新思路",
    ),
    "lan": (
        "对企业咨询电话答复不及时，存在推诿现象",
        "来文来件办理拖拉，个别文件超过办理时限",
        "审批材料一次性告知不到位，办事群众多次往返",
        "工作缺乏主动性，安排一项做一项",
        "现场检查次数不足，监督记录填写不全",
        "群众来信来访答复超过规定时限",
        "档案整理、资料归档长期积压",
        "服务窗口午间和下班前提前停止受理",
    ),
    "san": (
        "偶有迟到早退，请销假手续不全",
        "上班时间浏览与工作无关的网页、玩手机",
        "参加会议时有迟到，会上看手机",
        "外出不按规定登记，存在溜岗现象",
        "办公场所文件资料随意摆放，办公秩序不规范",
        "工作时间闲聊，影响办公秩序",
        "值班期间脱岗",
        "执行单位考勤制度打折扣，自由散漫",
    ),
    "ruan": (
        "对同事身上的问题碍于情面不批评、不指出",
        "对监管对象存在的质量安全隐患督促整改不坚决",
        "执行局里的工作制度不严，有令不行",
        "对分管工作抓而不实，满足于开会发文",
        "遇到矛盾绕着走，责任担当不够",
        "对群众投诉的问题调查处理不彻底",
        "履行“一岗双责”不到位，对下属管理失之于宽",
        "工作中存在老好人思想",
    ),
}

# 整改措施 (the 任务书 of a problem list entry).
MEASURES = (
    "制定个人学习计划，每周集中学习不少于半天，撰写学习笔记",
    "建立个人工作台账，明确办理时限，逐件办结销号",
    "严格执行首问负责、限时办结和一次性告知制度",
    "严格遵守考勤和请销假制度，主动接受科室监督",
    "每月至少两次深入基层和企业开展调研，形成调研报告",
    "在支部组织生活会上作对照检查，开展批评与自我批评",
    "对照岗位职责逐项梳理工作流程，堵塞管理漏洞",
    "对发现的问题建立整改清单，跟踪督促整改到位",
)

# Opinions gathered in September (§五(一)3), as given: (source, unit code, category, respondent,
# the respondent's words, the item title the office writes when it accepts the opinion).
OPINIONS = (
    ("座谈会", "SPC", "lan", "工作对象", "我们企业办一个资质要跑好几个窗口，每个窗口要的材料还不一样，前后拖了一个多月。",
     "企业代表反映资质审批环节多、时限长，材料要求不一致"),
    ("座谈会", "JGC", "lan", "工作对象", "施工许可从受理到发证要在几个处室之间转来转去，等得太久。",
     "施工许可办理环节多，跨处室流转时间长"),
    ("座谈会", "ZFC", "yong", "党员干部", "新政策下来以后没人给我们讲，各站所理解不一样，执行起来各搞各的。",
     "新出台政策文件解读不及时，基层执行尺度不一"),
    ("座谈会", "JCC", "lan", "党员干部", "报一次差旅费要签好几个字，审核一拖就是半个月。", "经费报销审核周期长，手续繁琐"),
    ("座谈会", "BGS", "ruan", "党员干部", "会开得太多，文件一个接一个，有的会开完了也没定下来怎么办。",
     "机关会议多、文件多，部分会议议而不决"),
    ("走访群众", "ZJZ", "lan", "服务对象", "房子漏水投诉到质监站，登记完就没有下文了，打电话也只说在处理。",
     "群众反映质量投诉受理后回复不及时"),
    ("走访群众", "DAG", "lan", "服务对象", "查个档案来回跑了三趟，窗口也没说清楚要带什么。", "档案查询需要多次跑腿，窗口告知不清楚"),
    ("走访群众", "AJZ", "ruan", "群众", "安监站的人来工地转一圈拍个照就走了，隐患还是那些隐患。",
     "施工现场安全监督检查重形式、轻实效"),
    ("走访群众", "SCZ", "san", "服务对象", "中午去办事窗口没人，一直等到下午上班才有人。", "窗口工作人员午休时段无人值守"),
    ("走访群众", "SPC", "san", "服务对象", "窗口里几个人在聊天，外面排了一长队也没人管。", "窗口工作人员上班时间聊天，群众排队等候时间长"),
    ("问卷调查", "ZBB", "yong", "工作对象", "备案要交的材料每次说法都不一样，网上的办事指南还是老版本。",
     "招投标备案材料要求前后不一，服务指南更新不及时"),
    ("问卷调查", "ZJG", "lan", "工作对象", "造价信息发布总是晚一个月，企业要用的时候查不到。", "工程造价信息发布滞后，企业查询不便"),
    ("问卷调查", "KJC", "lan", "工作对象", "项目报上去评审要等好几个月，进度到哪一步也查不到。", "科技项目评审周期长，进度不透明"),
    ("问卷调查", "CZC", "yong", "服务对象", "村里盖房子想请技术人员来指导，一直没人来。", "对村镇建设项目的技术指导服务不到位"),
    ("问卷调查", "DAG", "yong", "服务对象", "档案查询系统经常打不开，数字化的档案也查不全。", "档案数字化进度慢，查询系统经常无法使用"),
    ("征求意见表", "RJC", "yong", "党员干部", "培训讲的内容和我们岗位上用的关系不大。", "干部培训针对性不强，培训内容与岗位需求脱节"),
    ("征求意见表", "JCS", "ruan", "群众", "反映的事情交上去了，处理结果一直没人告诉我们。", "对举报线索的处理结果反馈不及时"),
    ("征求意见表", "ZJZ", "ruan", "工作对象", "有的企业违规了也就是说两句，没见真处罚。", "对个别企业的违规行为处罚不到位，存在老好人思想"),
    ("征求意见表", "AJZ", "lan", "群众", "反映了工地的安全隐患，过了很久才有人来看。", "安全事故隐患举报核查慢"),
    ("征求意见表", "SCZ", "lan", "工作对象", "企业诚信信息变了，去更新要等很久。", "企业诚信信息录入更新不及时"),
)
# Opinions the office merges into the item an earlier opinion became: (source, unit code,
# respondent, words, index in OPINIONS of the opinion whose item it joins).
MERGED_OPINIONS = (
    ("问卷调查", "SPC", "工作对象", "资质审批要的材料太多，每次去都说还缺东西。", 0),
    ("征求意见表", "DAG", "服务对象", "档案馆窗口告知不清楚，白跑了好几趟。", 6),
    ("征求意见表", "ZJZ", "服务对象", "质量投诉以后一直没人回复处理结果。", 5),
)
# Opinions the office does not take up: (source, unit code, respondent, words, the office's reason).
DISMISSED_OPINIONS = (
    ("走访群众", "SCZ", "群众", "小区物业收费太高，希望有人管一管。",
     "反映的物业收费问题不属于本次专项整治范围，已转交有关部门处理"),
    ("问卷调查", "KJC", "工作对象", "希望多组织一些文体活动。", "属于工会工作建议，不涉及作风问题，已转局工会研究"),
)

# What a 暗访 or 作风纪律检查 finds (category code, text).
FINDINGS = {
    "暗访抽查": (
        ("san", "暗访发现工作人员上班时间玩手机，来电无人接听"),
        ("san", "暗访发现办公室无人值守，工作人员去向不明"),
        ("lan", "暗访发现办事群众排队等候时间过长，窗口只开一个"),
        ("lan", "暗访发现对群众咨询答复敷衍，一次性告知不到位"),
        ("ruan", "暗访发现首问负责制度执行不到位，群众被多次转办"),
    ),
    "作风纪律检查": (
        ("san", "作风纪律检查发现上班时间迟到，考勤记录与实际不符"),
        ("san", "作风纪律检查发现工作时间浏览购物网站"),
        ("san", "作风纪律检查发现擅自离岗，未履行请假手续"),
        ("ruan", "作风纪律检查发现办公秩序混乱，工作台账未及时更新"),
    ),
}

# Reports from the public (§五(二)1), as received: (source, unit code, category, the reporter's
# words, the office's triage — "accept" with the item title it writes, "merge" into the unit's
# item from the opinions, "dismiss" as 不属实 with its reason — and the public reply).
REPORTS = (
    ("举报电话", "SPC", "lan", "我上周去办施工许可，同一份材料让我交了三次，每次换个人就要重新交。",
     "accept", "群众来电（8105008）反映：办理施工许可被要求重复提交材料", ""),
    ("举报电话", "ZJZ", "lan", "我家房子的质量问题投诉了一个多月，到现在没有人给个答复。", "merge", "", ""),
    ("举报信箱", "DAG", "san", "档案馆查询窗口工作日下午三点多就没人了，好几次白跑一趟。",
     "accept", "举报信反映：档案馆查询窗口工作日下午经常提前下班", ""),
    ("举报电话", "AJZ", "ruan", "工地晚上施工吵得睡不着，安监站的人来了一趟就走了，什么也没管。",
     "accept", "群众来电（8105008）反映：工地夜间施工扰民，安监人员到场后不了了之", ""),
    ("举报信箱", "SCZ", "lan", "我们公司的诚信记录有错，申请更正三个月了还没有办。",
     "accept", "举报信反映：企业诚信记录更正申请迟迟不予办理", ""),
    ("举报电话", "ZBB", "ruan", "招标文件提了异议，回复说得含含糊糊，等于没有答复。",
     "dismiss", "经调阅异议处理记录，已在规定期限内书面答复，答复内容明确，反映问题不属实",
     "经核查，您提出的异议已在规定期限内书面答复，反映问题不属实。如有新的情况，欢迎再次反映。"),
    ("举报信箱", "JGC", "lan", "竣工验收备案材料交上去二十多天了，一直说还在审。",
     "accept", "举报信反映：建设项目竣工验收备案办理拖拉", ""),
    ("举报电话", "ZJG", "yong", "问了两次造价咨询，两次的答复完全不一样。",
     "accept", "群众来电（8105008）反映：造价咨询答复前后矛盾", ""),
)
# Who reported (name, phone), in turn; a mailbox letter now and then comes unsigned. Compound
# surnames: no generated cadre shares a reporter's name (tests/test_reporter_protection.py).
REPORTERS = (
    ("欧阳秋实", "13919310427"), ("司马青云", "13609318852"), ("上官明远", "18993107316"),
    ("诸葛文澜", "15379046258"), ("慕容晓川", "13893260741"), ("令狐子衿", "18919807635"),
    ("东方望舒", "13519422096"), ("皇甫一鸣", "17797031548"), ("夏侯知秋", "15002521873"),
    ("端木思齐", "13830962417"),
)
UNSIGNED_LETTERS = (6,)  # indexes in REPORTS of letters without a name
REPORT_REPLIES = {"accept": "您反映的问题已立为整改问题，交责任单位限期整改。",
                  "merge": "您反映的问题已并入同类整改问题，一并督促整改。"}

RECHECK_RELAPSES = (
    "回头看发现整改措施未坚持，问题出现反弹",
    "回头看发现整改流于形式，群众仍有反映",
    "回头看抽查台账，发现整改后同类问题再次出现",
)


@dataclass(frozen=True)
class Incident:
    """A scripted case: the finding (an item about one person or unit) and how it ends."""

    day: dt.date
    source: str
    unit: str  # unit code; the subject is one of its cadres unless ``subject_unit``
    category: str
    title: str
    measure: str  # measure code from the plan
    facts: str
    subject_unit: bool = False
    subject_deputy: bool = False  # the unit's deputy head rather than a staff member
    appeal: str = ""  # the subject's appeal after execution (rejected: the decision stands)
    unfounded: bool = False  # investigation finds nothing: the case is dismissed
    sanction: str = ""  # the measure's sanction, where the plan lists them (default: its lightest)
    said: str = ""  # a report's words, as the reporter gave them (reports only)


D = dt.date
INCIDENTS = (
    Incident(D(2015, 10, 12), "暗访抽查", "SPC", "san", "暗访发现窗口工作人员上班时间玩手机游戏，办事群众等候无人接待",
             "admonition_talk", "暗访人员以办事群众身份到窗口咨询，等候十五分钟无人接待，该同志一直在玩手机游戏。"),
    Incident(D(2015, 10, 13), "作风纪律检查", "ZJZ", "san", "作风纪律检查发现工作人员上班时间玩电脑游戏",
             "circulated_criticism", "上午十时检查时该同志正在玩电脑游戏，办事群众在办公室等候二十分钟无人接待。",
             appeal="本人当时系查阅技术资料，并非玩游戏，请求复核"),
    Incident(D(2015, 10, 15), "举报电话", "SCZ", "lan", "群众举报（8105008）：办理企业资质变更时推诿扯皮，三次往返未办结",
             "written_self_criticism", "经核实，该同志对企业资质变更申请以材料不全为由三次退回，但未一次性告知所缺材料。",
             said="去市场站办资质变更，被以材料不全退回了三次，每次只说缺一样东西。"),
    Incident(D(2015, 10, 19), "暗访抽查", "SPC", "lan", "暗访抽查发现行政审批服务窗口办件超时率高、一次性告知不到位",
             "efficiency_supervision_advice", "调阅近三个月办件登记，超过承诺时限办结的占百分之十五，未一次性告知补正材料的十一件。",
             subject_unit=True),
    Incident(D(2015, 10, 20), "举报信箱", "DAG", "san", "举报信反映：档案查询窗口工作人员态度生硬，与群众发生争执",
             "public_apology", "经调取窗口监控和询问当事群众，该同志在群众查询档案时态度生硬并发生争执，情况属实。",
             said="档案馆窗口的工作人员态度很差，说两句就和我吵起来了。"),
    Incident(D(2015, 10, 21), "举报电话", "ZBB", "ruan", "群众举报（8105020）：招投标备案窗口工作人员刁难企业",
             "criticism_education", "经调查核实，被举报人按规定要求企业补正材料，不存在刁难行为，举报反映问题不属实。",
             unfounded=True, said="招投标备案窗口的人故意刁难我们企业，材料一遍一遍让改。"),
    Incident(D(2015, 10, 22), "作风纪律检查", "AJZ", "san", "作风纪律检查发现值班人员擅离岗位，群众投诉电话无人接听",
             "public_self_criticism", "值班表显示该同志当日值班，检查时不在岗，两小时内三个投诉电话无人接听。"),
    Incident(D(2015, 10, 27), "作风纪律检查", "KJC", "san", "作风纪律检查发现工作人员连续多日无故不在岗",
             "suspension_for_inspection", "考勤记录和检查情况显示该同志十月份五个工作日未到岗且未履行请假手续，经督办仍未改正。"),
    Incident(D(2015, 11, 3), "举报信箱", "JGC", "ruan", "举报信反映：分管科室多项整改任务长期推进不力，逾期未完成",
             "organizational_handling", "经核实，该同志分管的四项整改任务均已逾期，经催办、督办仍推进不力，负有领导责任。",
             subject_deputy=True, sanction="调整岗位处理", said="建设管理处的整改任务拖了好久都没完成，分管的领导不管不问。"),
    Incident(D(2015, 11, 10), "举报信箱", "ZJG", "san", "举报信反映：工作人员上班期间多次擅离职守外出办理私事",
             "disciplinary_sanction", "该同志十月以来多次在上班期间外出办理私事，经批评教育后仍不改正，情节严重。",
             sanction="记过处分", said="造价站有个工作人员上班时间经常出去办私事，找他办事总找不到人。"),
)

# When people hand in their problem lists: (share, first day, last day). Most on time,
# some late (the weekly reminders catch them), a few only after the National Day holiday.
LIST_FILING = (
    (0.85, (D(2015, 9, 7), D(2015, 9, 18))),
    (0.12, (D(2015, 9, 21), D(2015, 9, 30))),
    (0.03, (D(2015, 10, 8), D(2015, 10, 9))),
)
# 时间表 of a list line, and the head's (or the leading group's) review.
MILESTONES = "{first}前制定整改措施；{due}前整改到位"
LIST_APPROVED = "任务书明确，时间表可行，同意"
# The last filing window lies after the problem-list phase: the office opens 自查 for it.
LATE_LISTS_REASON = "国庆假期前未能列出问题清单的同志补报本人问题清单"
OPINION_DAYS = {"座谈会": D(2015, 9, 15), "走访群众": D(2015, 9, 17), "问卷调查": D(2015, 9, 22),
                "征求意见表": D(2015, 9, 24)}
REPORT_WINDOW = (D(2015, 10, 7), D(2015, 11, 20))  # working days in (first, last]
# 对账销号: a unit returns its part of the 台账 with its progress; the office confirms the next working day.
RECONCILE_DAY = D(2015, 11, 16)
RECONCILE_ADDED_LINE = "科室自行补充的问题：办公用品领用登记不规范"  # a line the unit added, without a number

# 满意度测评 rounds for the 民生 units (§五(三)1): (day, method, responses range).
SATISFACTION_ROUNDS = (
    (D(2015, 11, 6), "电话抽查", (40, 60)),
    (D(2015, 11, 20), "问卷调查", (80, 150)),
)
COMMENDATION_DAY = D(2015, 11, 26)
NOTICE_DAY = D(2015, 9, 29)  # 整改通知书 for the opinions, once all are assigned
PUBLICITY_DAY = D(2015, 11, 27)  # 公示: 公布整改成效 (§五(二)3, §五(三))
UNIT_CRITICISM_DAY = D(2015, 10, 30)

# 集中学习: why someone missed a session (the demo's study sessions, duban.demo.programme).
ABSENCE_REASONS = ("出差", "病假", "下基层调研", "参加培训")
