"""Reports (举报) from the plan's hotlines and mailbox: receive, triage, reveal, receipt lookup.

A reporter is never exposed. The identity is sealed with a key outside the database
(``identity_vault``) and read only through ``reveal_identity``, by the roles the plan names
(``rules.reports.reveal_roles``), each reveal an event. The report's words stay in the
report: triage creates the item from the office's own title. Events carry hashes of free
text, never the text. ``report_status`` is what a reporter (CLI or web) may see: the state
and the public reply, for a receipt code; wrong codes are rate-limited and every wrong
code gets the same answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import func, select

from duban import permissions
from duban.errors import BadInput, ConcurrentModification, NotFound, RuleViolation
from duban.labels import label
from duban.services import identity_vault
from duban.services.common import actor, business_date, clean_text, warn_outside_campaign, work_calendar
from duban.services.items import TEXT_MAX, register_item
from duban.services.phase_gate import require_open
from duban.services.reporter_protection import reporting_sources
from statemachines.report import REPORT, ReportFacts
from storage.models import Campaign, ProblemItem, ReceiptLookup, Report, utcnow
from storage.uow import UnitOfWork, campaign_chain

RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over the phone
RECEIPT_GROUPS = 4
UNKNOWN_RECEIPT = "查询码无效，或暂无可查询的结果"
TOO_MANY_LOOKUPS = "查询过于频繁，请一小时后再试"
NAME_MAX, CONTACT_MAX = 50, 100


def _rules(campaign) -> dict:
    return campaign.plan.get("rules", {}).get("reports", {})


def _sha(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()


def _receipt_hash(code: str) -> str:
    return _sha("".join(c for c in code.upper() if c.isalnum()))


def _new_receipt() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_GROUPS * 4))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _channel(campaign, channel: str) -> str:
    """The source code of one of the plan's reporting channels (code or name accepted)."""
    names = {s["code"]: s["name"] for s in campaign.plan.get("sources", [])}
    allowed = {code for code in reporting_sources(campaign.plan) if code in names}
    for code in allowed:
        if channel in (code, names[code]):
            return code
    shown = "、".join(names[c] for c in sorted(allowed)) or "（方案未设举报渠道）"
    raise BadInput(f"举报渠道无效：{channel}（可选：{shown}）")


def _may(who, campaign, action: str) -> None:
    """report.read: the office; report.reveal: the roles the plan names (default the office)."""
    if action == "report.reveal":
        roles = set(_rules(campaign).get("reveal_roles", ["office"]))
        if who.active and not permissions.is_system(who) and roles & who.role_set:
            return
        labels = permissions.role_labels(campaign)
        names = "、".join(labels.get(r, r) for r in sorted(roles))
        raise permissions.PermissionDenied(f"{who.name}（{who.login}）无权查看举报人信息：仅限{names}")
    permissions.require(who, action)


def report_channels(uow: UnitOfWork, login: str, *, campaign: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the plan's reporting channels, for whoever receives reports."""
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "report.receive")
    allowed = reporting_sources(camp.plan)
    return [(s["code"], s["name"]) for s in camp.plan.get("sources", []) if s["code"] in allowed]


def report_view(report: Report, today: dt.date) -> dict:
    """The office's view of a report. The identity is never in it: only whether one is sealed."""
    names = {s["code"]: s["name"] for s in report.campaign.plan.get("sources", [])}
    light = None
    if report.state == "received":
        yellow = report.campaign.plan.get("rules", {}).get("yellow_working_days", 3)
        light = work_calendar().light(today, report.due, yellow)
    return {
        "no": report.no, "channel": names.get(report.channel, report.channel), "channel_code": report.channel,
        "received_on": report.received_on.isoformat(), "content": report.content,
        "reported_unit": report.reported_unit.name if report.reported_unit else None,
        "reported_person": report.reported_person.name if report.reported_person else None,
        "identity": label("identity", "sealed" if report.identity_cipher else "anonymous"),
        "state": report.state, "state_label": REPORT.label(report.state), "due": report.due.isoformat(),
        "light": light, "item": report.item.no if report.item else None, "reason": report.reason,
        "reply": report.reply, "triaged_on": report.triaged_on.isoformat() if report.triaged_on else None,
        "escalated_on": report.escalated_on.isoformat() if report.escalated_on else None,
        "version": report.version,
    }


def _record(uow: UnitOfWork, who_login: str, report: Report, today: dt.date, trigger: str, *,
            from_state: str | None = None, payload: dict) -> None:
    report.version += 1
    uow.record(chain=campaign_chain(report.campaign), actor=who_login, today=today, trigger=trigger,
               campaign_id=report.campaign_id, from_state=from_state, to_state=report.state,
               payload={"report": report.id, "no": report.no, **payload})


