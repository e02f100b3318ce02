"""The console's item list under load: p50/p95 server time over N items on PostgreSQL.

    .venv/bin/python bench/web_bench.py [N] [--clients 20] [--requests 400] [--workers 2]

A throw-away database on the local PostgreSQL (DUBAN_TEST_PG_URL) gets bench/generate.py's
bureau with N items (states, deadlines and events as a campaign leaves them). `duban web` serves it on loopback; C
clients, each logged in as the office, fetch item list pages with filters (light, unit, state,
category, search, later pages). Server time is the console's own `Server-Timing` header, end to
end is what the client waited; the same load then runs again after the list's indexes are
dropped. Figures only, no assertions.
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("DUBAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = "2015-10-27"  # bench/generate.py AS_OF
PASSWORD = "bench-password"
LOGIN = "office"  # bench/generate.py's office
QUERIES = ["", "light=red", "light=yellow", "unit=U00003", "unit=U00010&light=red", "state=submitted",
           "category=lan", "q=生成的问题 77", "light=green&page=20", "state=rectifying&unit=U00007&page=3"]
LIST_INDEXES = ["ix_problem_items_campaign_state", "ix_problem_items_campaign_due", "ix_problem_items_unit_id",
                "ix_problem_items_owner_id"]


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


def login(base: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    opener.open(base + "/login", data=urllib.parse.urlencode(
        {"csrf_token": token, "login": LOGIN, "password": PASSWORD, "next": "/"}).encode(), timeout=30).read()
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
    from bench.writers_bench import scratch_database

    db_url, drop = scratch_database(PG_URL)
    server = None
    try:
        started = time.perf_counter()
        print(f"setup: {populate(db_url, args.n)} in {time.perf_counter() - started:.1f} s")
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
        drop()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
