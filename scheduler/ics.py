"""A planned week as an iCalendar file: timed events in the runner's zone, stable UIDs.

Each session is one VEVENT whose UID is the session id, so a calendar that imported or
subscribed to the plan moves an event instead of duplicating it when the plan changes.
Times carry a TZID with its VTIMEZONE (never floating); dropped and missed sessions stay
as STATUS:CANCELLED so subscribers see them go away.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from scheduler.domain import Kind, PlannedSession, Schedule

__all__ = ["schedule_to_ics", "session_title", "session_description", "calendar_for"]

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
    first = schedule.week_start - timedelta(days=366)
    cal.add_missing_timezones(first_date=first, last_date=first + timedelta(days=3 * 366))
    return cal.to_ical()
