"""How a plyometric block progresses week by week, before any clock time is chosen.

A block starts with the level's starting dose and frequency, raises weekly ground
contacts by at most `weekly_rise` (15 %) a week and never above the weekly cap, moves the
drills from low to moderate to high intensity (beginners stop at moderate), raises the
frequency from one session to two after the first lighter week, and makes every 3rd or
4th week a lighter week: about 60 % of the volume, low-intensity technique drills. Later
weeks add strides after the plyo work. What a training log says about the week before
(pain, very high effort) eases, skips or holds a week; the ramp then continues from
what was actually prescribed.

All numbers are settings (`ProgressionSettings`, environment prefix `PLYOPLAN_BLOCK_`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scheduler.core.drills import INTENSITIES, Intensity, lower_intensity

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
                                     intensities=["low", "moderate"]),
        "intermediate": LevelProgression(start_contacts=80, session_max=120, sessions_first=2,
                                         sessions_full=2, deload_every=4,
                                         intensities=["low", "moderate", "high"]),
        "advanced": LevelProgression(start_contacts=100, session_max=140, sessions_first=2,
                                     sessions_full=2, deload_every=4,
                                     intensities=["low", "moderate", "high"]),
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
    pain_discomfort: int = Field(4, ge=1, le=10,
                                 description="Logged discomfort from which the next plyo "
                                             "session is eased.")
    skip_discomfort: int = Field(7, ge=1, le=10,
                                 description="Logged discomfort from which it is skipped.")
    hold_rpe: int = Field(8, ge=1, le=10,
                          description="Logged effort (RPE) from which progression holds.")
    pain_cut: float = Field(0.3, gt=0, lt=1,
                            description="Share of contacts taken off an eased session.")
    log_window_days: int = Field(7, ge=1, le=28,
                                 description="Days before a week whose log entries count.")
    pain_words: list[str] = Field(
        default_factory=lambda: ["pain", "hurt", "injur", "swell", "swollen", "ache",
                                 "aching", "twinge", "strain", "sprain", "tender", "limp"],
        description="Word starts that make a note a pain note ('no pain' does not count).",
    )


    @model_validator(mode="after")
    def _consistent(self) -> ProgressionSettings:
        missing = sorted({"beginner", "intermediate", "advanced"} - set(self.levels))
        if missing:
            raise ValueError(f"levels needs an entry for {', '.join(missing)}")
        if self.skip_discomfort < self.pain_discomfort:
            raise ValueError("skip_discomfort must be at least pain_discomfort")
        if self.strides_max < self.strides_min:
            raise ValueError("strides_max must be at least strides_min")
        return self


@lru_cache(maxsize=1)
def get_progression_settings() -> ProgressionSettings:
    return ProgressionSettings()


class Dose(BaseModel):
    """One plyo session's prescription: ground contacts and intensity class."""

    model_config = ConfigDict(extra="forbid")

    contacts: int = Field(ge=0, description="Ground contacts.")
    intensity: Intensity = Field(description="low, moderate or high.")


class WeekTarget(BaseModel):
    """One week of a block: what it prescribes and why (the block JSON's `progression`)."""

    model_config = ConfigDict(extra="forbid")

    week: int = Field(ge=1, description="Week number in the block, from 1.")
    week_start: date | None = Field(None, description="The week's Monday.")
    sessions: int = Field(ge=0, description="Plyo sessions this week.")
    contacts: int = Field(ge=0, description="Ground contacts this week.")
    intensity: Intensity = Field(description="The week's hardest intensity class.")
    deload: bool = Field(description="A lighter, technique-only week.")
    strides: int = Field(0, ge=0, description="Strides after each plyo session (0 = none).")
    cap: int = Field(ge=0, description="The weekly contacts cap.")
    doses: list[Dose] = Field(default_factory=list, description="Each plyo session's dose.")
    adjusted: Literal["ease", "skip", "hold"] | None = Field(
        None, description="What the training log changed this week, if anything."
    )
    notes: list[str] = Field(default_factory=list, description="Why the week looks as it does.")


@dataclass(frozen=True)
class Adjustment:
    """What the training log of the days before a week asks of it.

    `ease`: the next plyo session drops a class and loses `pain_cut` of its contacts;
    `skip`: it is skipped and the one after is eased; `hold`: no step up from the logged
    session (`intensity`, `contacts`). `cause` is the sentence saying what was logged.
    """

    action: Literal["ease", "skip", "hold"]
    cause: str
    intensity: Intensity | None = None
    contacts: int | None = None


def is_deload_week(index: int, deload_every: int) -> bool:
    """Week `index` (0-based) is a lighter week: every `deload_every`-th week."""
    return (index + 1) % deload_every == 0


def split_weekly(contacts: int, sessions: int, intensity: Intensity) -> list[Dose]:
    """Weekly contacts over the sessions as evenly as possible (earlier ones get the odd)."""
    if sessions <= 0 or contacts <= 0:
        return []
    base, extra = divmod(contacts, sessions)
    return [Dose(contacts=base + (i < extra), intensity=intensity) for i in range(sessions)]


