"""Concurrent writers on PostgreSQL: start + submit latency and throughput, one chain vs. partitioned chains.

    .venv/bin/python bench/writers_bench.py [--items N] [--writers 1,8] [--shards 1,16] [--per-writer K]

Builds a bureau-sized campaign (bench/generate.py) in a scratch database on the local server
(DUBAN_BENCH_PG, default postgresql+psycopg://postgres@127.0.0.1:5432/test: a new database
next to it, dropped at the end), then for each (shards, writers) pair runs ``writers``
processes that each take their own assigned items through ``start`` and ``submit`` (with one
evidence file), every transition its own transaction, as `duban item start|submit` does. The
DUBAN_AUDIT_SHARDS=1 rows are the baseline: every writer queues on the campaign's one chain.
Prints p50/p99 per transition and transitions per second; no assertions.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def scratch_database(base: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"duban_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)

    def drop():
        from storage.db import get_engine

        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def _writer(args) -> list[float]:
    db, shards, numbers, owners, evidence = args
    os.environ["DUBAN_AUDIT_SHARDS"] = str(shards)
    from duban.services.items import show_item, transition
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:  # warm: imports, connection, plan; not timed
        show_item(uow, owners[numbers[0]], numbers[0])
    barrier.wait()
    latencies = []
    began = time.time()
    for no in numbers:
        for trigger in ("start", "submit"):
            began_one = time.perf_counter()
            with UnitOfWork(db) as uow:
                transition(uow, owners[no], no, trigger, evidence_files=[Path(evidence)] if trigger == "submit" else [])
            latencies.append(time.perf_counter() - began_one)
    return began, time.time(), latencies


def _init(shared_barrier) -> None:
    global barrier
    barrier = shared_barrier


def run(db, shards, writers, numbers, owners, evidence) -> dict:
    parts = [(db, shards, numbers[i::writers], owners, evidence) for i in range(writers)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(writers, initializer=_init, initargs=(context.Barrier(writers),)) as pool:
        results = pool.map(_writer, parts)
    # From the moment all writers were warm and released to the last one's end: no start-up in it.
    wall = max(end for _, end, _ in results) - min(start for start, _, _ in results)
    latencies = sorted(x for _, _, r in results for x in r)
    q = statistics.quantiles(latencies, n=100)
    return {"shards": shards, "writers": writers, "transitions": len(latencies),
            "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
            "per_s": round(len(latencies) / wall, 1), "wall_s": round(wall, 2)}


def profile(db: str, no: str, owner: str, evidence: str) -> None:
    """The statements of one start and one submit (with evidence), the locking ones marked."""
    from sqlalchemy import event

    from duban.services.items import transition
    from storage.db import get_engine
    from storage.uow import UnitOfWork

    engine = get_engine(db)
    for trigger in ("start", "submit"):
        statements: list[str] = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            statements.append(" ".join(statement.split()))

        event.listen(engine, "before_cursor_execute", seen)
        began = time.perf_counter()
        with UnitOfWork(db) as uow:
            transition(uow, owner, no, trigger, evidence_files=[Path(evidence)] if trigger == "submit" else [])
        took = time.perf_counter() - began
        event.remove(engine, "before_cursor_execute", seen)
        print(f"{trigger}: {len(statements)} statements, {took * 1000:.1f} ms (alone)")
        for statement in statements:
            lock = " [LOCK]" if "FOR UPDATE" in statement or "pg_advisory" in statement else ""
            print(f"  {statement[:150]}{lock}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=4000, help="items generated (about 12 %% are assigned)")
    parser.add_argument("--writers", default="1,8")
    parser.add_argument("--shards", default="1,16")
    parser.add_argument("--per-writer", type=int, default=12, help="items each writer takes through start+submit")
    parser.add_argument("--profile", action="store_true", help="print one start's and one submit's statements first")
    args = parser.parse_args()
    base = os.environ.get("DUBAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    print(f"load average at start: {os.getloadavg()}")
    db, drop = scratch_database(base)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["DUBAN_FILES"] = str(Path(tmp) / "files")
            from bench.generate import generate

            print(generate(db, "bureau", args.items, 2015))
            from sqlalchemy import text

            from storage.db import get_engine

            with get_engine(db).connect() as conn:
                assigned = conn.execute(text(
                    "SELECT i.no, p.login FROM problem_items i JOIN persons p ON p.id = i.owner_id "
                    "WHERE i.state = 'assigned' ORDER BY i.seq")).all()
            get_engine(db).dispose()
            owners = dict(assigned)
            numbers = [no for no, _ in assigned]
            evidence = Path(tmp) / "整改报告.txt"
            evidence.write_text("已整改", encoding="utf-8")
            os.environ["DUBAN_TODAY"] = "2015-10-27"
            if args.profile:
                profile(db, numbers[0], owners[numbers[0]], str(evidence))
                numbers = numbers[1:]
            for shards in [int(s) for s in args.shards.split(",")]:
                for writers in [int(w) for w in args.writers.split(",")]:
                    take = writers * args.per_writer
                    if len(numbers) < take:
                        print(f"not enough assigned items left for {writers} writers")
                        continue
                    mine, numbers = numbers[:take], numbers[take:]
                    print(run(db, shards, writers, mine, owners, str(evidence)))
    finally:
        drop()


if __name__ == "__main__":
    main()
