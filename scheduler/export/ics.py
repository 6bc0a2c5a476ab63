"""A planned week as an iCalendar file: timed events in the runner's zone, stable UIDs.

Each session is one VEVENT whose UID is the session id, so a calendar that imported or
subscribed to the plan moves an event instead of duplicating it when the plan changes.
Times carry the runner's TZID with its VTIMEZONE (never floating, never a bare offset; a
zone that is UTC is written with Z); dropped and missed sessions stay as STATUS:CANCELLED
so subscribers see them go away. Every text is written as RFC 5545 TEXT by
`calendar_text`, so no name or note can end a line and start a property or an event.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone
from icalendar.prop import vText
from icalendar.timezone import is_utc

from scheduler.core.domain import Kind, PlannedSession, Schedule
from scheduler.core.labels import LABELS
from scheduler.core.strength import strength_description

__all__ = ["schedule_to_ics", "session_title", "session_description", "calendar_for",
           "session_event", "add_timezone", "calendar_text"]

def session_title(session: PlannedSession) -> str:
    """'Plyometrics · 80 contacts', 'Tempo run · 50 min'."""
    title = LABELS[session.kind].title
    if session.kind is Kind.plyo:
        title = f"{title} · {session.contacts} contacts"
    else:
        title = f"{title} · {session.minutes} min"
    if session.status in ("missed", "dropped"):
        title = f"{session.status.capitalize()}: {title}"
    return title


def session_description(session: PlannedSession) -> str:
    # why the session is not what was asked (eased after pain...) comes first
    lines = [session.note, "", LABELS[session.kind].note] if session.note else [
        LABELS[session.kind].note]
    if session.kind is Kind.strength:  # each exercise with its dose and how to do it
        return "\n".join([*lines, "", strength_description(session.drills)])
    if session.drills:
        lines.append("")
        lines.extend(f"- {d.name}: {d.sets} x {d.reps}" for d in session.drills)
    return "\n".join(lines)


# What TEXT cannot hold (RFC 5545 3.3.11): control characters other than tab and line
# feed, and unpaired surrogates (a JSON string may carry one; UTF-8 cannot).
_UNWRITABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


class _Text(vText):
    """A TEXT value escaped exactly as RFC 5545 3.3.11 says. icalendar's own escaping
    also reads a backslash followed by N in the text as a line break ("C:\\New")."""

    def to_ical(self) -> bytes:
        text = str(self)
        for char in ("\\", ";", ","):
            text = text.replace(char, "\\" + char)
        return text.replace("\n", "\\n").encode()


def calendar_text(text: str) -> vText:
    """`text` (a name, a note, an id) as a TEXT value: backslash, semicolon, comma and line
    breaks escaped, so it stays one property however it was typed; every line break as
    one \\n, and characters no calendar can hold (control characters) left out."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return _Text(_UNWRITABLE.sub("", lines))


def calendar_for(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//plyoplan//plyoplan training plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # icalendar writes properties it has no type for (these two) unescaped.
    cal.add("name", calendar_text(name))
    cal.add("x-wr-calname", calendar_text(name))
    return cal


def _on_the_runners_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` in the runner's zone, which the calendar then names by its TZID. A time
    read back from a schedule file carries a bare offset (+01:00), which would be written
    as a TZID that no VTIMEZONE defines. In the hour a clock goes back, a local time
    happens twice and a TZID time means the first (RFC 5545 3.3.5): the second is written
    in UTC, the one way to name that instant."""
    local = moment.astimezone(zone)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


def session_event(session: PlannedSession, stamp: datetime, zone: ZoneInfo, *,
                  description: str | None = None) -> Event:
    """The session as a VEVENT with its times in `zone` (the runner's); `description`
    defaults to the kind's notes and the drills."""
    event = Event()
    event.add("uid", calendar_text(session.id))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("last-modified", stamp.astimezone(UTC))
    event.add("dtstart", _on_the_runners_clock(session.start, zone))
    event.add("dtend", _on_the_runners_clock(session.end, zone))
    event.add("summary", calendar_text(session_title(session)))
    event.add("description", calendar_text(
        session_description(session) if description is None else description))
    event.add("sequence", session.sequence)
    cancelled = session.status in ("missed", "dropped")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("categories", ["Training", LABELS[session.kind].title])
    return event


def schedule_to_ics(schedule: Schedule, *, name: str | None = None,
                    stamp: datetime | None = None) -> bytes:
    """The week as .ics bytes; `stamp` defaults to now (DTSTAMP/LAST-MODIFIED)."""
    runner = schedule.request.runner.name if schedule.request else "runner"
    cal = calendar_for(name or f"plyoplan · {runner}")
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    zone = ZoneInfo(schedule.timezone)
    for session in schedule.sessions:
        cal.add_component(session_event(session, stamp, zone))
    body: bytes = cal.to_ical()
    vtimezone = _vtimezone_ical(schedule.timezone, schedule.week_start.year)
    # The zone's VTIMEZONE goes last, where add_timezone() would put it: serialized once
    # per zone and year (a sixth of the file's lines, written again for every runner of
    # a batch otherwise), each piece by icalendar.
    end = b"END:VCALENDAR\r\n"
    return body[:-len(end)] + vtimezone + end if vtimezone else body


def _written_in_utc(tzid: str) -> bool:
    """Whether icalendar writes this zone's times with Z (UTC, GMT, Iceland, ...)."""
    return is_utc(ZoneInfo(tzid))


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, year: int) -> Timezone:
    # Building a VTIMEZONE walks the zone's transitions: worth doing once per zone and year.
    # The component is shared between calendars, so it must never be modified.
    return Timezone.from_tzid(tzid, first_date=date(year - 1, 1, 1),
                              last_date=date(year + 2, 1, 1))


@lru_cache(maxsize=256)
def _vtimezone_ical(tzid: str, year: int) -> bytes:
    """The VTIMEZONE that `add_timezone` adds, as icalendar writes it (b"" for UTC)."""
    return b"" if _written_in_utc(tzid) else bytes(_vtimezone(tzid, year).to_ical())


def add_timezone(cal: Calendar, tzid: str, around: date) -> None:
    """Add the VTIMEZONE of `tzid` covering the years around `around` (none for UTC,
    whose times are written with Z)."""
    if _written_in_utc(tzid):
        return
    cal.add_component(_vtimezone(tzid, around.year))
