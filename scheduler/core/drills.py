"""Plyometric drills: the library in `drills.toml` and the drill list of a session.

A session of a given intensity class draws its drills from the library in a fixed
pattern (a low-intensity primer first, then drills of the session's class) and rotates
through each class week by week, so two consecutive weeks never repeat the same list.
The session's ground contacts are split over the drills in whole sets; the sets add up
to exactly the session's contacts, so the dose in the calendar is the dose that was
capped.
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
    "Intensity", "INTENSITIES", "LEVEL_INTENSITY", "LibraryDrill", "drill_library",
    "drills_of", "choose_drills", "split_contacts", "plyo_drills", "default_drills",
    "intensity_of", "lower_intensity", "plyo_description",
]

Intensity = Literal["low", "moderate", "high"]
INTENSITIES: tuple[Intensity, ...] = get_args(Intensity)

# The class a single week gets when nothing else says: beginners start on foundation hops.
LEVEL_INTENSITY: dict[str, Intensity] = {
    "beginner": "low", "intermediate": "moderate", "advanced": "moderate",
}

# How many drills of each class a session of a class holds, in order: lighter drills
# first so they double as the specific warm-up for the harder ones.
PATTERNS: dict[Intensity, tuple[tuple[Intensity, int], ...]] = {
    "low": (("low", 3),),
    "moderate": (("low", 1), ("moderate", 2)),
    "high": (("low", 1), ("moderate", 1), ("high", 2)),
}

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
        chosen.extend(pool[(rotation + i) % len(pool)] for i in range(min(count, len(pool))))
    return chosen


def split_contacts(chosen: list[LibraryDrill], contacts: int) -> list[Drill]:
    """Deal `contacts` out as whole sets, drill by drill in turn; the rest is a short set.

    Sets are dealt hardest drill first, so even a small dose is of the session's class and
    its first (rotating) drill always gets a set; whatever is left (less than a full set)
    goes to a drill whose repetition fits it exactly. Drills are listed in session order.
    """
    deal = sorted(range(len(chosen)), key=lambda i: -INTENSITIES.index(chosen[i].intensity))
    full_sets = [0] * len(chosen)
    remaining = contacts
    dealt = True
    while dealt:
        dealt = False
        for i in deal:
            if remaining >= chosen[i].set_contacts:
                full_sets[i] += 1
                remaining -= chosen[i].set_contacts
                dealt = True
    short: dict[int, int] = {}
    if remaining:
        fits = [i for i in deal if remaining % chosen[i].contacts_per_rep == 0]
        if fits:
            short[fits[0]] = remaining
        else:  # every chosen drill counts in pairs: a one-contact drill takes the rest
            chosen = [*chosen, drills_of("low")[0]]
            full_sets.append(0)
            short[len(chosen) - 1] = remaining
    out = []
    for i, drill in enumerate(chosen):
        if full_sets[i]:
            out.append(Drill(name=drill.name, sets=full_sets[i], reps=drill.set_contacts))
        if i in short:
            out.append(Drill(name=drill.name, sets=1, reps=short[i]))
    return out


def week_rotation(week_start: date | None) -> int:
    """Consecutive weeks get consecutive rotations (weeks counted from year 1)."""
    return week_start.toordinal() // 7 if week_start else 0


def plyo_drills(level: str, contacts: int, intensity: Intensity | None = None,
                week_start: date | None = None, avoid: Collection[Area] = ()) -> list[Drill]:
    """The drills of one plyo session: its class (default by level), rotated by week,
    without drills that load an area in `avoid`."""
    chosen = choose_drills(intensity or LEVEL_INTENSITY[level], week_rotation(week_start),
                           avoid)
    if not chosen:
        raise ValueError(f"no drill in the library spares {', '.join(sorted(avoid))}")
    return split_contacts(chosen, contacts)


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

