"""A real Prefect server on 127.0.0.1 for the benchmarks, with its own PREFECT_HOME, the
duban-process work pool, deployments from prefect.yaml and process workers.

Everything it starts runs in its own session and is stopped by its id when the ``with``
block ends. Like tests/test_prefect_server.py, it drives the ``prefect`` CLI and the REST
API and does not import Prefect itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFECT = [sys.executable, "-m", "prefect"]
POOL = "duban-process"
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(proc: subprocess.Popen, first_signal: int = signal.SIGINT, grace: float = 20) -> None:
    """Stop a process started here, and its children (its own session), by its id (also
    tests/test_prefect_server.py's)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, first_signal)
            proc.wait(timeout=grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # leftovers: uvicorn, flow-run subprocesses, render pools
    proc.wait(timeout=30)


class PrefectServer:
    def __init__(self, home: Path, port: int):
        self.home, self.port = home, port
        self.api = f"http://127.0.0.1:{port}/api"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
            "PREFECT_HOME": str(home), "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_CLI_PROMPT": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_LOGGING_LEVEL": "INFO",
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",  # no 08:00 tick in the middle of a run
        }
        self.workers: list[tuple[subprocess.Popen, Path]] = []
        self.runs: list[str] = []

    def cli(self, *args: str, timeout: float = 300, env: dict | None = None) -> str:
        out = subprocess.run([*PREFECT, *args], env=env or self.env, cwd=ROOT, capture_output=True, text=True,
                             timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"`prefect {' '.join(args)}` failed ({out.returncode}):\n{out.stdout[-2000:]}\n"
                               f"{out.stderr[-2000:]}")
        return out.stdout

    def post(self, path: str, body: dict):
        request = urllib.request.Request(f"{self.api}{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def deploy(self, *names: str) -> None:
        """The work pool, then the named deployments exactly as prefect.yaml says."""
        self.cli("work-pool", "create", POOL, "--type", "process")
        for name in names:
            self.cli("--no-prompt", "deploy", "--name", name)

    def start_worker(self, env: dict, name: str, limit: int | None = 1) -> subprocess.Popen:
        """A process worker on the duban pool running at most ``limit`` flow runs at a time."""
        log = self.home / f"worker-{name}.log"
        with open(log, "w") as sink:
            proc = subprocess.Popen([*PREFECT, "worker", "start", "--pool", POOL, "--type", "process", "--name", name,
                                     *(["--limit", str(limit)] if limit else [])],
                                    env=self.env | env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.workers.append((proc, log))
        return proc

    def run_deployment(self, deployment: str, parameters: dict) -> str:
        """Create a flow run of ``flow/deployment`` (not waiting); returns its id."""
        flow, name = deployment.split("/")
        found = self.post("/deployments/filter", {"deployments": {"name": {"any_": [name]}},
                                                 "flows": {"name": {"any_": [flow]}}, "limit": 1})
        run = self.post(f"/deployments/{found[0]['id']}/create_flow_run", {"parameters": parameters})
        self.runs.append(run["id"])
        return run["id"]

    def flow_run(self, run_id: str) -> dict:
        request = urllib.request.Request(f"{self.api}/flow_runs/{run_id}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def wait(self, run_ids: list[str], timeout: float, poll: float = 2) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            runs = [self.flow_run(run_id) for run_id in run_ids]
            if all(r["state_type"] in FINAL for r in runs) or time.monotonic() > deadline:
                return runs
            time.sleep(poll)

    def kill_run(self, run_id: str) -> None:
        """SIGKILL a flow run's process and its render pool: the process worker starts each run in a
        session of its own, so stopping the worker does not stop it."""
        infrastructure = self.flow_run(run_id).get("infrastructure_pid") or ""
        pid = infrastructure.rsplit(":", 1)[-1]
        if pid.isdigit():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(int(pid), signal.SIGKILL)

    def task_runs(self, run_id: str) -> list[dict]:
        return self.post("/task_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}, "limit": 200,
                                               "sort": "EXPECTED_START_TIME_ASC"})


@contextlib.contextmanager
def prefect_server(startup_timeout: float = 180):
    """A fresh server (SQLite in its own PREFECT_HOME) on a free loopback port."""
    with tempfile.TemporaryDirectory(prefix="duban-bench-prefect-") as name:
        home = Path(name)
        server = PrefectServer(home, free_port())
        log = home / "server.log"
        with open(log, "w") as sink:
            proc = subprocess.Popen([*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(server.port),
                                     "--no-ui"], env=server.env, cwd=home, stdout=sink, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"Prefect server exited with {proc.returncode}:\n{tail(log)}")
                with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                    with urllib.request.urlopen(f"{server.api}/health", timeout=2) as response:
                        if response.status == 200:
                            break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Prefect server not healthy after {startup_timeout:.0f} s:\n{tail(log)}")
                time.sleep(0.5)
            yield server
        finally:
            for worker, _ in server.workers:
                stop(worker)
            for run_id in server.runs:  # runs still going (a timeout, an interrupt)
                with contextlib.suppress(OSError, ValueError):
                    if server.flow_run(run_id)["state_type"] not in FINAL:
                        server.kill_run(run_id)
            stop(proc, signal.SIGTERM)
