"""The weekly reminder to the office of what awaits its decision to publish (the tick's ``publish``
duty). It decides nothing: it counts, and sends one reminder per ISO week when there is something."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from duban.documents import planfacts
from duban.services.reminders import iso_week, send
from duban.wording import reminder_text
from storage.models import Campaign, Person, ProblemItem, SatisfactionRound
from storage.uow import UnitOfWork

CLOSED_STATES = ("verified", "rechecked")


def remind_office(uow: UnitOfWork, campaign: Campaign, who: Person, day: dt.date) -> dict:
    closed = dict(uow.session.execute(
        select(ProblemItem.publishable, func.count()).where(
            ProblemItem.campaign_id == campaign.id, ProblemItem.state.in_(CLOSED_STATES))
        .group_by(ProblemItem.publishable)).all())
    rounds = uow.session.scalar(select(func.count()).select_from(SatisfactionRound).where(
        SatisfactionRound.campaign_id == campaign.id, SatisfactionRound.published.is_(False))) or 0
    counts = {"closed": sum(closed.values()), "marked": closed.get(True, 0), "rounds": rounds}
    wanted = {}
    if counts["closed"] or rounds:
        office = planfacts.names(campaign)["office"]
        wanted[f"publication:{campaign.code}:{iso_week(day)}"] = {
            "text": reminder_text("publication", office=office, **counts)}
    new = send(uow, campaign, who, day, kind="publication", wanted=wanted)
    return {**counts, "sent": len(new)}
