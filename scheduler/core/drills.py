"""Plyometric drills: the library in `drills.toml` and the drill list of a session.

A session of a given intensity class draws its drills from the library in a fixed
pattern and rotates through each class week by week, so two consecutive weeks never
repeat the same list. The pattern is the session's order: a low-intensity primer first
(the specific warm-up), then the hardest drills while the legs are fresh, then lighter
ones. The session's ground contacts are dealt out as whole sets — every set of a drill
holds the same count, never a short tail set — so the dose in the calendar is the dose
that was capped; high-intensity contacts stay within the level's per-session dose and the
rest go to the lighter drills.
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

__all__ = [
    "Intensity", "INTENSITIES", "LEVEL_INTENSITY", "STARTING_INTENSITY", "TOP_INTENSITY",
    "block_intensities", "HIGH_CONTACTS",
    "LibraryDrill", "drill_library", "drills_of", "choose_drills", "split_contacts",
    "plyo_drills", "default_drills", "intensity_of", "lower_intensity", "plyo_description",
]

Intensity = Literal["low", "moderate", "high"]
INTENSITIES: tuple[Intensity, ...] = get_args(Intensity)

# Every runner starts light: a single week planned on its own gets the class a block's
# first week gets (the block's progression starts each level's classes here too).
STARTING_INTENSITY: Intensity = "low"
LEVEL_INTENSITY: dict[str, Intensity] = {
    "beginner": STARTING_INTENSITY, "intermediate": STARTING_INTENSITY,
    "advanced": STARTING_INTENSITY,
}

# The hardest class a level's block reaches: beginners stop at moderate.
TOP_INTENSITY: dict[str, Intensity] = {
    "beginner": "moderate", "intermediate": "high", "advanced": "high",
}


def block_intensities(level: str) -> list[Intensity]:
    """The classes a block moves through for `level`, from the single week's starting
    class up: `plan` and `block` start a runner alike."""
    first = INTENSITIES.index(LEVEL_INTENSITY[level])
    return list(INTENSITIES[first:INTENSITIES.index(TOP_INTENSITY[level]) + 1])


# The most high-intensity contacts one session holds (DESIGN.md); the rest of a session's
# contacts go to its lighter drills. Beginners' blocks stop at moderate: a beginner who
# asks for high drills gets half an intermediate's dose of them.
HIGH_CONTACTS: dict[str, int] = {"beginner": 20, "intermediate": 40, "advanced": 60}

# The drills of a session of each class, in session order: a low primer first (the
# specific warm-up), then the hardest drills while the legs are fresh, then lighter work.
PATTERNS: dict[Intensity, tuple[tuple[Intensity, int], ...]] = {
    "low": (("low", 3),),
    "moderate": (("low", 1), ("moderate", 2)),
    "high": (("low", 1), ("high", 2), ("moderate", 1)),
}
# The primer's share of a session with harder drills after it, and its most contacts.
PRIMER_SHARE = 0.2
PRIMER_MOST = 20
# The most sets of one drill in a session (a request may ask for up to 400 contacts).
MOST_SETS = 20

WARM_UP = (
    "Warm-up: start while still warm from the easy run, with 5 minutes of leg swings, "
    "walking lunges and a few practice hops at half effort."
)
TECHNIQUE = (
    "Lighter week: technique only. Fewer contacts, every landing quiet and controlled; "
    "stop a set the moment form slips."
)
COOLDOWN = "Cool down with a few minutes of walking and calf and hip mobility."


@dataclass(frozen=True)
class LibraryDrill:
    """One exercise of the library, as `drills.toml` describes it."""

    name: str
    intensity: Intensity
    contacts_per_rep: int
    set_contacts: int
    smallest_set: int
    cues: str
    surface: str
    equipment: str = ""
    loads: tuple[Area, ...] = ()

    def spares(self, avoid: Collection[Area]) -> bool:
        """Whether the drill leaves every area in `avoid` alone."""
        return not set(self.loads) & set(avoid)


@lru_cache(maxsize=1)
def drill_library() -> dict[str, LibraryDrill]:
    """The packaged library by drill name, in file order (validated once)."""
    text = resources.files("scheduler.core").joinpath("drills.toml").read_text(encoding="utf-8")
    library: dict[str, LibraryDrill] = {}
    for raw in tomllib.loads(text)["drill"]:
        drill = LibraryDrill(**{**raw, "loads": tuple(raw.get("loads", ()))})
        unknown = sorted(set(drill.loads) - set(AREAS))
        if unknown:
            raise ValueError(f"drills.toml: '{drill.name}' loads unknown area(s) "
                             f"{', '.join(unknown)}; use {', '.join(AREAS)}")
        if drill.intensity not in INTENSITIES:
            raise ValueError(f"drills.toml: '{drill.name}' has unknown intensity "
                             f"'{drill.intensity}'")
        if drill.contacts_per_rep < 1 or drill.set_contacts % drill.contacts_per_rep:
            raise ValueError(f"drills.toml: '{drill.name}' set_contacts must be a multiple "
                             f"of contacts_per_rep")
        if not drill.contacts_per_rep <= drill.smallest_set <= drill.set_contacts:
            raise ValueError(f"drills.toml: '{drill.name}' smallest_set must lie between "
                             f"contacts_per_rep and set_contacts")
        library[drill.name] = drill
    for intensity, pattern in PATTERNS.items():
        for cls, count in pattern:
            if len(drills_in(library, cls)) <= count:
                raise ValueError(f"drills.toml: a {intensity} session needs more than {count} "
                                 f"{cls} drills to vary week to week")
    return library


def drills_in(library: dict[str, LibraryDrill], intensity: Intensity) -> list[LibraryDrill]:
    return [d for d in library.values() if d.intensity == intensity]


def drills_of(intensity: Intensity) -> list[LibraryDrill]:
    """The library's drills of one class, in file order."""
    return drills_in(drill_library(), intensity)


