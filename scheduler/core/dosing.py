"""How much plyometric work a session and a week hold: the minutes a session's work
needs, and the weekly share a high-intensity week may use.

A plyo session is not its contacts alone: a warm-up, each set with the rest after it
(longer for harder drills, so every set is done fresh), the strides after the jumps and
a cool-down. `plyo_minutes` adds them up, so a session's length grows with its work
instead of squeezing 110 contacts and strides into 20 minutes; a runner's requested
minutes are a floor.
"""

from __future__ import annotations

import math

from scheduler.core.availability import STEP
from scheduler.core.domain import Drill
from scheduler.core.drills import Intensity, drill_library

__all__ = ["WARM_UP_MINUTES", "COOL_DOWN_MINUTES", "REST_SECONDS", "WORK_SECONDS",
           "STRIDE_RECOVERY_SECONDS", "HIGH_WEEK_SHARE", "plyo_minutes", "high_week_cap"]

WARM_UP_MINUTES = 5  # the calendar text's warm-up: leg swings, lunges, practice hops
COOL_DOWN_MINUTES = 3  # walking and calf and hip mobility
# Rest after each set: short for foundation hops, full recovery for drop landings and
# loaded hops so their quality holds.
REST_SECONDS: dict[Intensity, int] = {"low": 30, "moderate": 50, "high": 90}
# Time a contact takes, with the resets between reps (stepping back onto the box,
# walking back after a bound).
WORK_SECONDS: dict[Intensity, float] = {"low": 0.7, "moderate": 1.5, "high": 3.0}
STRIDE_RECOVERY_SECONDS = 60  # the walk back after each stride
# A week whose hardest drills are high-intensity holds at most this share of the weekly
# contacts cap (DESIGN.md): intensity and volume do not rise together.
HIGH_WEEK_SHARE = 0.8


def plyo_minutes(drills: list[Drill], *, strides: int = 0, stride_seconds: int = 20) -> int:
    """Minutes a plyo session needs for its warm-up, sets and rests, strides and cool-down,
    rounded up to the planner's 5-minute grid."""
    library = drill_library()
    seconds = 60.0 * (WARM_UP_MINUTES + COOL_DOWN_MINUTES)
    for drill in drills:
        known = library.get(drill.name)
        intensity: Intensity = known.intensity if known else "high"  # unknown: rest fully
        seconds += drill.sets * (drill.reps * WORK_SECONDS[intensity] + REST_SECONDS[intensity])
    seconds += strides * (stride_seconds + STRIDE_RECOVERY_SECONDS)
    return STEP * math.ceil(seconds / 60 / STEP - 1e-9)


def high_week_cap(cap: int, step: int = 1) -> int:
    """The most contacts a high-intensity week holds under weekly cap `cap`, a multiple of
    `step` (rounded down, so the cap still holds)."""
    return math.floor(cap * HIGH_WEEK_SHARE + 1e-9) // step * step
