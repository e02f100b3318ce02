"""Every scale figure of issue #16 at one scale, on SQLite and PostgreSQL, into bench/results.jsonl.

    .venv/bin/python bench/run_all.py [--scale bureau|city|province] [--results FILE] [--dbs sqlite,postgresql]
        [--only read,sweep,batch,tick,writers] [--baseline-timeout S]

``make bench SCALE=…`` runs it. Per database it generates the scale's dataset once
(bench/generate.py: a file for SQLite, a scratch database on the local PostgreSQL server for
PostgreSQL, DUBAN_BENCH_PG, default postgresql+psycopg://postgres@127.0.0.1:5432/test, loopback,
trust auth), copies it for the figures that change their data (SQLite: a file copy;
PostgreSQL: CREATE DATABASE … TEMPLATE), then runs each bench script with ``--results``, so
each appends its own figure lines (bench/figures.py) with its same-run baseline:

- ``read``: scale_bench.py — item list, report units, XLSX ledger, on SQLite also the 台账 PDF
  and a write during a list and during a document batch;
- ``sweep``: sweep_bench.py at the scale's items, then with items past the grace period (case
  proposals); baseline: the same sweep by the code before the sweep's set-based writes
  (``BEFORE_SWEEP``, extracted with ``git archive``);
- ``batch``: batch_bench.py --prefect — the owed 催办单/督办单 shared by two Prefect workers, with
  its proof query; baseline: one worker, the same number of sheets, on a copy of the data;
- ``tick``: tick_bench.py --prefect — the next day's tick through Prefect; baseline: the same run
  again with the day done;
- ``writers`` (PostgreSQL): writers_bench.py at 1 and 8 writers; baseline: one chain.

Every database made here is dropped at the end; a step that fails is reported and the others run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
BENCH = ROOT / "bench"
BEFORE_SWEEP = "1dc7f55"  # main just before 8f5e717 (the sweep's writes set-based): one row at a time
# Per scale: generated items, sweep items, (items, of them past the grace period), sheets for the
# Prefect batch, items in the 台账 PDF, notices in the batch a write meets, baselines' time limit.
SCALES = {
    "bureau": {"sweep": 2_000, "past_grace": (3_000, 1_000), "docs": 100, "pdf_items": 300, "batch_docs": 400,
               "timeout": 300},
    "city": {"sweep": 200_000, "past_grace": (30_000, 10_000), "docs": 5_000, "pdf_items": 2_000,
             "batch_docs": 400, "timeout": 600},
    "province": {"sweep": 1_000_000, "past_grace": (300_000, 100_000), "docs": 5_000, "pdf_items": 2_000,
                 "batch_docs": 400, "timeout": 600},
}
STEPS = ("read", "sweep", "batch", "tick", "writers")


class Databases:
    """The scratch databases of one run: made here, dropped by ``drop_all``."""

    def __init__(self, tmp: Path):
        self.tmp, self.tag, self.made = tmp, uuid.uuid4().hex[:8], []
        self.base = os.environ.get("DUBAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

    def url(self, kind: str, role: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{self.tmp / role}.sqlite"
        from sqlalchemy.engine import make_url

        return make_url(self.base).set(database=f"duban_bench_{self.tag}_{role}").render_as_string(False)

    def _admin(self, statement: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.base, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()

    def create(self, kind: str, role: str, template: str | None = None) -> str:
        url = self.url(kind, role)
        if kind == "sqlite":
            for suffix in ("", "-wal") if template else ():  # a WAL left behind holds committed rows too
                if (self.tmp / f"{template}.sqlite{suffix}").exists():
                    shutil.copyfile(self.tmp / f"{template}.sqlite{suffix}", self.tmp / f"{role}.sqlite{suffix}")
            return url
        name = url.rsplit("/", 1)[1]
        source = f' TEMPLATE "{self.url(kind, template).rsplit("/", 1)[1]}"' if template else ""
        self._admin(f'CREATE DATABASE "{name}"{source}')
        self.made.append(name)
        return url

    def drop_all(self) -> None:
        for name in self.made:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def step(name: str, command: list[str], failed: list[str], env: dict | None = None) -> None:
    print(f"\n=== {name} ({time.strftime('%H:%M:%S')}, load {os.getloadavg()[0]:.2f})\n$ "
          + " ".join(str(part) for part in command[1:]), flush=True)
    began = time.perf_counter()
    code = subprocess.run([str(part) for part in command], cwd=ROOT, env=env, check=False).returncode
    print(f"=== {name}: {'done' if code == 0 else f'FAILED (exit {code})'} in {time.perf_counter() - began:.0f} s",
          flush=True)
    if code:
        failed.append(name)


def before_code(tmp: Path, commit: str) -> Path | None:
    """The tree at ``commit`` (the sweep's baseline code), or None outside a git checkout."""
    folder = tmp / f"before-{commit}"
    folder.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=False)
    if archive.returncode:
        print(f"no baseline code ({commit}): {archive.stderr.decode()[-300:]}")
        return None
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def run_database(kind: str, args, sizes: dict, dbs: Databases, before: Path | None, failed: list[str]) -> None:
    common = ["--results", args.results, "--scale", args.scale]
    label = f"{kind} {args.scale}"
    master = dbs.create(kind, "master")
    step(f"{label}: generate", [PY, BENCH / "generate.py", "--scale", args.scale, "--db", master], failed)
    if f"{label}: generate" in failed:
        return
    roles = (["batch", "batch_base"] if "batch" in args.only else []) + (["tick"] if "tick" in args.only else [])
    copies = {role: dbs.create(kind, role, "master") for role in roles}  # before anything writes to master
    if "read" in args.only:
        ops = "list,report,xlsx,pdf,write" if kind == "sqlite" else "list,report,xlsx"
        step(f"{label}: list, report, xlsx" + (", pdf, write" if kind == "sqlite" else ""),
             [PY, BENCH / "scale_bench.py", "--keep", master, "--ops", ops, "--pdf-items", sizes["pdf_items"],
              "--batch-docs", sizes["batch_docs"], "--baseline-timeout", sizes["timeout"], *common], failed)
    if "sweep" in args.only:
        pg = ["--pg", dbs.url(kind, "sweep")] if kind == "postgresql" else []
        base = ["--before-code", before, "--baseline-timeout", sizes["timeout"]] if before else []
        if kind == "postgresql":
            dbs.made += [f"duban_bench_{dbs.tag}_sweep", f"duban_bench_{dbs.tag}_sweep_before"]  # dropped there too
        n, late = sizes["past_grace"]
        step(f"{label}: sweep", [PY, BENCH / "sweep_bench.py", sizes["sweep"], *pg, *base, *common], failed)
        step(f"{label}: sweep past grace", [PY, BENCH / "sweep_bench.py", n, "--past-grace", late, *pg, *base,
                                            *common], failed)
    if "batch" in args.only:
        step(f"{label}: batch through two Prefect workers",
             [PY, BENCH / "batch_bench.py", "--prefect", "--db", copies["batch"], "--baseline-db",
              copies["batch_base"], "--docs", sizes["docs"], "--processes", 2, "--workers", 1,
              "--files", dbs.tmp / "files", "--timeout", 3600, *common], failed)
    if "tick" in args.only:
        step(f"{label}: daily tick through Prefect",
             [PY, BENCH / "tick_bench.py", "--prefect", "--db", copies["tick"], *common], failed)
    if "writers" in args.only and kind == "postgresql":
        step(f"{label}: writers", [PY, BENCH / "writers_bench.py", "--items", max(4_000, sizes["items"]),
                                   "--writers", "1,8", "--shards", "1,16", *common], failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="bureau")
    parser.add_argument("--results", default=str(BENCH / "results.jsonl"))
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument("--only", default=",".join(STEPS), help="comma-separated: " + ", ".join(STEPS))
    args = parser.parse_args()
    args.only = args.only.split(",")
    from bench.generate import SCALES as GENERATED

    sizes = SCALES[args.scale] | {"items": GENERATED[args.scale][2]}
    began, failed = time.perf_counter(), []
    print(f"run_all --scale {args.scale}: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="duban-bench-") as name:
        tmp = Path(name)
        os.environ["DUBAN_FILES"] = str(tmp / "files")
        before = before_code(tmp, BEFORE_SWEEP) if "sweep" in args.only else None
        dbs = Databases(tmp)
        try:
            for kind in args.dbs.split(","):
                run_database(kind, args, sizes, dbs, before, failed)
        finally:
            dbs.drop_all()
    print(f"\nrun_all --scale {args.scale}: {time.perf_counter() - began:.0f} s, load {os.getloadavg()}; "
          + (f"FAILED: {', '.join(failed)}" if failed else "every step done"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
