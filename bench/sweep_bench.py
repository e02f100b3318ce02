"""Time an overdue sweep over N items in a throw-away SQLite database (figures only, no assertions).

    .venv/bin/python bench/sweep_bench.py [N] [--batch-size B]

Items are inserted in bulk (already assigned, owner wu of 建设管理处) with deadlines spread
so that on 2015-09-28 about a third are yellow, a third red and a third green.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2015, 9, 28)
DUES = (dt.date(2015, 9, 30), dt.date(2015, 9, 25), dt.date(2015, 10, 20))  # yellow, red, green on AS_OF


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DUBAN_TODAY"] = "2015-09-10"
        db_url = f"sqlite:///{tmp}/bench.sqlite"
        started = time.perf_counter()
        setup(db_url, args.n)
        print(f"setup: {args.n} items in {time.perf_counter() - started:.1f} s")
        from duban.services.escalation import sweep
        from storage.uow import UnitOfWork

        for run in ("first", "second"):
            result = sweep(lambda: UnitOfWork(db_url), "system", as_of=AS_OF, batch_size=args.batch_size)
            done = sum(result["counts"].values())
            print(f"{run} sweep: {result['counts']}, {result['batches']} batches, {result['seconds']:.2f} s "
                  f"({done / max(result['seconds'], 1e-9):,.0f} escalations/s)")


def setup(db_url: str, n: int) -> None:
    from sqlalchemy import insert

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
        campaign = uow.campaigns.get("LZJ2015")
        unit, owner = uow.org.unit("JGC"), uow.org.person("wu")
        uow.session.execute(insert(ProblemItem), [
            {"campaign_id": campaign.id, "seq": seq, "no": f"LZJ2015-{seq:05d}", "title": f"基准测试问题 {seq}",
             "source": "自查", "unit_id": unit.id, "owner_id": owner.id, "state": "rectifying", "version": 0,
             "identified_on": dt.date(2015, 9, 10), "assigned_on": dt.date(2015, 9, 10),
             "original_due": DUES[seq % 3], "due": DUES[seq % 3]}
            for seq in range(1, n + 1)])
        uow.commit()


if __name__ == "__main__":
    main()
