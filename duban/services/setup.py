"""Database set-up and campaign plans."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy import func, select

from duban import clock, permissions
from duban.errors import BadInput
from duban.labels import label
from duban.services.common import actor
from storage import eventlog, migrate
from storage.models import Campaign, Category, Person, Phase, ProblemItem
from storage.uow import ORG_CHAIN, SECURITY_CHAIN, UnitOfWork, campaign_chain

SYSTEM_LOGIN = "system"


def init_db(db_url: str, *, create_dirs: bool = False) -> dict:
    """Create or upgrade the schema, then make sure the built-in records exist.

    A SQLite file's folder is created only with ``create_dirs``."""
    before, after = migrate.upgrade(db_url, create_dirs=create_dirs)
    with UnitOfWork(db_url) as uow:
        for chain in (ORG_CHAIN, SECURITY_CHAIN):
            uow.lock(chain)
        if uow.org.find_person(SYSTEM_LOGIN) is None:
            uow.session.add(Person(login=SYSTEM_LOGIN, name="系统", roles="system"))
            uow.flush()
            uow.record(chain=ORG_CHAIN, actor=SYSTEM_LOGIN, today=clock.today(), trigger="person_created",
                       payload={"login": SYSTEM_LOGIN, "roles": ["system"]})
        uow.commit()
    from duban.services.audit import anchor_if_keyed

    anchor = anchor_if_keyed(lambda: UnitOfWork(db_url))
    return {"revision_before": before, "revision": after, "created": before is None, "anchor": anchor}


def load_campaign(uow: UnitOfWork, login: str, path: Path, *, today: dt.date | None = None) -> dict:
    """Validate a plan file and store it; loading the same file again changes nothing."""
    from duban.plan import load_plan  # pydantic models load only for this command

    plan = load_plan(path)
    data = plan.model_dump(mode="json")
    sha = hashlib.sha256(eventlog.canonical_json(data).encode()).hexdigest()
    who = actor(uow, login)
    permissions.require(who, "campaign.load")
    today = today or clock.today(plan.timezone)
    _check_unit_categories(uow, plan, path)
    campaign = uow.campaigns.find(plan.code)
    if campaign is not None and campaign.plan_sha256 == sha:
        return {"code": plan.code, "status": "unchanged"}
    status = "created" if campaign is None else "updated"
    uow.lock(f"campaign:{plan.code}")
    if campaign is None:
        campaign = Campaign(code=plan.code)
        uow.session.add(campaign)
    campaign.name, campaign.issuer, campaign.doc_prefix = plan.name, plan.issuer, plan.doc_prefix
    campaign.start_date, campaign.end_date, campaign.timezone = plan.start, plan.end, plan.timezone
    campaign.plan, campaign.plan_sha256 = data, sha
    _sync(campaign.phases, plan.phases, Phase, lambda row, p: (
        setattr(row, "name", p.name), setattr(row, "start_date", p.start),
        setattr(row, "end_date", p.end), setattr(row, "duties", [d.model_dump(mode="json") for d in p.duties])))
    _sync(campaign.categories, plan.categories, Category, lambda row, c: (
        setattr(row, "name", c.name), setattr(row, "title", c.title),
        setattr(row, "manifestations", list(c.manifestations))),
        still_used=lambda row: row.id is not None and bool(uow.session.scalar(
            select(func.count()).where(ProblemItem.category_id == row.id))))
    uow.flush()
    uow.record(chain=campaign_chain(campaign), actor=who.login, today=today,
               trigger=f"campaign_{status}", campaign_id=campaign.id,
               payload={"plan_sha256": sha, "file": str(path)})
    uow.commit()
    return {"code": plan.code, "status": status, "plan_sha256": sha}


def _check_unit_categories(uow: UnitOfWork, plan, path: Path) -> None:
    """Units already imported must fall in one of the plan's unit categories (when it lists any)."""
    known = {category.name for category in plan.unit_categories}
    if not known:
        return
    strays = [unit for unit in uow.org.units() if unit.kind not in known]
    if strays:
        shown = "、".join(f"{unit.name}（{unit.code}，{unit.kind or '未填类别'}）" for unit in strays[:5])
        more = f"等 {len(strays)} 个单位" if len(strays) > 5 else ""
        raise BadInput(f"{path} unit_categories：组织机构中{shown}{more}的单位类别不在方案中"
                       f"（方案列出：{'、'.join(sorted(known))}），请先修正组织机构或方案")


def _sync(rows: list, specs: list, model, update, still_used=lambda row: False) -> None:
    """Upsert child rows by code; a removed code that records still use cannot go."""
    by_code = {row.code: row for row in rows}
    wanted = {spec.code for spec in specs}
    for code, row in by_code.items():
        if code not in wanted:
            if still_used(row):
                raise BadInput(f"方案删除了 {code}，但已有记录使用它，不能删除")
            rows.remove(row)
    for spec in specs:
        row = by_code.get(spec.code)
        if row is None:
            row = model(code=spec.code)
            rows.append(row)
        update(row, spec)


def campaign_view(campaign: Campaign) -> dict:
    return {
        "code": campaign.code,
        "name": campaign.name,
        "issuer": campaign.issuer,
        "doc_prefix": campaign.doc_prefix,
        "start": campaign.start_date.isoformat(),
        "end": campaign.end_date.isoformat(),
        "timezone": campaign.timezone,
        "phases": [
            {"code": p.code, "name": p.name, "start": p.start_date.isoformat(), "end": p.end_date.isoformat(),
             "duties": [d["code"] for d in p.duties],
             "duty_names": [d.get("name") or label("duty", d["code"]) for d in p.duties]}
            for p in campaign.phases
        ],
        "categories": [
            {"code": c.code, "name": c.name, "title": c.title, "manifestations": c.manifestations}
            for c in campaign.categories
        ],
        "sources": [s["name"] for s in campaign.plan.get("sources", [])],
    }
