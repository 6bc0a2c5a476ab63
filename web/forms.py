"""The 'plan my week' form: its fields, their defaults, and how they become a request.

Form problems are reported as sentences naming the form field as the page labels it
("Monday free time: ..."), then the request goes through the same validation as the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError

from scheduler.core.domain import WEEKDAYS, Kind, Request
from scheduler.core.labels import LABELS, day_name
from scheduler.core.messages import validation_sentences

__all__ = ["FORM_DAYS", "FORM_KINDS", "RACE_FIELDS", "WeekForm", "default_form", "next_monday",
           "form_to_request"]

# The rows of the form: each weekday's free time, and how many sessions of each kind.
FORM_DAYS: dict[str, str] = {code: day_name(code, full=True) for code in WEEKDAYS}
FORM_KINDS = {kind.value: LABELS[kind].title for kind in Kind if kind is not Kind.race}
# A race is not a count of sessions but a date and a start: its own row of the form.
RACE_FIELDS = ("race_name", "race_date", "race_start", "race_minutes", "race_priority")
_WINDOW = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def next_monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


@dataclass
class WeekForm:
    """The values shown in the form (strings, as typed), and the problems found."""

    values: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def default_form(today: date) -> WeekForm:
    values = {
        "name": "", "level": "intermediate", "timezone": "UTC",
        "week_start": next_monday(today).isoformat(),
        "busy_url": "", "rest_days": "1", "buffer_minutes": "15",
        "race_name": "", "race_date": "", "race_start": "09:00", "race_minutes": "60",
        "race_priority": "A",
    }
    weekday, weekend = "06:00-07:30, 18:00-20:30", "08:00-12:00"
    values.update({f"avail_{d}": weekday for d in WEEKDAYS[:5]})
    values.update({f"avail_{d}": weekend for d in WEEKDAYS[5:]})
    wanted = {"easy": (2, 40), "tempo": (1, 50), "hill": (0, 45), "long": (1, 100),
              "plyo": (1, 20)}
    for kind, (count, minutes) in wanted.items():
        values[f"count_{kind}"], values[f"minutes_{kind}"] = str(count), str(minutes)
    return WeekForm(values)


def _windows(day: str, text: str, errors: list[str]) -> list[list[str]]:
    windows = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _WINDOW.match(part)
        if not match:
            errors.append(f"{FORM_DAYS[day]} free time: write each window as HH:MM-HH:MM, "
                          f"separated by commas (got '{part}').")
            continue
        windows.append([t.zfill(5) for t in match.groups()])
    return windows


def _whole(label: str, text: str, low: int, high: int, errors: list[str]) -> int:
    try:
        number = int(text.strip() or "0")
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        errors.append(f"{label}: give a whole number from {low} to {high} (got '{text}').")
        return low
    return number


def _race(values: dict[str, str], errors: list[str]) -> dict[str, Any] | None:
    """The form's one race, or None when its date is left empty."""
    when = values.get("race_date", "").strip()
    if not when:
        return None
    return {"date": when, "start": values.get("race_start", "").strip() or "09:00",
            "minutes": _whole("Race minutes", values.get("race_minutes", "") or "60", 5, 720,
                              errors),
            "name": values.get("race_name", "").strip() or "Race",
            "priority": values.get("race_priority", "B")}


def form_to_request(values: dict[str, str]) -> tuple[Request | None, list[str]]:
    """The request the form describes, or None and the sentences saying what to fix."""
    errors: list[str] = []
    availability = {d: w for d in WEEKDAYS if (w := _windows(d, values.get(f"avail_{d}", ""),
                                                             errors))}
    sessions: list[dict[str, Any]] = []
    for kind, label in FORM_KINDS.items():
        count = _whole(f"{label} count", values.get(f"count_{kind}", "0"), 0, 7, errors)
        minutes = _whole(f"{label} minutes", values.get(f"minutes_{kind}", "0") or "0",
                         0 if count == 0 else 5, 360, errors)
        sessions.extend({"kind": kind, "minutes": minutes} for _ in range(count))
    if not sessions and not errors:
        errors.append("Sessions: ask for at least one session this week.")
    rules = {
        "rest_days": _whole("Rest days", values.get("rest_days", "1"), 0, 7, errors),
        "buffer_minutes": _whole("Buffer around busy times", values.get("buffer_minutes", "15"),
                                 0, 240, errors),
    }
    if errors:
        return None, errors
    data = {
        "runner": {"name": values.get("name", "").strip() or "runner",
                   "level": values.get("level", "intermediate"),
                   "timezone": values.get("timezone", "UTC").strip() or "UTC"},
        "week_start": values.get("week_start", ""),
        "availability": availability,
        "sessions": sessions,
        "rules": rules,
    }
    busy_url = values.get("busy_url", "").strip()
    if busy_url:
        data["busy_calendars"] = [busy_url]
    race = _race(values, errors)
    if errors:
        return None, errors
    if race:
        data["races"] = [race]
    try:
        return Request.model_validate(data), []
    except ValidationError as err:
        return None, validation_sentences(err)
