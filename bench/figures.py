"""One JSON line per figure, the same fields whichever bench measured it (bench/plots.py draws them).

A line: ``at`` and ``date`` (UTC), ``machine``, ``op``, ``db`` (sqlite or postgresql), ``scale``,
``items``, ``figure`` (``seconds``, ``max_rss_mb`` and what else the bench reports), ``baseline``
(the same run's baseline: ``is`` says what it is, then its ``seconds`` and ``max_rss_mb``;
``stopped`` when it was cut at a time limit, its seconds then a lower bound), ``ratio``
(baseline seconds / figure seconds), ``load`` (1-minute load average) and ``cpu_ref`` (seconds of
``for i in range(10_000_000): s += i``, how fast the machine was at that moment).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
from pathlib import Path


def cpu_reference() -> float:
    """Seconds of ``for i in range(10_000_000): s += i``: how fast this machine is right now."""
    import time

    started, s = time.perf_counter(), 0
    for i in range(10_000_000):
        s += i
    return round(time.perf_counter() - started, 2)


def machine() -> str:
    """Cores, CPU model, memory, system and Python: enough to tell two machines' figures apart."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        memory_text = f", {memory / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory_text = ""
    return (f"{os.cpu_count()}-core {model or platform.machine()}{memory_text}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def max_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def figure_line(op: str, db: str, scale: str | None, items: int, figure: dict, baseline: dict | None,
                cpu_ref: float | None = None, **extra) -> dict:
    """The line for one figure; ``baseline`` None when the bench has none for it."""
    ratio = None
    if baseline and baseline.get("seconds") is not None and figure.get("seconds"):
        ratio = round(baseline["seconds"] / max(figure["seconds"], 1e-6), 2)
    now = dt.datetime.now(dt.timezone.utc)
    return ({"at": now.isoformat(timespec="seconds"), "date": now.date().isoformat(), "machine": machine(),
             "op": op, "db": db, "scale": scale, "items": items, "figure": figure, "baseline": baseline,
             "ratio": ratio, "load": round(os.getloadavg()[0], 2),
             "cpu_ref": cpu_ref if cpu_ref is not None else cpu_reference()} | extra)


def keep(path: str | Path | None, line: dict) -> None:
    """Print the line and, with ``path``, append it there."""
    text = json.dumps(line, ensure_ascii=False)
    print(f"figure: {text}", flush=True)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")


def dialect(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def run_json(command: list[str], env: dict | None = None, timeout: float | None = None,
             expect_json: bool = True) -> dict:
    """Run a bench step in a fresh process, its output shown as it comes: its last stdout line as
    JSON; {"seconds": timeout, "stopped": True} when it runs past ``timeout`` (it is then killed)."""
    import subprocess
    import threading

    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    stopped = threading.Event()

    def stop() -> None:
        stopped.set()
        proc.kill()

    timer = threading.Timer(timeout, stop) if timeout else None
    if timer:
        timer.start()
    last = ""
    for line in proc.stdout:
        print(f"  | {line}", end="", flush=True)
        last = line if line.strip() else last
    proc.wait()
    if timer:
        timer.cancel()
    if stopped.is_set():
        return {"seconds": timeout, "stopped": True, "max_rss_mb": None}
    if proc.returncode:
        raise SystemExit(f"{' '.join(command[1:3])} … failed (exit {proc.returncode})")
    return json.loads(last) if expect_json else {}


def count_items(db: str) -> int:
    """Items in a database (0 when it has no schema yet)."""
    from sqlalchemy import inspect, text

    from storage.db import get_engine

    with get_engine(db).connect() as conn:
        if not inspect(conn).has_table("problem_items"):
            return 0
        return conn.execute(text("SELECT count(*) FROM problem_items")).scalar()
