"""What a runner asks for (a request) and what plyoplan answers (a schedule).

These pydantic models are the public JSON contract of DESIGN.md: unknown fields are
errors, every field says what it means, and validators reject inconsistent input with a
sentence a runner can act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from scheduler.core.explanation import ExplanationItem

__all__ = [
    "Kind", "KINDS_TEXT", "KEY_KINDS", "RUN_KINDS", "Level", "Weekday", "WEEKDAYS", "Status",
    "Runner", "BusyInterval", "SessionRequest", "Context", "RuleSettings", "Preferences",
    "Request", "Drill", "register_hard_rules", "hard_rule_keys", "clock_minutes",
    "PlannedSession", "Schedule", "LEVELS", "LevelDosing", "MAX_BUSY_CALENDARS",
    "MAX_BUSY_INTERVALS", "PLAN_FOUND", "known_zone", "zone_named", "a_monday",
    "ordered_windows", "Area", "AREAS", "RaceRequest", "Priority",
    "RACE_HORIZON_DAYS", "MAX_RACES", "CalDavCalendar", "CalendarSource",
]


class Kind(StrEnum):
    easy = "easy"
    tempo = "tempo"
    hill = "hill"
    long = "long"
    plyo = "plyo"
    strength = "strength"
    race = "race"


KINDS_TEXT = "easy, tempo, hill, long, plyo, strength or race"
# A race is a key session and a run: it counts against one run a day and the hard days.
KEY_KINDS = frozenset({Kind.tempo, Kind.hill, Kind.long, Kind.race})
RUN_KINDS = frozenset({Kind.easy, Kind.tempo, Kind.hill, Kind.long, Kind.race})

Level = Literal["beginner", "intermediate", "advanced"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Status = Literal["planned", "done", "missed", "dropped"]
# The solve outcomes that come with a plan: proven best, or the best found in time.
PLAN_FOUND = ("optimal", "feasible")
TimeOfDay = Literal["morning", "midday", "evening"]
ContextKind = Literal["easy", "tempo", "hill", "long", "plyo", "strength", "race", "rest"]
# Where a runner can feel pain, and what a drill or strength exercise loads.
Area = Literal["foot", "achilles", "calf", "shin", "knee", "thigh", "hamstring", "hip", "back"]
AREAS: tuple[Area, ...] = get_args(Area)
# What one week is planned around at most (DESIGN.md, "Web app safety"): each calendar
# costs a fetch, each busy interval solver and page work.
MAX_BUSY_CALENDARS = 10
MAX_BUSY_INTERVALS = 2_000
# Races a week is planned around: those in it and up to 4 weeks after it (a taper reaches
# two weeks back; a plan a month out already knows the race).
RACE_HORIZON_DAYS = 7 + 28
MAX_RACES = 10
Priority = Literal["A", "B", "C"]


class LevelDosing(BaseModel):
    """Plyometric starting doses for one level (DESIGN.md's table)."""

    contacts_low: int
    contacts_high: int
    sessions_per_week: int
    weekly_cap: int


LEVELS: dict[str, LevelDosing] = {
    "beginner": LevelDosing(contacts_low=60, contacts_high=80, sessions_per_week=1,
                            weekly_cap=120),
    "intermediate": LevelDosing(contacts_low=80, contacts_high=120, sessions_per_week=2,
                                weekly_cap=220),
    "advanced": LevelDosing(contacts_low=100, contacts_high=140, sessions_per_week=2,
                            weekly_cap=280),
}

# The keys `rules.off` may name: the hard rules of the registry (constraints/), which
# registers them when it is imported; the core sits below it and cannot import it.
_HARD_RULE_KEYS: list[str] = []


def register_hard_rules(keys: Iterable[str]) -> None:
    """Called by the registry of rules with the keys of every hard rule, in its order."""
    _HARD_RULE_KEYS[:] = keys


def hard_rule_keys() -> tuple[str, ...]:
    """The keys of the hard rules, as the registry registered them."""
    if not _HARD_RULE_KEYS:
        raise RuntimeError("the coaching rules are not loaded: import constraints first")
    return tuple(_HARD_RULE_KEYS)


_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


@lru_cache(maxsize=1024)  # a few dozen clock times, read for every window of every week
def clock_minutes(text: str) -> int:
    """'06:30' -> 390. '24:00' is allowed as the end of a day."""
    match = _CLOCK.match(text)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"'{text}' is not a clock time; use HH:MM between 00:00 and 24:00")
    return int(match.group(1)) * 60 + int(match.group(2))


