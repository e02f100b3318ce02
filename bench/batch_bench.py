"""Several processes sharing one document batch: no duplicate, no gap, proven by a query.

    .venv/bin/python bench/batch_bench.py --db URL [--docs N] [--processes P] [--workers W] [--disjoint] [--chunk C]
    .venv/bin/python bench/batch_bench.py --db URL --prefect [--docs N] [--processes P] [--workers W]
                                          [--kill-after S]
    .venv/bin/python bench/batch_bench.py --db URL --prefect --baseline-db URL2 --results FILE [--scale S] [--docs N]

Plain processes: takes the first N 整改通知书 the database owes (bench/generate.py data, as of
2015-10-27) and starts P processes, each issuing all N with W render workers, the list
rotated so they meet in the middle; then counts the documents: one per item, numbers
1..count without a gap.

``--prefect``: starts a Prefect server on 127.0.0.1 (its own PREFECT_HOME), deploys
render-documents from prefect.yaml on the duban-process pool, starts P process workers
(one flow run each) and runs P flow runs that share the owed 催办单/督办单, shard k of P,
N/P sheets each, W render processes per run. ``--kill-after S`` kills the second worker
(and its flow run) S seconds in, checks the numbers, then runs its shard again to the end.
The proof query counts every 催办单/督办单 per counter: numbers 1..last without a gap and
equal to the counter, no escalation with two.

``--results FILE`` (with --prefect) keeps one figure line (bench/figures.py): the P workers'
run on --db against the same run's baseline, one worker issuing the same number of sheets on
--baseline-db (a copy of the same data), each in a fresh process; max RSS is the largest process
the run started (the Prefect server's included), and the line carries the proof.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TODAY = dt.date(2015, 10, 27)
KIND = "rectification_notice"


def issuer(db: str, items: list[str], workers: int) -> dict:
    from duban.services.documents import issue_batch
    from storage.uow import UnitOfWork

    chunk = {"chunk_size": int(os.environ["BATCH_BENCH_CHUNK"])} if os.environ.get("BATCH_BENCH_CHUNK") else {}
    result = issue_batch(lambda: UnitOfWork(db), "office", [{"kind": KIND, "item": no} for no in items],
                         workers=workers, today=TODAY, **chunk)
    return {"issued": len(result["issued"]), "refused": len(result["failed"]), "seconds": result["seconds"],
            "rendered_under_lock": result.get("rendered_under_lock")}


def proof(db: str) -> dict:
    from sqlalchemy import text

    from storage.db import get_engine

    with get_engine(db).connect() as conn:
        numbers = conn.execute(text("SELECT count(*), count(DISTINCT number), min(number), max(number) "
                                    "FROM documents WHERE kind = :kind AND revision = 1"), {"kind": KIND}).one()
        twice = conn.execute(text("SELECT count(*) FROM (SELECT item_id FROM documents WHERE kind = :kind "
                                  "AND revision = 1 GROUP BY item_id HAVING count(*) > 1) AS t"), {"kind": KIND}).scalar()
    count, distinct, first, last = numbers
    return {"documents": count, "distinct_numbers": distinct, "first": first, "last": last,
            "items_with_two": twice, "gapless": count == distinct == (last or 0) and first in (1, None)}


def sheet_proof(db: str) -> list[dict]:
    """Per document counter of the sheets: count, distinct numbers, first, last, the counter's
    last number, and escalations with two sheets (revision 1)."""
    from sqlalchemy import text

    from storage.db import get_engine

    query = text("""
        SELECT d.issuer, d.kind, d.year, count(*), count(DISTINCT d.number), min(d.number), max(d.number),
               (SELECT c.last_number FROM doc_counters c WHERE c.issuer = d.issuer AND c.kind = d.kind
                AND c.year = d.year),
               (SELECT count(*) FROM (SELECT escalation_id FROM documents e WHERE e.kind = d.kind AND e.revision = 1
                AND e.escalation_id IS NOT NULL GROUP BY escalation_id HAVING count(*) > 1) AS t)
        FROM documents d WHERE d.kind IN ('reminder_sheet', 'supervision_sheet') AND d.revision = 1
        GROUP BY d.issuer, d.kind, d.year ORDER BY d.kind, d.year""")
    with get_engine(db).connect() as conn:
        rows = conn.execute(query).all()
    return [{"issuer": issuer, "kind": kind, "year": year, "documents": count, "distinct_numbers": distinct,
             "first": first, "last": last, "counter": counter, "escalations_with_two": twice,
             "gapless": count == distinct == last == counter and first == 1}
            for issuer, kind, year, count, distinct, first, last, counter, twice in rows]


def _owed_sheets(db: str) -> int:
    from duban.services.tick import pending_supervision_sheets
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        uow.read_only()
        return len(pending_supervision_sheets(uow, uow.campaigns.only_or(None)))


def _print_runs(server, runs: list[dict]) -> None:
    for run in runs:
        tasks = server.task_runs(run["id"])
        busy = sum(t.get("total_run_time") or 0 for t in tasks)
        print(f"  {run['name']} shard {run['parameters'].get('shard')}: {run['state_type']}, "
              f"{run.get('total_run_time') or 0:.1f} s run time, {len(tasks)} tasks ({busy:.1f} s in tasks)")


def prefect_run(args) -> None:
    """The render-documents deployment on P process workers sharing the owed sheets."""
    from bench.prefect_server import prefect_server, stop, tail

    owed = _owed_sheets(args.db)
    shards = args.processes
    per_shard = args.docs // shards
    batch_size = min(per_shard, args.batch_size)
    params = {"db_url": args.db, "batch_size": batch_size, "max_batches": -(-per_shard // batch_size),
              "workers": args.workers, "shards": shards}
    print(f"owed sheets before: {owed}; {shards} flow runs of {per_shard} (batches of {batch_size}), "
          f"{args.workers} render processes each")
    files = Path(args.files or Path.cwd() / "batch-bench-files")
    env = {"DUBAN_DB": args.db, "DUBAN_FILES": str(files), "DUBAN_TODAY": TODAY.isoformat()}
    started = time.perf_counter()
    with prefect_server() as server:
        server.deploy("render-documents")
        workers = [server.start_worker(env, f"bench-{k}") for k in range(shards)]
        print(f"server, pool, deployment and {shards} workers up in {time.perf_counter() - started:.1f} s")
        cpu = _children_cpu()
        began = time.perf_counter()
        run_ids = [server.run_deployment("render-documents/render-documents", params | {"shard": k})
                   for k in range(shards)]
        if args.kill_after:
            runs = server.wait(run_ids, timeout=args.kill_after)
            # The worker that picked up the last shard's run (workers pick runs in any order).
            victim, log = next(((proc, log) for proc, log in server.workers if run_ids[-1] in log.read_text()),
                               server.workers[-1])
            stop(victim, signal.SIGKILL)
            server.kill_run(run_ids[-1])  # its flow-run process and render pool (a session of their own)
            print(f"killed {log.stem} and its flow run (shard {shards - 1}) after {time.perf_counter() - began:.1f} s; "
                  f"the run: {server.flow_run(run_ids[-1])['state_type']}")
            runs = server.wait(run_ids[:-1], timeout=args.timeout)
            print("after the kill:", json.dumps(sheet_proof(args.db), ensure_ascii=False))
            server.start_worker(env, f"bench-{shards}")
            run_ids.append(server.run_deployment("render-documents/render-documents",
                                                 params | {"shard": shards - 1}))
            runs = server.wait(run_ids[-1:], timeout=args.timeout)
        runs = server.wait(run_ids, timeout=args.timeout)
        wall = time.perf_counter() - began
        _print_runs(server, runs)
        logs = server.post("/logs/filter", {"logs": {"flow_run_id": {"any_": run_ids}}, "limit": 200})
        for line in logs:
            if "份" in line["message"]:
                print(f"  log: {line['message']}")
        if any(r["state_type"] != "COMPLETED" for r in runs):
            for proc, log in server.workers:
                print(f"--- {log.name}\n{tail(log, 15)}")
    issued = owed - _owed_sheets(args.db)
    print(f"{issued} sheets by {shards} Prefect workers in {wall:.1f} s wall ({issued / wall:.2f} docs/s), "
          f"{_children_cpu() - cpu:.0f} s CPU in the workers' processes (those that exited cleanly)")
    checked = sheet_proof(args.db)
    print("proof:", json.dumps(checked, ensure_ascii=False))
    return {"seconds": round(wall, 2), "issued": issued, "workers": shards,
            "completed": all(r["state_type"] == "COMPLETED" for r in runs),
            "gapless": bool(checked) and all(row["gapless"] and not row["escalations_with_two"] for row in checked),
            "proof": checked}


def prefect_figure(args) -> None:
    """P workers on --db against one worker on --baseline-db, the same number of sheets."""
    from bench.figures import count_items, cpu_reference, dialect, figure_line, keep, run_json

    def measure(db: str, processes: int) -> dict:
        return run_json([sys.executable, __file__, "--prefect", "--json", "--db", db, "--docs", str(args.docs),
                         "--processes", str(processes), "--workers", str(args.workers),
                         "--batch-size", str(args.batch_size), "--timeout", str(args.timeout)]
                        + (["--files", args.files] if args.files else []))

    cpu = cpu_reference()
    baseline = {"is": "the same number of sheets by one Prefect worker on a copy of the data, same run"}
    baseline |= measure(args.baseline_db, 1)
    now = measure(args.db, args.processes)
    keep(args.results, figure_line("batch_prefect", dialect(args.db), args.scale, count_items(args.db), now,
                                   baseline, cpu, docs=args.docs))


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--child", nargs="*")
    parser.add_argument("--disjoint", action="store_true", help="each process its own share, not the whole list")
    parser.add_argument("--chunk", type=int, help="documents per chunk (default: issue_batch's)")
    parser.add_argument("--prefect", action="store_true", help="P Prefect workers running render-documents")
    parser.add_argument("--batch-size", type=int, default=250, help="--prefect: sheets per task")
    parser.add_argument("--kill-after", type=float, help="--prefect: kill the last worker after S seconds")
    parser.add_argument("--timeout", type=float, default=3600, help="--prefect: give up waiting after S seconds")
    parser.add_argument("--files", help="--prefect: DUBAN_FILES (default ./batch-bench-files)")
    parser.add_argument("--results", help="--prefect: keep the figure line in this file (needs --baseline-db)")
    parser.add_argument("--baseline-db", help="--results: a copy of --db's data for the one-worker baseline")
    parser.add_argument("--scale", help="--results: the scale named in the figure line")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DUBAN_TODAY", TODAY.isoformat())
    if args.prefect and args.results:
        return prefect_figure(args)
    if args.prefect:
        print(f"load average at start: {os.getloadavg()}")
        result = prefect_run(args)
        print(f"load average at end: {os.getloadavg()}")
        if args.json:  # the last line: prefect_figure's
            import resource

            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(json.dumps(result | {"max_rss_mb": round(rss, 1)}, ensure_ascii=False))
        return
    if args.chunk:
        os.environ["BATCH_BENCH_CHUNK"] = str(args.chunk)  # for the child processes
    if args.child is not None:
        print(json.dumps(issuer(args.db, args.child, args.workers)))
        return
    from duban.services.documents import pending_jobs
    from storage.uow import UnitOfWork

    print(f"load average at start: {os.getloadavg()}")
    with UnitOfWork(args.db) as uow:
        uow.read_only()
        items = [job["item"] for job in pending_jobs(uow, "office", KIND, today=TODAY)[:args.docs]]
    began = time.perf_counter()
    step = len(items) // args.processes
    shares = [items[k * step:(k + 1) * step] if args.disjoint else items[k * step:] + items[:k * step]
              for k in range(args.processes)]
    children = [subprocess.Popen([sys.executable, __file__, "--db", args.db, "--workers", str(args.workers), "--child",
                                  *share], stdout=subprocess.PIPE, text=True) for share in shares]
    for child in children:
        out, _ = child.communicate()
        print(out.strip().splitlines()[-1] if out.strip() else f"process failed ({child.returncode})")
    print(f"{len(items)} documents by {args.processes} processes in {time.perf_counter() - began:.1f} s")
    print(proof(args.db))
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
