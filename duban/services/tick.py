"""The campaign's daily tick: run every duty that falls due, each exactly once.

``run_tick`` processes each business date from the day after the last fully
processed one (or the campaign start) through ``through``, in order, so a tick
after downtime catches up day by day. The phase and its duties are read from the
database (``Phase`` rows and ``campaign.plan``) for every day, never hard-coded.

Exactly once: a ``DutyRun`` row (unique campaign/date/duty) is written in the same
transaction as the duty's effect, after the campaign chain is locked and the row
checked for. The overdue sweep commits in batches, so it is idempotent itself and
its ``DutyRun`` is written when it has finished. A ``day`` row closes the date;
the next tick starts after the last closed date.

Which duty runs on which date, and what it does, is the registry in
``duban.services.duties`` (``duties_due``); this module registers the duties that
need the tick's own machinery (draws, the sweep, unit accountability, publication);
the reminder duties (study, problem lists, opinions, reports, satisfaction, mechanisms)
are ``duban.services.duty_reminders``:

* ``spot_check`` / ``discipline_check`` / ``recheck``: one unannounced working day
  (不打招呼、不定时间) in each block of N working days of the phase;
* ``sweep``: the overdue sweep (催办/督办/问责) as of that day, batched, in every phase;
* ``accountability``: unit-level accountability proposals at each month's (or phase's) end;
* ``publish``: the office's 整改落实台账 at each week's (or phase's) end, and a reminder of what
  awaits the office's decision to publish (publishing is ``duban publish``, never the tick).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from duban import config, permissions
from duban.errors import BadInput, RuleViolation
from duban.services.common import actor, work_calendar
from duban.services.duties import REGISTRY, duties_due, duty, month_end, phase_on, week_end
from storage.models import Campaign, DutyRun, Phase
from storage.uow import UnitOfWork, campaign_chain

DAY_DONE = "day"
DRAW_DUTIES = ("spot_check", "discipline_check", "recheck")
Progress = Callable[[int, int, dt.date], None]


# --- services other modules provide ----------------------------------------------


def optional_service(module: str, name: str):
    """A function another part of duban provides, or None while it is not there yet."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:  # the module exists but is broken: that is a bug, say so
            raise
        return None
    return getattr(found, name, None)


def unavailable(what: str) -> dict:
    return {"status": "unavailable", "message": f"{what}尚未提供，本项未执行"}


# --- the draw days ---------------------------------------------------------------


def unannounced_day_due(campaign: Campaign, phase: Phase, duty: dict, day: dt.date) -> bool:
    """True on the one working day of its block that the block's committed secret picks."""
    from duban.services.draws import is_draw_day

    return is_draw_day(object_session(campaign), campaign, phase, duty, day)


# --- running them ------------------------------------------------------------------


def _done_duties(uow: UnitOfWork, campaign: Campaign, day: dt.date) -> set[str]:
    return set(uow.session.scalars(
        select(DutyRun.duty).where(DutyRun.campaign_id == campaign.id, DutyRun.business_date == day)))


def _once(start_uow, login: str, code: str, day: dt.date, duty: str, effect) -> dict:
    """Run ``effect(uow, campaign, who, phase)`` and write its DutyRun in one transaction."""
    with start_uow() as uow:
        campaign = uow.campaigns.get(code)
        uow.lock(campaign_chain(campaign))
        if duty in _done_duties(uow, campaign, day):
            return {"status": "already_done"}
        result = {"status": "done", **effect(uow, campaign, actor(uow, login), phase_on(campaign, day))}
        uow.session.add(DutyRun(campaign_id=campaign.id, business_date=day, duty=duty, result=result))
        uow.commit()
        return result


def _mark_done(start_uow, login: str, code: str, day: dt.date, duty: str, result: dict) -> dict:
    """Close an idempotent batched duty (or the day) after its effect committed."""
    return _once(start_uow, login, code, day, duty, lambda *_: result)


PHASE_EVENTS = {"phase_open": "phase_opened", "phase_close": "phase_closed"}
DRAW_SECRETS = ("draw_reveal", "draw_commit")  # the tick's own steps, before the day's duties