@cache
def zone_named(name: str) -> ZoneInfo:
    """The zone of an IANA name, kept: ZoneInfo keeps only its last few zones, and a squad
    or a roll-over spans more, each load reading the zone's file again."""
    return ZoneInfo(name)


def known_zone(value: str) -> str:
    """An IANA zone name, or ValueError with the sentence a runner reads."""
    try:
        zone_named(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"'{value}' is not an IANA time zone; use a name like Europe/Berlin"
        ) from None
    return value


def a_monday(value: date) -> date:
    if value.weekday() != 0:
        raise ValueError(f"{value} is a {value:%A}; a week starts on a Monday")
    return value


def ordered_windows(value: dict[str, list[list[str]]], noun: str = "window"
                    ) -> dict[str, list[list[str]]]:
    """Weekly windows whose every end comes after its start ('on tue the slot ...')."""
    for day, windows in value.items():
        for start, end in windows:
            if clock_minutes(end) <= clock_minutes(start):
                raise ValueError(f"on {day} the {noun} {start}-{end} ends before it starts")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Runner(_Strict):
    name: str = Field("runner", min_length=1, max_length=80, description="Who is training.")
    level: Level = Field("intermediate", description="Plyometric experience: sets contacts.")
    timezone: str = Field("UTC", description="IANA time zone of the runner, e.g. Europe/Berlin.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)


class BusyInterval(_Strict):
    start: datetime = Field(description="Start, ISO 8601 with a UTC offset.")
    end: datetime = Field(description="End, ISO 8601 with a UTC offset, after start.")
    summary: str = Field("", max_length=200, description="What it is, e.g. 'dentist'.")
    calendar: str | None = Field(
        None, max_length=2000,
        description="The calendar it was read from; reading that calendar again replaces it.",
    )

    @model_validator(mode="after")
    def _aware_and_ordered(self) -> BusyInterval:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start and end need a UTC offset, e.g. 2026-12-01T12:00:00+01:00")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class CalDavCalendar(_Strict):
    """A CalDAV collection (Nextcloud, iCloud, Fastmail, Radicale, Baïkal...) read for the
    week's busy time. The password is a SecretStr: any dump of a request shows it as
    '**********', so it never reaches a schedule file, an API answer, a page or a log."""

    caldav: str = Field(max_length=2000, description="The collection's http(s) URL.")
    username: str = Field("", max_length=200, description="The CalDAV account's user name.")
    password: SecretStr = Field(SecretStr(""), description="The account's (app) password; "
                                "never shown again.")

    @field_validator("caldav")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError(f"a CalDAV collection is an http(s) URL (got {value[:80]!r})")
        return value


CalendarSource = str | CalDavCalendar


class SessionRequest(_Strict):
    kind: Kind = Field(description=KINDS_TEXT + " (a race goes in `races`).")
    minutes: int = Field(ge=5, le=360, description="Duration in minutes (5 to 360).")
    id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9._@-]{1,120}$",
        description="Stable id (also the calendar UID); generated when absent.",
    )
    contacts: int | None = Field(
        None, ge=0, le=400, description="Plyo ground contacts; default from the level."
    )
    intensity: Literal["low", "moderate", "high"] | None = Field(
        None, description="Plyo drill intensity class (low, moderate, high); default by level."
    )
    avoid: list[Area] = Field(
        default_factory=list, max_length=len(AREAS),
        description="Body areas (e.g. achilles) whose drills or exercises this plyo or "
                    "strength session leaves out, after pain there.",
    )

    @field_validator("kind")
    @classmethod
    def _not_a_race(cls, value: Kind) -> Kind:
        # A race is not placed by the planner: it has a date and a start of its own.
        if value is Kind.race:
            raise ValueError("a race is not a session to place; give it in 'races' with its "
                             "date, start, minutes, name and priority")
        return value

    @field_validator("contacts", "intensity", "avoid")
    @classmethod
    def _plyo_only(cls, value: int | str | list[Area] | None, info: ValidationInfo
                   ) -> int | str | list[Area] | None:
        # A run's contacts or drill intensity would be silently ignored (or counted against
        # the weekly cap by a reader who trusts them); contacts 0 is allowed, as a schedule
        # writes it for runs. A strength session has exercises to leave out, no contacts.
        kind = info.data.get("kind")  # absent when the kind itself was invalid
        allowed = {Kind.plyo, Kind.strength} if info.field_name == "avoid" else {Kind.plyo}
        if value and kind is not None and kind not in allowed:
            what = {"contacts": "ground contacts", "intensity": "drill intensity",
                    "avoid": "drills to avoid"}[info.field_name or ""]
            noun = "run" if kind in RUN_KINDS - {Kind.race} else "session"
            raise ValueError(f"a{'n' if kind is Kind.easy else ''} {kind} {noun} has no {what}; "
                             f"give {info.field_name} on "
                             f"{' or '.join(sorted(allowed))} sessions only")
        return value


