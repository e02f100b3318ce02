"""The whole demo: a fresh folder and database, the plan and a generated bureau, the simulated
campaign, the final 台账 and the summary.

    from duban.demo.run import run_demo
    result = run_demo(Path("demo-out"), seed=2015)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import tempfile
from pathlib import Path
from typing import Callable

from duban.demo import intake
from duban.demo.simulation import Simulation
from duban.errors import BadInput
from duban.services import documents
from storage.uow import UnitOfWork

PLAN_FILE = Path(__file__).resolve().parents[2] / "campaigns" / "lanzhou-2015.yaml"
SETUP_DAY = dt.date(2015, 8, 31)  # the office loads the plan and the roster the day before
DB_FILE = "duban.sqlite"
ORG_SHEET = "org.csv"
LEDGER_XLSX = "ledger.xlsx"
LEDGER_PDF = "ledger.pdf"
# Everything the demo writes; --force removes these and nothing else.
REPORT_KEY = "report.key"  # the demo's key for reporters' identities, when none is configured
OWN_FILES = (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", f"{DB_FILE}-journal", ORG_SHEET, LEDGER_XLSX,
             LEDGER_PDF, "summary.md", "summary.json", "summary.pdf", "evidence", "documents", "ledgers", "publication",
             "publications", "预览", intake.RECONCILE_DIR, REPORT_KEY)


def prepare_out(out: Path, force: bool) -> None:
    """An empty (or new) folder; with ``force``, the demo's own earlier output is removed first."""
    import shutil

    out.mkdir(parents=True, exist_ok=True)
    present = sorted(p.name for p in out.iterdir())
    if not present:
        return
    if not force:
        raise BadInput(f"输出目录 {out} 不是空目录（{'、'.join(present[:5])}…）：请换一个目录，"
                       "或加 --force 删除其中由 duban demo 生成的文件")
    from storage.db import get_engine

    get_engine(_db_url(out)).dispose()  # no pooled connection may keep the old file open
    for name in OWN_FILES:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _db_url(out: Path) -> str:
    return f"sqlite:///{(out / DB_FILE).resolve()}"


def _skip_fsync(dbapi_conn, _record) -> None:
    dbapi_conn.execute("PRAGMA synchronous=NORMAL")


def _fast_commits(db_url: str) -> None:
    """The demo database is scratch: commits need not wait for the disk (WAL keeps it consistent).

    Thousands of small transactions otherwise spend most of the run in fsync.
    """
    from sqlalchemy import event

    from storage.db import get_engine

    engine = get_engine(db_url)
    if not event.contains(engine, "connect", _skip_fsync):
        event.listen(engine, "connect", _skip_fsync)


@contextlib.contextmanager
def _demo_environment(out: Path):
    """Files go into ``out``; anything that falls back to "today" sees the simulated date (set per day).

    Reporters' identities are sealed with the configured key (DUBAN_REPORT_KEY or _FILE), else with
    a new key kept beside the database in ``report.key``, outside it, as the office would keep its own.
    """
    from duban.services import identity_vault

    saved = {key: os.environ.get(key) for key in ("DUBAN_FILES", "DUBAN_TODAY", "DUBAN_REPORT_KEY_FILE")}
    os.environ["DUBAN_FILES"] = str(out.resolve())
    os.environ["DUBAN_TODAY"] = SETUP_DAY.isoformat()
    if identity_vault.key() is None:
        key_file = out / REPORT_KEY
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="ascii") as fh:
            fh.write(identity_vault.new_key() + "\n")
        os.environ["DUBAN_REPORT_KEY_FILE"] = str(key_file.resolve())
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_demo(out: Path, *, seed: int, units: int = 15, cadres: int = 200, force: bool = False,
             workers: int = 2, on_day: Callable[[dt.date, int, int], None] | None = None,
             on_stage: Callable[[str], None] | None = None) -> dict:
    """Create a database in ``out``, run the campaign from its first to its last day, write the results."""
    from duban.demo.bureau import generate_bureau
    from duban.demo.previews import write_previews
    from duban.demo.summary import write_summary
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.db import get_engine

    stage = on_stage or (lambda text: None)
    out = Path(out)
    rng = random.Random(seed)
    bureau = generate_bureau(rng, units=units, cadres=cadres)  # bad options fail before the folder is touched
    prepare_out(out, force)
    db_url = _db_url(out)
    with _demo_environment(out), tempfile.TemporaryDirectory(prefix="duban-demo-") as scratch:
        stage("建库、导入方案和组织机构")
        _fast_commits(db_url)
        init_db(db_url)
        with UnitOfWork(db_url) as uow:
            plan = load_campaign(uow, "system", PLAN_FILE, today=SETUP_DAY)
        with UnitOfWork(db_url) as uow:
            campaign = uow.campaigns.get(plan["code"])
            start, end = campaign.start_date, campaign.end_date
            import_org(uow, "system", bureau.write_sheet(out / ORG_SHEET), today=SETUP_DAY)

        simulation = Simulation(db_url, bureau, rng, Path(scratch), plan["code"], start, end,
                                workers=workers, out=out)
        stage("逐日运行专项整治")
        played = simulation.run(on_day)
        stage("整改落实台账")
        files = _final_ledger(db_url, out, plan["code"], end, simulation.last_ledger)
        stage("生成汇总")
        summary = write_summary(db_url, out, campaign=plan["code"], seed=seed, today=end)
        stage("文书预览图")
        previews = write_previews(db_url, out, plan["code"])
    get_engine(db_url).dispose()
    return {"out": str(out), "db_url": db_url, "summary": summary, "files": files, "previews": previews, **played}


def _final_ledger(db_url: str, out: Path, campaign: str, end: dt.date, published: dict | None) -> dict:
    """The 台账 as at the last day: the tick's own publication of that day, else made now."""
    import shutil

    from duban.services.ledger import export_ledger

    if published and published["date"] == end and published.get("pdf"):
        shutil.copyfile(published["xlsx"], out / LEDGER_XLSX)
        shutil.copyfile(published["pdf"], out / LEDGER_PDF)
    else:
        with UnitOfWork(db_url) as uow:
            export_ledger(uow, "system", out / LEDGER_XLSX, "xlsx", campaign=campaign, today=end)
            documents.ledger_pdf(uow, "system", campaign=campaign, today=end, out=out / LEDGER_PDF)
    return {"ledger_xlsx": LEDGER_XLSX, "ledger_pdf": LEDGER_PDF}
