"""The console's item list under load: p50/p95 server time over N items on PostgreSQL.

    .venv/bin/python bench/web_bench.py [N] [--clients 20] [--requests 400] [--workers 2]

A throw-away database on the local PostgreSQL (DUBAN_TEST_PG_URL) gets N items spread over the
small bureau's units, categories, states and deadlines. `duban web` serves it on loopback; C
clients, each logged in as the office, fetch item list pages with filters (light, unit, state,
category, search, later pages). Server time is the console's own `Server-Timing` header, end to
end is what the client waited; the same load then runs again after the list's indexes are
dropped. Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
import uuid
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("DUBAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = "2015-10-20"
PASSWORD = "bench-password"
QUERIES = ["", "light=red", "light=yellow", "unit=JGC", "unit=ZJZ&light=red", "state=submitted",
           "category=lan", "q=问题 77", "light=green&page=20", "state=rectifying&unit=RJC&page=3"]
LIST_INDEXES = ["ix_problem_items_campaign_state", "ix_problem_items_campaign_due", "ix_problem_items_unit_id",
                "ix_problem_items_owner_id"]


def populate(db_url: str, n: int) -> None:
    from duban.services.accounts import set_password
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.models import ProblemItem
    from storage.uow import UnitOfWork

    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", ROOT / "campaigns" / "lanzhou-2015.yaml")
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", ROOT / "tests" / "data" / "org-small.csv")
    with UnitOfWork(db_url) as uow:
        set_password(uow, "system", "zhao", PASSWORD, must_change=False)
    rng = random.Random(7)
    with UnitOfWork(db_url) as uow:
        camp = uow.campaigns.get("LZJ2015")
        units = [u.id for u in uow.org.units()]
        people = [p.id for p in uow.org.persons() if p.login != "system"]
        categories = [c.id for c in camp.categories]
        states = ["assigned", "rectifying", "rectifying", "submitted", "verified", "identified"]
        start = dt.date(2015, 9, 15)
        rows = []
        for seq in range(1, n + 1):
            state = rng.choice(states)
            due = start + dt.timedelta(days=rng.randrange(0, 70)) if state != "identified" else None
            rows.append({"campaign_id": camp.id, "seq": seq, "no": f"LZJ2015-{seq:06d}",
                         "title": f"基准测试问题 {seq}", "source": "自查", "unit_id": rng.choice(units),
                         "owner_id": rng.choice(people) if due else None, "category_id": rng.choice(categories),
                         "state": state, "version": 0, "identified_on": dt.date(2015, 9, 10),
                         "original_due": due, "due": due})
            if len(rows) == 5000:
                uow.session.execute(insert(ProblemItem), rows)
                rows = []
        if rows:
            uow.session.execute(insert(ProblemItem), rows)
        uow.commit()
    with create_engine(db_url).connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def login(base: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    opener.open(base + "/login", data=urllib.parse.urlencode(
        {"csrf_token": token, "login": "zhao", "password": PASSWORD, "next": "/"}).encode(), timeout=30).read()
    return opener


def load(base: str, clients: int, requests: int) -> tuple[list[float], list[float], float]:
    openers = [login(base) for _ in range(clients)]
    server_ms: list[float] = []
    client_ms: list[float] = []
    lock = threading.Lock()
    per_client = max(1, requests // clients)

    def client(index: int) -> None:
        rng = random.Random(index)
        for _ in range(per_client):
            query = rng.choice(QUERIES)
            sent = time.perf_counter()
            response = openers[index].open(f"{base}/items?{urllib.parse.quote(query, safe='=&')}", timeout=120)
            response.read()
            took = (time.perf_counter() - sent) * 1000
            timing = re.search(r"dur=([\d.]+)", response.headers.get("Server-Timing", ""))
            with lock:
                server_ms.append(float(timing.group(1)))
                client_ms.append(took)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return server_ms, client_ms, time.perf_counter() - started


def _spread(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms"


def report(label: str, server_ms: list[float], client_ms: list[float], wall: float) -> None:
    """Server time (the console's Server-Timing) and end-to-end time as the client saw it."""
    print(f"{label}: {len(server_ms)} requests in {wall:.1f} s ({len(server_ms) / wall:.1f}/s); "
          f"server {_spread(server_ms)}; end to end {_spread(client_ms)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"duban_webbench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    server = None
    try:
        started = time.perf_counter()
        populate(db_url, args.n)
        print(f"setup: {args.n} items in {time.perf_counter() - started:.1f} s")
        port = 18000 + random.randrange(1000)
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "DUBAN_TODAY": TODAY, "DUBAN_HOME": home}
            server = subprocess.Popen([sys.executable, "-m", "duban", "--db", db_url, "web", "--port", str(port),
                                       "--workers", str(args.workers)], env=env, cwd=ROOT,
                                      stderr=subprocess.DEVNULL)
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/login", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.2)
            report(f"with indexes, {args.clients} clients", *load(base, args.clients, args.requests))
            with create_engine(db_url).connect() as conn:
                for index in LIST_INDEXES:
                    conn.execute(text(f"DROP INDEX IF EXISTS {index}"))
                conn.commit()
            report(f"without indexes, {args.clients} clients", *load(base, args.clients, args.requests))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
