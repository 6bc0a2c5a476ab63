"""A block that holds a race bends its plyometric progression around it.

The weeks before an A race taper (the weeks the week planner's taper cuts to: at most 70 %
of the level's usual dose the week before, one light primer of low drills in the race's
week, no high-intensity drill within two weeks of it) and the week after it recovers
(half the usual dose, low drills only). B and C races ask nothing of the progression:
their days are kept clear by the rule race_taper. Each week's races are the block
request's races that week can see (in it or up to 4 weeks after it).
"""

from __future__ import annotations

import math
from datetime import timedelta

from scheduler.block.progression import WeekTarget, split_weekly
from scheduler.core.domain import RACE_HORIZON_DAYS, RaceRequest, Request
from scheduler.core.drills import INTENSITIES, Intensity
from scheduler.core.races import PRIMER_CONTACTS
from scheduler.core.taper import CONTACT_SHARES, NO_HIGH_DAYS, usual_contacts

__all__ = ["races_seen", "bend_for_races", "RECOVERY_SHARE"]

RECOVERY_SHARE = 0.5  # of the level's usual weekly dose, the week after an A race


def races_seen(request: Request, week_index: int) -> list[RaceRequest]:
    """The block's races that week `week_index` (0-based) is planned around."""
    monday = request.week_start + timedelta(days=7 * week_index)
    last = monday + timedelta(days=RACE_HORIZON_DAYS - 1)
    return [r for r in request.races if monday <= r.date <= last]


def _capped(intensity: Intensity, top: Intensity) -> Intensity:
    return INTENSITIES[min(INTENSITIES.index(intensity), INTENSITIES.index(top))]


def bend_for_races(targets: list[WeekTarget], request: Request) -> list[WeekTarget]:
    """The block's weekly targets with taper weeks before each A race and a recovery week
    after it; the other weeks as they were."""
    usual = usual_contacts(request.runner.level)
    a_races = [r for r in request.races if r.priority == "A"]
    out = []
    for i, target in enumerate(targets):
        monday = request.week_start + timedelta(days=7 * i)
        contacts, sessions, top = target.contacts, target.sessions, target.intensity
        notes = []
        for race in a_races:
            day = (race.date - monday).days
            weeks_before = math.floor(day / 7)
            when = f"{race.name} on {race.date:%a %d %b}"
            if weeks_before == 0:
                contacts = min(contacts, math.floor(CONTACT_SHARES["A", 0] * usual),
                               PRIMER_CONTACTS)
                sessions, top = min(sessions, 1), "low"
                notes.append(f"Race week ({when}): one light primer of {contacts} low "
                             f"contacts at most, on the third or second day before the race.")
            elif weeks_before == 1:
                contacts = min(contacts, math.floor(CONTACT_SHARES["A", 1] * usual))
                top = _capped(top, "moderate")
                notes.append(f"Taper before {when}: at most {contacts} contacts, no "
                             f"high-intensity drills.")
            elif 1 <= day <= 6 + NO_HIGH_DAYS:
                top = _capped(top, "moderate")
                notes.append(f"No high-intensity drills within two weeks of {when}.")
            elif weeks_before == -1:
                contacts = min(contacts, math.floor(RECOVERY_SHARE * usual))
                top = "low"
                notes.append(f"Recovery after {when}: at most {contacts} contacts, low "
                             f"drills only.")
        if not notes:
            out.append(target)
            continue
        doses = [d.model_copy(update={"intensity": _capped(d.intensity, top)})
                 for d in target.doses]
        if contacts < target.contacts or sessions < target.sessions:
            intensity = _capped(target.intensity, top)
            doses = split_weekly(contacts // 5 * 5 if contacts >= 10 else contacts,
                                 sessions, intensity)
        total = sum(d.contacts for d in doses)
        out.append(target.model_copy(update={
            "doses": doses, "sessions": len(doses), "contacts": total,
            "intensity": max((d.intensity for d in doses), key=INTENSITIES.index,
                             default=_capped(target.intensity, top)),
            "notes": [*target.notes, *notes]}))
    return out
