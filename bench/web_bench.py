"""The console's item list under load: p50/p95 server time over N items on PostgreSQL.

    .venv/bin/python bench/web_bench.py [N] [--clients 20] [--requests 400] [--workers 2] [--db URL] [--code DIR]

A throw-away database on the local PostgreSQL (DUBAN_TEST_PG_URL) gets bench/generate.py's
bureau with N items (states, deadlines and events as a campaign leaves them). `duban web` serves it on loopback; C
clients, each logged in as the office, fetch item list pages with filters (light, unit, state,
category, search, later pages). Server time is the console's own `Server-Timing` header, end to
end is what the client waited (clients keep their connection alive, as browsers do; a short
warm-up is not counted); the same load then runs again after the list's indexes are dropped.
Load average and a CPU reference (an empty 10 M-iteration Python loop) are printed before and
after, and CPU per request of the console, of PostgreSQL's backends (one client alone: the pool
keeps its connections then) and of the clients themselves, which share the machine. ``--code``
serves another checkout's console (the same load on the code before a change). Figures only,
no assertions.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("DUBAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = "2015-10-27"  # bench/generate.py AS_OF
PASSWORD = "bench-password"
LOGIN = "office"  # bench/generate.py's office
QUERIES = ["", "light=red", "light=yellow", "unit=U00003", "unit=U00010&light=red", "state=submitted",
           "category=lan", "q=生成的问题 77", "light=green&page=20", "state=rectifying&unit=U00007&page=3"]
# Every index the list's filters may use; the unique (campaign, seq) and item number stay.
LIST_INDEXES = ["ix_problem_items_campaign_state", "ix_problem_items_campaign_due", "ix_problem_items_unit_id",
                "ix_problem_items_owner_id", "ix_problem_items_list_unit", "ix_problem_items_list_owner",
                "ix_problem_items_list_category", "ix_problem_items_list_source",
                "ix_problem_items_title_trgm"]  # PostgreSQL's trigram index for the title search (migration 0710)
DROPPED: dict[str, str] = {}  # name -> CREATE INDEX statement, as PostgreSQL printed it before the drop


def populate(db_url: str, n: int) -> dict:
    """bench/generate.py's bureau (items and their events through the real schema), N items,
    and a console password for its office."""
    from bench.generate import generate
    from duban.services.accounts import set_password
    from storage.uow import UnitOfWork

    result = generate(db_url, "bureau", n, 2015)
    with UnitOfWork(db_url) as uow:
        set_password(uow, "system", LOGIN, PASSWORD, must_change=False)
    return result


def restore_indexes(db_url: str) -> None:
    """The list's indexes again, as the models define them (after the run without them)."""
    from storage.models import ProblemItem

    engine = create_engine(db_url)
    with engine.begin() as conn:
        for statement in DROPPED.values():
            conn.execute(text(statement.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)))
        for index in ProblemItem.__table__.indexes:
            if index.name in LIST_INDEXES:
                index.create(conn, checkfirst=True)
    engine.dispose()


