"""A planned week as an iCalendar file: timed events in the runner's zone, stable UIDs.

Each session is one VEVENT whose UID is the session id, so a calendar that imported or
subscribed to the plan moves an event instead of duplicating it when the plan changes.
Times carry a TZID with its VTIMEZONE (never floating); dropped and missed sessions stay
as STATUS:CANCELLED so subscribers see them go away.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from icalendar import Calendar, Event, Timezone

from scheduler.domain import Kind, PlannedSession, Schedule

__all__ = ["schedule_to_ics", "session_title", "session_description", "calendar_for",
           "session_event", "add_timezone"]

UTC_ZONES = ("UTC", "Etc/UTC")  # written with Z, no VTIMEZONE

TITLES = {
    Kind.easy: "Easy run",
    Kind.tempo: "Tempo run",
    Kind.hill: "Hill session",
    Kind.long: "Long run",
    Kind.plyo: "Plyometrics",
}

NOTES = {
    Kind.easy: "Conversational pace; you should be able to talk in full sentences.",
    Kind.tempo: "Warm up 10-15 min easy, run the tempo block comfortably hard, cool down easy.",
    Kind.hill: "Warm up easy, climb strong with tall posture, jog back down to recover.",
    Kind.long: "Steady and relaxed; take water and fuel if it runs past 75 minutes.",
    Kind.plyo: (
        "Straight after the easy run, while warm. Land softly with feet under hips and "
        "spring off quickly; stop a set when landings get loud or sloppy. Use grass, a "
        "track or a sprung floor rather than concrete, in cushioned but responsive shoes. "
        "Finish with a few minutes of walking and calf mobility."
    ),
}


def session_title(session: PlannedSession) -> str:
    """'Plyometrics · 80 contacts', 'Tempo run · 50 min'."""
    title = TITLES[session.kind]
    if session.kind is Kind.plyo:
        title = f"{title} · {session.contacts} contacts"
    else:
        title = f"{title} · {session.minutes} min"
    if session.status in ("missed", "dropped"):
        title = f"{session.status.capitalize()}: {title}"
    return title


def session_description(session: PlannedSession) -> str:
    lines = [NOTES[session.kind]]
    if session.drills:
        lines.append("")
        lines.extend(f"- {d.name}: {d.sets} x {d.reps}" for d in session.drills)
    return "\n".join(lines)


def calendar_for(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//plyoplan//plyoplan training plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    return cal


def session_event(session: PlannedSession, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", session.id)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("last-modified", stamp.astimezone(UTC))
    event.add("dtstart", session.start)
    event.add("dtend", session.end)
    event.add("summary", session_title(session))
    event.add("description", session_description(session))
    event.add("sequence", session.sequence)
    cancelled = session.status in ("missed", "dropped")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("categories", ["Training", TITLES[session.kind]])
    return event


def schedule_to_ics(schedule: Schedule, *, name: str | None = None,
                    stamp: datetime | None = None) -> bytes:
    """The week as .ics bytes; `stamp` defaults to now (DTSTAMP/LAST-MODIFIED)."""
    runner = schedule.request.runner.name if schedule.request else "runner"
    cal = calendar_for(name or f"plyoplan · {runner}")
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    for session in schedule.sessions:
        cal.add_component(session_event(session, stamp))
    body: bytes = cal.to_ical()
    zone = _vtimezone_ical(schedule.timezone, schedule.week_start.year)
    # The zone's VTIMEZONE goes last, where add_timezone() would put it: serialized once
    # per zone and year (a sixth of the file's lines, written again for every runner of
    # a batch otherwise), each piece by icalendar.
    end = b"END:VCALENDAR\r\n"
    return body[:-len(end)] + zone + end if zone else body


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, year: int) -> Timezone:
    # Building a VTIMEZONE walks the zone's transitions: worth doing once per zone and year.
    # The component is shared between calendars, so it must never be modified.
    return Timezone.from_tzid(tzid, first_date=date(year - 1, 1, 1),
                              last_date=date(year + 2, 1, 1))


@lru_cache(maxsize=256)
def _vtimezone_ical(tzid: str, year: int) -> bytes:
    """The VTIMEZONE that `add_timezone` adds, as icalendar writes it (b"" for UTC)."""
    return b"" if tzid in UTC_ZONES else bytes(_vtimezone(tzid, year).to_ical())


def add_timezone(cal: Calendar, tzid: str, around: date) -> None:
    """Add the VTIMEZONE of `tzid` covering the years around `around` (none for UTC,
    whose times are written with Z)."""
    if tzid in UTC_ZONES:
        return
    cal.add_component(_vtimezone(tzid, around.year))
