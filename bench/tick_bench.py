"""Time the daily tick over the whole 2015 campaign on a generated bureau (figures only, no assertions).

    .venv/bin/python bench/tick_bench.py [--units 30] [--cadres 10] [--items 1000] [--no-ledger-pdf] [--db URL]
    .venv/bin/python bench/tick_bench.py --prefect --db URL [--through 2015-10-28] [--results FILE --scale S]

``--prefect`` ticks one day of a bench/generate.py database (as of 2015-10-27) end to end
through Prefect: a server on 127.0.0.1 with its own PREFECT_HOME, the campaign-tick
and render-documents deployments from prefect.yaml on the duban-process pool, one process
worker; it prints the time from the run's creation to its end and per stage (the worker picking
the run up, the run-tick task, the events, the owed sheets: issued by the tick or handed to
render-documents runs, which are then stopped, not waited for). Before, it records what a live campaign
would have: 2015-10-27 as ticked, and the generated escalations' 催办单/督办单 as issued on
their day, with any sheet still owed from a day ticked before (rows only, no files: generate.py writes none, and rendering that backlog is
render-documents' job, not a day's).

``--results FILE`` keeps the run as one figure line (bench/figures.py); its same-run baseline
is the same deployment run again right after for the same day, which is then ticked: nothing
to do, so it is Prefect's fixed cost (pick-up, flow-run process, the tick finding its day done),
the handed render-documents runs cancelled first. Max RSS is the largest process the bench
started (the Prefect server's included), over both runs.

The bureau has N units (a third serve the public), each with a head and M cadres.
Items are inserted in bulk: 60 % rectifying with deadlines spread over
2015-09-20 … 2015-11-20 (so the sweep has yellow, red and case work), 20 %
verified between 09-15 and 11-10 (回头看 draws), 20 % only identified. Then one tick
runs 2015-09-01 … 2015-11-30 (the catch-up path), and a second tick shows the no-op cost.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
START, END = dt.date(2015, 9, 1), dt.date(2015, 11, 30)


def write_org(path: Path, units: int, cadres: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["类型", "编码", "名称", "所属单位", "单位类别", "民生", "职务", "角色"])
        out.writerow(["单位", "BGS", "办公室", "", "处室", "否", "", ""])
        out.writerow(["人员", "leader", "组长", "BGS", "", "", "党组书记、局长", "组长"])
        out.writerow(["人员", "office", "整治办", "BGS", "", "", "监察室主任", "办公室"])
        for u in range(1, units + 1):
            code = f"U{u:03d}"
            out.writerow(["单位", code, f"第{u}处", "", "处室", "是" if u % 3 == 0 else "否", "", ""])
            out.writerow(["人员", f"{code.lower()}h", f"{code}负责人", code, "", "", "处长", "负责人"])
            for c in range(1, cadres + 1):
                out.writerow(["人员", f"{code.lower()}c{c:02d}", f"{code}干部{c}", code, "", "", "科员", "党员干部"])


def setup(db_url: str, tmp: Path, units: int, cadres: int, items: int) -> None:
    from sqlalchemy import insert, select

    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.models import OrgUnit, Person, ProblemItem
    from storage.uow import UnitOfWork

    org = tmp / "org.csv"
    write_org(org, units, cadres)
    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", ROOT / "campaigns" / "lanzhou-2015.yaml", today=START)
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", org)
    rng = random.Random(2015)
    with UnitOfWork(db_url) as uow:
        campaign = uow.campaigns.get("LZJ2015")
        people = uow.session.execute(select(Person.id, Person.unit_id).where(Person.login.like("u%c%"))).all()
        office = uow.org.person("office").id
        rows = []
        for seq in range(1, items + 1):
            owner, unit = rng.choice(people)
            kind = rng.random()
            due = dt.date(2015, 9, 20) + dt.timedelta(days=rng.randrange(62))
            row = {"campaign_id": campaign.id, "seq": seq, "no": f"LZJ2015-{seq:05d}", "title": f"基准测试问题 {seq}",
                   "source": "自查", "unit_id": unit, "owner_id": owner, "version": 0,
                   "identified_on": dt.date(2015, 9, 10), "state": "identified"}
            if kind < 0.8:
                row |= {"state": "rectifying", "assigned_on": dt.date(2015, 9, 10), "original_due": due, "due": due}
            if kind < 0.2:
                row |= {"state": "verified", "verified_on": dt.date(2015, 9, 15) + dt.timedelta(days=rng.randrange(56)),
                        "verified_by_id": office}
            rows.append(row)
        uow.session.execute(insert(ProblemItem), rows)
        uow.commit()
        print(f"bureau: {uow.session.query(OrgUnit).count()} units, {uow.session.query(Person).count()} persons, "
              f"{items} items")


AS_OF = dt.date(2015, 10, 27)


def mark_generated_day(db_url: str) -> None:
    """2015-10-27 ticked and the generated escalations' sheets issued (see the docstring)."""
    from sqlalchemy import func, insert, select, text

    from duban.services.tick import DAY_DONE, last_processed_day
    from storage.models import DocCounter, DutyRun
    from storage.uow import UnitOfWork

    with UnitOfWork(db_url) as uow:
        camp = uow.campaigns.only_or(None)
        if last_processed_day(uow, camp) is None:
            uow.session.execute(insert(DutyRun).values(campaign_id=camp.id, business_date=AS_OF, duty=DAY_DONE,
                                                       result={"bench": "generated data"}))
        # Each kind's last number read first: as a subquery of the INSERT, PostgreSQL evaluated it per row,
        # each time scanning the documents being inserted (quadratic: stopped after 7 min at 1 M items).
        last = {kind: uow.session.scalar(text("SELECT coalesce(max(number), 0) FROM documents "
                                              "WHERE kind = :kind AND year = 2015"), {"kind": kind})
                for kind in ("reminder_sheet", "supervision_sheet")}
        uow.session.execute(text("""
            INSERT INTO documents (campaign_id, kind, issuer, year, number, revision, doc_number, title, item_id,
                                   escalation_id, sha256, context, path, issued_on, actor, created_at)
            SELECT campaign_id, kind, CAST(:issuer AS VARCHAR), 2015, number, 1,
                   CAST(:issuer AS VARCHAR) || '〔2015〕' || CAST(number AS VARCHAR(12)) || '号', '生成数据', item_id,
                   id, '', '{}', '', on_date, 'system', CURRENT_TIMESTAMP
            FROM (SELECT e.campaign_id, e.item_id, e.id, e.on_date,
                         CASE e.level WHEN '催办' THEN 'reminder_sheet' ELSE 'supervision_sheet' END AS kind,
                         CASE e.level WHEN '催办' THEN :last_reminder ELSE :last_supervision END
                         + row_number() OVER (PARTITION BY e.level ORDER BY e.id) AS number
                  FROM escalations e
                  WHERE e.campaign_id = :campaign AND e.level IN ('催办', '督办')
                    AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.escalation_id = e.id)) owed"""),
            {"issuer": camp.doc_prefix, "campaign": camp.id, "last_reminder": last["reminder_sheet"],
             "last_supervision": last["supervision_sheet"]})
        for kind in ("reminder_sheet", "supervision_sheet"):
            last = uow.session.scalar(text("SELECT max(number) FROM documents WHERE kind = :kind"), {"kind": kind})
            counter = uow.session.get(DocCounter, (camp.doc_prefix, kind, 2015))
            if last and counter is None:
                uow.session.add(DocCounter(issuer=camp.doc_prefix, kind=kind, year=2015, last_number=last,
                                           claimed_through=last))
            elif last:
                counter.last_number = counter.claimed_through = last
        uow.commit()
        print(f"generated data: {AS_OF} marked as ticked; sheets on record: "
              f"{uow.session.scalar(select(func.count()).select_from(text('documents')))}")