def choose_drills(intensity: Intensity, rotation: int = 0,
                  avoid: Collection[Area] = ()) -> list[LibraryDrill]:
    """The drills of a session of `intensity`, rotated `rotation` steps through the library.

    Each slot takes consecutive drills of its class starting at `rotation`, so rotations
    r and r + 1 lead with different drills; from one full set up, the lead drill of the
    session's class gets contacts, so consecutive weeks never get the same list. Drills
    that load an area in `avoid` (logged pain) are left out: a slot takes fewer drills
    when too few of its class spare the area, none when none do.
    """
    chosen: list[LibraryDrill] = []
    for cls, count in PATTERNS[intensity]:
        pool = [d for d in drills_of(cls) if d.spares(avoid)]
        picked = [pool[(rotation + i) % len(pool)] for i in range(min(count, len(pool)))]
        if cls == "high":  # the most reactive first, the loaded pogo last (file order)
            picked.sort(key=pool.index)
        chosen.extend(picked)
    return chosen


def split_contacts(chosen: list[LibraryDrill], contacts: int, high_most: int | None = None
                   ) -> list[Drill]:
    """Deal `contacts` out as whole sets of the chosen drills, in session order.

    Every set of a drill holds the same count, between its smallest and its full set, so
    no drill ends in a short tail set. The sets add up to exactly `contacts` whenever
    whole sets can (any dose of a few sets); otherwise to the most below it, never more.
    High-intensity drills together hold at most `high_most` contacts; the rest goes to
    the lighter drills. Each drill aims at its share (see `_shares`) in sets as near full
    as the total allows, and the session's lead drill of its own class always gets a set
    when the dose holds one.
    """
    if contacts <= 0 or not chosen:
        return []
    chosen_ = tuple(chosen)
    dealt = _deal(chosen_, contacts, high_most, near=True)
    if sum(sets * reps for sets, reps in dealt) < contacts:  # look further from the shares
        dealt = _deal(chosen_, contacts, high_most, near=False)
    return [Drill(name=d.name, sets=sets, reps=reps)
            for d, (sets, reps) in zip(chosen_, dealt, strict=True) if sets]


