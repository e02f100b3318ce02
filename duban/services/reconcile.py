"""对账销号: a unit's returned part of the 整改落实台账, compared with the ledger line by line.

A unit gets its part (``duban ledger export --unit U``), fills in its progress in 状态 and
returns the XLSX. ``reconcile_ledger`` lists every mismatch — claimed done but not verified,
claimed ahead of the record, numbers the ledger does not know, lines whose office-written
text was edited, lines of the unit not returned — and writes nothing. Only when the office
confirms (``apply=True``) does it take each line claimed ahead of the record along the
lifecycle towards the claimed state (开始整改 → 提交验收 → 验收销号 → 回头看通过), step by step,
each as the confirming person, so the state machine, its guards (evidence for 提交验收 and
验收销号, an owner and deadline for 交办) and the permissions (separation of duties) decide as
for any other change: the steps they allow are applied, the first refusal stops that line and
is reported. Edited text is never applied (the 台账 is authoritative).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from duban import permissions
from duban.errors import BadInput, DubanError
from duban.services.common import actor, business_date
from duban.services.ledger import COLUMNS, SHEET
from duban.services.problem_lists import open_workbook
from statemachines.item import ITEM
from storage.models import ItemPlan, ProblemItem
from storage.uow import UnitOfWork

PROGRESS = ("identified", "assigned", "rectifying", "submitted", "verified", "rechecked")
DONE = ("verified", "rechecked")
# The lifecycle's forward steps: PROGRESS[i] --FORWARD[i]--> PROGRESS[i + 1].
FORWARD = ("assign", "start", "submit", "verify", "recheck")
LABELS = dict(COLUMNS)
KEYS = {label: key for key, label in COLUMNS}
COMPARED_TEXT = ("title", "measures")  # written by the office or the approved list: never edited in a return
REQUIRED = ("no", "title", "state")


def _cell(value) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def read_return(path: Path) -> list[dict]:
    """The returned lines: {row, no, title, measures?, state} read by the header's labels (so a unit
    may hide or move columns). A file that is no returned 台账 is bad input, and nothing is read."""
    book = open_workbook(path, made_by="duban ledger export 导出的台账")
    if SHEET not in book.sheetnames:
        raise BadInput(f"{path.name} 没有工作表「{SHEET}」（有：{'、'.join(book.sheetnames)}）："
                       "请报回 duban ledger export 导出的台账")
    sheet = book[SHEET]
    header = [_cell(c) for c in next(sheet.iter_rows(min_row=2, max_row=2, values_only=True), ())]
    columns = {KEYS[label]: index for index, label in enumerate(header) if label in KEYS}
    missing = [LABELS[key] for key in REQUIRED if key not in columns]
    if missing:
        raise BadInput(f"{path.name} 工作表「{SHEET}」第2行缺少列：{'、'.join(missing)}")
    lines = []
    for number, values in enumerate(sheet.iter_rows(min_row=3, values_only=True), start=3):
        cells = {key: _cell(values[index]) if index < len(values) else "" for key, index in columns.items()}
        if any(cells.values()):
            lines.append({"row": number, **cells})
    return lines


def _finding(line: dict | None, kind: str, message: str, *, no: str | None = None, action: str | None = None,
             claimed: str | None = None, actual: str | None = None, steps: list[str] = ()) -> dict:
    return {"row": line["row"] if line else None, "no": no or (line or {}).get("no") or None, "kind": kind,
            "claimed": claimed, "actual": actual, "action": action, "steps": list(steps), "message": message}


def compare(lines: list[dict], items: dict[str, ProblemItem], measures: dict[int, str]) -> list[dict]:
    """Every mismatch between the returned lines and the recorded items; pure."""
    findings, seen = [], {}
    states = {label: code for code, label in ITEM.states.items()}
    for line in lines:
        no = line["no"]
        if not no:
            findings.append(_finding(line, "no_number", f"第{line['row']}行：编号为空"))
            continue
        if no in seen:
            findings.append(_finding(line, "duplicate", f"{no} 重复报回（第{seen[no]}行、第{line['row']}行）"))
            continue
        seen[no] = line["row"]
        item = items.get(no)
        if item is None:
            findings.append(_finding(line, "unknown_number", f"{no}：台账中没有这个编号"))
            continue
        recorded = {"title": item.title, "measures": measures.get(item.id, "")}
        for key in COMPARED_TEXT:
            if key in line and line[key] != recorded[key]:
                findings.append(_finding(line, "edited_text", f"{no}：「{LABELS[key]}」与台账不一致（以台账为准）",
                                         claimed=line[key], actual=recorded[key]))
        claimed_label = line["state"]
        if not claimed_label or claimed_label == ITEM.label(item.state):
            continue
        claimed = states.get(claimed_label)
        actual = ITEM.label(item.state)
        if claimed is None:
            findings.append(_finding(line, "unknown_state", f"{no}：状态「{claimed_label}」无法识别"
                                     f"（可填：{'、'.join(ITEM.states.values())}）", claimed=claimed_label, actual=actual))
        elif item.state in PROGRESS and claimed in PROGRESS and PROGRESS.index(claimed) > PROGRESS.index(item.state):
            steps = list(FORWARD[PROGRESS.index(item.state):PROGRESS.index(claimed)])
            shown = "→".join(ITEM.triggers[step] for step in steps)
            if claimed in DONE and item.state not in DONE:
                kind, why = "claimed_done", f"须经验收销号；办公室确认后按流程办理：{shown}，流程不允许的不办理"
            elif steps == ["start"]:
                kind, why = "confirmable", "可确认"
            else:
                kind, why = "ahead", f"办公室确认后按流程办理：{shown}，如提交验收须附佐证材料"
            findings.append(_finding(line, kind, f"{no}：报称{claimed_label}，台账为{actual}（{why}）", action=steps[0],
                                     claimed=claimed_label, actual=actual, steps=steps))
        else:
            findings.append(_finding(line, "behind", f"{no}：报称{claimed_label}，台账为{actual}（报回与台账不符）",
                                     claimed=claimed_label, actual=actual))
    returned_units = {items[no].unit_id for no in seen if no in items}
    for no, item in items.items():
        if item.unit_id in returned_units and no not in seen and item.kind == "problem" and item.state != "withdrawn":
            findings.append(_finding(None, "not_returned", f"{no}：{item.unit.name}未报回这一行", no=no,
                                     actual=ITEM.label(item.state)))
    return findings


def reconcile_ledger(uow: UnitOfWork, login: str, path: Path, *, campaign: str | None = None, apply: bool = False,
                     today: dt.date | None = None) -> dict:
    """The mismatches of a returned 台账; with ``apply`` (the office's confirmation) each line claimed
    ahead of the record is taken towards its claim through the item lifecycle, step by step, as far
    as the lifecycle allows; each line's first refusal is reported."""
    camp = uow.campaigns.only_or(campaign)
    who = actor(uow, login)
    permissions.require(who, "ledger.reconcile" if apply else "read")
    today = business_date(camp, today)
    lines = read_return(Path(path))
    items = {i.no: i for i in uow.session.scalars(select(ProblemItem).where(ProblemItem.campaign_id == camp.id))}
    measures = dict(uow.session.execute(select(ItemPlan.item_id, ItemPlan.measures).join(ProblemItem).where(
        ProblemItem.campaign_id == camp.id)).all())
    findings = compare(lines, items, measures)
    applied, refused = [], []
    if apply:
        from duban.services.items import transition

        for finding in [f for f in findings if f["steps"]]:
            view = None
            for step in finding["steps"]:
                try:
                    view = transition(uow, login, finding["no"], step, today=today,
                                      note=f"对账销号：单位报回{finding['claimed']}")
                except DubanError as refusal:
                    uow.session.rollback()
                    refused.append({**finding, "step": step, "refusal": f"{ITEM.triggers[step]}：{refusal.message}"})
                    break
            if view is not None:  # the line's last state reached
                applied.append({"no": view["no"], "state": view["state"], "version": view["version"]})
    return {"file": str(path), "rows": len(lines), "findings": findings, "applied": applied, "refused": refused,
            "confirmable": sum(1 for f in findings if f["steps"]), "as_of": today.isoformat()}
