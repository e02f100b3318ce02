"""Chinese labels for the codes duban stores: states, history events, duties, kinds.

Human output shows the label, ``--json`` keeps the code. Every entry point (CLI, web,
documents) looks labels up here, and accepts either the code or the label as input:

    from duban.labels import label, code_of
    label("state", "rectifying")   # 整改中
    label("event", "document_issued")  # 制发文书
    code_of("light", "红灯")        # red   (BadInput listing the labels when unknown)

An unknown code is shown as itself, so a code added elsewhere never breaks a screen;
add its label to the table here.
"""

from __future__ import annotations

from functools import lru_cache

from duban.errors import BadInput


def _lifecycles() -> tuple[dict, dict]:
    from statemachines.case import CASE
    from statemachines.item import ITEM

    return {**ITEM.states, **CASE.states}, {**ITEM.triggers, **CASE.triggers}


# Events that are not a lifecycle trigger (the lifecycles' own triggers are added below).
_EVENTS = {
    "identify": "登记问题", "propose": "提出问责（立案）", "attach": "上传佐证材料", "escalate": "催办/督办",
    "document_issued": "制发文书", "document_reissued": "重新制发文书",
    "deadline_request": "申请延期", "deadline_approve": "批准延期", "deadline_refuse": "不批准延期",
    "deadline_pause": "挂起期限", "deadline_resume": "恢复期限",
    "permission_denied": "拒绝越权操作", "person_created": "新增人员", "org_imported": "导入组织机构",
    "campaign_created": "导入方案", "campaign_updated": "更新方案", "draw": "随机抽取",
    "reminders_sent": "发出提醒", "satisfaction_recorded": "登记满意度测评",
    "satisfaction_published": "公开满意度测评结果", "ledger_published": "公开整改台账",
    "phase_opened": "阶段开始", "phase_closed": "阶段结束", "commend": "表彰先进典型",
    "study_recorded": "登记集中学习", "mechanism_adopted": "上传制度文件",
    "report_received": "受理举报", "report_triaged": "办理举报", "report_overdue": "举报逾期未办",
    "report_revealed": "查看举报人信息",
    "problem_list_submitted": "报送问题整改清单", "problem_list_reviewed": "审核问题整改清单",
    "opinion_recorded": "登记意见建议", "opinion_triaged": "办理意见建议",
    "password_set": "设置控制台密码", "password_changed": "修改控制台密码", "login": "登录控制台",
    "login_failed": "登录失败", "login_throttled": "登录被限制", "logout": "退出控制台",
    "phase_override": "放开阶段限制", "visit_recorded": "登记暗访检查结果",
    "draws_committed": "公布抽取密钥哈希", "draw_revealed": "揭示抽取密钥",
    "measure_done": "问责措施落实", "case_escalated": "督促落实问责措施",
    "ledger_written": "生成整改落实台账", "publishable_set": "决定是否公开", "publication_released": "发布整改公开",
}

# What the daily tick does (its own duty keys) and how each day's duty ended.
_TICK_DUTIES = {
    "phase_open": "阶段开始", "phase_close": "阶段结束", "problem_lists": "问题清单提醒", "sweep": "逾期巡查",
    "spot_check": "暗访抽查", "discipline_check": "作风纪律检查", "recheck": "回头看抽取",
    "satisfaction": "满意度测评提醒", "accountability": "单位问责建议", "publish": "台账与公开提醒",
    "study": "集中学习提醒", "collect_opinions": "征求意见提醒", "reports": "举报交办提醒", "mechanisms": "长效机制提醒",
    "draw_commit": "公布抽取密钥哈希", "draw_reveal": "揭示抽取密钥",
}
_TICK_STATUSES = {"done": "完成", "already_done": "此前已完成", "unavailable": "服务未提供", "refused": "不予执行"}

# The plan's duty codes; a plan names its duties in its own words, which win where present.
_PLAN_DUTIES = {
    "study": "动员学习", "problem_lists": "查摆问题清单", "collect_opinions": "征求意见", "sweep": "逾期巡查",
    "spot_check": "暗访抽查", "discipline_check": "作风纪律检查", "reports": "举报受理", "accountability": "问责",
    "publish": "结果公开", "satisfaction": "满意度测评", "mechanisms": "建章立制", "recheck": "回头看",
}

_STATIC = {
    "event": _EVENTS,
    "tick_duty": _TICK_DUTIES,
    "tick_status": _TICK_STATUSES,
    "duty": _PLAN_DUTIES,
    "light": {"red": "红灯", "yellow": "黄灯", "green": "绿灯"},
    "reminder": {"problem_list": "问题清单提醒", "satisfaction": "满意度测评提醒", "study": "集中学习提醒",
                 "study_absence": "缺席补学提醒", "collect_opinions": "征求意见提醒", "reports": "举报交办提醒",
                 "mechanisms": "长效机制提醒", "mechanism": "长效机制提醒", "measure": "问责措施催办督办",
                 "publication": "整改公开提醒", "inquiry": "质询"},
    "draw": {"spot_check": "随机暗访抽查", "discipline_check": "作风纪律检查", "recheck": "回头看",
             "targeted_check": "定向检查"},
    "trend": {"up": "上升", "down": "下降", "same": "持平"},
    "appeal_outcome": {"upheld": "维持原决定", "overturned": "撤销问责", "changed": "变更处理"},
    "machine": {"item": "整改问题", "case": "问责案件"},
    "identity": {"sealed": "（已加密）", "anonymous": "（匿名）"},
    "visit_outcome": {"clean": "无问题", "found": "发现问题"},
}

# Short forms people type for a few tables, besides the labels themselves.
_ALIASES = {
    "light": {"红": "red", "黄": "yellow", "绿": "green"},
    "draw": {"暗访抽查": "spot_check", "暗访": "spot_check"},
    "appeal_outcome": {"维持": "upheld", "撤销": "overturned", "变更": "changed"},
}


@lru_cache(maxsize=None)
def table(name: str) -> dict[str, str]:
    """code → label for one table: state, event, duty, tick_duty, tick_status, light,
    reminder, draw, appeal_outcome, machine, document."""
    if name == "state":
        return _lifecycles()[0]
    if name == "event":
        return {**_lifecycles()[1], **_EVENTS}
    if name == "document":
        from duban.documents.kinds import KINDS

        return {code: kind.name for code, kind in KINDS.items()}
    return _STATIC[name]


def label(name: str, code: str | None) -> str:
    """The Chinese label of a code ('' for None; the code itself if it has none)."""
    if code is None:
        return ""
    return table(name).get(code, code)


def code_of(name: str, text: str | None, what: str = "") -> str | None:
    """The code a user meant, given as code or label; None stays None."""
    if text is None:
        return None
    value = text.strip()
    labels = table(name)
    if value in labels:
        return value
    for code, shown in labels.items():
        if value == shown:
            return code
    alias = _ALIASES.get(name, {}).get(value)
    if alias is not None:
        return alias
    raise BadInput(f"{what or '取值'}无效：{value}（可选：{'、'.join(labels.values())}）")


def choices(name: str) -> str:
    """The labels of a table, for help texts: 红灯、黄灯、绿灯."""
    return "、".join(table(name).values())
