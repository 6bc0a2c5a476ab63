"""Busy intervals: what a calendar reading yields, how intervals merge and print.

calendars.py decides which events of a calendar count as busy; what it produces lives
here: `BusyEvent` (one interval the runner cannot train in), `BusyReading` (the merged
intervals of one calendar and the warnings about events it skipped), `merge_busy`,
`format_busy` (the table `plyoplan busy` prints), and the `Window` of local days a
week is read for, which clips each event to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.core.labels import DAY_NAMES

__all__ = ["BusyEvent", "BusyReading", "Window", "at_wall_clock", "day_name", "format_busy",
           "local", "merge_busy", "wall_clock"]

ONE_DAY = timedelta(days=1)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class BusyEvent:
    """One interval in which the runner cannot train."""

    start: datetime  # timezone-aware
    end: datetime  # timezone-aware, > start
    summary: str

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError(f"Busy event '{self.summary}' needs timezone-aware times.")
        if self.end <= self.start:
            raise ValueError(f"Busy event '{self.summary}' must end after it starts.")


@dataclass
class BusyReading:
    """What one calendar says about one week."""

    events: list[BusyEvent]  # merged, sorted, clipped to the window
    warnings: list[str]  # one sentence per broken event, naming it and the file


def merge_busy(events: Iterable[BusyEvent]) -> list[BusyEvent]:
    """Sorted intervals with overlapping or touching ones joined into one.

    Joined summaries read "A + B", each title once, so merging merged intervals again
    (several calendars, or one-off busy times on top) does not repeat titles.
    """
    merged: list[BusyEvent] = []
    for event in sorted(events, key=lambda e: (e.start, e.end)):
        if merged and event.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = BusyEvent(last.start, max(last.end, event.end),
                                   _join_summaries(last.summary, event.summary))
        else:
            merged.append(event)
    return merged


def format_busy(reading: BusyReading, tz: ZoneInfo) -> str:
    """A table of the busy intervals in local time, one per line, then the warnings."""
    rows = [(_format_span(e.start.astimezone(tz), e.end.astimezone(tz)), e.summary)
            for e in reading.events]
    width = max((len(span) for span, _ in rows), default=0)
    lines = [f"{span.ljust(width)}  {summary}" for span, summary in rows]
    if not lines:
        lines.append("No busy time in this week.")
    if reading.warnings:
        lines += ["", "Warnings:", *(f"  - {warning}" for warning in reading.warnings)]
    return "\n".join(lines)


@dataclass(frozen=True)
class Window:
    """The local days [week_start − 1, week_start + 8) as aware instants."""

    start: datetime
    end: datetime
    tz: ZoneInfo

    @classmethod
    def around(cls, week_start: date, tz: ZoneInfo) -> Window:
        return cls(local(week_start - ONE_DAY, tz), local(week_start + 8 * ONE_DAY, tz), tz)

    def query_span(self) -> tuple[datetime, datetime]:
        """A naive span for recurring_ical_events, one day wider on each side.

        It reads a naive span in each event's own zone, and no zone is a day or more
        away from the runner's, so nothing inside the window is missed; clip() then cuts
        exactly.
        """
        start = self.start.replace(tzinfo=None) - ONE_DAY
        return start, self.end.replace(tzinfo=None) + ONE_DAY

    def clip(self, start: date | datetime, end: date | datetime,
             summary: str) -> BusyEvent | None:
        """The busy part of [start, end) inside the window, or None."""
        first = max(local(start, self.tz), self.start)
        last = min(local(end, self.tz), self.end)
        return BusyEvent(first, last, summary) if first < last else None


def local(value: date | datetime, tz: ZoneInfo) -> datetime:
    """An instant in the runner's zone: a date is its local midnight, floating is local."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    # Through UTC, so a wall time that does not exist (spring forward) is shown as the
    # real clock time it stands for.
    return value.astimezone(UTC).astimezone(tz)


def wall_clock(value: date | datetime) -> datetime:
    """The naive wall-clock time of a DATE or DATE-TIME (a date is its midnight), as
    dateutil steps through a rule."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, time())


def at_wall_clock(like: date | datetime, wall: datetime) -> date | datetime:
    """`wall` as the kind of value `like` is: a date, or a time in `like`'s zone."""
    if isinstance(like, datetime):
        return wall.replace(tzinfo=like.tzinfo)
    return wall.date()


def day_name(day: date) -> str:
    """A day as messages name it: "30 Nov 2026" (fixed English, whatever the locale)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _join_summaries(first: str, second: str) -> str:
    parts = first.split(" + ")
    parts += [part for part in second.split(" + ") if part not in parts]
    return " + ".join(parts)


def _format_span(start: datetime, end: datetime) -> str:
    if end.date() == start.date():
        return f"{_format_day(start)} {start:%H:%M}–{end:%H:%M}"
    if end.time() == time() and end.date() == start.date() + ONE_DAY:
        return f"{_format_day(start)} {start:%H:%M}–24:00"
    return f"{_format_day(start)} {start:%H:%M} – {_format_day(end)} {end:%H:%M}"


def _format_day(moment: datetime) -> str:
    # Fixed English names: strftime's %a/%b follow the process locale.
    return f"{DAY_NAMES[moment.weekday()]} {moment.day:02d} {_MONTHS[moment.month - 1]}"
