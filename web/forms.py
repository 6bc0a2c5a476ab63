"""The 'plan my week' form (and the plan page's edit form): its fields, their defaults,
how they become a request, and how a stored request fills them again.

Every problem is found in one pass and reported at once, as sentences naming the field
as the page labels it ("Monday free time: ..."); the fields that could be read then go
through the same validation as the API, so its sentences come along too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from scheduler.core.domain import WEEKDAYS, Kind, Request, RuleSettings
from scheduler.core.labels import LABELS, day_name
from scheduler.core.messages import validation_sentences

__all__ = ["FORM_DAYS", "FORM_KINDS", "RACE_FIELDS", "TIMES_OF_DAY", "CHECKBOXES", "WeekForm",
           "default_form", "next_monday", "form_to_request", "request_to_form", "posted_form"]

# The rows of the form: each weekday's free time, and the sessions of each kind.
FORM_DAYS: dict[str, str] = {code: day_name(code, full=True) for code in WEEKDAYS}
FORM_KINDS = {kind.value: LABELS[kind].title for kind in Kind if kind is not Kind.race}
# A race is not a count of sessions but a date and a start: its own row of the form.
RACE_FIELDS = ("race_name", "race_date", "race_start", "race_minutes", "race_priority")
TIMES_OF_DAY = {"": "any time", "morning": "morning", "midday": "midday",
                "evening": "evening"}
# Checkboxes post nothing when unticked: after an error they show what was posted.
CHECKBOXES = tuple(f"long_{d}" for d in WEEKDAYS)
_WINDOW = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")
_BUSY_LINE = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*(.*)$")
# The names the API gives fields, as the form labels them.
_LABELS = {"week_start": "Week starting", "runner.timezone": "Time zone",
           "runner.name": "Name", "busy_calendars": "Busy calendar address",
           "races": "Race", "sessions": "Sessions", "availability": "Free time"}


def next_monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


@dataclass
class WeekForm:
    """The values shown in the form (strings, as typed), and the problems found."""

    values: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def default_form(today: date) -> WeekForm:
    rules = RuleSettings()
    values = {
        "name": "", "level": "intermediate", "timezone": "UTC",
        "week_start": next_monday(today).isoformat(),
        "busy_url": "", "busy_events": "", "rest_days": str(rules.rest_days),
        "buffer_minutes": str(rules.buffer_minutes), "runs_per_day": "1",
        "plyo_gap_hours": str(rules.plyo_gap_hours),
        "plyo_after_easy_max_gap_minutes": str(rules.plyo_after_easy_max_gap_minutes),
        "weekly_contacts_cap": "", "tentative_blocks": "yes", "all_day_blocks": "no",
        "race_name": "", "race_date": "", "race_start": "09:00", "race_minutes": "60",
        "race_priority": "A", "long_sat": "on", "long_sun": "on",
    }
    weekday, weekend = "06:00-07:30, 18:00-20:30", "08:00-12:00"
    values.update({f"avail_{d}": weekday for d in WEEKDAYS[:5]})
    values.update({f"avail_{d}": weekend for d in WEEKDAYS[5:]})
    wanted = {"easy": (2, 40), "tempo": (1, 50), "hill": (0, 45), "long": (1, 100),
              "plyo": (1, 20), "strength": (0, 30)}
    for kind, (count, minutes) in wanted.items():
        values[f"count_{kind}"], values[f"minutes_{kind}"] = str(count), str(minutes)
        values[f"time_{kind}"] = ""
    return WeekForm(values)


def posted_form(values: dict[str, str], today: date) -> WeekForm:
    """The form as posted, over the defaults (an unticked box stays unticked)."""
    form = default_form(today)
    for box in CHECKBOXES:
        form.values.pop(box, None)
    form.values.update(values)
    return form


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


def _minutes(label: str, text: str, count: int, errors: list[str]) -> list[int]:
    """Each session's minutes: one number for all, or one per session ('40, 60')."""
    parts = [p.strip() for p in text.split(",") if p.strip()] or ["0"]
    if count == 0:
        return []
    if len(parts) not in (1, count):
        errors.append(f"{label} minutes: give one number for all {count} sessions or one "
                      f"each, separated by commas (got '{text}').")
        return [5] * count
    each = [_whole(f"{label} minutes", p, 5, 360, errors) for p in parts]
    return each * count if len(each) == 1 else each


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