def _reveal_draws(uow, campaign, who, phase, day):
    from duban.services.draws import reveal_due

    return reveal_due(uow, campaign, who, day)


def _commit_draws(uow, campaign, who, phase, day):
    from duban.services.draws import commit_phase

    return commit_phase(uow, campaign, who, phase, day)


def _secret_steps(uow, campaign: Campaign, day: dt.date) -> list[str]:
    """Reveal the secrets of past draws; commit the phase's secrets before its first draw can fall due."""
    from duban.services.draws import needs_reveal, uncommitted

    phase = phase_on(campaign, day)
    steps = ["draw_reveal"] if needs_reveal(uow.session, campaign, day) else []
    if phase is not None and uncommitted(uow.session, campaign, phase):
        steps.append("draw_commit")
    return steps


def _phase_event(trigger: str):
    def effect(uow, campaign, who, phase, day):
        uow.record(chain=campaign_chain(campaign), actor=who.login, today=day, trigger=trigger,
                   campaign_id=campaign.id, note=phase.name,
                   payload={"phase": phase.code, "duties": [d["code"] for d in phase.duties]})
        return {"phase": phase.code}
    return effect


def _draw(kind: str):
    @duty(kind, order=50, due=unannounced_day_due)
    def effect(uow, campaign, who, phase, day):
        from duban.services.draws import make_draw

        row, created = make_draw(uow, campaign, who, kind, day, scheduled=True)
        if row is None:
            return {"draw_id": None, "population": 0, "selection": []}
        return {"draw_id": row.id, "population": len(row.population), "selection": row.selection}
    return effect


for _kind in DRAW_DUTIES:
    _draw(_kind)


@duty("sweep", order=40, runner=True, every_phase=True)
def _sweep(start_uow, login: str, code: str, day: dt.date, options: dict) -> dict:
    sweep = optional_service("duban.services.escalation", "sweep")
    if sweep is None:
        return unavailable("逾期巡查服务（duban.services.escalation.sweep）")
    outcome = sweep(start_uow, login, campaign=code, as_of=day, batch_size=options.get("batch_size"),
                    progress=options.get("progress"))

    def measures(uow, campaign, who, phase):
        from duban.services.measures import follow_up

        return {**outcome, **follow_up(uow, campaign, who, day)}  # in the sweep's DutyRun transaction

    return _once(start_uow, login, code, day, "sweep", measures)


@duty("accountability", order=80, due=month_end, runner=True)
def _unit_cases(start_uow, login: str, code: str, day: dt.date, options: dict) -> dict:
    propose = optional_service("duban.services.cases", "propose_unit_cases")
    if propose is None:
        return unavailable("单位问责建议服务（duban.services.cases.propose_unit_cases）")
    with start_uow() as uow:
        campaign = uow.campaigns.get(code)
        uow.lock(campaign_chain(campaign))
        if "accountability" in _done_duties(uow, campaign, day):
            return {"status": "already_done"}
        # The DutyRun goes into the session first, so the service's own commit
        # stores it together with the proposals: one transaction, exactly once.
        run = DutyRun(campaign_id=campaign.id, business_date=day, duty="accountability", result={})
        uow.session.add(run)
        try:
            outcome = propose(uow, login, campaign=code, today=day)
        except RuleViolation as refusal:  # e.g. the plan has no measure for units: retrying cannot help
            refused = {"status": "refused", "message": refusal.message}
        else:
            run.result = {"status": "done", **_jsonable(outcome)}
            uow.commit()
            return run.result
    return _mark_done(start_uow, login, code, day, "accountability", refused)


def _jsonable(outcome) -> dict:
    """propose_unit_cases returns case views; the DutyRun keeps the numbers of new cases."""
    if isinstance(outcome, dict):
        return outcome
    created = [case["no"] for case in outcome if case.get("created", True)]
    return {"proposed": len(created), "cases": created}


