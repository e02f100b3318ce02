"""Concurrent writers on PostgreSQL: start + submit latency and throughput, one chain vs. partitioned chains.

    .venv/bin/python bench/writers_bench.py [--items N] [--writers 1,8] [--shards 1,16] [--per-writer K]
        [--code CHECKOUT] [--profile] [--results FILE --scale S]

Builds a bureau-sized campaign (bench/generate.py) in a scratch database on the local server
(DUBAN_BENCH_PG, default postgresql+psycopg://postgres@127.0.0.1:5432/test: a new database
next to it, dropped at the end), then for each (shards, writers) pair runs ``writers``
processes that each take their own assigned items through ``start`` and ``submit`` (with one
evidence file), every transition its own transaction, as `duban item start|submit` does; each
writer's first item is a warm-up, not timed. The
DUBAN_AUDIT_SHARDS=1 rows are the baseline: every writer queues on the campaign's one chain.
Prints p50/p99 per transition, transitions per second, the load average after each row, and
the CPU one transition cost: in the writer process (``cpu_client_ms``) and in its PostgreSQL
backend (``cpu_server_ms``, from /proc; the server must run on this machine); no assertions.
``--code`` measures another checkout's duban and storage (an old commit, via ``git worktree``)
with this script and generator, so old and new run the same bench. ``--results FILE`` keeps
one figure line per writers count (bench/figures.py): the most shards as the figure, one shard
(one chain) as its same-run baseline; seconds are the timed transitions' wall time, max RSS the
largest writer's.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a spawned writer has its parent's path, --code first
    sys.path.insert(0, str(ROOT))
TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float | None:
    """CPU seconds a PostgreSQL backend has used (None: not on this machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def _backend_pid(uow) -> int:
    return uow.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()


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


def _writer(args):
    db, shards, numbers, owners, evidence, freeze = args
    os.environ["DUBAN_AUDIT_SHARDS"] = str(shards)
    from duban.services.items import show_item, transition
    from storage.uow import UnitOfWork

    def start_and_submit(no, latencies):
        for trigger in ("start", "submit"):
            began_one = time.perf_counter()
            with UnitOfWork(db) as uow:
                transition(uow, owners[no], no, trigger, evidence_files=[Path(evidence)] if trigger == "submit" else [])
            latencies.append(time.perf_counter() - began_one)

    with UnitOfWork(db) as uow:  # warm: imports, connection, plan, the statements' caches; not timed
        show_item(uow, owners[numbers[0]], numbers[0])
        backend = _backend_pid(uow)
    start_and_submit(numbers[0], [])
    if freeze:  # what is alive after warming up is never scanned again by a full collection
        gc.freeze()
    barrier.wait()
    latencies = []
    began, cpu, server = time.time(), time.process_time(), backend_cpu(backend)
    for no in numbers[1:]:
        start_and_submit(no, latencies)
    ended, cpu = time.time(), time.process_time() - cpu
    server = None if server is None else backend_cpu(backend) - server
    with UnitOfWork(db) as uow:  # the pool kept one connection: its backend did all the work
        if _backend_pid(uow) != backend:
            server = None
    import resource

    import duban

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return began, ended, latencies, cpu, server, duban.__file__, rss


def _init(shared_barrier) -> None:
    global barrier
    barrier = shared_barrier


def run(db, shards, writers, numbers, owners, evidence, freeze=False) -> dict:
    parts = [(db, shards, numbers[i::writers], owners, evidence, freeze) for i in range(writers)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(writers, initializer=_init, initargs=(context.Barrier(writers),)) as pool:
        results = pool.map(_writer, parts)
    # From the moment all writers were warm and released to the last one's end: no start-up in it.
    import duban

    assert {r[5] for r in results} == {duban.__file__}, "a writer measured other code than --code"
    wall = max(r[1] for r in results) - min(r[0] for r in results)
    latencies = sorted(x for r in results for x in r[2])
    q = statistics.quantiles(latencies, n=100)
    servers = [r[4] for r in results]
    return {"shards": shards, "writers": writers, "transitions": len(latencies),
            "p50_ms": round(q[49] * 1000, 1), "p95_ms": round(q[94] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
            "per_s": round(len(latencies) / wall, 1), "wall_s": round(wall, 2),
            "cpu_client_ms": round(sum(r[3] for r in results) / len(latencies) * 1000, 2),
            "cpu_server_ms": None if None in servers else round(sum(servers) / len(latencies) * 1000, 2),
            "max_rss_mb": round(max(r[6] for r in results), 1), "load": os.getloadavg()[0]}


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


def keep_figures(args, rows: list[dict], items: int) -> None:
    """Per writers count: the most shards against one shard (every writer on one chain)."""
    from bench.figures import figure_line, keep

    def figure(row):
        return {"seconds": row["wall_s"], "max_rss_mb": row["max_rss_mb"]} | {
            key: row[key] for key in ("shards", "transitions", "p50_ms", "p95_ms", "p99_ms", "per_s",
                                      "cpu_client_ms", "cpu_server_ms")}

    for writers in sorted({row["writers"] for row in rows}):
        mine = sorted((row for row in rows if row["writers"] == writers), key=lambda row: row["shards"])
        baseline = None
        if len(mine) > 1 and mine[0]["shards"] == 1:
            baseline = {"is": "the same transitions with DUBAN_AUDIT_SHARDS=1 (one chain), same run"} | figure(mine[0])
        keep(args.results, figure_line(f"writers_{writers}", "postgresql", args.scale, items, figure(mine[-1]),
                                       baseline))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=4000, help="items generated (about 12 %% are assigned)")
    parser.add_argument("--writers", default="1,8")
    parser.add_argument("--shards", default="1,16")
    parser.add_argument("--per-writer", type=int, default=12, help="items each writer takes through start+submit")
    parser.add_argument("--profile", action="store_true", help="print one start's and one submit's statements first")
    parser.add_argument("--freeze-gc", action="store_true",
                        help="writers call gc.freeze() after warming up: full collections (tens of ms, "
                             "all the imported modules' objects) leave the timed transitions")
    parser.add_argument("--results", help="keep one figure line per writers count in this file")
    parser.add_argument("--scale", help="the scale named in the figure lines")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="checkout whose duban and storage are measured (default: this one)")
    args = parser.parse_args()
    base = os.environ.get("DUBAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    sys.path.insert(0, str(args.code.resolve()))  # the writers are spawned with this sys.path
    import duban

    print(f"code: {Path(duban.__file__).parents[1]}; load average at start: {os.getloadavg()}")
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
            rows = []
            for shards in [int(s) for s in args.shards.split(",")]:
                for writers in [int(w) for w in args.writers.split(",")]:
                    take = writers * (args.per_writer + 1)  # each writer's first item warms it up
                    if len(numbers) < take:
                        print(f"not enough assigned items left for {writers} writers")
                        continue
                    mine, numbers = numbers[:take], numbers[take:]
                    rows.append(run(db, shards, writers, mine, owners, str(evidence), args.freeze_gc))
                    print(rows[-1], flush=True)
            if args.results:
                keep_figures(args, rows, args.items)
    finally:
        drop()


if __name__ == "__main__":
    main()
