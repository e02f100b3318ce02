"""Time an overdue sweep over N items in a throw-away database (figures only, no assertions).

    .venv/bin/python bench/sweep_bench.py [N] [--batch-size B] [--past-grace K] [--pg URL]
        [--results FILE --scale S [--before-code DIR] [--baseline-timeout S]]

Items are inserted in bulk (already assigned, owner wu of 建设管理处) with deadlines spread
so that on 2015-09-28 about a third are yellow, a third red and a third green. ``--past-grace K``
makes K of the red ones long overdue with a 催办 and a 督办 behind them, so the sweep proposes K
cases (问责). SQLite by default (a temporary file); ``--pg URL`` names a PostgreSQL database the
bench creates, uses and drops (it must not exist, or it is dropped first).

To time the code of another checkout (a baseline) in the same run, run this script with
``PYTHONPATH`` set to that checkout.

``--results FILE`` keeps the first sweep as one figure line (bench/figures.py): set-up and
sweep each in a fresh process (max RSS is the sweep's own), then the same with
``--before-code``'s checkout as the same run's baseline (its own database: ``_before``
appended to --pg's name), stopped after --baseline-timeout seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2015, 9, 28)
DUES = (dt.date(2015, 9, 30), dt.date(2015, 9, 25), dt.date(2015, 10, 20))  # yellow, red, green on AS_OF
LONG_OVERDUE = dt.date(2015, 9, 10)  # its 催办 on 9-07, its 督办 on 9-11: past the 5-working-day grace
CHUNK = 50_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, help="items per batch (default: the sweep's, per database)")
    parser.add_argument("--past-grace", type=int, default=0, help="red items past the grace period (cases)")
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL database to create, use and drop")
    parser.add_argument("--results", help="keep the first sweep as a figure line in this file (bench/figures.py)")
    parser.add_argument("--scale", help="the scale named in the figure line")
    parser.add_argument("--before-code", help="--results: the baseline is this checkout's sweep, in the same run")
    parser.add_argument("--baseline-timeout", type=float, help="--results: stop the baseline after S seconds")
    parser.add_argument("--child", choices=("setup", "sweep"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.past_grace > args.n // 3:
        parser.error("--past-grace is at most a third of N (the red items)")
    os.environ["DUBAN_TODAY"] = "2015-09-10"
    if args.child:
        return child(args)
    if args.results:
        return figure(args)
    import duban

    print(f"code: {Path(duban.__file__).parents[1]}; load average {os.getloadavg()[0]:.2f}; "
          f"CPU reference {cpu_reference():.2f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.pg or f"sqlite:///{tmp}/bench.sqlite"
        if args.pg:
            recreate(args.pg)
        try:
            run(db_url, args)
        finally:
            if args.pg:
                drop(args.pg)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


def run(db_url: str, args) -> None:
    started = time.perf_counter()
    setup(db_url, args.n, args.past_grace)
    print(f"setup: {args.n} items ({args.past_grace} past the grace period) in {time.perf_counter() - started:.1f} s "
          f"on {db_url.split(':')[0]}", flush=True)
    from duban.services.escalation import sweep
    from storage.uow import UnitOfWork

    for run_no in ("first", "second"):
        cpu = time.process_time()
        sized = {"batch_size": args.batch_size} if args.batch_size else {}
        result = sweep(lambda: UnitOfWork(db_url), "system", as_of=AS_OF, **sized)
        done = sum(result["counts"].values())
        print(f"{run_no} sweep: {result['counts']}, {len(result['cases'])} cases, {result['batches']} batches, "
              f"{result['seconds']:.2f} s, CPU {time.process_time() - cpu:.2f} s "
              f"({done / max(result['seconds'], 1e-9):,.0f} escalations/s)", flush=True)


def figure(args) -> None:
    """The first sweep as a figure line, with --before-code's sweep as its same-run baseline."""
    sys.path.insert(0, str(ROOT))  # bench.figures; the children keep PYTHONPATH's code first
    from bench.figures import cpu_reference as reference
    from bench.figures import dialect, figure_line, keep, run_json

    op = "sweep_past_grace" if args.past_grace else "sweep"

    def measure(code: str | None, suffix: str, timeout: float | None) -> dict:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"{args.pg}{suffix}" if args.pg else f"sqlite:///{tmp}/bench.sqlite"
            if args.pg:
                recreate(url)
            env = os.environ | ({"PYTHONPATH": code} if code else {})
            common = [str(args.n), "--past-grace", str(args.past_grace), "--db", url] + (
                ["--batch-size", str(args.batch_size)] if args.batch_size else [])
            try:
                run_json([sys.executable, __file__, *common, "--child", "setup"], env, None, expect_json=False)
                return run_json([sys.executable, __file__, *common, "--child", "sweep"], env, timeout)
            finally:
                if args.pg:
                    drop(url)

    cpu = reference()
    now = measure(None, "", None)
    print(f"{op} {args.n} items: {now}", flush=True)
    baseline = None
    if args.before_code:
        baseline = {"is": f"the sweep of the code at {Path(args.before_code).name} (--before-code), same bench"}
        baseline |= measure(args.before_code, "_before", args.baseline_timeout)
    keep(args.results, figure_line(op, dialect(args.pg or "sqlite"), args.scale, args.n, now, baseline, cpu,
                                   past_grace=args.past_grace))


