"""Reconciliation of the records that are not items or cases: who may do what (people's roles
and units, unit heads), the campaign plans, draws and the visits they led to, satisfaction
rounds, commendations, the register of 台账 and 公示, and console passwords.

Each ``CHECKS`` entry replays the events of one kind of record and compares them with its
table; add one for a new kind of record that its events describe.
"""

from __future__ import annotations

import hashlib
import json
from typing import Callable

from sqlalchemy import select

from duban.services.audit.problems import AuditProblem
from duban.services.audit.replay import UNKNOWN, differences
from storage.eventlog import canonical_json
from storage.models import (Account, Campaign, Commendation, Document, Draw, DrawSecret, Event, OrgUnit, Person,
                            SatisfactionRound)
from storage.uow import ORG_CHAIN, SECURITY_CHAIN, UnitOfWork


def _events(uow: UnitOfWork, *triggers: str, chain: str | None = None):
    query = select(Event).where(Event.trigger.in_(triggers)).order_by(Event.id)
    if chain is not None:
        query = query.where(Event.chain == chain)
    for ev in uow.session.scalars(query):
        yield ev, json.loads(ev.payload or "{}")


def _table(problems: list, table: str, replayed: dict, actual: dict, label: Callable[[object], str],
           ids: dict | None = None) -> None:
    """Rows keyed alike (login, code, id…) compared; ``ids`` maps a key to its row id for the message."""
    ids = ids or {}
    for key in sorted(set(replayed) | set(actual), key=str):
        row_id = ids.get(key, key)
        if key not in actual:
            problems.append(AuditProblem.row(table, row_id, label(key), "已被删除（事件日志记有这条记录）"))
        elif key not in replayed:
            problems.append(AuditProblem.row(table, row_id, label(key), "没有对应的事件（记录被直接写入数据库）"))
        else:
            said = differences(replayed[key], actual[key], replayed[key].keys())
            if said:
                problems.append(AuditProblem.row(table, row_id, label(key), "；".join(said)))


