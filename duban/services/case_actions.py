"""What a person may do to an accountability case now, and the case page's read model.

Asked of the permission table and the cases module's own separation-of-duties checks; the
use case decides again when the action is taken.
"""

from __future__ import annotations

from duban import permissions
from duban.errors import PermissionDenied
from duban.services.cases import _ladder, _not_involved, case_history, is_subject, show_case
from duban.services.common import actor
from statemachines.case import CASE
from storage.models import Campaign
from storage.uow import UnitOfWork

# lifecycle trigger -> the permission it needs (as the use cases in duban.services.cases ask)
ACTION_OF = {
    "investigate": "case.investigate", "decide": "case.decide", "send_back": "case.approve",
    "approve": "case.approve", "execute": "case.execute", "close": "case.close", "dismiss": "case.dismiss",
    "appeal": "case.appeal", "uphold": "case.resolve_appeal", "overturn": "case.resolve_appeal",
    "change": "case.resolve_appeal",
}


def _refusal(who, case, trigger: str) -> str | None:
    action = ACTION_OF[trigger]
    try:
        permissions.require(who, action, subject_id=who.id if is_subject(who, case) else None)
        if action != "case.appeal":
            _not_involved(who, case, action)
        if trigger == "approve" and who.id in (case.proposed_by_id, case.decided_by_id):
            raise PermissionDenied(f"{who.name}（{who.login}）参与了 {case.no} 的立案或决定，不能再批准（职责分离）")
        if action == "case.resolve_appeal" and who.id in (case.decided_by_id, case.approved_by_id):
            raise PermissionDenied(f"{who.name}（{who.login}）参与了 {case.no} 原处理决定，不能处理该申诉")
    except PermissionDenied as exc:
        return exc.message
    return None


def case_page(uow: UnitOfWork, login: str, no: str) -> dict:
    """The case, its history, the measures of the plan's ladder and the actions open to this person."""
    view = show_case(uow, login, no)
    history = case_history(uow, login, no)
    case = uow.cases.get(no)
    who = actor(uow, login)
    ladder = _ladder(uow.session.get(Campaign, case.campaign_id))
    actions = [t for t in dict.fromkeys(CASE.allowed_triggers(case.state)) if _refusal(who, case, t) is None]
    measures = [{"code": m.code, "name": m.name, "grade": m.grade, "target": m.target,
                 "needs_leader_approval": m.needs_leader_approval} for m in ladder.measures]
    return {"case": view, "history": history, "actions": actions, "measures": measures}