def receive_report(uow: UnitOfWork, login: str, *, channel: str, content: str, campaign: str | None = None,
                   received_on: dt.date | None = None, unit: str | None = None, person: str | None = None,
                   reporter_name: str | None = None, reporter_contact: str | None = None,
                   today: dt.date | None = None) -> dict:
    """Register a report; the answer carries its receipt code, shown this once and never stored."""
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    today = business_date(camp, today)
    warn_outside_campaign(camp, today)
    who = actor(uow, login)
    permissions.require(who, "report.receive")
    received_on = received_on or today
    if received_on > today:
        raise BadInput(f"受理日期 {received_on.isoformat()} 晚于业务日期 {today.isoformat()}")
    channel_code = _channel(camp, channel)
    require_open(uow, camp, day=received_on, source=channel_code)  # the plan opens each channel in its phases
    identity = {key: clean_text(value, what, max_len=limit, required=False)
                for key, value, what, limit in (("name", reporter_name, "举报人姓名", NAME_MAX),
                                                ("contact", reporter_contact, "举报人联系方式", CONTACT_MAX))}
    identity = {key: value for key, value in identity.items() if value}
    days = _rules(camp).get("handling_working_days", 10)
    code = _new_receipt()
    report = Report(
        campaign=camp, seq=(uow.session.scalar(select(func.max(Report.seq)).where(Report.campaign_id == camp.id))
                            or 0) + 1,
        channel=channel_code, received_on=received_on,
        content=clean_text(content, "举报内容", max_len=TEXT_MAX),
        reported_unit=uow.org.unit(unit) if unit else None,
        reported_person=uow.org.person_by_name_or_login(person) if person else None,
        identity_cipher=identity_vault.seal(identity) if identity else None,
        receipt_sha256=_receipt_hash(code), state=REPORT.initial, version=0,
        due=work_calendar().add_workdays(received_on, days),
    )
    report.no = f"{camp.code}-J{report.seq:04d}"
    uow.session.add(report)
    uow.flush()
    _record(uow, who.login, report, today, "report_received", payload={
        "channel": report.channel, "received_on": received_on.isoformat(), "due": report.due.isoformat(),
        "content_sha256": _sha(report.content), "identity_sealed": report.identity_cipher is not None,
        "receipt_sha256": report.receipt_sha256,
        "reported_unit": report.reported_unit.code if report.reported_unit else None,
        "reported_person": report.reported_person.login if report.reported_person else None})
    uow.commit()
    return {**report_view(report, today), "receipt_code": code}


def _load(uow: UnitOfWork, no: str, expect_version: int | None = None) -> Report:
    report = uow.session.scalar(select(Report).where(Report.no == no))
    if report is None:
        raise NotFound(f"举报不存在：{no}")
    uow.lock(campaign_chain(report.campaign))
    uow.session.refresh(report)
    if expect_version is not None and report.version != expect_version:
        raise ConcurrentModification(f"{report.no} 已被他人修改：期望版本 {expect_version}，当前版本 {report.version}")
    return report


def triage_report(uow: UnitOfWork, login: str, no: str, outcome: str, *, item: str | None = None,
                  unit: str | None = None, title: str | None = None, category: str | None = None,
                  person: str | None = None, due: dt.date | None = None, due_days: int | None = None,
                  reason: str = "", reply: str = "", today: dt.date | None = None,
                  expect_version: int | None = None) -> dict:
    """accept: a new item written by the office; merge: into an existing item; dismiss: 不属实."""
    if outcome not in REPORT.triggers:
        raise BadInput(f"未知操作：{outcome}")
    report = _load(uow, no, expect_version)
    camp = report.campaign
    today = business_date(camp, today)
    who = actor(uow, login)
    permissions.require(who, "report.triage")
    reason = clean_text(reason, "理由", max_len=TEXT_MAX, required=False)
    reply = clean_text(reply, "答复", max_len=TEXT_MAX, required=False)
    target: ProblemItem | None = None
    if outcome == "accept":
        if not unit or not title:
            raise BadInput("立为问题须给出 --unit 和 --title（问题标题由办公室撰写，不照录举报内容）")
        names = {s["code"]: s["name"] for s in camp.plan.get("sources", [])}
        target = register_item(uow, who, camp, today, unit=unit, title=title, person=person,
                               category=category, source=names[report.channel], description="", due=due,
                               due_days=due_days, origin=f"report:{report.no}", action="item.add")
    elif outcome == "merge":
        if not item:
            raise BadInput("并入问题须给出 --item 问题编号")
        target = uow.items.get(item)
        if target.campaign_id != camp.id:
            raise RuleViolation(f"{target.no} 不属于 {camp.code}，不能并入")
    before = report.state
    report.state = REPORT.fire(before, outcome, ReportFacts(item_no=target.no if target else None, reason=reason))
    report.item = target
    report.reason = reason or None
    report.reply = reply or None
    report.triaged_on, report.triaged_by = today, who
    uow.flush()
    _record(uow, who.login, report, today, "report_triaged", from_state=before, payload={
        "item": target.no if target else None, "reason_sha256": _sha(report.reason) if report.reason else None,
        "reply_sha256": _sha(report.reply) if report.reply else None})
    uow.commit()
    return report_view(report, today)


