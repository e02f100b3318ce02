"""Who answers for a unit, and who is pressed when an item of it (or a case about it) runs late."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from storage.models import OrgUnit, Person


def unit_head(unit: OrgUnit | None) -> Person | None:
    """Who answers for a unit: its head, else the head of the nearest unit above it."""
    while unit is not None:
        if unit.head is not None:
            return unit.head
        unit = unit.parent
    return None


def supervision_lines(session) -> Callable[[int], tuple[int | None, ...]]:
    """Unit id → the person ids of its supervision line, from two queries for all units (a sweep's).

    The line is the unit's head, the heads of the units above it, the unit's leader in charge
    (分管领导, the nearest one up), then the campaign's leader (组长: the first active person with
    the leader role).
    """
    units = {id_: (parent, head, in_charge) for id_, parent, head, in_charge in session.execute(
        select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.head_id, OrgUnit.leader_in_charge_id))}
    leader = _campaign_leader(session)
    lines: dict[int, tuple[int | None, ...]] = {}

    def line(unit_id: int) -> tuple[int | None, ...]:
        if unit_id not in lines:
            lines[unit_id] = _line(unit_id, units.__getitem__, leader)
        return lines[unit_id]

    return line


def supervision_line(session, unit_id: int) -> tuple[int | None, ...]:
    """``supervision_lines`` for one unit, reading only that unit and the units above it."""
    def row(id_: int) -> tuple[int | None, int | None, int | None]:
        unit = session.get(OrgUnit, id_)
        return unit.parent_id, unit.head_id, unit.leader_in_charge_id

    return _line(unit_id, row, _campaign_leader(session))


def _line(unit_id: int, row: Callable[[int], tuple], leader: int | None) -> tuple[int | None, ...]:
    """Heads up from the unit (``row``: id → parent, head, leader in charge), the nearest leader in
    charge, the campaign's leader."""
    heads, in_charge, node = [], None, unit_id
    while node is not None:
        parent, head, node_in_charge = row(node)
        heads.append(head)
        in_charge = in_charge or node_in_charge
        node = parent
    return (*heads, in_charge, leader)


def _campaign_leader(session) -> int | None:
    return next((id_ for id_, roles in session.execute(
        select(Person.id, Person.roles).where(Person.active.is_(True), Person.roles.contains("leader"))
        .order_by(Person.id)) if "leader" in Person.roles_in(roles)), None)