def child(args) -> None:
    """One step of a figure in a fresh process: the set-up, or one sweep printed as JSON."""
    if args.child == "setup":
        return setup(args.db, args.n, args.past_grace)
    import resource
    import time as clock

    from duban.services.escalation import sweep
    from storage.uow import UnitOfWork

    started, cpu = clock.perf_counter(), clock.process_time()
    sized = {"batch_size": args.batch_size} if args.batch_size else {}
    result = sweep(lambda: UnitOfWork(args.db), "system", as_of=AS_OF, **sized)
    print(json.dumps({"seconds": round(clock.perf_counter() - started, 3),
                      "cpu_s": round(clock.process_time() - cpu, 3),
                      "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "escalations": sum(result["counts"].values()), "cases": len(result["cases"])}))


def setup(db_url: str, n: int, past_grace: int) -> None:
    from sqlalchemy import insert

    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.models import Escalation, ProblemItem
    from storage.uow import UnitOfWork

    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", ROOT / "campaigns" / "lanzhou-2015.yaml")
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", ROOT / "tests" / "data" / "org-small.csv")
    with UnitOfWork(db_url) as uow:
        campaign = uow.campaigns.get("LZJ2015")
        unit, owner, head = uow.org.unit("JGC"), uow.org.person("wu"), uow.org.person("sun")
        campaign_id, unit_id, owner_id, head_id = campaign.id, unit.id, owner.id, head.id
    items, escalations = ProblemItem.__table__, Escalation.__table__
    late = set(range(1, n + 1, 3)[:past_grace])  # the first K red ones (DUES[seq % 3])
    for first in range(1, n + 1, CHUNK):
        seqs = range(first, min(first + CHUNK, n + 1))
        with UnitOfWork(db_url) as uow:
            uow.session.execute(insert(items), [
                {"campaign_id": campaign_id, "seq": seq, "no": f"LZJ2015-{seq:07d}", "title": f"基准测试问题 {seq}",
                 "source": "自查", "unit_id": unit_id, "owner_id": owner_id, "state": "rectifying", "version": 0,
                 "identified_on": dt.date(2015, 9, 1), "assigned_on": dt.date(2015, 9, 1),
                 "original_due": LONG_OVERDUE if seq in late else DUES[seq % 3],
                 "due": LONG_OVERDUE if seq in late else DUES[seq % 3], "escalation_cycle": 0, "relapse_count": 0}
                for seq in seqs])
            uow.commit()
    if late:
        with UnitOfWork(db_url) as uow:
            ids = dict(uow.session.execute(items.select().with_only_columns(items.c.seq, items.c.id)).all())
            unit = {"unit_id": unit_id} if "unit_id" in escalations.c else {}  # since 0740; not in older code
            uow.session.execute(insert(escalations), [
                {"campaign_id": campaign_id, "item_id": ids[seq], "level": level, "cycle": 0, "on_date": on,
                 "reason": "基准测试", "addressee_id": to, "actor": "system", "automatic": True} | unit
                for seq in sorted(late)
                for level, on, to in (("催办", dt.date(2015, 9, 7), owner_id), ("督办", dt.date(2015, 9, 11), head_id))])
            uow.commit()
    if db_url.startswith("postgresql"):  # what autovacuum does to a live database: the planner's statistics
        with UnitOfWork(db_url) as uow:
            uow.session.connection().exec_driver_sql("ANALYZE")
            uow.commit()


def cpu_reference() -> float:
    """The guide's CPU reference: seconds for ``for i in range(10_000_000): s += i``."""
    started, s = time.perf_counter(), 0
    for i in range(10_000_000):
        s += i
    return time.perf_counter() - started


def _admin(url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    target = make_url(url)
    return create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT"), target.database


def recreate(url: str) -> None:
    from sqlalchemy import text

    engine, name = _admin(url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def drop(url: str) -> None:
    from sqlalchemy import text

    engine, name = _admin(url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