# What a set short of full costs, per set, at no contacts (a set of half the full count
# costs half of it), against 1 per contact a drill is off its share.
SHORT_SET_COST = 3.0


@lru_cache(maxsize=4096)
def _deal(chosen: tuple[LibraryDrill, ...], contacts: int, high_most: int | None, near: bool
          ) -> tuple[tuple[int, int], ...]:
    """(sets, reps) per drill, best first by total dealt, then by cost: one pass over the
    drills keeping the cheapest way to each (total, high total) so far. `near` looks only
    at doses within a few sets of each share (fast, and almost always enough)."""
    shares = _shares(list(chosen), contacts, high_most)
    lead = next(i for i, d in enumerate(chosen) if d.intensity == _session_class(list(chosen)))
    Dealt = tuple[tuple[int, int], ...]
    best: dict[tuple[int, int], tuple[float, Dealt]] = {(0, 0): (0.0, ())}
    for i, drill in enumerate(chosen):
        high = drill.intensity == "high"
        options = _options_of(drill)
        if near:
            reach = 2 * drill.set_contacts
            options = tuple(o for o in options
                            if not o[0] or abs(o[0] * o[1] - shares[i]) <= reach)
        step: dict[tuple[int, int], tuple[float, Dealt]] = {}
        for (total, high_total), (cost, dealt) in best.items():
            for sets, reps in options:
                amount = sets * reps
                if total + amount > contacts or (
                        high and high_most is not None and high_total + amount > high_most):
                    continue
                extra = abs(amount - shares[i])
                if not amount:
                    extra += 1000 if i == lead else 50 if shares[i] >= drill.smallest_set else 0
                else:
                    short = (drill.set_contacts - reps) / drill.set_contacts
                    extra += SHORT_SET_COST * sets * short
                state = (total + amount, high_total + amount * high)
                if state not in step or cost + extra < step[state][0]:
                    step[state] = (cost + extra, (*dealt, (sets, reps)))
        if high and not any(d.intensity == "high" for d in chosen[i + 1:]):
            step = _by_total(step)  # the high drills are dealt: their total matters no more
        best = step
    top = max(total for total, _ in best)
    return min((v for (total, _), v in best.items() if total == top), key=lambda v: v[0])[1]


def _session_class(chosen: list[LibraryDrill]) -> Intensity:
    return INTENSITIES[max(INTENSITIES.index(d.intensity) for d in chosen)]


def _shares(chosen: list[LibraryDrill], contacts: int, high_most: int | None) -> list[float]:
    """What each drill aims at: a primer's share before harder drills, the high drills up
    to `high_most` together, the rest shared evenly by the others."""
    shares = [0.0] * len(chosen)
    left = float(contacts)
    top = _session_class(chosen)
    primers = [i for i, d in enumerate(chosen) if d.intensity == "low"] if top != "low" else []
    for i in primers:
        shares[i] = min(PRIMER_MOST, contacts * PRIMER_SHARE) / len(primers)
        left -= shares[i]
    highs = [i for i, d in enumerate(chosen) if d.intensity == "high"]
    if highs:
        high = min(left, high_most if high_most is not None else left)
        rest = [i for i in range(len(chosen)) if i not in primers and i not in highs]
        high = high if rest else left  # nothing lighter to take the rest: capped below
        for i in highs:
            shares[i] = high / len(highs)
        left -= high
    others = [i for i in range(len(chosen)) if i not in primers and i not in highs]
    for i in others:
        shares[i] = left / len(others)
    return shares