RaceDay = date  # the field below is named `date`, which would hide the type in the class


class RaceRequest(_Strict):
    date: RaceDay = Field(description="Race day, local, e.g. 2026-12-13.")
    start: str = Field(description="Local start time HH:MM, e.g. 09:00.")
    minutes: int = Field(ge=5, le=720, description="Expected race time in minutes (5 to 720).")
    name: str = Field("Race", min_length=1, max_length=80, description="e.g. 'City 10k'.")
    priority: Priority = Field(
        "B", description="A: the goal race (full taper); B: a tune-up; C: a training race."
    )

    @field_validator("start")
    @classmethod
    def _clock(cls, value: str) -> str:
        if clock_minutes(value) >= 24 * 60:
            raise ValueError(f"'{value}' is not a start time; use HH:MM between 00:00 and 23:59")
        return value


class Context(_Strict):
    day_before: ContextKind | None = Field(
        None, description="Kind of session on the Sunday before this week, if any."
    )
    day_after: ContextKind | None = Field(
        None, description="Kind of session on the Monday after this week, if any."
    )


class RuleSettings(_Strict):
    buffer_minutes: int = Field(15, ge=0, le=240, description="Free time kept around busy events.")
    rest_days: int = Field(1, ge=0, le=7, description="Full rest days wanted per week.")
    plyo_gap_hours: int = Field(48, ge=0, le=168, description="Hours between plyo sessions.")
    plyo_after_easy_max_gap_minutes: int = Field(
        60, ge=0, le=720, description="Longest wait from the end of the easy run to plyo."
    )
    weekly_contacts_cap: int | None = Field(
        None, ge=0, le=1000, description="Weekly plyo contacts limit; default by level."
    )
    runs_per_day: int = Field(1, ge=1, le=3, description="Runs allowed per day (2 = doubles).")
    off: list[str] = Field(
        default_factory=list, description="Keys of hard rules to turn off for this runner."
    )
    tentative_blocks: bool = Field(True, description="Tentative calendar events count as busy.")
    all_day_blocks: bool = Field(False, description="All-day calendar events block the day.")


class Preferences(_Strict):
    long_run_days: list[Weekday] = Field(
        default_factory=lambda: list[Weekday](("sat", "sun")),
        description="Preferred days for the long run.",
    )
    time_of_day: dict[Kind, TimeOfDay] = Field(
        default_factory=dict,
        description="Preferred time per kind: morning (05-12), midday (11-15), evening (16-22).",
    )


Window = Annotated[list[str], Field(min_length=2, max_length=2)]