def _zone(text: str, errors: list[str]) -> ZoneInfo | None:
    try:
        return ZoneInfo(text.strip() or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(f"Time zone: '{text}' is not a time zone name; write one like "
                      f"Europe/Berlin or America/New_York.")
        return None


def _busy_events(text: str, zone: ZoneInfo | None, errors: list[str]
                 ) -> list[dict[str, str]]:
    """One-off busy times, a line each: '2026-12-01 12:00-13:00 dentist'."""
    events = []
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        match = _BUSY_LINE.match(line)
        if not match:
            errors.append(f"Busy times: write each line as YYYY-MM-DD HH:MM-HH:MM and what "
                          f"it is (got '{line}').")
            continue
        day, start, end, summary = match.groups()
        try:
            begins = datetime.fromisoformat(f"{day}T{start.zfill(5)}")
            ends = datetime.fromisoformat(f"{day}T{end.zfill(5)}")
        except ValueError:
            errors.append(f"Busy times: '{line}' is not a real date and time.")
            continue
        if ends <= begins:
            ends += timedelta(days=1)  # 22:00-06:00: through the night
        if zone is not None:
            events.append({"start": begins.replace(tzinfo=zone).isoformat(),
                           "end": ends.replace(tzinfo=zone).isoformat(),
                           "summary": summary.strip()[:200]})
    return events


def _rules(values: dict[str, str], errors: list[str]) -> dict[str, Any]:
    cap = values.get("weekly_contacts_cap", "").strip()
    return {
        "rest_days": _whole("Rest days", values.get("rest_days", "1"), 0, 7, errors),
        "buffer_minutes": _whole("Minutes kept free around busy times",
                                 values.get("buffer_minutes", "15"), 0, 240, errors),
        "runs_per_day": _whole("Runs a day", values.get("runs_per_day", "1") or "1", 1, 3,
                               errors),
        "plyo_gap_hours": _whole("Hours between plyometric sessions",
                                 values.get("plyo_gap_hours", "48") or "48", 0, 168, errors),
        "plyo_after_easy_max_gap_minutes": _whole(
            "Longest wait from the easy run to plyometrics",
            values.get("plyo_after_easy_max_gap_minutes", "60") or "60", 0, 720, errors),
        "weekly_contacts_cap": _whole("Weekly ground contacts cap", cap, 0, 1000, errors)
        if cap else None,
        "tentative_blocks": values.get("tentative_blocks", "yes") != "no",
        "all_day_blocks": values.get("all_day_blocks", "no") == "yes",
    }


def _labelled(sentence: str) -> str:
    for name, label in _LABELS.items():
        sentence = sentence.replace(f"Field '{name}'", label)
    return sentence


def form_to_request(values: dict[str, str]) -> tuple[Request | None, list[str]]:
    """The request the form describes, or None and every sentence saying what to fix."""
    errors: list[str] = []
    availability = {d: w for d in WEEKDAYS if (w := _windows(d, values.get(f"avail_{d}", ""),
                                                             errors))}
    sessions: list[dict[str, Any]] = []
    time_of_day: dict[str, str] = {}
    for kind, label in FORM_KINDS.items():
        count = _whole(f"{label} count", values.get(f"count_{kind}", "0") or "0", 0, 7, errors)
        for minutes in _minutes(label, values.get(f"minutes_{kind}", "0") or "0", count,
                                errors):
            sessions.append({"kind": kind, "minutes": minutes})
        if values.get(f"time_{kind}", "") in ("morning", "midday", "evening"):
            time_of_day[kind] = values[f"time_{kind}"]
    if not sessions:
        errors.append("Sessions: ask for at least one session this week.")
    zone = _zone(values.get("timezone", "UTC"), errors)
    data: dict[str, Any] = {
        "runner": {"name": values.get("name", "").strip() or "runner",
                   "level": values.get("level", "intermediate"),
                   "timezone": values.get("timezone", "UTC").strip() or "UTC"},
        "week_start": values.get("week_start", ""),
        "availability": availability,
        "busy": _busy_events(values.get("busy_events", ""), zone, errors),
        "sessions": sessions or [{"kind": "easy", "minutes": 30}],
        "rules": _rules(values, errors),
        "preferences": {"long_run_days": [d for d in WEEKDAYS if values.get(f"long_{d}")],
                        "time_of_day": time_of_day},
    }
    busy_url = values.get("busy_url", "").strip()
    if busy_url:
        data["busy_calendars"] = [busy_url]
    race = _race(values, errors)
    if race:
        data["races"] = [race]
    if zone is None:
        data["runner"]["timezone"] = "UTC"
    try:
        request = Request.model_validate(data)
    except ValidationError as err:
        errors += [_labelled(s) for s in validation_sentences(err)]
        return None, errors
    return (None, errors) if errors else (request, [])


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%H:%M}"


def request_to_form(request: Request) -> WeekForm:
    """The form filled from a request (to change a planned week). Busy times read from a
    calendar are not listed: the calendar is read again."""
    zone = request.tz
    rules = request.rules
    values: dict[str, str] = {
        "name": request.runner.name, "level": request.runner.level,
        "timezone": request.runner.timezone, "week_start": request.week_start.isoformat(),
        "busy_url": "", "rest_days": str(rules.rest_days),
        "buffer_minutes": str(rules.buffer_minutes), "runs_per_day": str(rules.runs_per_day),
        "plyo_gap_hours": str(rules.plyo_gap_hours),
        "plyo_after_easy_max_gap_minutes": str(rules.plyo_after_easy_max_gap_minutes),
        "weekly_contacts_cap": "" if rules.weekly_contacts_cap is None
        else str(rules.weekly_contacts_cap),
        "tentative_blocks": "yes" if rules.tentative_blocks else "no",
        "all_day_blocks": "yes" if rules.all_day_blocks else "no",
        "busy_events": "\n".join(
            f"{b.start.astimezone(zone):%Y-%m-%d} {_clock(b.start, zone)}-"
            f"{_clock(b.end, zone)} {b.summary}".rstrip()
            for b in request.busy if not b.calendar),
        "race_name": "", "race_date": "", "race_start": "09:00", "race_minutes": "60",
        "race_priority": "A",
    }
    for d in WEEKDAYS:
        values[f"avail_{d}"] = ", ".join(f"{a}-{b}" for a, b in request.availability.get(d, []))
        if d in request.preferences.long_run_days:
            values[f"long_{d}"] = "on"
    for kind in FORM_KINDS:
        minutes = [str(w.minutes) for w in request.sessions if w.kind.value == kind]
        values[f"count_{kind}"] = str(len(minutes))
        values[f"minutes_{kind}"] = (minutes[0] if len(set(minutes)) == 1
                                     else ", ".join(minutes)) if minutes else "30"
        values[f"time_{kind}"] = request.preferences.time_of_day.get(Kind(kind), "")
    if request.races:
        race = request.races[0]
        values.update({"race_name": race.name, "race_date": race.date.isoformat(),
                       "race_start": race.start, "race_minutes": str(race.minutes),
                       "race_priority": race.priority})
    return WeekForm(values)
