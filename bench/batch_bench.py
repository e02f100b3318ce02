"""Several processes sharing one document batch: no duplicate, no gap, proven by a query.

    .venv/bin/python bench/batch_bench.py --db URL [--docs N] [--processes P] [--workers W]

Takes the first N 整改通知书 the database owes (bench/generate.py data, as of 2015-10-27) and
starts P processes, each issuing all N with W render workers, the list rotated so they meet
in the middle; then counts the documents: one per item, numbers 1..count without a gap.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
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

    result = issue_batch(lambda: UnitOfWork(db), "office", [{"kind": KIND, "item": no} for no in items],
                         workers=workers, today=TODAY)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--child", nargs="*")
    args = parser.parse_args()
    os.environ.setdefault("DUBAN_TODAY", TODAY.isoformat())
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
    children = [subprocess.Popen([sys.executable, __file__, "--db", args.db, "--workers", str(args.workers), "--child",
                                  *(items[k * step:] + items[:k * step])], stdout=subprocess.PIPE, text=True)
                for k in range(args.processes)]
    for child in children:
        out, _ = child.communicate()
        print(out.strip().splitlines()[-1] if out.strip() else f"process failed ({child.returncode})")
    print(f"{len(items)} documents by {args.processes} processes in {time.perf_counter() - began:.1f} s")
    print(proof(args.db))
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
