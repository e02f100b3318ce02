"""Prefect flows against a temporary Prefect server (one per session) and a SQLite campaign.

The flows are thin; what matters is the database outcome, and that running a
flow again for the same day changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile

import pytest
import yaml
from sqlalchemy import select

from tests.conftest import ORG, PLAN, ROOT, dump

if "prefect" not in sys.modules:  # Prefect reads PREFECT_HOME once, at import
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="duban-prefect-home-")

D = dt.date


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for the whole session (it takes 15–20 s to start)."""
    import prefect.settings
    from prefect.settings import temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        # Heartbeats cost ≈1 s per flow run and detect crashes we do not test here.
        with temporary_settings(updates={prefect.settings.PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


@pytest.fixture
def sqlite_campaign(tmp_path, monkeypatch):
    """A SQLite campaign database (flows run on SQLite here; PostgreSQL is covered by test_tick)."""
    monkeypatch.setenv("DUBAN_TODAY", "2015-09-10")
    monkeypatch.setenv("DUBAN_FILES", str(tmp_path / "files"))
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.uow import UnitOfWork

    db_url = f"sqlite:///{tmp_path / 'duban.sqlite'}"
    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", PLAN)
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", ORG)
    return db_url


def _overdue_item(db_url: str) -> str:
    from duban.services.items import add_item
    from storage.uow import UnitOfWork

    with UnitOfWork(db_url) as uow:
        return add_item(uow, "zhao", campaign=None, unit="JGC", title="审批拖拉", person="wu",
                        due=D(2015, 9, 25), today=D(2015, 9, 10))["no"]


def _rows(db_url: str, query):
    from storage.uow import UnitOfWork

    with UnitOfWork(db_url) as uow:
        return [tuple(row) for row in uow.session.execute(query)]


def test_campaign_tick_flow(prefect_server, sqlite_campaign):
    from flows.escalation import escalate
    from flows.tick import campaign_tick
    from storage.models import DutyRun, Escalation

    no = _overdue_item(sqlite_campaign)
    result = campaign_tick(db_url=sqlite_campaign, through=D(2015, 10, 12))
    assert result["days_processed"] == 42 and result["new_red"] == [no]
    assert result["events"] == [f"duban.item.{no}"]
    days = _rows(sqlite_campaign, select(DutyRun.business_date).where(DutyRun.duty == "day").order_by(DutyRun.id))
    assert [d for (d,) in days] == [D(2015, 9, 1) + dt.timedelta(days=n) for n in range(42)]
    # one level at a time, each on its own day: 催办 as the deadline (9-25) nears, 督办 once it has passed,
    # 问责 when the item is still overdue after the grace the plan gives
    assert _rows(sqlite_campaign, select(Escalation.level, Escalation.on_date).order_by(Escalation.id)) == [
        ("催办", D(2015, 9, 22)), ("督办", D(2015, 9, 28)), ("问责", D(2015, 10, 12))]

    escalate(item=result["events"][0], db_url=sqlite_campaign)  # what the event triggers
    before = dump(sqlite_campaign)
    again = campaign_tick(db_url=sqlite_campaign, through=D(2015, 10, 12))
    assert again["days_processed"] == 0 and again["events"] == []
    assert dump(sqlite_campaign) == before


def test_campaign_tick_flow_issues_the_sheets_still_owed(prefect_server, sqlite_campaign):
    from duban.services.escalation import sweep
    from duban.services.items import add_item
    from flows.tick import campaign_tick
    from storage.models import Document, Escalation, ProblemItem
    from storage.uow import UnitOfWork

    owed = _overdue_item(sqlite_campaign)
    sweep(lambda: UnitOfWork(sqlite_campaign), "system", as_of=D(2015, 10, 8))  # a manual sweep: no event, no sheet
    with UnitOfWork(sqlite_campaign) as uow:
        fresh = add_item(uow, "zhao", campaign=None, unit="JGC", title="推诿扯皮", person="wu",
                         due=D(2015, 10, 9), today=D(2015, 9, 10))["no"]
    result = campaign_tick(db_url=sqlite_campaign, through=D(2015, 10, 12))
    # the manual sweep's 催办 is followed by the tick's 督办 for the old item: both turn red in this tick,
    # and their 督办单 are the escalate deployment's, on the events
    assert result["new_red"] == [owed, fresh]
    sheets = select(ProblemItem.no, Escalation.level, Document.id.is_not(None)).join(
        ProblemItem, Escalation.item_id == ProblemItem.id).outerjoin(
        Document, Document.escalation_id == Escalation.id).where(Escalation.level.in_(("催办", "督办")))
    owed_by_tick = [(no, level) for no, level, issued in _rows(sqlite_campaign, sheets) if not issued]
    assert sorted(owed_by_tick) == [(owed, "催办"), (owed, "督办"), (fresh, "催办"), (fresh, "督办")]
    assert result["supervision_sheets"]["issued"] == []  # a new red's sheets are all the escalate deployment's
    # No escalate deployment runs here, as if the event were lost: the next tick issues that sheet too.
    again = campaign_tick(db_url=sqlite_campaign, through=D(2015, 10, 12))
    assert again["new_red"] == [] and sorted(d["item"] for d in again["supervision_sheets"]["issued"]) == [owed, owed, fresh, fresh]
    assert all(issued for _, _, issued in _rows(sqlite_campaign, sheets))
    before = dump(sqlite_campaign)
    assert campaign_tick(db_url=sqlite_campaign, through=D(2015, 10, 12))["supervision_sheets"]["issued"] == []
    assert dump(sqlite_campaign) == before


def _owed_sheets_of_three_red_items(db_url: str) -> list[tuple]:
    """Three items swept by hand to 09-28 (催办 and 督办 each, no event): six sheets owed."""
    from duban.services.escalation import sweep
    from storage.models import Escalation
    from storage.uow import UnitOfWork

    for _ in range(3):
        _overdue_item(db_url)
    sweep(lambda: UnitOfWork(db_url), "system", as_of=D(2015, 9, 22))  # 催办 (deadline near)
    sweep(lambda: UnitOfWork(db_url), "system", as_of=D(2015, 9, 28))  # 督办 (overdue)
    return _rows(db_url, select(Escalation.id).where(Escalation.level.in_(("催办", "督办"))).order_by(Escalation.id))


def test_campaign_tick_hands_many_owed_sheets_to_render_documents_runs(prefect_server, sqlite_campaign):
    """More owed sheets than ``sheets_inline``: one render-documents run per shard, created and not
    waited for; the runs issue every sheet, and the day ticked again creates no second run."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from flows.documents import render_documents
    from flows.tick import campaign_tick
    from storage.models import Document

    owed = _owed_sheets_of_three_red_items(sqlite_campaign)
    with get_client(sync_client=True) as client:  # the deployment, with no worker: its runs wait
        deployment = client.create_deployment(client.create_flow_from_name("render-documents"), "render-documents",
                                              entrypoint="flows/documents.py:render_documents")
    try:
        result = campaign_tick(db_url=sqlite_campaign, through=D(2015, 9, 28), sheets_inline=5, sheet_shards=2)
        sheets = result["supervision_sheets"]
        assert result["new_red"] == [] and (sheets["status"], sheets["pending"], sheets["issued"]) == ("handed_off", 6, [])
        assert _rows(sqlite_campaign, select(Document.id)) == []  # nothing rendered by the tick
        repeated = campaign_tick(db_url=sqlite_campaign, through=D(2015, 9, 28), sheets_inline=5, sheet_shards=2)
        assert repeated["supervision_sheets"]["runs"] == sheets["runs"]  # the day's runs, not new ones
        with get_client(sync_client=True) as client:
            runs = [client.read_flow_run(run_id) for run_id in sheets["runs"]]
            assert [(r.deployment_id, r.state.type.value) for r in runs] == [(deployment, "SCHEDULED")] * 2
            assert [(r.parameters["shard"], r.parameters["shards"], r.parameters["db_url"]) for r in runs] == [
                (0, 2, sqlite_campaign), (1, 2, sqlite_campaign)]
            for run in runs:  # what the workers run
                render_documents(**run.parameters)
            assert sorted(_rows(sqlite_campaign, select(Document.escalation_id))) == owed
            before = dump(sqlite_campaign)
            again = campaign_tick(db_url=sqlite_campaign, through=D(2015, 9, 28), sheets_inline=5, sheet_shards=2)
            assert again["supervision_sheets"]["issued"] == [] and dump(sqlite_campaign) == before
            assert len(client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(
                any_=[deployment])))) == 2
    finally:
        with get_client(sync_client=True) as client:
            client.delete_deployment(deployment)


def test_campaign_tick_issues_many_owed_sheets_itself_without_render_documents(prefect_server, sqlite_campaign):
    from flows.tick import campaign_tick
    from storage.models import Document

    owed = _owed_sheets_of_three_red_items(sqlite_campaign)
    result = campaign_tick(db_url=sqlite_campaign, through=D(2015, 9, 28), sheets_inline=5, sheet_shards=2)
    assert result["supervision_sheets"]["status"] == "done" and len(result["supervision_sheets"]["issued"]) == 6
    assert sorted(_rows(sqlite_campaign, select(Document.escalation_id))) == owed


def test_refusals_fail_at_once_without_retries(prefect_server, sqlite_campaign):
    import time

    from duban.errors import NotFound
    from flows.tick import campaign_tick

    started = time.monotonic()
    with pytest.raises(NotFound):
        campaign_tick(db_url=sqlite_campaign, campaign="NOPE", through=D(2015, 9, 2))
    assert time.monotonic() - started < 20  # two retries would wait 2 × 30 s


def test_sweep_and_escalate_flow(prefect_server, sqlite_campaign):
    from flows.escalation import escalate, sweep_and_escalate
    from storage.models import Document, Escalation

    no = _overdue_item(sqlite_campaign)
    # run late, the sweep catches up day by day: each level on the day it fell due, one at a time
    result = sweep_and_escalate(db_url=sqlite_campaign, as_of=D(2015, 10, 8))
    assert result["new_red"] == [no] and result["events"] == [f"duban.item.{no}"]
    assert _rows(sqlite_campaign, select(Escalation.level, Escalation.on_date).order_by(Escalation.id)) == [
        ("催办", D(2015, 9, 22)), ("督办", D(2015, 9, 28))]
    again = sweep_and_escalate(db_url=sqlite_campaign, as_of=D(2015, 10, 8))
    assert again["new_red"] == [] and again["events"] == []

    # What the event-triggered deployment runs, with the parameter the trigger renders.
    sheet = escalate(item=f"duban.item.{no}", db_url=sqlite_campaign)
    assert {d["item"] for d in sheet["issued"]} == {no}  # its 催办单 and 督办单
    assert ("supervision_sheet", D(2015, 9, 28)) in _rows(sqlite_campaign, select(Document.kind, Document.issued_on))
    before = dump(sqlite_campaign)
    assert escalate(item=no, db_url=sqlite_campaign)["issued"] == []
    assert dump(sqlite_campaign) == before


def test_render_documents_flow_issues_missing_sheets_in_batches(prefect_server, sqlite_campaign):
    from duban.services.escalation import sweep
    from flows.documents import render_documents
    from storage.models import Document, Escalation
    from storage.uow import UnitOfWork

    _overdue_item(sqlite_campaign)
    _overdue_item(sqlite_campaign)
    sweep(lambda: UnitOfWork(sqlite_campaign), "system", as_of=D(2015, 10, 8))  # no events: the sheets are owed
    result = render_documents(db_url=sqlite_campaign, workers=2)
    assert len(result["issued"]) == 2 and result["failed"] == []
    issued = _rows(sqlite_campaign, select(Document.escalation_id).order_by(Document.escalation_id))
    assert issued == _rows(sqlite_campaign, select(Escalation.id).order_by(Escalation.id))  # the two 催办单
    before = dump(sqlite_campaign)
    assert render_documents(db_url=sqlite_campaign)["issued"] == []
    assert dump(sqlite_campaign) == before


def test_render_documents_runs_share_the_sheets_by_shard(prefect_server, sqlite_campaign):
    """Runs on two workers (shard 0 and 1 of 2) issue disjoint shares, together every sheet owed,
    each sheet dated its escalation's day (several days in one batch), numbers gapless."""
    from duban.services.escalation import sweep
    from flows.documents import render_documents
    from storage.models import Document, Escalation
    from storage.uow import UnitOfWork

    for _ in range(3):
        _overdue_item(sqlite_campaign)
    sweep(lambda: UnitOfWork(sqlite_campaign), "system", as_of=D(2015, 9, 22))  # 催办 (deadline near)
    sweep(lambda: UnitOfWork(sqlite_campaign), "system", as_of=D(2015, 9, 28))  # 督办 (overdue)
    escalations = _rows(sqlite_campaign, select(Escalation.id, Escalation.on_date).order_by(Escalation.id))
    assert len(escalations) == 6 and len({day for _, day in escalations}) == 2
    odd = render_documents(db_url=sqlite_campaign, workers=2, shard=1, shards=2)
    assert sorted(d["escalation_id"] for d in odd["issued"]) == [id_ for id_, _ in escalations if id_ % 2 == 1]
    even = render_documents(db_url=sqlite_campaign, workers=2, shard=0, shards=2)
    assert sorted(d["escalation_id"] for d in even["issued"]) == [id_ for id_, _ in escalations if id_ % 2 == 0]
    issued = _rows(sqlite_campaign, select(Document.escalation_id, Document.issued_on, Document.kind, Document.number)
                   .order_by(Document.escalation_id))
    assert [(id_, day) for id_, day, *_ in issued] == escalations  # one sheet each, dated its day
    for kind in ("reminder_sheet", "supervision_sheet"):
        assert sorted(number for _, _, k, number in issued if k == kind) == [1, 2, 3]


def test_draw_flows(prefect_server, sqlite_campaign):
    from flows.draws import recheck_draw, spot_check_draw

    first = spot_check_draw(db_url=sqlite_campaign, day=D(2015, 10, 9))
    again = spot_check_draw(db_url=sqlite_campaign, day=D(2015, 10, 9))
    assert first["created"] and not again["created"] and again["id"] == first["id"]
    discipline = spot_check_draw(db_url=sqlite_campaign, kind="discipline_check", day=D(2015, 10, 9))
    assert discipline["kind"] == "discipline_check" and discipline["id"] != first["id"]
    assert recheck_draw(db_url=sqlite_campaign, day=D(2015, 11, 2))["selection"] == []


def test_weekly_ledger_flow_publishes_artifacts(prefect_server, sqlite_campaign, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.ledger import weekly_ledger

    _overdue_item(sqlite_campaign)
    result = weekly_ledger(db_url=sqlite_campaign, day=D(2015, 10, 9))
    assert result["artifact_key"] == "weekly-ledger-lzj2015"
    assert os.path.isfile(result["xlsx"]) and result["xlsx"].startswith(str(tmp_path / "files"))
    assert os.path.isfile(result["pdf"])
    assert result["units"] == [{"unit": "建设管理处", "items": 1, "open": 1, "red": 1, "yellow": 0,
                                "verified": 0, "rechecked": 0}]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(
            any_=["weekly-ledger-lzj2015", "weekly-ledger-lzj2015-xlsx"])))
    by_key = {a.key: a for a in artifacts}
    assert "| 建设管理处 | 1 | 1 | 1 | 0 | 0 | 0 |" in by_key["weekly-ledger-lzj2015"].data
    assert "ledger-LZJ2015-2015-10-09.xlsx" in by_key["weekly-ledger-lzj2015-xlsx"].data  # stored as a markdown link
    assert "ledger-LZJ2015-2015-10-09.pdf" in by_key["weekly-ledger-lzj2015"].data


def test_prefect_yaml_matches_the_deployments_duban_serves():
    from flows.deployments import DEPLOYMENTS, TIMEZONE, WORK_POOL

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    declared = {d["name"]: d for d in config["deployments"]}
    assert list(declared) == [spec.name for spec in DEPLOYMENTS]
    for spec in DEPLOYMENTS:
        entry = declared[spec.name]
        assert entry["entrypoint"] == spec.entrypoint
        assert entry["work_pool"]["name"] == WORK_POOL
        schedules = entry.get("schedules", [])
        assert [(s["cron"], s["timezone"]) for s in schedules] == ([(spec.cron, TIMEZONE)] if spec.cron else [])
        assert entry.get("triggers", []) == spec.triggers
        flow = spec.load_flow()
        assert flow.name == spec.flow_name
        assert {"db_url", "campaign"} <= set(flow.parameters.properties)


def test_cli_stays_free_of_prefect():
    code = "import sys, duban.cli; duban.cli.app; print('prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_serve_lists_every_deployment(cli):
    listed = cli("serve", "--list", json=True)
    assert listed.code == 0, listed
    by_name = {d["name"]: d for d in listed.json()}
    assert by_name["campaign-tick"]["cron"] == "0 8 * * *" and by_name["campaign-tick"]["timezone"] == "Asia/Shanghai"
    assert by_name["escalate"]["triggers"][0]["expect"] == ["duban.item.red"]
    assert len(by_name) == 7
