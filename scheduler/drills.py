"""Default plyometric drill lists: a session's contacts split over drills of its level.

Beginners start with low-intensity foundation hops; intermediate runners add moderate
drills; advanced runners add harder horizontal and reactive work. Every list adds up to
exactly the session's contacts, so the dose in the calendar is the dose that was capped.
"""

from __future__ import annotations

from scheduler.domain import Drill

__all__ = ["DRILLS_BY_LEVEL", "default_drills"]

DRILLS_BY_LEVEL: dict[str, tuple[str, ...]] = {
    "beginner": ("pogo hops", "ankle hops", "skips", "line hops"),
    "intermediate": ("pogo hops", "skips", "split jumps", "hurdle hops"),
    "advanced": ("ankle hops", "bounding", "hurdle hops", "single-leg hops in place"),
}

SET_REPS = 10  # contacts per set: short sets keep landings crisp


def default_drills(level: str, contacts: int) -> list[Drill]:
    """Spread `contacts` over the level's drills in sets of 10 (the last set may be short)."""
    names = DRILLS_BY_LEVEL[level]
    sets_total, remainder = divmod(contacts, SET_REPS)
    per_drill = [sets_total // len(names) + (i < sets_total % len(names)) for i in range(len(names))]
    drills = [Drill(name=n, sets=k, reps=SET_REPS) for n, k in zip(names, per_drill, strict=True) if k]
    if remainder:
        drills.append(Drill(name=names[len(drills) % len(names)], sets=1, reps=remainder))
    return drills
