"""What a person may do to an item now: the lifecycle's next triggers that the permission
table and the separation-of-duties rules allow, asked of the same functions the use cases
call. The web console shows these as buttons; the use case still decides when one is pressed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from duban import config, permissions
from duban.errors import NotFound, PermissionDenied
from duban.services.common import actor
from duban.services.evidence import store_path
from duban.services.items import _separate_duties, item_history, show_item
from statemachines.item import ITEM
from storage.models import Attachment
from storage.uow import UnitOfWork

ATTACH_STATES = ("assigned", "rectifying", "submitted")  # as items.attach_evidence allows
SEPARATED = ("verify", "reject", "recheck")


def _refusal(uow: UnitOfWork, who, item, action: str) -> str | None:
    """None when allowed, else the Chinese message the use case would give."""
    trigger = action.removeprefix("item.")
    try:
        permissions.require(who, action, unit=item.unit, owner_id=item.owner_id)
        if trigger in SEPARATED:
            _separate_duties(uow, who, item, trigger)
    except PermissionDenied as exc:
        return exc.message
    return None


def item_page(uow: UnitOfWork, login: str, no: str, *, today: dt.date | None = None) -> dict:
    """The item (as ``show_item`` shows it to this person), its history, its evidence and the
    actions: ``allowed`` ones, and ``refused`` ones that only separation of duties blocks."""
    view = show_item(uow, login, no, today=today)
    history = item_history(uow, login, no)
    item = uow.items.get(no)
    who = actor(uow, login)
    allowed, refused = [], []
    candidates = list(dict.fromkeys(ITEM.allowed_triggers(item.state)))
    if item.state in ATTACH_STATES:
        candidates.insert(0, "attach")
    for trigger in candidates:
        message = _refusal(uow, who, item, f"item.{trigger}")
        if message is None:
            allowed.append(trigger)
        elif trigger in SEPARATED and permissions.allowed(who, f"item.{trigger}", unit=item.unit,
                                                          owner_id=item.owner_id):
            refused.append({"trigger": trigger, "message": message})
    evidence = [{"id": a.id, "filename": a.filename, "size": a.size, "sha256": a.sha256,
                 "at": a.created_at.isoformat(timespec="seconds") + "Z"} for a in item.attachments]
    return {"item": view, "history": history, "evidence": evidence, "actions": allowed, "refused": refused,
            "may_propose": permissions.allowed(who, "case.propose")}


def evidence_file(uow: UnitOfWork, login: str, no: str, attachment_id: int):
    """(path in the store, file name) of one evidence file of the item, for whoever may read it."""
    permissions.require(actor(uow, login), "read")
    item = uow.items.get(no)
    att = uow.session.scalar(select(Attachment).where(Attachment.id == attachment_id, Attachment.item_id == item.id))
    if att is None:
        raise NotFound(f"{no} 没有编号为 {attachment_id} 的佐证材料")
    root = config.files_dir(uow.engine.url.render_as_string(hide_password=False)) / "evidence"
    path = store_path(root, att.sha256)
    if not path.is_file():
        raise NotFound(f"佐证材料文件缺失：{att.filename}（存储中找不到 {att.sha256[:12]}…）")
    return path, att.filename