@duty("publish", order=90, due=week_end, runner=True)
def _publish(start_uow, login: str, code: str, day: dt.date, options: dict) -> dict:
    """The office's weekly 台账 (internal) and a reminder of what awaits its decision to publish.

    Publishing itself is the office's decision (``duban publish``): the tick publishes nothing."""
    # Files are written first (deterministic paths, atomic replace): a crash before the
    # DutyRun commits only means they are written again by the next tick.
    files = publish_ledger(start_uow, login, campaign=code, day=day, pdf=options.get("ledger_pdf", True))

    def effect(uow, campaign, who, phase):
        from duban.services.publication.reminders import remind_office

        result = {"ledger": {k: files[k] for k in ("xlsx", "pdf", "rows")},
                  "publication": remind_office(uow, campaign, who, day)}
        uow.record(chain=campaign_chain(campaign), actor=who.login, today=day, trigger="ledger_written",
                   campaign_id=campaign.id, note="整改落实台账", payload=result)
        return result

    return _once(start_uow, login, code, day, "publish", effect)


def _with_day(effect, day):
    return lambda uow, campaign, who, phase: effect(uow, campaign, who, phase, day)


def _run_duty(start_uow, login: str, code: str, day: dt.date, duty: str, options: dict) -> dict:
    if duty in PHASE_EVENTS:
        return _once(start_uow, login, code, day, duty, _with_day(_phase_event(PHASE_EVENTS[duty]), day))
    if duty in DRAW_SECRETS:
        effect = _reveal_draws if duty == "draw_reveal" else _commit_draws
        return _once(start_uow, login, code, day, duty, _with_day(effect, day))
    spec = REGISTRY[duty]
    if spec.runner is not None:
        return spec.runner(start_uow, login, code, day, options)
    return _once(start_uow, login, code, day, duty, _with_day(spec.effect, day))


def run_day(start_uow, login: str, code: str, day: dt.date, *, ledger_pdf: bool = True) -> dict:
    options = {"ledger_pdf": ledger_pdf}
    with start_uow() as uow:
        steps = _secret_steps(uow, uow.campaigns.get(code), day)
    # The draw secrets first: which day a draw falls on depends on the committed secret.
    results = {step: _run_duty(start_uow, login, code, day, step, options) for step in steps}
    with start_uow() as uow:
        campaign = uow.campaigns.get(code)
        phase, due = duties_due(campaign, day)
        phase_code = phase.code if phase else None
        done = _done_duties(uow, campaign, day)
    workday = work_calendar().is_workday(day)
    # Duties done by an earlier, interrupted tick are skipped here; _once checks again
    # under the campaign lock, for a tick running concurrently.
    results.update({duty: {"status": "already_done"} if duty in done
                    else _run_duty(start_uow, login, code, day, duty, options) for duty in due})
    summary = {"phase": phase_code, "workday": workday,
               "duties": {duty: r.get("status") for duty, r in results.items()}}
    _mark_done(start_uow, login, code, day, DAY_DONE, summary)
    return {"date": day.isoformat(), **summary, "results": results}


def last_processed_day(uow: UnitOfWork, campaign: Campaign) -> dt.date | None:
    return uow.session.scalar(select(func.max(DutyRun.business_date))
                              .where(DutyRun.campaign_id == campaign.id, DutyRun.duty == DAY_DONE))


def run_tick(start_uow: Callable[[], UnitOfWork], login: str, *, campaign: str | None = None,
             through: dt.date, progress: Progress | None = None, ledger_pdf: bool = True) -> dict:
    """Process every unprocessed business date up to ``through`` (capped at the campaign end).

    ``start_uow()`` must return a fresh ``UnitOfWork``; ``progress(done, total, day)``
    is called after each date; ``ledger_pdf=False`` publishes the weekly 台账 as XLSX
    only (its PDF takes ≈30 ms per item). Returns the dates processed with each duty's result
    and ``new_red``, the item numbers the sweeps turned red.
    """
    with start_uow() as uow:
        camp = uow.campaigns.only_or(campaign)
        permissions.require(actor(uow, login), "tick")
        code, start, end = camp.code, camp.start_date, camp.end_date
        last = last_processed_day(uow, camp)
    first = last + dt.timedelta(days=1) if last else start
    days = [first + dt.timedelta(days=n) for n in range((min(through, end) - first).days + 1)]
    processed = []
    for index, day in enumerate(days, start=1):
        processed.append(run_day(start_uow, login, code, day, ledger_pdf=ledger_pdf))
        if progress:
            progress(index, len(days), day)
    new_red = [no for day in processed for no in day["results"].get("sweep", {}).get("new_red", [])]
    counts = Counter(duty for day in processed for duty, status in day["duties"].items() if status == "done")
    from duban.services.audit import anchor_if_keyed  # the chains' heads, MACed, outside the database

    return {"campaign": code, "through": through.isoformat(), "last_processed_before": last.isoformat() if last else None,
            "days_processed": len(processed), "duties_done": dict(counts), "new_red": new_red, "days": processed,
            "anchor": anchor_if_keyed(start_uow)}


