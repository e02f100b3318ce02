"""Build a seeded bureau-, city- or province-sized campaign through the real schema, quickly.

    .venv/bin/python bench/generate.py --scale bureau|city|province [--db URL] [--items N] [--seed S]

The organisation is imported through ``duban org import`` (a generated CSV) and the plan
through ``duban campaign load``, so their events are the real ones. Items, their events
(hash-chained per DUBAN_AUDIT_SHARDS chain, MACed when an audit key is configured) and
their escalations are then written set-based: rows computed in Python in one pass and written
in chunks of ``CHUNK`` rows, with COPY on PostgreSQL and one executemany on SQLite; the
lifecycle's transitions and the deadlines' working days are computed once, not per item.
``duban audit verify`` passes on the result (tests/test_generate.py).

Items are spread over the campaign's September–October with realistic states; on AS_OF
(2015-10-27) about a third of the running items are past their deadline. Each item carries
on average about 6 events (identify, assign, start, submit, reject, verify, recheck and
the sweep's escalations).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLAN = ROOT / "campaigns" / "lanzhou-2015.yaml"
AS_OF = dt.date(2015, 10, 27)
START = dt.date(2015, 9, 7)
SCALES = {  # units, people, items
    "bureau": (20, 200, 2_000),
    "city": (2_000, 20_000, 200_000),
    "province": (10_000, 100_000, 1_000_000),
}
CHUNK = 5_000
# state -> share of items; the lifecycle path that reaches it
STATES = (("identified", 0.05), ("assigned", 0.12), ("rectifying", 0.43), ("submitted", 0.12),
          ("verified", 0.18), ("rechecked", 0.07), ("withdrawn", 0.03))


def build_org(folder: Path, units: int, people: int, rng: random.Random) -> list[Path]:
    """units 处室/单位 (one in five 民生), each with a head; the office; the rest cadres.

    Written as files of at most ``MAX_ROWS`` rows (an import's limit), units first."""
    from duban.services.org import MAX_ROWS

    header = ["类型", "编码", "名称", "所属单位", "单位类别", "民生", "职务", "角色"]
    rows = [["单位", "BGS", "整治办", "", "处室", "否", "", ""],
            ["人员", "office", "整治办主任", "BGS", "", "", "主任", "办公室"],
            ["人员", "leader", "分管领导", "BGS", "", "", "副局长", "副组长"],
            ["人员", "checker", "验收人", "BGS", "", "", "科员", "办公室"]]
    for u in range(1, units + 1):
        rows.append(["单位", f"U{u:05d}", f"第{u}单位", "", "局属单位" if u % 3 else "处室", "是" if u % 5 == 0 else "否", "", ""])
    per_unit = max(1, (people - 3) // units)
    for u in range(1, units + 1):
        rows.append(["人员", f"h{u:05d}", f"负责人{u}", f"U{u:05d}", "", "", "负责人", "负责人"])
        for p in range(1, per_unit):
            rows.append(["人员", f"c{u:05d}_{p}", f"干部{u}-{p}", f"U{u:05d}", "", "", "科员", "党员干部"])
    paths = []
    for start in range(0, len(rows), MAX_ROWS):
        paths.append(folder / f"org-{len(paths) + 1}.csv")
        with open(paths[-1], "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([header, *rows[start:start + MAX_ROWS]])
    return paths


def _path(state: str, rng: random.Random) -> list[str]:
    """The triggers that bring a new item to ``state``."""
    if state == "identified":
        return ["identify"]
    if state == "withdrawn":
        return ["identify", "withdraw"]
    path = ["identify", "assign"]
    if state == "assigned":
        return path
    path.append("start")
    if state == "rectifying":
        return path
    path.append("submit")
    if rng.random() < 0.2:
        path += ["reject", "submit"]
    if state == "submitted":
        return path
    path.append("verify")
    return path + (["recheck"] if state == "rechecked" else [])


def bulk_insert(session, model, rows: list[dict]) -> None:
    """Rows with every column given: COPY on PostgreSQL (the fastest path in), else one executemany."""
    if session.get_bind().dialect.name == "postgresql":
        columns = list(rows[0])
        quoted = ", ".join(f'"{c}"' for c in columns)
        cursor = session.connection().connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {model.__tablename__} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    from sqlalchemy import insert

    # render_nulls: one statement shape for every row, so one batch
    session.execute(insert(model).execution_options(render_nulls=True), rows)


def generate(db_url: str, scale: str, items: int | None, seed: int, progress: bool = False) -> dict:
    from sqlalchemy import func, select, text

    from duban import config
    from duban.services.escalation import unit_head  # noqa: F401  (the same addressee rule as the sweep)
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from statemachines.item import ITEM, ItemFacts
    from storage import eventlog
    from storage.models import AuditChain, Escalation, Event, OrgUnit, Person, ProblemItem, utcnow
    from storage.uow import UnitOfWork, unit_chain

    units_n, people_n, items_n = SCALES[scale]
    items_n = items or items_n
    rng = random.Random(seed)
    timings = {}
    started = time.perf_counter()
    os.environ.setdefault("DUBAN_TODAY", START.isoformat())
    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", PLAN, today=START)
    with tempfile.TemporaryDirectory() as tmp:
        for org in build_org(Path(tmp), units_n, people_n, rng):
            with UnitOfWork(db_url) as uow:
                import_org(uow, "system", org, today=START)
    timings["org_and_plan"] = time.perf_counter() - started
    if progress:
        print(f"  org and plan: {timings['org_and_plan']:.0f} s", file=sys.stderr, flush=True)

    step = time.perf_counter()
    key = config.audit_key()
    with UnitOfWork(db_url) as uow:
        campaign = uow.campaigns.get("LZJ2015")
        categories = [(c.id, c.code) for c in campaign.categories]
        sources = [s["name"] for s in campaign.plan.get("sources", [])]
        grace = campaign.plan.get("rules", {}).get("escalation", {}).get("case_after_working_days", 5)
        unit_rows = uow.session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.head_id)
                                        .where(OrgUnit.code.like("U%")).order_by(OrgUnit.id)).all()
        people = uow.session.execute(select(Person.id, Person.login, Person.unit_id)).all()
        staff = {}
        for pid, login, unit_id in people:
            if login.startswith("c"):
                staff.setdefault(unit_id, []).append((pid, login))
        by_login = {login: pid for pid, login, _ in people}
        heads = {uid: hid for uid, _, hid in unit_rows}
        office, checker, leader = by_login["office"], by_login["checker"], by_login["leader"]
        next_id = {model: (uow.session.scalar(select(func.max(model.id))) or 0) + 1
                   for model in (ProblemItem, Event, Escalation)}
        first_seq = (uow.session.scalar(select(func.max(ProblemItem.seq)).where(
            ProblemItem.campaign_id == campaign.id)) or 0) + 1
        chains = {h.key: [h.last_seq, h.last_hash] for h in uow.session.scalars(select(AuditChain))}
        from duban.services.common import work_calendar

        calendar = work_calendar()
        state_names, weights = zip(*STATES)
        item_rows, event_rows, escalation_rows = [], [], []
        totals = {"items": 0, "events": 0, "escalations": 0}

        def flush(final=False):
            if not final and len(event_rows) < CHUNK:
                return
            for model, rows in ((ProblemItem, item_rows), (Event, event_rows), (Escalation, escalation_rows)):
                if rows:
                    bulk_insert(uow.session, model, rows)
                    rows.clear()

        chain_of = {uid: unit_chain(campaign, uid) for uid, _, _ in unit_rows}
        # Due dates counted from AS_OF, and each (state, trigger) step, computed once: the
        # generated facts always satisfy the lifecycle's guards, so a step's target never varies.
        due_after = [calendar.add_workdays(AS_OF, n) for n in range(30)]
        steps: dict[tuple[str, str], str] = {}

        def fired(before, trigger, day):
            if (before, trigger) not in steps:
                steps[before, trigger] = ITEM.fire(before, trigger, ItemFacts(
                    today=day, has_owner=True, due=day + dt.timedelta(days=30), evidence_count=1, reason="生成"))
            return steps[before, trigger]

        created = utcnow()

        def record(item, trigger, day, who, *, from_state=None, to_state=None, note="", payload=None):
            chain = chain_of[item["unit_id"]]
            head = chains.setdefault(chain, [0, eventlog.GENESIS])
            at = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(microseconds=next_id[Event] % 1_000_000)
            ev = SimpleNamespace(chain=chain, seq=head[0] + 1, campaign_id=campaign.id, item_id=item["id"],
                                 case_id=None, actor=who, at=at, business_date=day, trigger=trigger,
                                 from_state=from_state, to_state=to_state, note=note,
                                 payload=eventlog.canonical_json(payload or {}), prev_hash=head[1])
            ev.hash = eventlog.event_hash(ev)
            ev.mac = eventlog.event_mac(key, ev.hash) if key else None
            ev.id = next_id[Event]
            next_id[Event] += 1
            head[0], head[1] = ev.seq, ev.hash
            event_rows.append(vars(ev))
            item["version"] += 1

        for n in range(items_n):
            seq = first_seq + n
            unit_id, unit_code, _ = unit_rows[rng.randrange(len(unit_rows))]
            owner_id, owner_login = rng.choice(staff.get(unit_id) or [(heads[unit_id], None)])
            state = rng.choices(state_names, weights)[0]
            category_id, category_code = rng.choice(categories)
            identified = START + dt.timedelta(days=rng.randrange(0, 30))
            item = {"id": next_id[ProblemItem], "campaign_id": campaign.id, "seq": seq, "no": f"LZJ2015-{seq:07d}",
                    "title": f"生成的问题 {seq}", "description": "", "category_id": category_id,
                    "source": rng.choice(sources), "origin": None, "unit_id": unit_id, "owner_id": None,
                    "reporter_id": office, "state": "identified", "version": 0, "original_due": None, "due": None,
                    "paused_since": None, "identified_on": identified, "assigned_on": None, "submitted_on": None,
                    "verified_on": None, "verified_by_id": None, "rechecked_on": None, "rechecked_by_id": None,
                    "relapse_count": 0, "escalation_cycle": 0, "reject_count": 0, "closed_reason": None,
                    "kind": "problem", "deliverable": None, "adopted_doc": None, "publishable": False,
                    "created_at": created, "updated_at": created}
            next_id[ProblemItem] += 1
            item_rows.append(item)
            day = identified
            for trigger in _path(state, rng):
                before = item["state"]
                payload, note = {}, ""
                if trigger == "identify":
                    payload = {"title": item["title"], "source": item["source"], "unit": unit_code,
                               "category": category_code, "origin": None,
                               "description_sha256": hashlib.sha256(b"").hexdigest()}
                    record(item, trigger, day, "office", to_state="identified", payload=payload)
                    continue
                day = min(day + dt.timedelta(days=rng.randrange(1, 6)), AS_OF)
                after = fired(before, trigger, day)
                who = "office"
                if trigger == "assign":
                    # a third of the running items end up overdue on AS_OF
                    room = (AS_OF - day).days
                    due = (day + dt.timedelta(days=rng.randrange(1, room)) if room > 1 and rng.random() < 0.4
                           else due_after[rng.randrange(1, 30)])
                    item.update(owner_id=owner_id, due=due, original_due=due, assigned_on=day)
                    payload = {"owner": owner_login, "due": due.isoformat()}
                elif trigger in ("start", "submit"):
                    who = owner_login
                    if trigger == "submit":
                        item["submitted_on"] = day
                elif trigger == "reject":
                    who, note = "checker", "佐证材料不足"
                    item["reject_count"] += 1
                    item["submitted_on"] = None
                elif trigger == "verify":
                    who = "checker"
                    item.update(verified_on=day, verified_by_id=checker)
                elif trigger == "recheck":
                    who = "leader"
                    item.update(rechecked_on=day, rechecked_by_id=leader)
                elif trigger == "withdraw":
                    note = "重复登记"
                    item["closed_reason"] = note
                item["state"] = after
                record(item, trigger, day, who, from_state=before, to_state=after, note=note, payload=payload)
            if item["state"] in ("assigned", "rectifying") and item["due"] is not None and item["due"] < AS_OF:
                head = heads.get(unit_id)
                levels = [("催办", item["owner_id"]), ("督办", head)]
                if calendar.workdays_between(item["due"], AS_OF) > grace:
                    levels.append(("问责", head))
                for level, addressee in levels:
                    row = {"id": next_id[Escalation], "campaign_id": campaign.id, "item_id": item["id"],
                           "unit_id": unit_id, "level": level, "cycle": 0, "on_date": max(item["due"], day), "reason": "生成的督办",
                           "addressee_id": addressee, "actor": "system", "automatic": True}
                    next_id[Escalation] += 1
                    escalation_rows.append(row)
                    record(item, "escalate", row["on_date"], "system", note=row["reason"],
                           payload={"escalation": row["id"], "level": level, "cycle": 0,
                                    "addressee_id": addressee, "automatic": True})
            totals["items"] += 1
            totals["events"] += item["version"]
            totals["escalations"] = next_id[Escalation]
            flush()
            if progress and totals["items"] % 50_000 == 0:
                print(f"  {totals['items']:,} items, {totals['events']:,} events, "
                      f"{time.perf_counter() - step:.0f} s", file=sys.stderr, flush=True)
        flush(final=True)
        for chain, (last_seq, last_hash) in chains.items():
            head = uow.session.get(AuditChain, chain)
            if head is None:
                uow.session.add(AuditChain(key=chain, last_seq=last_seq, last_hash=last_hash))
            else:
                head.last_seq, head.last_hash = last_seq, last_hash
        uow.flush()
        if uow.engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("problem_items", "events", "escalations"):
                uow.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                         f"(SELECT coalesce(max(id), 1) FROM {table}))"))
        uow.commit()
    timings["items_events"] = time.perf_counter() - step
    step = time.perf_counter()
    # Statistics (SQLite's planner skips the report's covering index without them: 3.0 s
    # against 1.5 s at 1 M), and PostgreSQL's visibility map for index-only counts.
    if uow.engine.dialect.name == "postgresql":
        with uow.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        with uow.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    timings["vacuum_analyze"] = time.perf_counter() - step
    return {"scale": scale, "units": units_n, "people": people_n, "items": totals["items"],
            "events": totals["events"], "seconds": {k: round(v, 1) for k, v in timings.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="bureau")
    parser.add_argument("--db", help="database URL (default: a new SQLite file in the current folder)")
    parser.add_argument("--items", type=int, help="items instead of the scale's number")
    parser.add_argument("--seed", type=int, default=2015)
    args = parser.parse_args()
    db = args.db or f"sqlite:///{Path.cwd() / f'duban-{args.scale}.sqlite'}"
    print(generate(db, args.scale, args.items, args.seed, progress=True))


if __name__ == "__main__":
    main()