def _by_total(states: dict[tuple[int, int], tuple[float, tuple[tuple[int, int], ...]]]
              ) -> dict[tuple[int, int], tuple[float, tuple[tuple[int, int], ...]]]:
    """The cheapest state per total, its high total set to 0."""
    out: dict[tuple[int, int], tuple[float, tuple[tuple[int, int], ...]]] = {}
    for (total, _), value in states.items():
        if (total, 0) not in out or value[0] < out[(total, 0)][0]:
            out[(total, 0)] = value
    return out


@lru_cache(maxsize=64)
def _options_of(drill: LibraryDrill) -> tuple[tuple[int, int], ...]:
    """Every (sets, reps) a drill may be given, and (0, 0) for leaving it out; per total,
    the biggest sets (fewest of them) only."""
    per_total: dict[int, tuple[int, int]] = {0: (0, 0)}
    for reps in range(drill.set_contacts, drill.smallest_set - 1, -1):
        if reps % drill.contacts_per_rep:
            continue
        for sets in range(1, MOST_SETS + 1):
            per_total.setdefault(sets * reps, (sets, reps))
    return tuple(sorted(per_total.values(), key=lambda o: o[0] * o[1]))


def week_rotation(week_start: date | None) -> int:
    """Consecutive weeks get consecutive rotations (weeks counted from year 1)."""
    return week_start.toordinal() // 7 if week_start else 0


def plyo_drills(level: str, contacts: int, intensity: Intensity | None = None,
                week_start: date | None = None, avoid: Collection[Area] = ()) -> list[Drill]:
    """The drills of one plyo session: its class (default by level), rotated by week,
    without drills that load an area in `avoid`, high contacts within the level's dose.
    Their sets add up to `contacts`, or to the most whole sets below it."""
    chosen = choose_drills(intensity or LEVEL_INTENSITY[level], week_rotation(week_start),
                           avoid)
    if not chosen:
        raise ValueError(f"no drill in the library spares {', '.join(sorted(avoid))}")
    return split_contacts(chosen, contacts, HIGH_CONTACTS[level])


def default_drills(level: str, contacts: int) -> list[Drill]:
    """A single week's drills for the level's starting class; sets add up to `contacts`."""
    return plyo_drills(level, contacts)


def intensity_of(names: list[str]) -> Intensity:
    """The class of a session: its hardest drill's ('low' when none is known)."""
    library = drill_library()
    ranks = [INTENSITIES.index(library[n].intensity) for n in names if n in library]
    return INTENSITIES[max(ranks, default=0)]


def lower_intensity(intensity: Intensity) -> Intensity:
    """The class below (low stays low)."""
    return INTENSITIES[max(0, INTENSITIES.index(intensity) - 1)]


def plyo_description(drills: list[Drill], *, strides: int = 0, stride_seconds: int = 20,
                     technique: bool = False) -> str:
    """A plyo session's calendar text: warm-up, drills with cues, surface, strides."""
    library = drill_library()
    lines = [WARM_UP]
    if technique:
        lines.append(TECHNIQUE)
    lines.append("")
    seen: list[LibraryDrill] = []
    for drill in drills:
        known = library.get(drill.name)
        per_leg = " (half on each leg)" if known and known.contacts_per_rep == 2 else ""
        lines.append(f"- {drill.name}: {drill.sets} x {drill.reps} contacts{per_leg}")
        if known and known not in seen:
            lines.append(f"  {known.cues}")
            seen.append(known)
    if strides:
        lines.extend(["", (
            f"Then {strides} x {stride_seconds} s strides: smooth, fast and relaxed, walking "
            f"back to recover, to carry the spring of the drills into running form."
        )])
    lines.append("")
    lines.extend(f"Surface ({d.name}): {d.surface}" for d in seen)
    equipment = [d.equipment for d in seen if d.equipment]
    if equipment:
        lines.append("Bring: " + "; ".join(equipment) + ".")
    lines.append(COOLDOWN)
    return "\n".join(lines)