def show_report(uow: UnitOfWork, login: str, no: str, *, today: dt.date | None = None) -> dict:
    report = uow.session.scalar(select(Report).where(Report.no == no))
    if report is None:
        raise NotFound(f"举报不存在：{no}")
    _may(actor(uow, login), report.campaign, "report.read")
    return report_view(report, business_date(report.campaign, today))


def list_reports(uow: UnitOfWork, login: str, *, campaign: str | None = None, state: str | None = None,
                 light: str | None = None, today: dt.date | None = None) -> list[dict]:
    camp = uow.campaigns.only_or(campaign)
    _may(actor(uow, login), camp, "report.read")
    today = business_date(camp, today)
    query = select(Report).where(Report.campaign_id == camp.id).order_by(Report.seq)
    if state:
        codes = {shown: code for code, shown in REPORT.states.items()}
        if state not in REPORT.states and state not in codes:
            raise BadInput(f"状态无效：{state}（可选：{'、'.join(REPORT.states.values())}）")
        query = query.where(Report.state == codes.get(state, state))
    views = [report_view(r, today) for r in uow.session.scalars(query)]
    return [v for v in views if light is None or v["light"] == light]


def reveal_identity(uow: UnitOfWork, login: str, no: str, *, reason: str, today: dt.date | None = None) -> dict:
    """The reporter's name and contact, for the plan's reveal roles only; the reveal is an event."""
    report = _load(uow, no)
    today = business_date(report.campaign, today)
    who = actor(uow, login)
    _may(who, report.campaign, "report.reveal")
    reason = clean_text(reason, "查看理由", max_len=TEXT_MAX)
    if report.identity_cipher is None:
        raise RuleViolation(f"{report.no} 为匿名举报，没有举报人信息")
    identity = identity_vault.unseal(report.identity_cipher)
    uow.record(chain=campaign_chain(report.campaign), actor=who.login, today=today, trigger="report_revealed",
               campaign_id=report.campaign_id, note=reason, payload={"report": report.id, "no": report.no})
    uow.commit()
    return {"no": report.no, "name": identity.get("name"), "contact": identity.get("contact")}


def unhandled_reports(uow: UnitOfWork, camp: Campaign, *, before: dt.date) -> list[Report]:
    """Reports received before ``before`` and not yet triaged, oldest first."""
    return list(uow.session.scalars(select(Report).where(
        Report.campaign_id == camp.id, Report.state == "received", Report.received_on < before).order_by(Report.seq)))


def escalate_overdue_reports(uow: UnitOfWork, camp: Campaign, who, today: dt.date) -> list[Report]:
    """Reports still untriaged past their handling deadline: escalated once, to the office (in the caller's
    transaction)."""
    overdue = uow.session.scalars(select(Report).where(
        Report.campaign_id == camp.id, Report.state == "received", Report.due < today,
        Report.escalated_on.is_(None)).order_by(Report.seq)).all()
    for report in overdue:
        report.escalated_on = today
        _record(uow, who.login, report, today, "report_overdue", from_state=report.state,
                payload={"due": report.due.isoformat()})
    return list(overdue)


def sweep_reports(uow: UnitOfWork, login: str, *, campaign: str | None = None,
                  today: dt.date | None = None) -> list[dict]:
    """Reports still untriaged past their handling deadline: escalated once, to the office."""
    camp = uow.campaigns.only_or(campaign)
    uow.lock(campaign_chain(camp))
    today = business_date(camp, today)
    who = actor(uow, login)
    permissions.require(who, "sweep")
    overdue = escalate_overdue_reports(uow, camp, who, today)
    uow.commit()
    return [report_view(r, today) for r in overdue]


def report_status(uow: UnitOfWork, code: str, *, client: str = "cli", now: dt.datetime | None = None) -> dict:
    """What a reporter sees for a receipt code: the state and the public reply, nothing else.

    Every lookup is logged for rate limiting (kept even when the answer is a refusal); past
    the plan's limit of wrong codes per hour every code is refused, right or wrong, so the
    limit cannot be probed. A wrong code, malformed or unknown, always gets one answer.
    """
    now = now or utcnow()
    since = now - dt.timedelta(hours=1)
    report = uow.session.scalar(select(Report).where(Report.receipt_sha256 == _receipt_hash(code or "")))
    limits = [_rules(c).get("lookups_per_hour", 10) for c in uow.campaigns.all()] or [10]
    misses = uow.session.scalar(select(func.count()).select_from(ReceiptLookup).where(
        ReceiptLookup.client == client, ReceiptLookup.found.is_(False), ReceiptLookup.at >= since))
    limited = misses >= min(limits)
    uow.session.add(ReceiptLookup(client=client[:64], at=now, found=report is not None and not limited))
    uow.commit()
    if limited:
        raise RuleViolation(TOO_MANY_LOOKUPS)
    if report is None:
        raise BadInput(UNKNOWN_RECEIPT)
    return {"state": report.state, "state_label": REPORT.label(report.state), "reply": report.reply or ""}


def new_key() -> str:
    return identity_vault.new_key()
