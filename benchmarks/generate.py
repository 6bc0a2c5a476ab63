"""Random but realistic training-week requests, deterministic by seed.

Benchmarks and tests need many different weeks: runners in several time zones (DST weeks
included), weekday windows before and after work, longer weekend windows, one-off busy
events that land on those windows, session mixes that grow with the runner's level, and
soft preferences. The same seed always gives the same requests, so a benchmark table or a
failing test can be reproduced exactly.

`busy_events` sets how crowded the calendars are: more events make more weeks impossible
and first-fit placement harder.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.core.domain import WEEKDAYS, Request
from scheduler.core.week import local_datetime

__all__ = ["TIMEZONES", "FIRST_NAMES", "random_request", "random_requests", "request_data"]

TIMEZONES: tuple[str, ...] = (
    "Europe/Berlin", "Europe/London", "America/New_York", "America/Chicago",
    "America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney",
    "Pacific/Auckland", "UTC",
)
# Repeats on purpose: squads have two Anas, and output names must still be unique.
FIRST_NAMES: tuple[str, ...] = (
    "Ana", "Ben", "Chloé", "Dev", "Emma", "Femi", "Greta", "Hiro", "Ines", "Jonas",
    "Kofi", "Lena", "Malik", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tomás",
)
FIRST_MONDAY = date(2026, 1, 5)
WEEKS_SPAN = 104  # two years of Mondays, so every zone's DST weeks come up
CONTEXT_KINDS = (None, None, None, "rest", "easy", "easy", "tempo", "long", "plyo")
PARTS = ("morning", "midday", "evening")

# (easy runs, key runs other than the long run, plyo sessions) a level may ask for.
MIXES: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "beginner": ((2, 3), (0, 1), (0, 1)),
    "intermediate": ((2, 3), (1, 1), (1, 2)),
    "advanced": ((3, 4), (1, 2), (1, 2)),
}
MINUTES = {"easy": (30, 60), "tempo": (40, 60), "hill": (40, 60), "long": (75, 150),
           "plyo": (15, 25)}


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minutes(rng: random.Random, lo: int, hi: int) -> int:
    """A duration on the 5-minute grid between lo and hi."""
    return 5 * rng.randint(lo // 5, hi // 5)


def _availability(rng: random.Random) -> dict[str, list[list[int]]]:
    """Weekday windows around a working day, longer ones at the weekend (local minutes)."""
    windows: dict[str, list[list[int]]] = {}
    for name in WEEKDAYS:
        spans = []
        if name in ("sat", "sun"):
            if rng.random() < 0.9:
                start = _minutes(rng, 6 * 60, 10 * 60)
                spans.append([start, start + _minutes(rng, 150, 300)])
        else:
            if rng.random() < 0.7:
                start = _minutes(rng, 5 * 60, 7 * 60 + 30)
                spans.append([start, start + _minutes(rng, 60, 120)])
            if rng.random() < 0.2:
                start = _minutes(rng, 11 * 60 + 30, 13 * 60)
                spans.append([start, start + _minutes(rng, 45, 75)])
            if rng.random() < 0.7:
                start = _minutes(rng, 17 * 60, 19 * 60 + 30)
                spans.append([start, start + _minutes(rng, 75, 180)])
        if spans:
            windows[name] = spans
    return windows


def _busy(rng: random.Random, windows: dict[str, list[list[int]]], monday: date,
          tz_name: str, count: int) -> list[dict[str, str]]:
    """One-off events placed over the runner's windows, where they actually get in the way."""
    tz = ZoneInfo(tz_name)
    days = [name for name in WEEKDAYS if name in windows]
    events = []
    for _ in range(count if days else 0):
        name = rng.choice(days)
        lo, hi = rng.choice(windows[name])
        start = _minutes(rng, max(lo - 60, 0), hi)
        end = min(start + _minutes(rng, 30, 150), 24 * 60)
        day = monday + timedelta(days=WEEKDAYS.index(name))
        events.append({
            "start": local_datetime(day, start, tz).isoformat(),
            "end": local_datetime(day, end, tz).isoformat(),
            "summary": rng.choice(("meeting", "school run", "dentist", "late shift", "travel")),
        })
    return events


def _sessions(rng: random.Random, level: str) -> list[dict[str, Any]]:
    (easy_lo, easy_hi), (key_lo, key_hi), (plyo_lo, plyo_hi) = MIXES[level]
    kinds = ["easy"] * rng.randint(easy_lo, easy_hi)
    kinds += [rng.choice(("tempo", "hill")) for _ in range(rng.randint(key_lo, key_hi))]
    kinds += ["long"] if rng.random() < 0.9 else []
    kinds += ["plyo"] * rng.randint(plyo_lo, plyo_hi)
    return [{"kind": k, "minutes": _minutes(rng, *MINUTES[k])} for k in kinds]


def request_data(rng: random.Random, *, name: str | None = None,
                 busy_events: tuple[int, int] = (0, 4)) -> dict[str, Any]:
    """One random request as the JSON a runner would send (plain dicts and strings)."""
    level = rng.choice(("beginner", "intermediate", "intermediate", "advanced"))
    tz_name = rng.choice(TIMEZONES)
    monday = FIRST_MONDAY + timedelta(weeks=rng.randrange(WEEKS_SPAN))
    windows = _availability(rng)
    data: dict[str, Any] = {
        "runner": {"name": name or rng.choice(FIRST_NAMES), "level": level,
                   "timezone": tz_name},
        "week_start": monday.isoformat(),
        "availability": {day: [[_clock(a), _clock(b)] for a, b in spans]
                         for day, spans in windows.items()},
        "busy": _busy(rng, windows, monday, tz_name, rng.randint(*busy_events)),
        "sessions": _sessions(rng, level),
        "context": {"day_before": rng.choice(CONTEXT_KINDS),
                    "day_after": rng.choice(CONTEXT_KINDS)},
        "rules": {"buffer_minutes": rng.choice((0, 10, 15, 15, 30))},
        "preferences": {
            "long_run_days": rng.choice((["sat", "sun"], ["sun"], ["sat"], ["sat", "sun"])),
            "time_of_day": {k: rng.choice(PARTS) for k in ("easy", "tempo", "long", "hill")
                            if rng.random() < 0.3},
        },
    }
    return data


def random_request(rng: random.Random, *, name: str | None = None,
                   busy_events: tuple[int, int] = (0, 4)) -> Request:
    """One random request, validated like any runner's."""
    return Request.model_validate(request_data(rng, name=name, busy_events=busy_events))


def random_requests(count: int, seed: int = 0, *,
                    busy_events: tuple[int, int] = (0, 4)) -> Iterator[Request]:
    """`count` random requests; the same seed gives the same requests."""
    rng = random.Random(seed)
    for _ in range(count):
        yield random_request(rng, busy_events=busy_events)