def login(base: str) -> str:
    """A session for the office: its Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    opener.open(base + "/login", data=urllib.parse.urlencode(
        {"csrf_token": token, "login": LOGIN, "password": PASSWORD, "next": "/"}).encode(), timeout=30).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def load(base: str, cookies: list[str], requests: int) -> tuple[list[tuple[str, float, float]], float]:
    """One client per session cookie, each sending its requests one after another on one
    kept-alive connection, as a browser does. Returns (query, server ms, end-to-end ms) per request."""
    clients = len(cookies)
    timings: list[tuple[str, float, float]] = []
    lock = threading.Lock()
    per_client = max(1, requests // clients)
    address = urllib.parse.urlsplit(base)

    def client(index: int) -> None:
        rng = random.Random(index)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        for _ in range(per_client):
            query = rng.choice(QUERIES)
            sent = time.perf_counter()
            connection.request("GET", f"/items?{urllib.parse.quote(query, safe='=&')}", headers={"Cookie": cookies[index]})
            response = connection.getresponse()
            response.read()
            took = (time.perf_counter() - sent) * 1000
            assert response.status == 200, response.status
            timing = re.search(r"dur=([\d.]+)", response.headers.get("Server-Timing", ""))
            with lock:
                timings.append((query, float(timing.group(1)), took))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, time.perf_counter() - started


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def _spread(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.0f} ms, p95 {_p95(values):.0f} ms, max {max(values):.0f} ms"


def report(label: str, timings: list[tuple[str, float, float]], wall: float) -> None:
    """Server time (the console's Server-Timing) and end-to-end time as the client saw it,
    overall and per query."""
    server = [t[1] for t in timings]
    print(f"{label}: {len(timings)} requests in {wall:.1f} s ({len(timings) / wall:.1f}/s); "
          f"server {_spread(server)}; end to end {_spread([t[2] for t in timings])}")
    for query in QUERIES:
        mine = [t[1] for t in timings if t[0] == query]
        if mine:
            print(f"    {query or '(no filter)':45s} n={len(mine):3d} server p50 {statistics.median(mine):6.0f} ms, "
                  f"p95 {_p95(mine):6.0f} ms")


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the console: its process and its workers (Linux /proc)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def postgres_cpu(database: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to this database (Linux /proc)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = stat.read_bytes().decode(errors="replace")
            if not command.startswith("postgres: ") or f" {database} " not in command:
                continue
            fields = (stat.parent / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def cpu_reference() -> float:
    """Seconds for an empty Python loop of 10 M iterations: how fast this machine is right now."""
    started = time.perf_counter()
    for _ in range(10_000_000):
        pass
    return time.perf_counter() - started


def conditions() -> str:
    return f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}, 10 M-iteration loop {cpu_reference():.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose console is served (default: this one)")
    parser.add_argument("--db", help="a database this script populated before (kept, its indexes restored): "
                                     "no new one is generated")
    args = parser.parse_args()
    print(f"before: {conditions()}")
    from bench.writers_bench import scratch_database

    if args.db:
        db_url, drop = args.db, lambda: restore_indexes(args.db)
    else:
        db_url, drop = scratch_database(PG_URL)
    server = None
    try:
        started = time.perf_counter()
        if not args.db:
            print(f"setup: {populate(db_url, args.n)} in {time.perf_counter() - started:.1f} s")
        with create_engine(db_url).connect() as conn:
            items = conn.execute(text("SELECT count(*) FROM problem_items")).scalar()
        print(f"{items} items")
        database = make_url(db_url).database
        port = 18000 + random.randrange(1000)
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "DUBAN_TODAY": TODAY, "DUBAN_HOME": home, "PYTHONPATH": str(args.code)}
            print(f"console: {args.code} at {subprocess.run(['git', '-C', str(args.code), 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}")
            server = subprocess.Popen([sys.executable, "-m", "duban", "--db", db_url, "web", "--port", str(port),
                                       "--workers", str(args.workers)], env=env, cwd=args.code,
                                      stderr=subprocess.DEVNULL)
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/login", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.2)
            cookies = [login(base) for _ in range(args.clients)]
            load(base, cookies, args.clients * len(QUERIES) // 2)  # warm-up (templates, plans), not counted
            # What one request costs the console in CPU, alone: with C clients on W workers each
            # worker has C/W requests in hand, so a request waits for about that many others.
            before, database_before = server_cpu(server.pid), postgres_cpu(database)
            alone, _ = load(base, cookies[:1], 10 * len(QUERIES))
            print(f"one client: server p50 {statistics.median(t[1] for t in alone):.0f} ms, "
                  f"end to end p50 {statistics.median(t[2] for t in alone):.0f} ms, "
                  f"console CPU {(server_cpu(server.pid) - before) * 1000 / len(alone):.1f} ms per request, "
                  f"PostgreSQL CPU {(postgres_cpu(database) - database_before) * 1000 / len(alone):.1f} ms per request")
            for label in ("with indexes", "without indexes"):
                if label == "without indexes":
                    with create_engine(db_url).connect() as conn:
                        DROPPED.update(conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(:names)"),
                                                    {"names": LIST_INDEXES}).all())
                        for index in LIST_INDEXES:
                            conn.execute(text(f"DROP INDEX IF EXISTS {index}"))
                        conn.commit()
                before, clients_before = server_cpu(server.pid), time.process_time()
                timings, wall = load(base, cookies, args.requests)
                report(f"{label}, {args.clients} clients", timings, wall)
                print(f"    console CPU {(server_cpu(server.pid) - before) * 1000 / len(timings):.1f} ms per request, "
                      f"the clients' own {(time.process_time() - clients_before) * 1000 / len(timings):.1f} ms")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        drop()
    print(f"after: {conditions()}")


if __name__ == "__main__":
    main()
