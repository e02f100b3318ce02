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

# Opinions gathered in September (§五(一)3): (source, unit code, category, text).
OPINIONS = (
    ("座谈会", "SPC", "lan", "企业代表反映资质审批环节多、时限长，材料要求不一致"),
    ("座谈会", "JGC", "lan", "施工许可办理环节多，跨处室流转时间长"),
    ("座谈会", "ZFC", "yong", "新出台政策文件解读不及时，基层执行尺度不一"),
    ("座谈会", "JCC", "lan", "经费报销审核周期长，手续繁琐"),
    ("座谈会", "BGS", "ruan", "机关会议多、文件多，部分会议议而不决"),
    ("走访群众", "ZJZ", "lan", "群众反映质量投诉受理后回复不及时"),
    ("走访群众", "DAG", "lan", "档案查询需要多次跑腿，窗口告知不清楚"),
    ("走访群众", "AJZ", "ruan", "施工现场安全监督检查重形式、轻实效"),
    ("走访群众", "SCZ", "san", "窗口工作人员午休时段无人值守"),
    ("走访群众", "SPC", "san", "窗口工作人员上班时间聊天，群众排队等候时间长"),
    ("问卷调查", "ZBB", "yong", "招投标备案材料要求前后不一，服务指南更新不及时"),
    ("问卷调查", "ZJG", "lan", "工程造价信息发布滞后，企业查询不便"),
    ("问卷调查", "KJC", "lan", "科技项目评审周期长，进度不透明"),
    ("问卷调查", "CZC", "yong", "对村镇建设项目的技术指导服务不到位"),
    ("问卷调查", "DAG", "yong", "档案数字化进度慢，查询系统经常无法使用"),
    ("征求意见表", "RJC", "yong", "干部培训针对性不强，培训内容与岗位需求脱节"),
    ("征求意见表", "JCS", "ruan", "对举报线索的处理结果反馈不及时"),
    ("征求意见表", "ZJZ", "ruan", "对个别企业的违规行为处罚不到位，存在老好人思想"),
    ("征求意见表", "AJZ", "lan", "安全事故隐患举报核查慢"),
    ("征求意见表", "SCZ", "lan", "企业诚信信息录入更新不及时"),
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

# Reports from the public (§五(二)1): (source, unit code, category, text).
REPORTS = (
    ("举报电话", "SPC", "lan", "群众来电（8105008）反映：办理施工许可被要求重复提交材料"),
    ("举报电话", "ZJZ", "lan", "群众来电（8105020）反映：住宅工程质量投诉一个多月无人答复"),
    ("举报信箱", "DAG", "san", "举报信反映：档案馆查询窗口工作日下午经常提前下班"),
    ("举报电话", "AJZ", "ruan", "群众来电（8105008）反映：工地夜间施工扰民，安监人员到场后不了了之"),
    ("举报信箱", "SCZ", "lan", "举报信反映：企业诚信记录更正申请迟迟不予办理"),
    ("举报电话", "ZBB", "ruan", "群众来电（8105020）反映：招标文件异议处理答复含糊"),
    ("举报信箱", "JGC", "lan", "举报信反映：建设项目竣工验收备案办理拖拉"),
    ("举报电话", "ZJG", "yong", "群众来电（8105008）反映：造价咨询答复前后矛盾"),
)

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


D = dt.date
INCIDENTS = (
    Incident(D(2015, 10, 12), "暗访抽查", "SPC", "san", "暗访发现窗口工作人员上班时间玩手机游戏，办事群众等候无人接待",
             "admonition_talk", "暗访人员以办事群众身份到窗口咨询，等候十五分钟无人接待，该同志一直在玩手机游戏。"),
    Incident(D(2015, 10, 13), "作风纪律检查", "ZJZ", "san", "作风纪律检查发现工作人员上班时间玩电脑游戏",
             "circulated_criticism", "上午十时检查时该同志正在玩电脑游戏，办事群众在办公室等候二十分钟无人接待。",
             appeal="本人当时系查阅技术资料，并非玩游戏，请求复核"),
    Incident(D(2015, 10, 15), "举报电话", "SCZ", "lan", "群众举报（8105008）：办理企业资质变更时推诿扯皮，三次往返未办结",
             "written_self_criticism", "经核实，该同志对企业资质变更申请以材料不全为由三次退回，但未一次性告知所缺材料。"),
    Incident(D(2015, 10, 19), "暗访抽查", "SPC", "lan", "暗访抽查发现行政审批服务窗口办件超时率高、一次性告知不到位",
             "efficiency_supervision_advice", "调阅近三个月办件登记，超过承诺时限办结的占百分之十五，未一次性告知补正材料的十一件。",
             subject_unit=True),
    Incident(D(2015, 10, 20), "举报信箱", "DAG", "san", "举报信反映：档案查询窗口工作人员态度生硬，与群众发生争执",
             "public_apology", "经调取窗口监控和询问当事群众，该同志在群众查询档案时态度生硬并发生争执，情况属实。"),
    Incident(D(2015, 10, 21), "举报电话", "ZBB", "ruan", "群众举报（8105020）：招投标备案窗口工作人员刁难企业",
             "criticism_education", "经调查核实，被举报人按规定要求企业补正材料，不存在刁难行为，举报反映问题不属实。",
             unfounded=True),
    Incident(D(2015, 10, 22), "作风纪律检查", "AJZ", "san", "作风纪律检查发现值班人员擅离岗位，群众投诉电话无人接听",
             "public_self_criticism", "值班表显示该同志当日值班，检查时不在岗，两小时内三个投诉电话无人接听。"),
    Incident(D(2015, 10, 27), "作风纪律检查", "KJC", "san", "作风纪律检查发现工作人员连续多日无故不在岗",
             "suspension_for_inspection", "考勤记录和检查情况显示该同志十月份五个工作日未到岗且未履行请假手续，经督办仍未改正。"),
    Incident(D(2015, 11, 3), "举报信箱", "JGC", "ruan", "举报信反映：分管科室多项整改任务长期推进不力，逾期未完成",
             "organizational_handling", "经核实，该同志分管的四项整改任务均已逾期，经催办、督办仍推进不力，负有领导责任。",
             subject_deputy=True, sanction="调整岗位处理"),
    Incident(D(2015, 11, 10), "举报信箱", "ZJG", "san", "举报信反映：工作人员上班期间多次擅离职守外出办理私事",
             "disciplinary_sanction", "该同志十月以来多次在上班期间外出办理私事，经批评教育后仍不改正，情节严重。",
             sanction="记过处分"),
)

# When people hand in their problem lists: (share, first day, last day). Most on time,
# some late (the weekly reminders catch them), a few only after the National Day holiday.
LIST_FILING = (
    (0.85, (D(2015, 9, 7), D(2015, 9, 18))),
    (0.12, (D(2015, 9, 21), D(2015, 9, 30))),
    (0.03, (D(2015, 10, 8), D(2015, 10, 9))),
)
# The last filing window lies after the problem-list phase: the office opens 自查 for it.
LATE_LISTS_REASON = "国庆假期前未能列出问题清单的同志补报本人问题清单"
OPINION_DAYS = {"座谈会": D(2015, 9, 15), "走访群众": D(2015, 9, 17), "问卷调查": D(2015, 9, 22),
                "征求意见表": D(2015, 9, 24)}
REPORT_WINDOW = (D(2015, 10, 7), D(2015, 11, 20))  # working days in (first, last]

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