# --- the weekly 整改落实台账 (the office's, not a publication) ----------------------------


def ledger_dir(db_url: str, campaign_code: str, day: dt.date) -> Path:
    return config.files_dir(db_url) / "ledgers" / campaign_code / day.isoformat()


def unit_summary(rows: list[dict]) -> list[dict]:
    """Per unit: items, still open, red, yellow, 已销号, 回头看通过 (for the public table)."""
    units: dict[str, Counter] = {}
    for row in rows:
        counts = units.setdefault(row["unit"], Counter())
        counts["items"] += 1
        counts["red"] += row["light"] == "红灯"
        counts["yellow"] += row["light"] == "黄灯"
        counts["verified"] += row["state"] == "已销号"
        counts["rechecked"] += row["state"] == "回头看通过"
        counts["open"] += row["state"] in ("已查摆", "已交办", "整改中", "待验收")
    keys = ("items", "open", "red", "yellow", "verified", "rechecked")
    return [{"unit": unit, **{k: counts[k] for k in keys}} for unit, counts in sorted(units.items())]


def publish_ledger(start_uow, login: str, *, campaign: str | None = None, day: dt.date,
                   pdf: bool = True) -> dict:
    """Write the 台账 of ``day`` as XLSX and, when the document services are there, PDF.

    Paths depend only on campaign and date and files are replaced atomically, so
    publishing the same day again simply refreshes the same files.
    """
    from duban.services.ledger import ledger_rows, write_table

    render_ledger = optional_service("duban.services.documents", "render_ledger") if pdf else None
    with start_uow() as uow:
        uow.read_only()
        camp = uow.campaigns.only_or(campaign)
        permissions.require(actor(uow, login), "read")
        code, title = camp.code, f"{camp.name}整改落实台账"
        rows = ledger_rows(uow, camp, day)
        out = ledger_dir(uow.engine.url.render_as_string(hide_password=False), code, day)
        out.mkdir(parents=True, exist_ok=True)
        if render_ledger is not None:
            files = render_ledger(uow, login, out, campaign=code, today=day)
            xlsx, pdf_path, pdf_note = files["xlsx"], files["pdf"], ""
        else:
            xlsx = str(out / f"ledger-{code}-{day.isoformat()}.xlsx")
            write_table(Path(xlsx), "xlsx", title, rows)
            pdf_path, pdf_note = None, "未生成 PDF" if not pdf else "文书服务未提供台账 PDF"
    return {"campaign": code, "date": day.isoformat(), "title": title, "rows": len(rows), "xlsx": xlsx,
            "pdf": pdf_path, "pdf_note": pdf_note, "units": unit_summary(rows)}


# --- documents the automation issues: 催办单 for 催办, 督办单 for 督办 -------------------

SUPERVISION_SHEET = "supervision_sheet"
SHEET_KINDS = {"催办": "reminder_sheet", "督办": SUPERVISION_SHEET}  # the sweep's levels that get a sheet


