"""Hand-written calendars for the calendar tests: a VCALENDAR around VEVENTs given one
property per line, read for the week of Mon 30 Nov 2026 in Berlin unless told otherwise."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.calendars.read import BusyOptions, BusyReading, busy_from_ics

BERLIN = ZoneInfo("Europe/Berlin")
# Real exports of calendar programs (tests/data/calendars/NOTICE says where each is from).
REAL_CALENDARS = Path(__file__).parent / "data" / "calendars"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ics(*components: str, header: str = "") -> bytes:
    """A calendar around hand-written components (one property per line)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//plyoplan tests//EN"]
    lines += header.split()
    for component in components:
        lines += [line.strip() for line in component.strip().splitlines()]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def event(uid: str, summary: str, *lines: str) -> str:
    return "\n".join(["BEGIN:VEVENT", f"UID:{uid}", f"SUMMARY:{summary}", *lines,
                      "END:VEVENT"])


def busy(data: bytes, monday: str = "2026-11-30", tz: ZoneInfo = BERLIN,
         options: BusyOptions | None = None, label: str = "test.ics") -> BusyReading:
    return busy_from_ics(data, label=label, week_start=date.fromisoformat(monday), tz=tz,
                         options=options or BusyOptions())


def intervals(reading: BusyReading) -> list[tuple[datetime, datetime, str]]:
    """The busy intervals of a reading that gave no warnings."""
    assert reading.warnings == []
    return [(e.start, e.end, e.summary) for e in reading.events]
