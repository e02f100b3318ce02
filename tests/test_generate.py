"""bench/generate.py: the campaign it writes in bulk is one the audit accepts and the services use."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from conftest import ROOT


@pytest.fixture
def generate(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    monkeypatch.setenv("DUBAN_TODAY", "2015-09-07")  # generate.py's start; it would set it for the process
    from bench.generate import generate

    return generate


def test_generated_campaign_passes_the_audit_and_takes_new_items(db_url, generate, files_dir, cli):
    from duban.services.listing import ItemFilters, item_page
    from storage.models import Escalation, Event, ProblemItem
    from storage.uow import UnitOfWork

    result = generate(db_url, "bureau", 300, 7)
    assert result["items"] == 300

    verify = cli("--json", "audit", "verify", db=db_url)
    assert verify.code == 0, verify.stderr
    assert verify.json()["ok"]

    with UnitOfWork(db_url) as uow:
        events = uow.session.scalar(select(func.count()).select_from(Event).where(Event.item_id.is_not(None)))
        versions = uow.session.scalar(select(func.sum(ProblemItem.version)))
        escalations = uow.session.scalar(select(func.count()).select_from(Escalation))
        assert events == versions == result["events"]  # an item's version is its event count
        assert verify.json()["checked"] == uow.session.scalar(select(func.count()).select_from(Event))
        assert escalations > 0
        red = item_page(uow, "office", ItemFilters(light="red"), today=dt.date(2015, 10, 27))
        assert red["total"] > 0 and all(r["light"] == "red" for r in red["rows"])

    # Explicit ids were written: the next item still gets a fresh one (PostgreSQL sequences moved).
    added = cli("item", "add", "--unit", "U00001", "--title", "生成之后登记的问题", "--category", "懒",
                "--source", "自查", db=db_url, as_user="office", json=True)
    assert added.code == 0, added.stderr
    assert cli("audit", "verify", db=db_url).code == 0