def check_org(uow: UnitOfWork) -> list[AuditProblem]:
    """People's roles and units, and each unit's parent and head: these decide who may do what."""
    persons: dict[str, dict] = {}
    units: dict[str, dict] | None = None
    for ev, payload in _events(uow, "person_created", "org_imported", chain=ORG_CHAIN):
        if ev.trigger == "person_created":
            persons[payload["login"]] = {"roles": sorted(payload.get("roles", [])), "unit": None}
            continue
        for change in payload.get("persons", []):
            persons[change["login"]] = {"roles": sorted(change["new_roles"]), "unit": change["new_unit"]}
        if "units" in payload:
            units = {unit["code"]: {"parent": unit["parent"], "head": unit["head"],
                                    "leader_in_charge": unit.get("leader_in_charge", UNKNOWN)}
                     for unit in payload["units"]}
    codes = dict(uow.session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    people = uow.session.scalars(select(Person)).all()
    logins = {person.id: person.login for person in people}
    problems: list[AuditProblem] = []
    _table(problems, "persons", persons,
           {p.login: {"roles": sorted(p.role_set), "unit": codes.get(p.unit_id)} for p in people},
           lambda login: login, {p.login: p.id for p in people})
    if units is not None:
        rows = uow.session.scalars(select(OrgUnit)).all()
        _table(problems, "org_units", units,
               {u.code: {"parent": codes.get(u.parent_id), "head": logins.get(u.head_id),
                         "leader_in_charge": logins.get(u.leader_in_charge_id)} for u in rows},
               lambda code: code, {u.code: u.id for u in rows})
    return problems


def check_campaigns(uow: UnitOfWork) -> list[AuditProblem]:
    """A campaign's stored plan is the plan its load event names (rules, phases, ladder…)."""
    loaded = {ev.campaign_id: payload.get("plan_sha256")
              for ev, payload in _events(uow, "campaign_created", "campaign_updated")}
    problems = []
    for campaign in uow.session.scalars(select(Campaign).order_by(Campaign.id)):
        stored = hashlib.sha256(canonical_json(campaign.plan).encode()).hexdigest()
        if campaign.id not in loaded:
            problems.append(AuditProblem.row("campaigns", campaign.id, campaign.code, "没有导入事件（记录被直接写入数据库）"))
        elif loaded[campaign.id] not in (campaign.plan_sha256, UNKNOWN) or stored != loaded[campaign.id]:
            problems.append(AuditProblem.row("campaigns", campaign.id, campaign.code,
                                             "方案内容与导入事件所记的哈希不符（方案在数据库中被改动）"))
    return problems


def check_draws(uow: UnitOfWork) -> list[AuditProblem]:
    from duban.services.draws import DRAW_TRIGGER, audit_draw

    recorded = {payload.get("draw_id") for _, payload in _events(uow, DRAW_TRIGGER)}
    problems = []
    rows = uow.session.scalars(select(Draw).order_by(Draw.id)).all()
    for row in rows:
        found = audit_draw(uow, row.id)
        if not found["ok"]:
            problems.append(AuditProblem.row("draws", row.id, f"{row.kind} {row.on_date.isoformat()}",
                                             "；".join(found["problems"])))
    for draw_id in sorted(recorded - {row.id for row in rows} - {None}):
        problems.append(AuditProblem.row("draws", draw_id, "抽查", "已被删除（事件日志记有这次抽取）"))
    return problems + check_draw_secrets(uow)


def check_draw_secrets(uow: UnitOfWork) -> list[AuditProblem]:
    """Each secret is what was committed (its hash), used by the draw that named it, revealed as logged."""
    from duban.services.draws import COMMITTED_TRIGGER, DRAW_TRIGGER, REVEALED_TRIGGER, secret_hash

    secrets: dict[int, dict] = {}
    for ev, payload in _events(uow, COMMITTED_TRIGGER, DRAW_TRIGGER, REVEALED_TRIGGER):
        if ev.trigger == COMMITTED_TRIGGER:
            for c in payload.get("commitments", []):
                secrets[c["secret_id"]] = {"sha256": c["sha256"], "draw_id": None, "revealed_on": None}
        elif ev.trigger == DRAW_TRIGGER:
            if "secret_id" in payload:
                entry = secrets.setdefault(payload["secret_id"], {"sha256": payload.get("secret_sha256"),
                                                                  "revealed_on": None})
                entry["draw_id"] = payload.get("draw_id")
        else:
            for r in payload.get("secrets", []):
                entry = secrets.setdefault(r["secret_id"], {})
                entry.update(revealed_on=ev.business_date.isoformat(), secret_revealed=secret_hash(r["secret"]))
    actual = {}
    for row in uow.session.scalars(select(DrawSecret)):
        actual[row.id] = {"sha256": row.secret_sha256, "draw_id": row.draw_id,
                          "revealed_on": row.revealed_on.isoformat() if row.revealed_on else None,
                          "secret_revealed": secret_hash(row.secret)}
        if secret_hash(row.secret) != row.secret_sha256:
            actual[row.id]["sha256"] = secret_hash(row.secret)  # a secret changed after its commitment
    problems: list[AuditProblem] = []
    _table(problems, "draw_secrets", secrets, actual, lambda id_: "抽取密钥")
    return problems


def check_visits(uow: UnitOfWork) -> list[AuditProblem]:
    """Visit records are what their ``visit_recorded`` events say (checklist, outcome, items found)."""
    from duban.services.visits import TRIGGER, visit_payload
    from storage.models import Visit

    recorded = {payload["visit"]: {k: v for k, v in payload.items() if k != "visit"}
                for _, payload in _events(uow, TRIGGER)}
    units = {u.id: u for u in uow.session.scalars(select(OrgUnit))}
    people = {p.id: p for p in uow.session.scalars(select(Person))}
    actual = {}
    for row in uow.session.scalars(select(Visit)):
        stated = visit_payload(row, units[row.unit_id], people[row.inspector_id])
        actual[row.id] = {k: v for k, v in stated.items() if k != "visit"}
    problems: list[AuditProblem] = []
    _table(problems, "visits", recorded, actual, lambda id_: "暗访检查记录")
    return problems


def check_satisfaction(uow: UnitOfWork) -> list[AuditProblem]:
    rounds: dict[int, dict] = {}
    for ev, payload in _events(uow, "satisfaction_recorded", "satisfaction_published"):
        if ev.trigger == "satisfaction_recorded":
            rounds[payload["round_id"]] = {"unit": payload["unit"], "method": payload["method"],
                                           "responses": payload["responses"], "satisfied": payload["satisfied"],
                                           "published": False}
        else:
            for round_id in payload.get("round_ids", []):
                rounds.setdefault(round_id, {})["published"] = True
    codes = dict(uow.session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    actual = {row.id: {"unit": codes.get(row.unit_id), "method": row.method, "responses": row.responses,
                       "satisfied": row.satisfied, "published": row.published}
              for row in uow.session.scalars(select(SatisfactionRound))}
    problems: list[AuditProblem] = []
    _table(problems, "satisfaction_rounds", rounds, actual, lambda id_: "满意度测评")
    return problems


def check_commendations(uow: UnitOfWork) -> list[AuditProblem]:
    recorded = {payload["commendation"]: {"subject": payload.get("subject")}
                for _, payload in _events(uow, "commend") if "commendation" in payload}
    logins = dict(uow.session.execute(select(Person.id, Person.login)).all())
    codes = dict(uow.session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    actual = {row.id: {"subject": logins.get(row.person_id) or codes.get(row.unit_id)}
              for row in uow.session.scalars(select(Commendation))}
    problems: list[AuditProblem] = []
    _table(problems, "commendations", recorded, actual, lambda id_: "表彰")
    return problems


def check_study(uow: UnitOfWork) -> list[AuditProblem]:
    """Study sessions and their attendance are what their ``study_recorded`` events say."""
    from duban.services.study import session_payload
    from storage.models import StudySession

    recorded = {payload["session"]: {k: v for k, v in payload.items() if k != "session"}
                for _, payload in _events(uow, "study_recorded")}
    units = {u.id: u for u in uow.session.scalars(select(OrgUnit))}
    people = {p.id: p for p in uow.session.scalars(select(Person))}
    actual = {}
    for row in uow.session.scalars(select(StudySession)):
        stated = session_payload(row, units[row.unit_id], people)
        actual[row.id] = {k: v for k, v in stated.items() if k != "session"}
    problems: list[AuditProblem] = []
    _table(problems, "study_sessions", recorded, actual, lambda id_: "集中学习")
    return problems


def check_report_documents(uow: UnitOfWork) -> list[AuditProblem]:
    """The register of 台账 and 公示 files (documents of no item or case) against ``report_issued``."""
    recorded = {payload["document"]: {key: payload[key] for key in ("kind", "revision", "sha256", "path")}
                for _, payload in _events(uow, "report_issued")}
    actual = {row.id: {"kind": row.kind, "revision": row.revision, "sha256": row.sha256, "path": row.path}
              for row in uow.session.scalars(select(Document).where(
                  Document.item_id.is_(None), Document.case_id.is_(None), Document.escalation_id.is_(None)))}
    problems: list[AuditProblem] = []
    _table(problems, "documents", recorded, actual, lambda id_: "台账、公示登记")
    return problems


def check_reports(uow: UnitOfWork) -> list[AuditProblem]:
    from duban.services.audit.report_records import check_reports as check

    return check(uow)


def check_problem_lists(uow: UnitOfWork) -> list[AuditProblem]:
    from duban.services.audit.list_records import check_problem_lists as check

    return check(uow)


def check_opinions(uow: UnitOfWork) -> list[AuditProblem]:
    from duban.services.audit.opinion_records import check_opinions as check

    return check(uow)


def check_accounts(uow: UnitOfWork) -> list[AuditProblem]:
    """Console passwords: each account's hash is the one its last password event names, so a hash
    written straight into the database (to log in as someone) shows."""
    recorded = {payload["login"]: {"hash_sha256": payload["hash_sha256"], "must_change": payload["must_change"]}
                for _, payload in _events(uow, "password_set", "password_changed", chain=SECURITY_CHAIN)}
    rows = uow.session.execute(select(Account, Person.login).join(Person, Person.id == Account.person_id)).all()
    actual = {login: {"hash_sha256": hashlib.sha256(account.password_hash.encode()).hexdigest(),
                      "must_change": account.must_change} for account, login in rows}
    problems: list[AuditProblem] = []
    _table(problems, "accounts", recorded, actual, lambda login: login, {login: a.id for a, login in rows})
    return problems


def check_publications(uow: UnitOfWork) -> list[AuditProblem]:
    from duban.services.audit.publication_records import check_publications as check

    return check(uow)


CHECKS = (check_org, check_campaigns, check_draws, check_visits, check_satisfaction, check_commendations, check_study,
          check_reports, check_problem_lists, check_opinions, check_report_documents, check_accounts,
          check_publications)