class Request(_Strict):
    runner: Runner = Field(default_factory=Runner, description="Who is training.")
    week_start: date = Field(description="The Monday the week starts on.")
    availability: dict[Weekday, list[Window]] = Field(
        default_factory=dict, description="Free windows per weekday, local [start, end] HH:MM."
    )
    busy: list[BusyInterval] = Field(default_factory=list, max_length=MAX_BUSY_INTERVALS,
                                     description="One-off busy times.")
    busy_calendars: list[CalendarSource] = Field(
        default_factory=list, max_length=MAX_BUSY_CALENDARS,
        description="Busy calendars (.ics paths or URLs, or CalDAV collections "
                    "{caldav, username, password}), each read once.",
    )
    sessions: list[SessionRequest] = Field(
        min_length=1, max_length=21, description="The sessions wanted this week."
    )
    context: Context = Field(default_factory=Context, description="The days around this week.")
    rules: RuleSettings = Field(default_factory=RuleSettings, description="Rule parameters.")
    preferences: Preferences = Field(default_factory=Preferences, description="Soft wishes.")
    races: list[RaceRequest] = Field(
        default_factory=list, max_length=MAX_RACES,
        description="Races in this week or up to 4 weeks after it: fixed in time, with a "
                    "taper before them and easy days after.",
    )

    @field_validator("week_start")
    @classmethod
    def _monday(cls, value: date) -> date:
        return a_monday(value)

    @field_validator("availability")
    @classmethod
    def _windows(cls, value: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
        return ordered_windows(value)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Request:
        ids = [s.id for s in self.sessions if s.id]
        if len(ids) != len(set(ids)):
            raise ValueError("session ids must be unique")
        # A block's first week may name races in any of its weeks (validation context).
        self._races_in_range((info.context or {}).get("weeks", 1))
        known = hard_rule_keys() if self.rules.off else ()
        unknown = sorted(set(self.rules.off) - set(known))
        if unknown:
            raise ValueError(
                f"rules.off names unknown rule(s) {', '.join(unknown)}; "
                f"known: {', '.join(known)}"
            )
        return self

    def _races_in_range(self, weeks: int) -> None:
        first = self.week_start
        last = first + timedelta(days=RACE_HORIZON_DAYS - 7 + 7 * weeks - 1)
        span = "this week" if weeks == 1 else f"these {weeks} weeks"
        for i, race in enumerate(self.races):
            if not first <= race.date <= last:
                raise ValueError(
                    f"races[{i}].date {race.date} is outside the races {span} can be "
                    f"planned around: from {first} (the Monday) to {last} (4 weeks after)")

    @property
    def tz(self) -> ZoneInfo:
        return zone_named(self.runner.timezone)

    @property
    def contacts_cap(self) -> int:
        if self.rules.weekly_contacts_cap is not None:
            return self.rules.weekly_contacts_cap
        return LEVELS[self.runner.level].weekly_cap


class Drill(_Strict):
    name: str = Field(description="Drill or exercise name, e.g. 'pogo hops', 'wall sit'.")
    sets: int = Field(ge=1, description="Number of sets.")
    reps: int = Field(ge=1, description="Ground contacts per set (plyo), repetitions per set "
                                        "(strength; 1 for a hold).")
    seconds: int | None = Field(
        None, ge=1, le=600, exclude_if=lambda value: value is None,
        description="How long each hold lasts; absent for reps (and then not written, so a "
                    "drill of reps reads as it always did).",
    )

    @property
    def dose(self) -> str:
        """'3×10' for reps, '3×30 s' for a hold ('3×2×30 s' for two holds a set)."""
        if self.seconds is None:
            return f"{self.sets}×{self.reps}"
        holds = f"{self.reps}×" if self.reps > 1 else ""
        return f"{self.sets}×{holds}{self.seconds} s"


class PlannedSession(_Strict):
    id: str = Field(description="Stable id, also the calendar UID.")
    kind: Kind = Field(description=KINDS_TEXT + ".")
    key: bool = Field(description="True for key workouts (tempo, hill, long).")
    start: datetime = Field(description="Start with the runner's UTC offset.")
    end: datetime = Field(description="End with the runner's UTC offset.")
    contacts: int = Field(0, ge=0, description="Plyo ground contacts; 0 for runs.")
    drills: list[Drill] = Field(default_factory=list, description="Plyo drills, in order.")
    status: Status = Field("planned", description="planned, done, missed or dropped.")
    sequence: int = Field(
        0, ge=0, description="Calendar SEQUENCE: raised each time the time or status changes."
    )
    note: str = Field("", max_length=1000,
                      description="Why the session differs from what was asked (e.g. eased "
                                  "after logged pain); also in its calendar event.")

    @property
    def minutes(self) -> int:
        # In UTC: two datetimes sharing a ZoneInfo subtract on the wall clock, an hour
        # off for a session across a DST change.
        return int((self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds()
                   // 60)


class Schedule(_Strict):
    week_start: date = Field(description="The Monday of the week.")
    timezone: str = Field(description="The runner's IANA time zone.")
    status: Literal["optimal", "feasible", "infeasible", "unknown"] = Field(
        description="optimal/feasible: a plan; infeasible: rules collide; unknown: out of time."
    )
    sessions: list[PlannedSession] = Field(default_factory=list, description="The plan.")
    dropped: list[str] = Field(default_factory=list, description="Ids of sessions given up.")
    explanation: list[ExplanationItem] = Field(
        default_factory=list,
        description="Why the week cannot fit and what would fix it, why each session is "
                    "where it is, what was given up (see DESIGN.md).",
    )
    changes: list[dict[str, Any]] = Field(
        default_factory=list, description="What a re-plan changed, one item per session."
    )
    penalties: dict[str, int] = Field(
        default_factory=dict, description="Soft-rule penalties paid, by rule key."
    )
    advice: list[str] = Field(
        default_factory=list,
        description="What the runner should do beyond the plan, e.g. see a physiotherapist.",
    )
    request: Request | None = Field(None, description="The request this week was planned for.")