def _rank(intensity: Intensity) -> int:
    return INTENSITIES.index(intensity)


def _ease(dose: Dose, logged: Intensity | None, cut: float) -> Dose:
    below = lower_intensity(logged or dose.intensity)
    intensity = min(dose.intensity, below, key=_rank)
    return Dose(contacts=math.floor(dose.contacts * (1 - cut)), intensity=intensity)


def adjust_doses(doses: list[Dose], adjustment: Adjustment, pain_cut: float
                 ) -> tuple[list[Dose], list[str]]:
    """Apply a log's verdict to a week's plyo doses; say what changed.

    The result matches `doses` one to one; a session given up has 0 contacts. Easing
    covers every plyo session of the week, so whichever comes first is eased (a plan does
    not fix which session comes first); skipping gives up the first and eases the rest.
    """
    if not doses:
        return [], [f"{adjustment.cause} There is no plyo session this week to change."]
    if adjustment.action == "hold":
        held = [Dose(
            contacts=min(d.contacts, adjustment.contacts or d.contacts),
            intensity=min(d.intensity, adjustment.intensity or d.intensity, key=_rank),
        ) for d in doses]
        if held == doses:
            return doses, [f"{adjustment.cause} This week does not step up from it."]
        top = max((d.intensity for d in held), key=_rank)
        return held, [f"{adjustment.cause} This week holds at that session's dose "
                      f"({held[0].contacts} contacts, {top} intensity) instead of stepping up."]
    sentences = [adjustment.cause]
    skipped = 1 if adjustment.action == "skip" else 0
    if skipped:
        sentences.append("The next plyo session is skipped to let it settle.")
    rest = doses[skipped:]
    eased = [_ease(d, adjustment.intensity, pain_cut) for d in rest]
    out = [Dose(contacts=0, intensity=d.intensity) for d in doses[:skipped]] + eased
    if not rest:
        return out, sentences
    kept = [d for d in eased if d.contacts > 0]
    which = "The other plyo sessions this week" if skipped else (
        "The next plyo session" if len(rest) == 1 else "This week's plyo sessions")
    pct = round(pain_cut * 100)
    one = which == "The next plyo session"
    if not kept:
        sentences.append(f"{which} {'is' if one else 'are'} given up too: {pct}% fewer "
                         f"contacts leaves none.")
    else:
        top = max((d.intensity for d in kept), key=_rank)
        counts = " and ".join(sorted({str(d.contacts) for d in kept}, key=int))
        before = " and ".join(sorted({str(d.contacts) for d in rest}, key=int))
        planned = max((d.intensity for d in rest), key=_rank)
        done = adjustment.intensity or planned  # what the runner last did, as far as known
        stays = f"{'stays' if one else 'stay'} at {top} intensity"
        if _rank(top) < min(_rank(done), _rank(planned)):
            change = f"{'drops' if one else 'drop'} to {top} intensity with"
        elif _rank(top) < _rank(planned):  # low already, and kept there
            change = f"{stays} instead of stepping up to {planned}, with"
        else:  # low already, and low was the plan: only the contacts fall
            change = f"{stays}, with"
        sentences.append(f"{which} {change} {pct}% fewer contacts "
                         f"({counts} instead of {before}).")
    return out, sentences


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
            intensity = min(intensity, INTENSITIES[min(2, _rank(built) + 1)], key=_rank)
        adjustment = (adjustments or {}).get(i)
        if adjustment and adjustment.action == "hold" and not deload and reference:
            weekly = min(weekly, reference)
            for ceiling_class in (built, adjustment.intensity):
                if ceiling_class is not None:
                    intensity = min(intensity, ceiling_class, key=_rank)
            notes.append(f"{adjustment.cause} This week holds at {weekly} contacts and "
                         f"{intensity} intensity instead of stepping up.")
        doses = split_weekly(weekly, sessions, intensity)
        ramp_base = sum(d.contacts for d in doses)
        if adjustment and adjustment.action in ("ease", "skip"):
            eased, sentences = adjust_doses(doses, adjustment, s.pain_cut)
            notes.extend(sentences)
            if adjustment.action == "skip" and doses:
                # the ramp goes on from the eased dose, as if the skipped one were eased too
                ramp_base = sum(d.contacts for d in adjust_doses(
                    doses, Adjustment("ease", "", adjustment.intensity), s.pain_cut)[0])
            else:
                ramp_base = sum(d.contacts for d in eased)
            doses = [d for d in eased if d.contacts > 0]
        contacts = sum(d.contacts for d in doses)
        top = max((d.intensity for d in doses), key=_rank, default=intensity)
        strides = 0
        if doses and i >= stride_start:
            strides = s.strides_min if deload else min(
                s.strides_max, s.strides_min + i - stride_start)
        target = WeekTarget(
            week=i + 1, sessions=len(doses), contacts=contacts, intensity=top, deload=deload,
            strides=strides, cap=cap, doses=doses,
            adjusted=adjustment.action if adjustment else None,
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