def prefect_tick(db_url: str, through: dt.date) -> dict:
    """One campaign-tick run of the deployment, on one process worker, timed per stage; then
    the same run again (the day done: the baseline)."""
    from bench.prefect_server import prefect_server, tail

    print(f"load average at start: {os.getloadavg()}")
    started = time.perf_counter()
    mark_generated_day(db_url)
    print(f"marking: {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as files, prefect_server() as server:
        started = time.perf_counter()
        server.deploy("campaign-tick", "render-documents")  # the tick hands a large day's sheets to the latter
        server.start_worker({"DUBAN_DB": db_url, "DUBAN_FILES": files, "DUBAN_TODAY": through.isoformat()}, "tick")
        print(f"server, pool, deployment and worker up in {time.perf_counter() - started:.1f} s")
        time.sleep(5)  # the worker polls every 2 s: let it be ready, as a deployed worker is at 08:00
        began = time.perf_counter()
        run_id = server.run_deployment("campaign-tick/campaign-tick", {"through": through.isoformat()})
        run, = server.wait([run_id], timeout=3600)
        wall = time.perf_counter() - began
        handed = server.post("/flow_runs/filter", {"deployments": {"name": {"any_": ["render-documents"]}}})
        server.runs += [r["id"] for r in handed]  # not waited for; stopped with the server
        print(f"campaign-tick through {through}: {run['state_type']}, {wall:.1f} s from creating the run to its "
              f"end (load average {os.getloadavg()})")
        created = dt.datetime.fromisoformat(run["created"])
        start = dt.datetime.fromisoformat(run["start_time"]) if run.get("start_time") else None
        if start:
            print(f"  created → running (worker picks it up, starts the flow-run process): "
                  f"{(start - created).total_seconds():.1f} s")
        print(f"  flow run time: {run.get('total_run_time') or 0:.1f} s")
        print(f"  render-documents runs the tick created: {len(handed)} "
              f"{sorted((r['parameters'].get('shard'), r['parameters'].get('shards')) for r in handed)}")
        for task in server.task_runs(run_id):
            print(f"  task {task['name']}: {task['state_type']}, {task.get('total_run_time') or 0:.1f} s")
        for line in server.post("/logs/filter", {"logs": {"flow_run_id": {"any_": [run_id]}}, "limit": 200,
                                                 "sort": "TIMESTAMP_ASC"}):
            print(f"  log {line['timestamp'][11:19]} {line['message'][:200]}")
        if run["state_type"] != "COMPLETED":
            for _, log in server.workers:
                print(f"--- {log.name}\n{tail(log, 30)}")
        for handed_run in handed:  # not the baseline's business: the worker runs one flow run at a time
            server.post(f"/flow_runs/{handed_run['id']}/set_state", {"state": {"type": "CANCELLED"}, "force": True})
            server.kill_run(handed_run["id"])
        began = time.perf_counter()
        again, = server.wait([server.run_deployment("campaign-tick/campaign-tick", {"through": through.isoformat()})],
                             timeout=600)
        rerun = time.perf_counter() - began
        print(f"the same run again (day done, nothing to do): {again['state_type']}, {rerun:.1f} s")
    print(f"load average at end: {os.getloadavg()}")
    return {"seconds": round(wall, 2), "state": run["state_type"], "handed_runs": len(handed),
            "baseline": {"is": "the same deployment run again for the same day (done: nothing to do), same run",
                         "seconds": round(rerun, 2), "state": again["state_type"], "max_rss_mb": None}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefect", action="store_true", help="tick one day of a generated database through Prefect")
    parser.add_argument("--through", type=dt.date.fromisoformat, default=dt.date(2015, 10, 28),
                        help="--prefect: the day to tick (default 2015-10-28, the working day after the data's)")
    parser.add_argument("--results", help="--prefect: keep the run as a figure line in this file")
    parser.add_argument("--scale", help="--results: the scale named in the figure line")
    parser.add_argument("--units", type=int, default=30)
    parser.add_argument("--cadres", type=int, default=10)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--no-ledger-pdf", action="store_true", help="weekly 台账 as XLSX only")
    parser.add_argument("--db", help="database URL (default: a throw-away SQLite file)")
    args = parser.parse_args()
    if args.prefect:
        if not args.db:
            parser.error("--prefect needs --db (a bench/generate.py database)")
        from bench.figures import count_items, cpu_reference, dialect, figure_line, keep, max_rss_mb

        cpu = cpu_reference()
        result = prefect_tick(args.db, args.through)
        if args.results:
            baseline = result.pop("baseline")
            result["max_rss_mb"] = max_rss_mb(resource.RUSAGE_CHILDREN)  # the Prefect server's included
            keep(args.results, figure_line("tick_prefect", dialect(args.db), args.scale, count_items(args.db),
                                           result, baseline, cpu, through=args.through.isoformat()))
        return
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        os.environ["DUBAN_TODAY"] = START.isoformat()
        os.environ["DUBAN_FILES"] = str(tmp / "files")
        db_url = args.db or f"sqlite:///{tmp / 'bench.sqlite'}"
        started = time.perf_counter()
        setup(db_url, tmp, args.units, args.cadres, args.items)
        print(f"setup: {time.perf_counter() - started:.1f} s")

        from sqlalchemy import func, select

        from duban.services.tick import run_tick
        from storage.models import AccountabilityCase, Draw, DutyRun, Escalation, Event, Reminder
        from storage.uow import UnitOfWork

        day_seconds: dict[dt.date, float] = {}
        last = [time.perf_counter()]

        def progress(done: int, total: int, day: dt.date) -> None:
            now = time.perf_counter()
            day_seconds[day], last[0] = now - last[0], now

        cpu = time.process_time()
        started = last[0] = time.perf_counter()
        result = run_tick(lambda: UnitOfWork(db_url), "system", through=END, progress=progress,
                          ledger_pdf=not args.no_ledger_pdf)
        wall = time.perf_counter() - started
        print(f"tick {START} … {END}: {result['days_processed']} days in {wall:.1f} s wall, "
              f"{time.process_time() - cpu:.1f} s CPU ({wall / max(result['days_processed'], 1) * 1000:.0f} ms/day)")
        print(f"duties done: {dict(sorted(result['duties_done'].items()))}")
        by_duty: Counter = Counter()
        for day in result["days"]:  # a day's time is charged to its heaviest duty, for a rough split
            duties = set(day["duties"])
            key = "publish" if "publish" in duties else "sweep" if "sweep" in duties else "other"
            by_duty[key] += day_seconds[dt.date.fromisoformat(day["date"])]
        print(f"time by day type: " + ", ".join(f"{k} days {v:.1f} s" for k, v in by_duty.most_common()))
        slowest = sorted(day_seconds.items(), key=lambda kv: -kv[1])[:5]
        by_day = {d["date"]: d["duties"] for d in result["days"]}
        for day, seconds in slowest:
            print(f"  slow day {day}: {seconds:.2f} s {sorted(by_day[day.isoformat()])}")
        with UnitOfWork(db_url) as uow:
            def count(model, *where):
                return uow.session.scalar(select(func.count()).select_from(model).where(*where))
            levels = Counter(uow.session.scalars(select(Escalation.level)))
            print(f"rows: duty_runs {count(DutyRun)}, escalations {dict(levels)}, cases {count(AccountabilityCase)}, "
                  f"reminders {count(Reminder)}, draws {count(Draw)}, events {count(Event)}")
        started = time.perf_counter()
        again = run_tick(lambda: UnitOfWork(db_url), "system", through=END)
        print(f"second tick (nothing to do): {again['days_processed']} days in {time.perf_counter() - started:.2f} s")
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
