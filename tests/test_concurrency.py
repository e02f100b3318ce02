"""Eight real processes hammer the same 50 items with version-checked transitions."""

from __future__ import annotations

import multiprocessing as mp
import random
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from conftest import ROOT

ITEMS = 50
WORKERS = 8
ATTEMPTS = 60


def _worker(db_url: str, files: str, seed: int, queue) -> None:
    import os

    os.environ["DUBAN_FILES"] = files
    from duban.errors import ConcurrentModification
    from duban.services.items import show_item, transition
    from storage.uow import UnitOfWork

    rng = random.Random(seed)
    wins = losses = 0
    for _ in range(ATTEMPTS):
        no = f"LZJ2015-{rng.randint(1, ITEMS):04d}"
        with UnitOfWork(db_url) as uow:
            seen = show_item(uow, "zhao", no)
        trigger, who, kw = (("submit", "wu", {}) if seen["state"] == "rectifying"
                            else ("reject", "zhao", {"reason": "佐证不充分"}))
        try:
            with UnitOfWork(db_url) as uow:
                transition(uow, who, no, trigger, expect_version=seen["version"], **kw)
            wins += 1
        except ConcurrentModification:
            losses += 1
    queue.put((wins, losses))


@pytest.fixture
def busy_items(campaign_db, files_dir, tmp_path):
    """50 items in 整改中 with evidence, so submit/reject can alternate forever."""
    from duban.services.items import add_item, attach_evidence, transition
    from storage.uow import UnitOfWork

    evidence = tmp_path / "evidence.txt"
    evidence.write_text("整改材料")
    for n in range(ITEMS):
        with UnitOfWork(campaign_db) as uow:
            item = add_item(uow, "qian", campaign=None, unit="JGC", title=f"问题{n}", person="wu",
                            due_days=20, category="懒", source="座谈会")
        with UnitOfWork(campaign_db) as uow:
            transition(uow, "wu", item["no"], "start")
        with UnitOfWork(campaign_db) as uow:
            attach_evidence(uow, "wu", item["no"], [evidence])
    return campaign_db


def test_eight_processes_never_both_win(busy_items, files_dir):
    from storage import eventlog
    from storage.models import Event, ProblemItem
    from storage.uow import UnitOfWork

    db = busy_items
    with UnitOfWork(db) as uow:
        events_before = uow.session.scalar(select(func.count()).select_from(Event).where(Event.item_id.is_not(None)))
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(db, str(files_dir), seed, queue)) for seed in range(WORKERS)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    wins = sum(w for w, _ in results)
    losses = sum(l for _, l in results)
    assert wins + losses == WORKERS * ATTEMPTS
    assert wins > 0 and losses > 0  # real contention happened

    with UnitOfWork(db) as uow:
        events_after = uow.session.scalar(select(func.count()).select_from(Event).where(Event.item_id.is_not(None)))
        assert events_after - events_before == wins  # no event lost or doubled
        for item in uow.session.scalars(select(ProblemItem)):
            count = uow.session.scalar(select(func.count()).select_from(Event).where(Event.item_id == item.id))
            assert item.version == count, item.no
        checked, problems = eventlog.verify(uow.session)
        assert not problems and checked >= events_after


def test_cli_losers_exit_4(busy_items, files_dir):
    """The same stale version offered by 8 CLI processes at once: exactly one wins."""
    from duban.services.items import show_item
    from storage.uow import UnitOfWork

    db = busy_items
    for no in ("LZJ2015-0001", "LZJ2015-0002"):
        with UnitOfWork(db) as uow:
            version = show_item(uow, "zhao", no)["version"]
        procs = [subprocess.Popen([sys.executable, "-m", "duban", "--db", db, "--as", "wu", "--today", "2015-09-12",
                                   "item", "submit", no, "--expect-version", str(version)],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(WORKERS)]
        codes = sorted(p.wait(timeout=120) for p in procs)
        assert codes == [0] + [4] * (WORKERS - 1), [p.stderr.read() for p in procs]
