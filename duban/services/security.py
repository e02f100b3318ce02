"""Audit records for refused actions."""

from __future__ import annotations

from duban import clock
from storage.uow import SECURITY_CHAIN, UnitOfWork


def record_denial(db_url: str, login: str, message: str, command: str = "") -> None:
    with UnitOfWork(db_url) as uow:
        uow.lock(SECURITY_CHAIN)
        uow.record(chain=SECURITY_CHAIN, actor=login, today=clock.today(), trigger="permission_denied",
                   note=message, payload={"command": command})
        uow.commit()
