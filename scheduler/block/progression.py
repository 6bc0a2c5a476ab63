"""How a plyometric block progresses week by week, before any clock time is chosen.

A block starts with the level's starting dose and frequency, raises weekly ground
contacts by at most `weekly_rise` (15 %) a week and never above the weekly cap, moves the
drills from low to moderate to high intensity (beginners stop at moderate), raises the
frequency from one session to two after the first lighter week, and makes every 3rd or
4th week a lighter week: about 60 % of the volume, low-intensity technique drills. Later
weeks add strides after the plyo work. What the training log says (pain, fatigue, very
high effort) eases, rests or holds a week or swaps a plyo session for strength work
(`scheduler.block.adjust`); after pain the ramp continues from the eased dose.

All numbers are settings (`ProgressionSettings`, environment prefix `PLYOPLAN_BLOCK_`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scheduler.block.adjust import Adjustment, Dose, adjust_doses, rank
from scheduler.core.dosing import HIGH_WEEK_SHARE, high_week_cap
from scheduler.core.drills import INTENSITIES, Intensity, block_intensities, lower_intensity
from scheduler.core.pain import get_pain_settings

__all__ = [
    "LevelProgression", "ProgressionSettings", "get_progression_settings", "Dose",
    "WeekTarget", "Adjustment", "plan_progression", "adjust_doses", "split_weekly",
    "is_deload_week",
]


class LevelProgression(BaseModel):
    """One level's block defaults (DESIGN.md's dosing table)."""

    start_contacts: int = Field(ge=1, description="Contacts per session in week 1.")
    session_max: int = Field(ge=1, description="Most contacts in one session.")
    sessions_first: int = Field(ge=1, le=3, description="Plyo sessions a week at the start.")
    sessions_full: int = Field(ge=1, le=3, description="Plyo sessions a week after the first "
                                                       "lighter week.")
    deload_every: int = Field(ge=2, le=8, description="Every n-th week is a lighter week.")
    intensities: list[Intensity] = Field(
        min_length=1, description="Intensity classes the block moves through, in order."
    )

    @field_validator("intensities")
    @classmethod
    def _rising(cls, value: list[Intensity]) -> list[Intensity]:
        ranks = [INTENSITIES.index(v) for v in value]
        if ranks != sorted(set(ranks)):
            raise ValueError("intensities must rise: a subset of low, moderate, high in order")
        return value


def _default_levels() -> dict[str, LevelProgression]:
    return {
        "beginner": LevelProgression(start_contacts=60, session_max=80, sessions_first=1,
                                     sessions_full=2, deload_every=3,
                                     intensities=block_intensities("beginner")),
        "intermediate": LevelProgression(start_contacts=80, session_max=120, sessions_first=2,
                                         sessions_full=2, deload_every=4,
                                         intensities=block_intensities("intermediate")),
        "advanced": LevelProgression(start_contacts=100, session_max=140, sessions_first=2,
                                     sessions_full=2, deload_every=4,
                                     intensities=block_intensities("advanced")),
    }


class ProgressionSettings(BaseSettings):
    """Block progression and training-log thresholds (coaching policy, not code)."""

    model_config = SettingsConfigDict(env_prefix="PLYOPLAN_BLOCK_", extra="ignore")

    levels: dict[str, LevelProgression] = Field(
        default_factory=_default_levels, description="Per-level starting dose and shape."
    )
    weekly_rise: float = Field(0.15, gt=0, le=0.15,
                               description="Largest week-to-week rise in weekly contacts.")
    deload_volume: float = Field(0.6, gt=0, lt=1,
                                 description="A lighter week's share of the last build week.")
    round_to: int = Field(5, ge=1, le=20, description="Weekly contacts are multiples of this.")
    strides_from: float = Field(0.5, ge=0, le=1,
                                description="Strides start after this share of the block.")
    strides_min: int = Field(4, ge=1, le=10, description="Strides in the first stride week.")
    strides_max: int = Field(6, ge=1, le=10, description="Most strides after a session.")
    stride_seconds: int = Field(20, ge=5, le=60, description="Length of one stride.")
    default_plyo_minutes: int = Field(20, ge=5, le=90,
                                      description="Plyo session length when the request "
                                                  "names none.")
    max_weeks: int = Field(16, ge=1, le=52, description="Longest block.")

    @model_validator(mode="after")
    def _consistent(self) -> ProgressionSettings:
        missing = sorted({"beginner", "intermediate", "advanced"} - set(self.levels))
        if missing:
            raise ValueError(f"levels needs an entry for {', '.join(missing)}")
        if self.strides_max < self.strides_min:
            raise ValueError("strides_max must be at least strides_min")
        return self


@lru_cache(maxsize=1)
def get_progression_settings() -> ProgressionSettings:
    return ProgressionSettings()


class WeekTarget(BaseModel):
    """One week of a block: what it prescribes and why (the block JSON's `progression`)."""

    model_config = ConfigDict(extra="forbid")

    week: int = Field(ge=1, description="Week number in the block, from 1.")
    week_start: date | None = Field(None, description="The week's Monday.")
    sessions: int = Field(ge=0, description="Plyo sessions this week.")
    strength: int = Field(0, ge=0, description="Strength sessions in place of plyometrics.")
    contacts: int = Field(ge=0, description="Ground contacts this week.")
    intensity: Intensity = Field(description="The week's hardest intensity class.")
    deload: bool = Field(description="A lighter, technique-only week.")
    strides: int = Field(0, ge=0, description="Strides after each plyo session (0 = none).")
    cap: int = Field(ge=0, description="The weekly contacts cap.")
    doses: list[Dose] = Field(default_factory=list, description="Each plyo session's dose.")
    adjusted: Literal["ease", "rest", "hold", "swap"] | None = Field(
        None, description="What the training log changed this week, if anything: eased "
                          "after pain, no jumping (rest), held, or a plyo session swapped "
                          "for strength work (swap)."
    )
    notes: list[str] = Field(default_factory=list, description="Why the week looks as it does.")


def is_deload_week(index: int, deload_every: int) -> bool:
    """Week `index` (0-based) is a lighter week: every `deload_every`-th week."""
    return (index + 1) % deload_every == 0


def split_weekly(contacts: int, sessions: int, intensity: Intensity) -> list[Dose]:
    """Weekly contacts over the sessions as evenly as possible (earlier ones get the odd)."""
    if sessions <= 0 or contacts <= 0:
        return []
    base, extra = divmod(contacts, sessions)
    return [Dose(contacts=base + (i < extra), intensity=intensity) for i in range(sessions)]


def _build_intensities(level: LevelProgression, build_weeks: list[int]) -> dict[int, Intensity]:
    """Spread the level's classes evenly over the build weeks, lowest first."""
    steps = level.intensities
    return {week: steps[k * len(steps) // len(build_weeks)]
            for k, week in enumerate(build_weeks)}


def _round_down(value: float, step: int) -> int:
    return int(math.floor(value + 1e-9)) // step * step


def plan_progression(
    level: str,
    weeks: int,
    cap: int,
    *,
    settings: ProgressionSettings | None = None,
    max_sessions: int | None = None,
    adjustments: Mapping[int, Adjustment] | None = None,
) -> list[WeekTarget]:
    """The block's weekly targets; `adjustments` maps a week index to a log verdict."""
    s = settings or get_progression_settings()
    pain_cut = get_pain_settings().pain_cut
    shape = s.levels[level]
    full = shape.sessions_full if max_sessions is None else min(shape.sessions_full, max_sessions)
    first = min(shape.sessions_first, full)
    deloads = [is_deload_week(i, shape.deload_every) for i in range(weeks)]
    build = [i for i in range(weeks) if not deloads[i]]
    planned_class = _build_intensities(shape, build) if build else {}
    stride_start = math.ceil(weeks * s.strides_from)
    reference: int | None = None  # the last build week's contacts: the ramp's base
    built: Intensity | None = None  # the last build week's class
    previous: WeekTarget | None = None
    planned_sessions: int | None = None  # the week before's, before any log adjustment
    targets: list[WeekTarget] = []
    for i in range(weeks):
        deload = deloads[i]
        sessions = full if any(deloads[:i]) else first
        ceiling = min(cap, sessions * shape.session_max)
        notes: list[str] = []
        if reference is None:
            weekly = min(ceiling, sessions * shape.start_contacts)
        elif deload:
            weekly = min(ceiling, _round_down(reference * s.deload_volume, s.round_to))
        else:
            weekly = min(ceiling, _round_down(reference * (1 + s.weekly_rise), s.round_to))
        intensity: Intensity = "low" if deload else planned_class[i]
        if built is not None and not deload:
            # never more than one class up from the last build week (it may have been eased)
            intensity = min(intensity, INTENSITIES[min(2, rank(built) + 1)], key=rank)
        adjustment = (adjustments or {}).get(i)
        if adjustment and adjustment.action == "hold" and not deload and reference:
            weekly = min(weekly, reference)
            for ceiling_class in (built, adjustment.intensity):
                if ceiling_class is not None:
                    intensity = min(intensity, ceiling_class, key=rank)
        if intensity == "high" and weekly > high_week_cap(cap, s.round_to):
            # intensity and volume never rise together (DESIGN.md)
            weekly = high_week_cap(cap, s.round_to)
            notes.append(f"High-intensity week: at most {round(HIGH_WEEK_SHARE * 100)}% of "
                         f"the weekly cap of {cap}, so {weekly} contacts.")
        doses = split_weekly(weekly, sessions, intensity)
        ramp_base = sum(d.contacts for d in doses)
        if adjustment:
            planned_doses = doses
            doses, sentences = adjust_doses(doses, adjustment, pain_cut)
            notes.extend(sentences)
            if adjustment.action in ("ease", "rest"):
                # after pain the ramp goes on from the eased dose, whatever comes between
                ramp_base = sum(math.floor(d.contacts * (1 - pain_cut)) for d in planned_doses)
                eased = lower_intensity(adjustment.intensity or intensity)
                intensity = min(intensity, eased, key=rank)
                if deload and reference is not None and built is not None:
                    reference = min(reference, math.floor(reference * (1 - pain_cut)))
                    built = eased if rank(eased) < rank(built) else built
            doses = [d for d in doses if d.contacts > 0 or d.strength]
        plyo_doses = [d for d in doses if not d.strength]
        contacts = sum(d.contacts for d in plyo_doses)
        top = max((d.intensity for d in plyo_doses), key=rank, default=intensity)
        strides = 0
        if plyo_doses and i >= stride_start:
            strides = s.strides_min if deload else min(
                s.strides_max, s.strides_min + i - stride_start)
        target = WeekTarget(
            week=i + 1, sessions=len(plyo_doses), strength=len(doses) - len(plyo_doses),
            contacts=contacts, intensity=top, deload=deload,
            strides=strides, cap=cap, doses=doses,
            adjusted=(adjustment.action or "swap") if adjustment else None,
            notes=_week_notes(sessions=sessions, deload=deload, weekly=contacts,
                              intensity=top, strides=strides, stride_seconds=s.stride_seconds,
                              previous=previous, reference=reference, ceiling=ceiling, cap=cap,
                              more=planned_sessions is not None
                              and sessions > planned_sessions,
                              deload_volume=s.deload_volume) + notes,
        )
        targets.append(target)
        if not deload:
            reference, built = ramp_base, top
        previous, planned_sessions = target, sessions
    return targets


def _week_notes(*, sessions: int, deload: bool, weekly: int, intensity: Intensity,
                strides: int, stride_seconds: int, previous: WeekTarget | None,
                reference: int | None, ceiling: int, cap: int, more: bool,
                deload_volume: float) -> list[str]:
    """Plain sentences on how this week differs from the one before."""
    notes = []
    if previous is None:
        notes.append(f"First week: {weekly} contacts at {intensity} intensity to start light.")
    elif deload:
        notes.append(f"Lighter week: about {round(deload_volume * 100)}% of the last build "
                     f"week ({weekly} contacts), low-intensity technique drills only.")
    elif reference is not None:
        if weekly > reference:
            notes.append(f"Build week: {weekly} contacts, up "
                         f"{round((weekly / reference - 1) * 100)}% on the last build week.")
        elif weekly == cap:
            notes.append(f"Build week: {weekly} contacts, held at the weekly cap.")
        elif weekly == ceiling:
            notes.append(f"Build week: {weekly} contacts, the most {sessions} session(s) "
                         f"may hold.")
        else:
            notes.append(f"Build week: {weekly} contacts.")
        if previous.deload:
            notes.append(f"Back to {intensity} intensity after the lighter week.")
        elif intensity != previous.intensity:
            notes.append(f"Intensity moves to {intensity}.")
    if more:
        notes.append(f"Frequency rises to {sessions} plyo sessions a week; the weekly "
                     f"contacts are shared between them.")
    if strides:
        notes.append(f"Strides after the plyo work: {strides} x {stride_seconds} s.")
    return notes

