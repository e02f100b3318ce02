"""The demo's programme beyond problem items: 集中学习 in September, 长效机制 in November.

Scheduled by ``Simulation`` with a random generator of its own (derived from the bureau, so
the same seed gives the same programme and the main generator's sequence is untouched):

* every unit holds two study sessions in the study duty's phase, with the plan's forms and
  topics in turn; a few people miss one (the tick reminds them);
* every long-term mechanism of the plan is registered on the first working day of its phase,
  owned by one of the office's units; the owners adopt their document and submit it, the office
  verifies — all but the last, still in progress when the campaign ends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from duban.demo import scenario
from duban.services import items
from duban.services.mechanisms import adopt, deliverables, register
from duban.services.study import add_session, plan_choices
from storage.uow import UnitOfWork

OWNER_UNITS = ("BGS", "RJC", "JCS")  # the office's units own the mechanisms (always in the bureau)


def programme_rng(bureau) -> random.Random:
    logins = ",".join(sorted(p.login for p in bureau.persons))
    return random.Random(hashlib.sha256(f"programme:{logins}".encode()).hexdigest())


def _phase_of(campaign, duty: str):
    return next((p for p in campaign.phases if any(d.get("code") == duty for d in p.duties)), None)


def schedule(sim, uow: UnitOfWork) -> None:
    """Put the study sessions and the mechanisms on the simulation's agenda."""
    rng = programme_rng(sim.bureau)
    campaign = uow.campaigns.get(sim.campaign)
    study = _phase_of(campaign, "study")
    if study is not None:
        days = sim.calendar.workdays_in(study.start_date - dt.timedelta(days=1), study.end_date)
        forms, topics = plan_choices(campaign, "forms"), plan_choices(campaign, "topics")
        for index, unit in enumerate(sim.unit_codes if forms and topics else ()):
            for turn in range(2):
                day = days[min(len(days) - 1, 4 + turn * 9 + rng.randrange(3))]
                form, topic = forms[(index + turn) % len(forms)], topics[(index * 2 + turn) % len(topics)]
                members = sim.cast.members[unit][1:]
                absent = rng.sample(members, min(len(members), rng.choice((0, 0, 1, 1, 2))))
                sim.agenda.at(day, _study, sim, unit, form, topic,
                              [f"{login}:{rng.choice(scenario.ABSENCE_REASONS)}" for login in absent])
    wanted = deliverables(campaign)
    phase = _phase_of(campaign, "mechanisms")
    if phase is None or not wanted:
        return
    first = sim.calendar.add_workdays(phase.start_date - dt.timedelta(days=1), 1)
    for index, deliverable in enumerate(wanted):
        unit = OWNER_UNITS[index % len(OWNER_UNITS)]
        finish = index < len(wanted) - 1
        sim.agenda.at(first, _register, sim, deliverable["code"], unit, sim.wd(first, 3 + 2 * index) if finish else None)


def _study(uow: UnitOfWork, sim, unit: str, form: str, topic: str, absent: list[str]) -> None:
    add_session(uow, sim.cast.heads[unit], unit=unit, form=form, topic=topic, on=sim.today, absent=absent,
                campaign=sim.campaign, today=sim.today)


def _register(uow: UnitOfWork, sim, code: str, unit: str, adopt_on: dt.date | None) -> None:
    view = register(uow, sim.cast.registrar, deliverable=code, unit=unit, person=sim.cast.heads[unit],
                    campaign=sim.campaign, today=sim.today)
    owner = sim.cast.heads[unit]
    sim.later(1, _start, sim, view["no"], owner)
    if adopt_on is not None:
        sim.agenda.at(adopt_on, _adopt, sim, view["no"], owner)


def _start(uow: UnitOfWork, sim, no: str, owner: str) -> None:
    items.transition(uow, owner, no, "start", today=sim.today)


def _adopt(uow: UnitOfWork, sim, no: str, owner: str) -> None:
    item = uow.items.get(no)
    document = sim.evidence_dir / f"制度文件-{no}.txt"
    document.write_text(f"{item.title}\n经研究通过，自印发之日起施行。\n", encoding="utf-8")
    adopt(uow, owner, no, title=f"{item.title}（试行）", files=[document], today=sim.today)
    items.transition(uow, owner, no, "submit", today=sim.today, note="制度已印发施行，提交验收")
    sim.later(1, _verify, sim, no, owner)


def _verify(uow: UnitOfWork, sim, no: str, owner: str) -> None:
    items.transition(uow, sim._checker(uow.items.get(no)), no, "verify", today=sim.today,
                     note="制度已建立并施行，同意销号")