def pending_supervision_sheets(uow: UnitOfWork, campaign: Campaign, items: list[str] | None = None, *,
                               shard: int = 0, shards: int = 1) -> list[tuple[int, str, dt.date, str]]:
    """(escalation id, item no, date, sheet kind) of every 催办/督办 without its sheet yet, oldest first.

    ``shard`` of ``shards``: only the escalations whose id leaves that remainder, so that
    several issuers share the owed sheets without meeting on the same ones."""
    from storage.models import Document, Escalation, ProblemItem

    query = (select(Escalation.id, ProblemItem.no, Escalation.on_date, Escalation.level)
             .join(ProblemItem, ProblemItem.id == Escalation.item_id)
             .where(Escalation.campaign_id == campaign.id, Escalation.level.in_(list(SHEET_KINDS)),
                    ~select(Document.id).where(Document.escalation_id == Escalation.id).exists())
             .order_by(Escalation.on_date, Escalation.id))  # a day's sheets together: a batch's chunks have one date
    if items is not None:
        query = query.where(ProblemItem.no.in_(items))
    if shards > 1:
        query = query.where(Escalation.id % shards == shard)
    return [(id_, no, day, SHEET_KINDS[level]) for id_, no, day, level in uow.session.execute(query)]


def issue_supervision_sheets(start_uow, login: str, *, campaign: str | None = None, items: list[str] | None = None,
                             exclude: list[str] = (), limit: int | None = None, workers: int = 1,
                             shard: int = 0, shards: int = 1) -> dict:
    """Issue the 催办单 and 督办单 of 催办/督办 escalations that lack one, dated the day of the escalation.

    ``items`` limits this to those items, ``exclude`` leaves those out (their sheets are
    someone else's job, e.g. the escalate flow's for items just turned red). ``shard`` of
    ``shards``: this issuer's share of them (see ``pending_supervision_sheets``).

    One escalation: one transaction in this process. More (and ``workers`` > 1): the
    document service's batch, rendered in a pool of processes. A sheet is issued at
    most once, whoever races (escalate flow, render-documents, a retry): documents are
    unique per escalation, and the loser's AlreadyIssued counts as ``raced``. A sheet
    that is refused is reported in ``failed`` and stays owed; the rest are still issued.
    """
    from duban.errors import AlreadyIssued, ConcurrentModification, DubanError

    if optional_service("duban.services.documents", "issue_batch") is None:
        return unavailable("文书制发服务（duban.services.documents）")
    from duban.services.documents import issue_batch, issue_document

    with start_uow() as uow:
        camp = uow.campaigns.only_or(campaign)
        permissions.require(actor(uow, login), "doc.render")  # refused at once, not once per sheet
        code = camp.code
        skip = set(exclude)
        if not 0 <= shard < shards:
            raise BadInput(f"分片编号应在 0 至 {shards - 1} 之间（{shard}）")
        pending = [p for p in pending_supervision_sheets(uow, camp, items, shard=shard, shards=shards)
                   if p[1] not in skip][:limit]
    issued, raced, failed, rendered_again = [], 0, [], 0
    if workers > 1 and len(pending) > 1:
        # One batch (one render pool), each sheet dated its escalation's day, in date order.
        jobs = [{"kind": kind, "escalation_id": id_, "today": day}
                for id_, _, day, kind in sorted(pending, key=lambda p: (p[2], p[0]))]
        batch = issue_batch(start_uow, login, jobs, workers=workers)
        kinds = {id_: kind for id_, _, _, kind in pending}
        issued += [{"item": d["item"], "escalation_id": d["escalation_id"], "doc_number": d["doc_number"],
                    "kind": kinds.get(d["escalation_id"])} for d in batch["issued"]]
        failed += [{"job": {k: v for k, v in f["job"].items() if k != "today"}, "error": f["error"]}
                   for f in batch["failed"]]
        rendered_again = batch["rendered_under_lock"]
    else:
        for escalation_id, no, on_date, kind in pending:
            try:
                with start_uow() as uow:
                    doc = issue_document(uow, login, kind, escalation_id=escalation_id, today=on_date)
            except (AlreadyIssued, ConcurrentModification):
                raced += 1  # issued by someone else meanwhile
                continue
            except DubanError as error:  # reported like the batch's failures; the others are still issued
                failed.append({"job": {"kind": kind, "escalation_id": escalation_id}, "error": error.message})
                continue
            issued.append({"item": no, "escalation_id": escalation_id, "doc_number": doc["doc_number"], "kind": kind})
    return {"status": "done", "campaign": code, "pending": len(pending), "issued": issued, "raced": raced,
            "failed": failed, "rendered_under_lock": rendered_again}
