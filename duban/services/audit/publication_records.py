"""Publications are what their ``publication_released`` events say (items, rounds, files' SHA-256)."""

from __future__ import annotations

import json

from sqlalchemy import select

from duban.services.audit.problems import AuditProblem
from storage.models import Event, Publication


def check_publications(uow) -> list[AuditProblem]:
    from duban.services.audit.records import _table
    from duban.services.publication.release import TRIGGER, publication_payload

    recorded = {}
    for ev in uow.session.scalars(select(Event).where(Event.trigger == TRIGGER).order_by(Event.id)):
        payload = json.loads(ev.payload or "{}")
        recorded[payload["publication"]] = {k: v for k, v in payload.items() if k != "publication"}
    actual = {row.id: {k: v for k, v in publication_payload(row).items() if k != "publication"}
              for row in uow.session.scalars(select(Publication))}
    problems: list[AuditProblem] = []
    _table(problems, "publications", recorded, actual, lambda id_: "整改公开")
    return problems
