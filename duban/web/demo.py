"""Console accounts for the demo database: one person per role, one shared password."""

from __future__ import annotations

from pathlib import Path

from duban.permissions import SYSTEM_LOGIN, role_labels
from duban.services.accounts import set_password
from storage.uow import UnitOfWork

DEMO_PASSWORD = "duban-demo"
DEMO_ROLES = ("office", "leader", "deputy_leader", "unit_head", "cadre")


def demo_accounts(db_url: str) -> list[dict]:
    """Give the first person of each role the demo password (no change required)."""
    with UnitOfWork(db_url) as uow:
        people = [(p.login, p.name, p.role_set) for p in uow.org.persons() if p.active]
        labels = role_labels(uow.campaigns.only())
    chosen, taken = [], set()
    for role in DEMO_ROLES:
        login, name = next(((lg, nm) for lg, nm, roles in people if role in roles and lg not in taken), (None, None))
        if login is None or login == SYSTEM_LOGIN:
            continue
        taken.add(login)
        with UnitOfWork(db_url) as uow:
            set_password(uow, "system", login, DEMO_PASSWORD, must_change=False)
        chosen.append({"login": login, "name": name, "role": labels[role]})
    return chosen


def console_command(db_path: Path, today: str) -> str:
    return f"DUBAN_TODAY={today} .venv/bin/duban --db sqlite:///{db_path.resolve()} web"
