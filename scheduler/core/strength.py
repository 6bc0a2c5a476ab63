"""Strength work: the library in `strength.toml` and the exercises of a strength session.

A strength session is low-impact work with no flight phase: what a runner does instead of
jumping when the legs need a break from impact, or asks for directly. Each session takes
a few exercises from every group (lower leg, hip and thigh, trunk) so it covers the
whole leg, and rotates through each group week by week like the plyo drills do.
Exercises that load an area the runner logged pain in are left out.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Literal, get_args

from scheduler.core.domain import AREAS, Area, Drill

__all__ = ["Group", "GROUPS", "SESSION_PATTERN", "StrengthExercise", "strength_library",
           "strength_exercises", "strength_description"]

Group = Literal["lower leg", "hip and thigh", "trunk"]
GROUPS: tuple[Group, ...] = get_args(Group)

# How many exercises of each group one session holds: about 25-35 minutes of work with
# the rest between sets, feet and calves first while the runner is freshest.
SESSION_PATTERN: tuple[tuple[Group, int], ...] = (
    ("lower leg", 2), ("hip and thigh", 2), ("trunk", 1),
)

INTRO = (
    "Warm-up: 5 minutes of brisk walking or easy cycling, then leg swings and a few "
    "bodyweight squats. Rest 60-90 s between sets."
)
OUTRO = "Finish with a few minutes of calf and hip mobility."


@dataclass(frozen=True)
class StrengthExercise:
    """One exercise of the library, as `strength.toml` describes it."""

    name: str
    group: Group
    sets: int
    cues: str
    reps: int | None = None
    seconds: int | None = None
    per_side: bool = False
    equipment: str = ""
    loads: tuple[Area, ...] = ()

    def spares(self, avoid: Collection[Area]) -> bool:
        """Whether the exercise leaves every area in `avoid` alone."""
        return not set(self.loads) & set(avoid)

    def prescription(self) -> Drill:
        """The exercise as a schedule lists it: reps, or one hold of `seconds` a set."""
        return Drill(name=self.name, sets=self.sets, reps=self.reps or 1, seconds=self.seconds)


@lru_cache(maxsize=1)
def strength_library() -> dict[str, StrengthExercise]:
    """The packaged library by exercise name, in file order (validated once)."""
    text = resources.files("scheduler.core").joinpath("strength.toml").read_text(
        encoding="utf-8")
    library: dict[str, StrengthExercise] = {}
    for raw in tomllib.loads(text)["exercise"]:
        exercise = StrengthExercise(**{**raw, "loads": tuple(raw.get("loads", ()))})
        where = f"strength.toml: '{exercise.name}'"
        unknown = sorted(set(exercise.loads) - set(AREAS))
        if unknown:
            raise ValueError(f"{where} loads unknown area(s) {', '.join(unknown)}; "
                             f"use {', '.join(AREAS)}")
        if exercise.group not in GROUPS:
            raise ValueError(f"{where} has unknown group '{exercise.group}'; "
                             f"use {', '.join(GROUPS)}")
        if (exercise.reps is None) == (exercise.seconds is None):
            raise ValueError(f"{where} needs either reps or seconds (a hold), not both")
        if exercise.sets < 1 or (exercise.reps or exercise.seconds or 0) < 1:
            raise ValueError(f"{where} needs at least one set of at least one rep or second")
        if exercise.name in library:
            raise ValueError(f"{where} is listed twice")
        library[exercise.name] = exercise
    for group, count in SESSION_PATTERN:
        if sum(e.group == group for e in library.values()) <= count:
            raise ValueError(f"strength.toml: a session needs more than {count} {group} "
                             f"exercises to vary week to week")
    return library


def strength_exercises(week_start: date | None,
                       avoid: Collection[Area] = ()) -> list[Drill]:
    """The exercises of a strength session in the week of `week_start`.

    Each group takes consecutive exercises starting at the week's rotation, so
    consecutive weeks lead with different exercises. Exercises that load an area in
    `avoid` are left out; a group with too few that spare it takes fewer. Raises
    ValueError when no exercise of the library spares the areas.
    """
    rotation = week_start.toordinal() // 7 if week_start else 0
    chosen: list[Drill] = []
    for group, count in SESSION_PATTERN:
        pool = [e for e in strength_library().values() if e.group == group and e.spares(avoid)]
        chosen.extend(pool[(rotation + i) % len(pool)].prescription()
                      for i in range(min(count, len(pool))))
    if not chosen:
        raise ValueError(f"no strength exercise in the library spares {', '.join(sorted(avoid))}")
    return chosen


def strength_description(exercises: list[Drill]) -> str:
    """A strength session's calendar text: warm-up, each exercise with its dose and cues,
    what to bring."""
    library = strength_library()
    lines = [INTRO, ""]
    known = []
    for exercise in exercises:
        entry = library.get(exercise.name)
        side = " each side" if entry and entry.per_side else ""
        lines.append(f"- {exercise.name}: {_dose_words(exercise)}{side}")
        if entry:
            lines.append(f"  {entry.cues}")
            known.append(entry)
    equipment = list(dict.fromkeys(e.equipment for e in known if e.equipment))
    lines.append("")
    if equipment:
        lines.append("Bring: " + "; ".join(equipment) + ".")
    lines.append(OUTRO)
    return "\n".join(lines)


def _dose_words(exercise: Drill) -> str:
    """'3 x 15 reps', '4 x 30 s hold'."""
    if exercise.seconds is None:
        return f"{exercise.sets} x {exercise.reps} reps"
    holds = f"{exercise.reps} x " if exercise.reps > 1 else ""
    return f"{exercise.sets} x {holds}{exercise.seconds} s hold"
