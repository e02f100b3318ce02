"""建立长效机制: the plan's long-term mechanisms as items of kind ``mechanism``.

A mechanism is a ``ProblemItem`` with ``kind="mechanism"`` and ``deliverable`` set to the
plan's code, so it lives on the item lifecycle (交办 → 整改中 → 待验收 → 已销号), gets its
traffic light from its deadline, and is escalated by the same overdue sweep (催办 → 督办 →
问责) as any problem. What is its own: it is registered from the plan's list (owner unit,
owner, deadline, default the plan's ``due`` or the end of its phase), the adopted document
(``adopt``: the file as evidence and its title/文号 on the record) is required before it can
be submitted, and the 台账 shows it in a section of its own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput, RuleViolation
from duban.services import evidence
from duban.services.common import actor, business_date, clean_text, light_of
from duban.services.items import add_item, load_for_change
from duban.services.views import item_view
from duban.wording import reminder_text
from statemachines.item import ITEM
from storage.models import Campaign, Person, Phase, ProblemItem
from storage.uow import UnitOfWork, campaign_chain, item_chain

MECHANISM = "mechanism"
MECHANISMS_DUTY = "mechanisms"
DOC_TITLE_MAX = 200


def deliverables(campaign: Campaign) -> list[dict]:
    """The plan's mechanisms, each with the phase and duty asking for it and its default deadline."""
    found = []
    for phase in campaign.plan.get("phases", []):
        for duty in phase.get("duties", []):
            if duty.get("code") != MECHANISMS_DUTY:
                continue
            for deliverable in duty.get("deliverables", []):
                found.append({**deliverable, "duty": duty.get("name", ""), "phase": phase["code"],
                              "due": deliverable.get("due") or phase["end"]})
    return found


def _deliverable(campaign: Campaign, key: str) -> dict:
    listed = deliverables(campaign)
    for deliverable in listed:
        if key in (deliverable["code"], deliverable["name"]):
            return deliverable
    if not listed:
        raise BadInput(f"{campaign.code} 的方案没有列出长效机制（mechanisms 职责的 deliverables）")
    raise BadInput(f"长效机制无效：{key}（方案所列：{'、'.join(d['code'] + ' ' + d['name'] for d in listed)}）")


def _current(uow: UnitOfWork, campaign: Campaign, code: str) -> ProblemItem | None:
    """The mechanism's live record: the latest one not withdrawn."""
    return uow.session.scalars(
        select(ProblemItem).where(ProblemItem.campaign_id == campaign.id, ProblemItem.kind == MECHANISM,
                                  ProblemItem.deliverable == code, ProblemItem.state != "withdrawn")
        .order_by(ProblemItem.seq.desc())).first()


def register(uow: UnitOfWork, login: str, *, deliverable: str, unit: str, person: str,
             due: dt.date | None = None, due_days: int | None = None, description: str = "",
             campaign: str | None = None, today: dt.date | None = None) -> dict:
    """Give a plan mechanism its owner unit, owner and deadline: registered and assigned at once."""
    camp = uow.campaigns.only_or(campaign)
    day = business_date(camp, today)
    permissions.require(actor(uow, login), "mechanism.register")
    wanted = _deliverable(camp, deliverable)
    earlier = _current(uow, camp, wanted["code"])
    if earlier is not None:
        raise RuleViolation(f"长效机制“{wanted['name']}”已登记为 {earlier.no}（{ITEM.label(earlier.state)}），"
                            "如需重新登记请先撤销原记录")
    if due is None and due_days is None:
        due = max(dt.date.fromisoformat(wanted["due"]), day)
    return add_item(uow, login, campaign=camp.code, unit=unit, title=wanted["name"], person=person,
                    source=wanted["duty"], description=description or wanted.get("description", ""), due=due,
                    due_days=due_days, origin=f"mechanism:{wanted['code']}", today=day, action="mechanism.register",
                    kind=MECHANISM, deliverable=wanted["code"])


def adopt(uow: UnitOfWork, login: str, no: str, *, title: str, files: list[Path], today: dt.date | None = None,
          expect_version: int | None = None, filenames: list[str] | None = None) -> dict:
    """Attach the adopted document (制度文件) of a mechanism: the file(s) as evidence, its title on the record.
    ``filenames`` name uploads kept under other names (as ``items.attach_evidence``)."""
    item = load_for_change(uow, no, expect_version)
    if item.kind != MECHANISM:
        raise RuleViolation(f"{item.no} 不是长效机制，请用 duban item attach 上传佐证材料")
    day = business_date(item.campaign, today)
    who = actor(uow, login)
    permissions.require(who, "item.attach", unit=item.unit, owner_id=item.owner_id)
    if item.state not in ("assigned", "rectifying", "submitted"):
        raise RuleViolation(f"{item.no} 当前状态「{ITEM.label(item.state)}」不能上传制度文件")
    title = clean_text(title, "制度文件名称", max_len=DOC_TITLE_MAX)
    if not files:
        raise BadInput("须上传制度文件（--file）")
    for path, filename in zip(files, filenames or [None] * len(files)):
        evidence.attach(uow, who, item, path, day, filename=filename)
    item.adopted_doc = title
    uow.record(chain=item_chain(item), actor=who.login, today=day, trigger="mechanism_adopted",
               item=item, campaign_id=item.campaign_id, note=title, payload={"adopted_doc": title})
    uow.commit()
    return item_view(item)


def list_mechanisms(uow: UnitOfWork, login: str, *, campaign: str | None = None,
                    today: dt.date | None = None) -> list[dict]:
    """Every mechanism of the plan with its live record, or 未登记."""
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    day = business_date(camp, today)
    rows = []
    for wanted in deliverables(camp):
        item = _current(uow, camp, wanted["code"])
        view = item_view(item, light_of(camp, item, day)) if item is not None else None
        rows.append({"code": wanted["code"], "name": wanted["name"], "plan_due": wanted["due"],
                     "registered": item is not None, "item": view})
    return rows


def remind_mechanisms(uow: UnitOfWork, campaign: Campaign, who: Person, day: dt.date, phase: Phase) -> dict:
    """The mechanisms duty: once per ISO week, what is due — each plan mechanism not yet registered,
    and each registered one not yet verified — to the office (unregistered) or its owner."""
    from duban.services.reminders import iso_week, send

    uow.lock(campaign_chain(campaign))
    week = iso_week(day)
    wanted: dict[str, dict] = {}
    for deliverable in deliverables(campaign):
        item = _current(uow, campaign, deliverable["code"])
        key = f"mechanism:{campaign.code}:{deliverable['code']}:{week}"
        if item is None:
            wanted[key] = {"text": reminder_text("mechanism_unregistered", name=deliverable["name"],
                                                    office=permissions.role_labels(campaign)["office"])}
        elif item.state in ("assigned", "rectifying", "submitted"):
            wanted[key] = {"person_id": item.owner_id, "unit_id": item.unit_id,
                           "text": reminder_text("mechanism_due", name=item.title, no=item.no, unit=item.unit.name,
                                                 due=item.due.isoformat() if item.due else "—")}
    new = send(uow, campaign, who, day, kind="mechanism", wanted=wanted)
    return {"week": week, "due": len(wanted), "sent": len(new)}
