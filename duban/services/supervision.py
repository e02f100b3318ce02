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
    """Unit id → the person ids of its supervision line, from two queries for all units.

    The line is the unit's head, the heads of the units above it, the unit's leader in charge
    (分管领导, the nearest one up), then the campaign's leader (组长: the first active person with
    the leader role).
    """
    units = {id_: (parent, head, in_charge) for id_, parent, head, in_charge in session.execute(
        select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.head_id, OrgUnit.leader_in_charge_id))}
    leader = next((id_ for id_, roles in session.execute(
        select(Person.id, Person.roles).where(Person.active.is_(True), Person.roles.contains("leader"))
        .order_by(Person.id)) if "leader" in Person.roles_in(roles)), None)
    lines: dict[int, tuple[int | None, ...]] = {}

    def line(unit_id: int) -> tuple[int | None, ...]:
        if unit_id not in lines:
            heads, in_charge, node = [], None, unit_id
            while node is not None:
                parent, head, node_in_charge = units[node]
                heads.append(head)
                in_charge = in_charge or node_in_charge
                node = parent
            lines[unit_id] = (*heads, in_charge, leader)
        return lines[unit_id]

    return line
