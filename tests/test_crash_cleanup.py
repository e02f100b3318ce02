"""A SIGKILLed `duban doc batch` leaves no process behind and only whole chunks in the database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from storage.db import get_engine
from tests.conftest import ROOT

ITEMS, CHUNK = 18, 3


def _processes_marked(marker: str, pgid: int) -> list[tuple[int, str]]:
    """(pid, command) of every live process in the batch's process group or carrying its marker.

    A killed batch's children are re-parented (to init or a subreaper), so they are found by
    what they inherited: the process group and the environment, not by walking from the parent.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            state, _ppid, group = stat[stat.rindex(")") + 2:].split()[:3]
            environ = (entry / "environ").read_bytes()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        if state == "Z":
            continue
        if int(group) == pgid or marker.encode() in environ:
            found.append((int(entry.name), command[:200]))
    return found


def _count(db: str, sql: str) -> int:
    # A plain engine: duban's SQLite engine begins every transaction IMMEDIATE, and a
    # reader queueing for the write lock behind the batch would only see it finished.
    engine = create_engine(db, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def _kill_when(command: list[str], env: dict, ready, marker: str) -> None:
    """Start ``command`` in its own session, SIGKILL it once ``ready()``, assert nothing of it survives."""
    process = subprocess.Popen(command, cwd=ROOT, env={**env, marker: "1"}, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        while not ready():
            assert process.poll() is None, f"ended before it could be killed: {process.stderr.read()!r}"
            assert time.monotonic() < deadline, "not ready in time"
            time.sleep(0.05)
        running = _processes_marked(marker, process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        # The command, its two render workers and multiprocessing's resource tracker were running.
        assert len(running) >= 4, running
        survivors = running
        for _ in range(200):
            survivors = _processes_marked(marker, process.pid)
            if not survivors:
                break
            time.sleep(0.1)
        assert survivors == [], f"processes left behind by the killed command: {survivors}"
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # only if an assertion above failed
        except ProcessLookupError:
            pass
        process.stderr.close()


def test_killed_render_many_leaves_no_process(tmp_path):
    script = ("import sys\n"
              "from duban.documents import render_many, sample_context\n"
              "context = sample_context('rectification_notice')\n"
              "render_many([('rectification_notice', context, f'{sys.argv[1]}/{n}.pdf') for n in range(60)], workers=2)\n")
    marker = f"DUBAN_TEST_MARK_{uuid.uuid4().hex}"
    _kill_when([sys.executable, "-c", script, str(tmp_path)], dict(os.environ),
               lambda: any(tmp_path.glob("*.pdf")), marker)
    assert len(list(tmp_path.glob("*.pdf"))) < 60


def test_killed_batch_leaves_no_process_and_only_whole_chunks(campaign_db, cli, files_dir):
    for n in range(ITEMS):
        r = cli("item", "add", "--unit", "JGC", "--title", f"窗口服务问题{n}", "--person", "wu", "--days", "10",
                db=campaign_db, as_user="zhao", today="2015-09-10")
        assert r.code == 0, r
    marker = f"DUBAN_TEST_MARK_{uuid.uuid4().hex}"
    env = {**os.environ, "DUBAN_FILES": str(files_dir)}
    command = [sys.executable, "-m", "duban", "--db", campaign_db, "--as", "zhao", "--today", "2015-09-10",
               "doc", "batch", "rectification_notice", "--workers", "2", "--chunk", str(CHUNK)]
    _kill_when(command, env, lambda: _count(campaign_db, "SELECT count(*) FROM documents") >= CHUNK, marker)

    issued = _count(campaign_db, "SELECT count(*) FROM documents")
    assert 0 < issued < ITEMS, "the kill did not land mid-batch"
    assert issued % CHUNK == 0, f"{issued} documents: a chunk was committed in part"
    assert _count(campaign_db, "SELECT count(*) FROM events WHERE trigger = 'document_issued'") == issued
    with get_engine(campaign_db).connect() as conn:
        numbers = sorted(n for (n,) in conn.execute(text("SELECT number FROM documents")))
        paths = [p for (p,) in conn.execute(text("SELECT path FROM documents"))]
    assert numbers == list(range(1, issued + 1))
    assert all((files_dir / p).is_file() for p in paths)
    assert cli("audit", "verify", db=campaign_db).code == 0

    # Running the batch again issues the rest, with the numbers that follow.
    again = subprocess.run(command, cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    with get_engine(campaign_db).connect() as conn:
        numbers = sorted(n for (n,) in conn.execute(text("SELECT number FROM documents")))
    assert numbers == list(range(1, ITEMS + 1))
