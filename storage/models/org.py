"""The organisation: units (处室、单位) and people with their roles."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base


class OrgUnit(Base):
    """A 处室 or 局属单位; units form a hierarchy through ``parent_id``."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    serves_public: Mapped[bool] = mapped_column(Boolean, default=False)  # 直接关系民生
    head_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", use_alter=True, name="fk_org_units_head_id_persons")
    )
    # 分管领导: the member of the leadership in charge of the unit; receives a 督办 when the head owns the item.
    leader_in_charge_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", use_alter=True, name="fk_org_units_leader_in_charge_id_persons")
    )

    parent: Mapped[OrgUnit | None] = relationship(remote_side="OrgUnit.id")
    head: Mapped[Person | None] = relationship(foreign_keys=[head_id], post_update=True)
    leader_in_charge: Mapped[Person | None] = relationship(foreign_keys=[leader_in_charge_id], post_update=True)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(64), default="")
    roles: Mapped[str] = mapped_column(String(200), default="")  # comma-separated role codes
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[unit_id])

    @property
    def role_set(self) -> frozenset[str]:
        return self.roles_in(self.roles)

    @staticmethod
    def roles_in(roles: str) -> frozenset[str]:
        """The role codes of a ``roles`` column value."""
        return frozenset(r for r in roles.split(",") if r)
