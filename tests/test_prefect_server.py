"""End to end on a REAL Prefect server: prefect.yaml deploys, a process worker runs
campaign-tick, the duban.item.red event it emits triggers escalate, and the
results are read back from duban's database.

Everything listens on 127.0.0.1 only and lives in a temporary folder. This test
does not import Prefect itself: it drives the `prefect` CLI and the REST API.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.prefect_server import free_port, stop, tail
from tests.conftest import ORG, PLAN, ROOT

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(900)]

PREFECT = [sys.executable, "-m", "prefect"]
POOL = "duban-process"
THROUGH = "2015-10-09"


class Server:
    def __init__(self, home: Path, port: int):
        self.home, self.port = home, port
        self.api = f"http://127.0.0.1:{port}/api"
        # Nothing from the developer's Prefect profile or environment may leak in.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
            "PREFECT_HOME": str(home), "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_CLI_PROMPT": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_LOGGING_LEVEL": "INFO",
            # No scheduled runs: a 08:00 campaign-tick must not fire in the middle of the test.
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        }

    def cli(self, *args: str, timeout: float = 180, env: dict | None = None, log: Path | None = None) -> str:
        try:
            out = subprocess.run([*PREFECT, *args], env=env or self.env, cwd=ROOT, capture_output=True,
                                 text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`prefect {' '.join(args)}` did not finish within {timeout:.0f} s")
        if out.returncode != 0:
            pytest.fail(f"`prefect {' '.join(args)}` failed ({out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
                        + (f"\n{log.name}:\n{tail(log, 40)}" if log else ""))
        return out.stdout

    def post(self, path: str, body: dict):
        request = urllib.request.Request(f"{self.api}{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def flow_runs(self, flow_name: str) -> list[dict]:
        return self.post("/flow_runs/filter", {"flows": {"name": {"any_": [flow_name]}}, "limit": 20})


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-server")
    server = Server(home, free_port())
    log = home / "server.log"
    with open(log, "w") as sink:
        proc = subprocess.Popen([*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(server.port),
                                 "--no-ui"], env=server.env, cwd=home, stdout=sink, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Prefect server exited with {proc.returncode}:\n{tail(log, 40)}")
            try:
                with urllib.request.urlopen(f"{server.api}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Prefect server not healthy on 127.0.0.1:{server.port} after 120 s:\n{tail(log, 40)}")
            time.sleep(0.5)
        yield server
    finally:
        stop(proc, signal.SIGTERM, grace=15)


@pytest.fixture
def start_worker(prefect_server, tmp_path):
    """Start a process worker on the duban pool (after the pool exists: a worker would create
    a default one); its flow runs default to this test's database (DUBAN_DB)."""
    started = []

    def start(db_url: str) -> tuple[Path, subprocess.Popen]:
        env = prefect_server.env | {"DUBAN_DB": db_url, "DUBAN_FILES": str(tmp_path / "files"),
                                    "DUBAN_TODAY": THROUGH}
        log = tmp_path / "worker.log"
        with open(log, "w") as sink:
            proc = subprocess.Popen([*PREFECT, "worker", "start", "--pool", POOL, "--type", "process"], env=env,
                                    cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        started.append(proc)
        return log, proc

    yield start
    for proc in started:
        stop(proc, signal.SIGINT, grace=15)  # a worker shuts down cleanly on Ctrl-C


def _campaign_with_overdue_item(db_url: str) -> str:
    from duban.services.items import add_item
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.uow import UnitOfWork

    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", PLAN, today=dt.date(2015, 9, 1))
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", ORG)
    with UnitOfWork(db_url) as uow:
        return add_item(uow, "zhao", campaign=None, unit="JGC", title="审批拖拉", person="wu",
                        due=dt.date(2015, 9, 25), today=dt.date(2015, 9, 10))["no"]


def _wait_for_final(server: Server, flow_name: str, log: Path, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = server.flow_runs(flow_name)
        final = [r for r in runs if r["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")]
        if final:
            return final[0]
        time.sleep(1)
    pytest.fail(f"no {flow_name} flow run finished within {timeout:.0f} s; runs: "
                f"{[(r['name'], r['state_type']) for r in server.flow_runs(flow_name)]}\nworker log:\n{tail(log, 40)}")


def test_deploy_run_and_event_trigger_on_a_real_server(prefect_server, start_worker, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'duban.sqlite'}"
    no = _campaign_with_overdue_item(db_url)

    prefect_server.cli("work-pool", "create", POOL, "--type", "process")
    prefect_server.cli("--no-prompt", "deploy", "--all")  # exactly what prefect.yaml says
    deployed = prefect_server.post("/deployments/filter", {"limit": 50})
    assert sorted(d["name"] for d in deployed) == sorted(
        ["campaign-tick", "sweep-and-escalate", "escalate", "spot-check-draw", "recheck-draw",
         "weekly-ledger", "render-documents"])
    assert all(d["work_pool_name"] == POOL for d in deployed)

    worker_log, worker_proc = start_worker(db_url)
    params = json.dumps({"db_url": db_url, "through": THROUGH})
    watched = prefect_server.cli("deployment", "run", "campaign-tick/campaign-tick", "--params", params,
                                 "--watch", "--watch-timeout", "300", timeout=360, log=worker_log)
    assert worker_proc.poll() is None, f"worker died:\n{tail(worker_log, 40)}"
    tick = _wait_for_final(prefect_server, "campaign-tick", worker_log)
    assert tick["state_type"] == "COMPLETED", f"{watched[-2000:]}\nworker log:\n{tail(worker_log, 40)}"

    # The tick emitted duban.item.red for the overdue item; the trigger started escalate with it.
    escalate = _wait_for_final(prefect_server, "escalate", worker_log)
    assert escalate["state_type"] == "COMPLETED", tail(worker_log, 40)
    assert escalate["parameters"] == {"item": f"duban.item.{no}"}

    from storage.models import DutyRun, Escalation
    from storage.uow import UnitOfWork

    with UnitOfWork(db_url) as uow:
        days = uow.session.scalars(select(DutyRun.business_date).where(DutyRun.duty == "day")
                                   .order_by(DutyRun.business_date)).all()
        levels = uow.session.execute(select(Escalation.level, Escalation.on_date)).all()
    assert days == [dt.date(2015, 9, 1) + dt.timedelta(days=n) for n in range(39)]  # through 10-09
    # one level at a time: 催办 as the deadline nears, 督办 once it has passed
    assert [tuple(row) for row in levels] == [("催办", dt.date(2015, 9, 22)), ("督办", dt.date(2015, 9, 28))]
    from storage.models import Document

    with UnitOfWork(db_url) as uow:  # the escalate run issued the item's 催办单 and 督办单, each dated its day
        documents = uow.session.execute(select(Document.kind, Document.issued_on)).all()
    assert sorted(tuple(d) for d in documents) == [("reminder_sheet", dt.date(2015, 9, 22)),
                                                   ("supervision_sheet", dt.date(2015, 9, 28))], tail(worker_log, 40)


def test_duban_serve_runs_deployments_on_a_real_server(prefect_server, tmp_path):
    """`duban serve` registers the same deployments and executes their runs itself (no work pool)."""
    db_url = f"sqlite:///{tmp_path / 'duban.sqlite'}"
    _campaign_with_overdue_item(db_url)
    env = prefect_server.env | {"DUBAN_FILES": str(tmp_path / "files"), "DUBAN_TODAY": THROUGH}
    # Same names as the work-pool deployments of the previous test: Prefect cannot turn a
    # deployment made by `prefect deploy` into a served one (its runs crash), so start afresh.
    prefect_server.cli("--no-prompt", "deployment", "delete", "--all")
    log = tmp_path / "serve.log"
    with open(log, "w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "duban", "--db", db_url, "serve"], env=env, cwd=ROOT,
                                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "being served" not in log.read_text(encoding="utf-8"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"duban serve did not start serving:\n{tail(log, 40)}")
            time.sleep(0.5)
        prefect_server.cli("deployment", "run", "spot-check-draw/spot-check-draw", "--params",
                           json.dumps({"kind": "discipline_check", "day": THROUGH}),
                           "--watch", "--watch-timeout", "240", timeout=300, log=log)
    finally:
        stop(proc, signal.SIGINT, grace=15)
    assert "campaign-tick" in log.read_text(encoding="utf-8")  # it printed what it serves

    from storage.models import Draw
    from storage.uow import UnitOfWork

    with UnitOfWork(db_url) as uow:
        draws = uow.session.execute(select(Draw.kind, Draw.on_date, Draw.actor)).all()
    assert [tuple(d) for d in draws] == [("discipline_check", dt.date(2015, 10, 9), "system")]
