"""The sessions of a week as the planner sees them: id, kind, minutes, contacts, drills."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from scheduler.core.domain import KEY_KINDS, LEVELS, RUN_KINDS, Drill, Kind, Request
from scheduler.core.dosing import plyo_minutes
from scheduler.core.drills import plyo_drills
from scheduler.core.labels import runner_slug
from scheduler.core.strength import strength_exercises

__all__ = ["SessionSpec", "session_specs", "session_id", "id_in_week"]

LONGEST_ID = 120  # what SessionRequest.id allows


@dataclass(frozen=True)
class SessionSpec:
    id: str
    kind: Kind
    minutes: int
    contacts: int = 0
    drills: tuple[Drill, ...] = field(default=())
    at: int | None = None  # a fixed start on the week line (a race), else the planner's

    @property
    def key(self) -> bool:
        return self.kind in KEY_KINDS

    @property
    def is_run(self) -> bool:
        return self.kind in RUN_KINDS


def session_id(request: Request, kind: Kind, number: int) -> str:
    """A stable id (and calendar UID) such as 'ana-2026-11-30-tempo-1'."""
    runner = runner_slug(request.runner.name)
    return f"{runner}-{request.week_start.isoformat()}-{kind.value}-{number}"


def id_in_week(stem: str, week_start: date) -> str:
    """An id the runner gave, made unique to a later week of theirs: it carries that
    week's Monday (cut to fit), so calendar UIDs never repeat across weeks."""
    suffix = f"-{week_start.isoformat()}"
    return stem[: LONGEST_ID - len(suffix)] + suffix


def session_specs(request: Request) -> list[SessionSpec]:
    """One spec per requested session; plyo contacts default to the low end of the level
    (rounded down to whole sets) and a plyo session lasts at least what its sets, rests,
    warm-up and cool-down need; a strength session gets the week's exercises from the
    strength library."""
    counts: Counter[Kind] = Counter()
    specs = []
    for wanted in request.sessions:
        counts[wanted.kind] += 1
        sid = wanted.id or session_id(request, wanted.kind, counts[wanted.kind])
        contacts, minutes = 0, wanted.minutes
        drills: tuple[Drill, ...] = ()
        if wanted.kind is Kind.plyo:
            level = request.runner.level
            contacts = LEVELS[level].contacts_low if wanted.contacts is None else wanted.contacts
            drills = tuple(plyo_drills(level, contacts, wanted.intensity, request.week_start,
                                          wanted.avoid))
            contacts = sum(d.sets * d.reps for d in drills)  # whole sets: never more
            minutes = max(minutes, plyo_minutes(list(drills)))  # the work sets a floor
        elif wanted.kind is Kind.strength:
            drills = tuple(strength_exercises(request.week_start, wanted.avoid))
        specs.append(SessionSpec(sid, wanted.kind, minutes, contacts, drills))
    taken = [s.id for s in specs]
    if len(taken) != len(set(taken)):
        raise ValueError("generated session ids collide with given ids; give every session an id")
    return specs
