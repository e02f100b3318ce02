"""Read side and exports at scale, each against the way it was done before, in the same run.

    .venv/bin/python bench/scale_bench.py [--scale bureau|city|province] [--items N] [--pg] [--keep URL]
        [--ops list,report,xlsx,pdf,write] [--baseline-timeout S] [--results FILE] [--before-code DIR]

Generates the dataset (bench/generate.py) in a scratch SQLite file, or with --pg in a scratch
database on the local PostgreSQL server (DUBAN_BENCH_PG), or uses --keep's database (generated
when empty), then times, each in a fresh process so peak memory (max RSS) is the operation's own:

- ``list``: `item list --light red --json` as a page (item_page) and as all rows (iter_items);
  baseline: the previous list_items (ORM objects and item_view per row, lazy relations);
- ``report``: `report units` (one aggregate query); baseline: the previous seven queries;
- ``xlsx``: `ledger export --format xlsx` (sheet XML streamed, duban.xlsx; one joined query);
  baseline: the previous whole workbook in memory from ORM rows;
- ``pdf``: the 台账 PDF (`doc ledger`) of the first --pdf-items items, laid out in parts;
  baseline: the same ledger laid out at once, as before;
- ``write`` (SQLite): one `item start` while another process streams every item; baseline: the
  same list holding SQLite's write lock (BEGIN IMMEDIATE), as every read did. Then one while a
  batch of 整改通知书 renders; baseline (--before-code): the same batch run by an earlier checkout.

With --before-code DIR, ``report`` and ``xlsx`` are also run by that checkout's code, beside
their baselines. Prints the load average and a CPU reference before each figure, one line per
figure (seconds, CPU seconds of the process, MB) and the ratio to its baseline; no assertions. A baseline
past --baseline-timeout is stopped and reported as a lower bound. --results appends each figure
as a JSON line (bench/plots.py draws them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("BENCH_CODE") or str(ROOT))  # BENCH_CODE: an earlier checkout, for a baseline
TODAY = dt.date(2015, 10, 27)


# --- the operations, each run in its own process ------------------------------------------


def op_list_page(db):
    from duban.services.listing import ItemFilters, item_page
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        page = item_page(uow, "office", ItemFilters(light="red"), today=TODAY)
    return {"rows": len(page["rows"]), "total": page["total"]}


def op_list_all(db):
    from duban.services.listing import ItemFilters, iter_items
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        out = sum(len(json.dumps(row, ensure_ascii=False)) for row in iter_items(uow, "office", ItemFilters(light="red"),
                                                                                   today=TODAY))
    return {"json_chars": out}


def op_list_baseline(db):
    """The list as it was: every matching item as an ORM object, item_view walking its relations."""
    from sqlalchemy import select

    from duban.services.common import light_of
    from duban.services.items import light_condition
    from duban.services.views import item_view
    from storage.models import ProblemItem
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        camp = uow.campaigns.only_or(None)
        query = (select(ProblemItem).where(ProblemItem.campaign_id == camp.id, light_condition(camp, "red", TODAY))
                 .order_by(ProblemItem.seq))
        rows = [item_view(i, light_of(camp, i, TODAY)) for i in uow.session.scalars(query)]
        out = len(json.dumps(rows, ensure_ascii=False, default=str))
    return {"json_chars": out}


def op_report(db):
    from duban.services.reports import unit_report
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        return {"units": len(unit_report(uow, "office", today=TODAY))}


def op_report_baseline(db):
    """`report units` as it was: one grouped query per figure (states, three lights, overdue, …)."""
    from sqlalchemy import case, func, select

    from duban.services.items import light_condition
    from duban.services.reports import OVERDUE_STATES
    from storage.models import Escalation, ProblemItem
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        camp = uow.campaigns.only_or(None)
        in_campaign = ProblemItem.campaign_id == camp.id

        def per_unit(*columns, where=None, group=()):
            query = select(ProblemItem.unit_id, *group, *columns).where(in_campaign).group_by(ProblemItem.unit_id, *group)
            return uow.session.execute(query if where is None else query.where(where)).all()

        units = uow.org.units()
        per_unit(func.count(), group=(ProblemItem.state,))
        for light in ("red", "yellow", "green"):
            per_unit(func.count(), where=light_condition(camp, light, TODAY))
        per_unit(func.count(), where=ProblemItem.state.in_(OVERDUE_STATES) & (ProblemItem.due < TODAY))
        per_unit(func.coalesce(func.sum(ProblemItem.relapse_count), 0), func.count(ProblemItem.verified_on),
                 func.sum(case((ProblemItem.verified_on <= ProblemItem.due, 1), else_=0)))
        uow.session.execute(select(ProblemItem.unit_id, Escalation.level, func.count())
                            .join(ProblemItem, Escalation.item_id == ProblemItem.id).where(in_campaign)
                            .group_by(ProblemItem.unit_id, Escalation.level)).all()
        return {"units": len(units)}


def op_xlsx(db):
    from duban.services.ledger import export_ledger
    from storage.uow import UnitOfWork

    out = Path(tempfile.mkdtemp()) / "台账.xlsx"
    with UnitOfWork(db) as uow:
        result = export_ledger(uow, "office", out, "xlsx", today=TODAY)
    return {"rows": result["rows"], "mb": round(out.stat().st_size / 2**20, 1)}


def op_xlsx_baseline(db):
    """The ledger as it was: ORM rows (lazy relations) into a workbook held whole in memory."""
    from openpyxl import Workbook
    from sqlalchemy import select

    from duban.services.common import light_of
    from duban.services.ledger import COLUMNS, LIGHTS, _cell
    from statemachines.item import ITEM
    from storage.models import ProblemItem
    from storage.uow import UnitOfWork

    out = Path(tempfile.mkdtemp()) / "台账.xlsx"
    with UnitOfWork(db) as uow:
        camp = uow.campaigns.only_or(None)
        items = uow.session.scalars(select(ProblemItem).where(ProblemItem.campaign_id == camp.id)
                                    .order_by(ProblemItem.seq)).all()
        rows = [{"no": i.no, "title": i.title, "category": i.category.name if i.category else "",
                 "unit": i.unit.name, "owner": i.owner.name if i.owner else "", "source": i.source,
                 "measures": "", "leader": i.unit.head.name if i.unit.head else "",
                 "identified_on": i.identified_on, "assigned_on": i.assigned_on, "original_due": i.original_due,
                 "due": i.due, "deadline_changes": "", "state": ITEM.label(i.state),
                 "light": LIGHTS.get(light_of(camp, i, TODAY) or "", ""), "submitted_on": i.submitted_on,
                 "verified_on": i.verified_on, "verified_by": i.verified_by.name if i.verified_by else "",
                 "rechecked_on": i.rechecked_on, "reject_count": i.reject_count, "relapse_count": i.relapse_count}
                for i in items]
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append([_cell(row[key]) for key, _ in COLUMNS])
    book.save(out)
    return {"rows": len(rows), "mb": round(out.stat().st_size / 2**20, 1)}


def _ledger_pdf(db, part_rows: int | None):
    from duban.documents import render, report_contexts
    from duban.services.documents.issuing import renderer
    from duban.services.ledger import iter_ledger_rows
    from storage.uow import UnitOfWork

    if part_rows:
        render.LEDGER_PART_ROWS = part_rows
    limit = int(os.environ["BENCH_PDF_ITEMS"])
    with UnitOfWork(db) as uow:
        camp = uow.campaigns.only_or(None)
        rows = [row for _, row in zip(range(limit), iter_ledger_rows(uow, camp, TODAY))]
        context = report_contexts.ledger(camp, rows, TODAY)
    pdf = renderer().render("ledger", context)
    return {"rows": len(rows), "pdf_mb": round(len(pdf) / 2**20, 1)}


def op_pdf(db):
    return _ledger_pdf(db, None)


def op_pdf_baseline(db):
    return _ledger_pdf(db, 10**9)


def _stream_all(db, write_lock: bool, pause: float):
    """Stream every item; with ``write_lock`` inside BEGIN IMMEDIATE (as every read did before)."""
    from duban.services.listing import ItemFilters, iter_items
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        if write_lock:
            uow.session.connection()  # BEGIN IMMEDIATE: the engine's default for every transaction
        for n, _row in enumerate(iter_items(uow, "office", ItemFilters(), today=TODAY, chunk=100)):
            if n == 0:
                print("ready", flush=True)  # in the transaction, rows flowing
            if n % 100 == 0:
                time.sleep(pause)  # a slow consumer (a terminal, a network): the transaction stays open
    return {}


def op_stream_locked(db):
    return _stream_all(db, True, 0.5)


def op_stream_unlocked(db):
    return _stream_all(db, False, 0.5)


def op_batch_running(db):
    """Issue 整改通知书 for the running items in chunks (two render workers); "ready" once the
    first documents of the first chunk are rendered, so a write lands while a chunk renders."""
    from duban.services.documents.batch import issue_batch, pending_jobs
    from storage.uow import UnitOfWork

    with UnitOfWork(db) as uow:
        uow.read_only()
        jobs = pending_jobs(uow, "office", "rectification_notice", today=TODAY)[:int(os.environ.get("BENCH_BATCH_DOCS", "400"))]
    said = []

    def progress(done, total):
        if done and not said:
            said.append(print("ready", flush=True))

    result = issue_batch(lambda: UnitOfWork(db), "office", jobs, workers=2, progress=progress, today=TODAY)
    return {"issued": len(result["issued"])}


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_")}


def child(name: str, db: str) -> None:
    # Warm: imports and the first connection are start-up, not the operation.
    import openpyxl  # noqa: F401

    import duban.services.items  # noqa: F401
    import duban.services.ledger  # noqa: F401
    import duban.services.listing  # noqa: F401
    import duban.services.reports  # noqa: F401
    from storage.db import ready_engine

    ready_engine(db)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu = time.perf_counter(), time.process_time()
    result = OPS[name](db)
    result["seconds"] = round(time.perf_counter() - started, 3)
    result["cpu_s"] = round(time.process_time() - cpu, 3)  # this process only (not the database server's)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["max_rss_mb"] = round(peak, 1)
    result["rss_growth_mb"] = round(peak - before, 1)
    print(json.dumps(result))


def measure(name: str, db: str, timeout: float | None = None, code: str | None = None) -> dict:
    """The child's figures; with ``timeout``, {"seconds": timeout, "stopped": True} when it runs longer;
    ``code``: run that checkout's code (the code before a change, as a baseline)."""
    env = os.environ | {"DUBAN_TODAY": TODAY.isoformat()} | ({"BENCH_CODE": code} if code else {})
    try:
        out = subprocess.run([sys.executable, __file__, "--child", name, "--db", db], capture_output=True, text=True,
                             check=False, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "stopped": True, "max_rss_mb": None, "rss_growth_mb": None}
    if out.returncode:
        raise SystemExit(f"{name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_while(db: str, stream: str, code: str | None = None) -> float:
    """Seconds one `item start` takes while another process runs ``stream`` (a list, a batch);
    ``code``: that process runs this checkout's code (the code before a change, as a baseline)."""
    env = os.environ | {"DUBAN_TODAY": TODAY.isoformat()} | ({"BENCH_CODE": code} if code else {})
    from sqlalchemy import text

    from storage.db import get_engine

    with get_engine(db).connect() as conn:
        no, owner = conn.execute(text("SELECT i.no, p.login FROM problem_items i JOIN persons p ON p.id = i.owner_id "
                                      "WHERE i.state = 'assigned' AND i.due < :today ORDER BY random() LIMIT 1"),
                                 {"today": TODAY}).one()  # overdue: not one of a notice batch's items
    reader = subprocess.Popen([sys.executable, __file__, "--child", stream, "--db", db], env=env,
                              stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "ready"  # the reader is in its transaction
    time.sleep(0.5)
    from duban.services.items import transition
    from storage.uow import UnitOfWork

    began = time.perf_counter()
    try:
        with UnitOfWork(db) as uow:
            transition(uow, owner, no, "start", today=TODAY)
    except Exception as error:  # noqa: BLE001 - the figure: how long it waited before failing
        print(f"  the write failed after {time.perf_counter() - began:.1f} s: {type(error).__name__}: {error}")
    took = time.perf_counter() - began
    alive = reader.poll() is None
    reader.kill()
    reader.wait()
    if not alive:
        print(f"  ({stream} had finished before the write: make the dataset larger)")
    return took


BASELINES = {  # what each figure's same-run baseline is (its figure line says it)
    "list_page": "the previous list_items (ORM objects, item_view per row, lazy relations)",
    "list_all": "the previous list_items (ORM objects, item_view per row, lazy relations)",
    "report": "the previous report units (seven grouped queries)",
    "xlsx": "the previous XLSX ledger (whole workbook in memory from ORM rows)",
    "pdf": "the same ledger PDF laid out at once, as before",
    "write_during_list": "the same write while the list holds SQLite's write lock (BEGIN IMMEDIATE), as before",
    "write_during_batch": "the same write while --before-code's checkout renders the batch"}
BEFORE_CODE_OPS = ("report", "xlsx")  # also run by --before-code's checkout, beside their baselines
PAIRS = {"list": (("list_page", "list_baseline"), ("list_all", "list_baseline")),
         "report": (("report", "report_baseline"),), "xlsx": (("xlsx", "xlsx_baseline"),),
         "pdf": (("pdf", "pdf_baseline"),)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="bureau")
    parser.add_argument("--items", type=int)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (a scratch database) instead of SQLite")
    parser.add_argument("--keep", help="use (and keep) this database URL: generated when it has no items")
    parser.add_argument("--ops", default="list,report,xlsx,pdf,write",
                        help="comma-separated: list, report, xlsx, pdf, write (SQLite: a write during a list "
                             "and during a document batch)")
    parser.add_argument("--pdf-items", type=int, default=2000, help="items in the 台账 PDF figure")
    parser.add_argument("--batch-docs", type=int, default=400, help="documents in the batch of the write figure")
    parser.add_argument("--baseline-timeout", type=float, help="stop a baseline after this many seconds "
                        "(its figure is then a lower bound)")
    parser.add_argument("--before-code", help="an earlier checkout (git worktree add DIR COMMIT): the batch "
                        "figure's baseline (0cc4d35: before the batch rendered outside the write lock), and "
                        "report and xlsx run by it too")
    parser.add_argument("--results", help="append one JSON line per figure to this file (bench/plots.py)")
    parser.add_argument("--child")
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.db)
    from bench.figures import count_items, cpu_reference, figure_line, keep as keep_line

    ops = args.ops.split(",")
    cpu = cpu_reference()
    print(f"load average at start: {os.getloadavg()}, CPU reference {cpu} s")
    os.environ["BENCH_PDF_ITEMS"] = str(args.pdf_items)
    os.environ["BENCH_BATCH_DOCS"] = str(args.batch_docs)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("DUBAN_FILES", str(Path(tmp) / "files"))
        drop = None
        if args.keep:
            db = args.keep
        elif args.pg:
            from bench.writers_bench import scratch_database

            db, drop = scratch_database(os.environ.get("DUBAN_BENCH_PG",
                                                       "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
        else:
            db = f"sqlite:///{tmp}/bench.sqlite"
        dialect = "postgresql" if db.startswith("postgresql") else "sqlite"

        def keep(name, figure, baseline=None, before_code=None):
            baseline = baseline and {"is": BASELINES[name]} | baseline
            keep_line(args.results, figure_line(name, dialect, args.scale, items, figure, baseline, cpu,
                                                **({"before_code": before_code} if before_code else {})))

        try:
            items = count_items(db)
            if not items:
                from bench.generate import generate

                print(generate(db, args.scale, args.items, 2015))
                items = count_items(db)
            baselines: dict[str, dict] = {}  # one run of a baseline shared by its figures
            for op in ops:
                for new, old in PAIRS.get(op, ()):
                    print(f"load {os.getloadavg()}, CPU reference {cpu_reference()} s", flush=True)
                    a = measure(new, db)
                    print(f"{new:10} {a}", flush=True)
                    before = None
                    if args.before_code and new in BEFORE_CODE_OPS:
                        before = measure(new, db, args.baseline_timeout, code=args.before_code)
                        print(f"{'':10} {args.before_code}: {before}  | time ratio {'>' if before.get('stopped') else ''}"
                              f"{before['seconds'] / max(a['seconds'], 1e-6):.1f}x", flush=True)
                    b = baselines[old] = baselines.get(old) or measure(old, db, args.baseline_timeout)
                    keep(new, a, b, before)
                    print(f"{'':10} baseline {old}: {b}  | time ratio {'>' if b.get('stopped') else ''}"
                          f"{b['seconds'] / max(a['seconds'], 1e-6):.1f}x, "
                          f"RSS growth {a['rss_growth_mb']} vs {b['rss_growth_mb']} MB", flush=True)
            if "write" in ops and dialect == "sqlite":
                locked = write_while(db, "stream_locked")
                free = write_while(db, "stream_unlocked")
                keep("write_during_list", {"seconds": round(free, 3)}, {"seconds": round(locked, 3)})
                print(f"write while a list streams: {free:.2f} s (baseline, list holding the write lock: "
                      f"{locked:.2f} s)", flush=True)
                during_batch = write_while(db, "batch_running")
                before = write_while(db, "batch_running", args.before_code) if args.before_code else None
                keep("write_during_batch", {"seconds": round(during_batch, 3)},
                     {"seconds": round(before, 3)} if before is not None else None)
                print(f"write while a document batch renders: {during_batch:.2f} s" +
                      (f" (baseline, {args.before_code}: {before:.2f} s)" if before is not None else ""), flush=True)
        finally:
            print(f"load average at end: {os.getloadavg()}")
            if drop:
                drop()


if __name__ == "__main__":
    main()
