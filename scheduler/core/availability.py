"""Free time: the runner's weekly windows minus busy events (with a buffer around each).

Everything is on the week's minute line (see `week.Week`), so DST weeks need no special
case. Window edges are rounded inward to 5 minutes, the resolution of session starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scheduler.core.domain import WEEKDAYS, Request, Weekday, clock_minutes
from scheduler.core.week import Week, local_datetime

__all__ = ["FreeWindow", "BusyBlock", "free_windows", "busy_blocks", "STEP", "windows_on_line"]

STEP = 5  # minutes: the resolution of session start times


@dataclass(frozen=True)
class FreeWindow:
    """A stretch of free time inside one local day, [start, end) on the week line."""

    day: int
    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class BusyBlock:
    """A busy event on the week line, already widened by the buffer."""

    start: int
    end: int
    summary: str


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def busy_blocks(request: Request, week: Week) -> list[BusyBlock]:
    """The request's busy intervals as minutes, widened by the buffer on both sides."""
    buffer = request.rules.buffer_minutes
    return [
        BusyBlock(week.minute(b.start) - buffer, week.minute(b.end) + buffer, b.summary)
        for b in request.busy
    ]


def weekly_windows(request: Request, week: Week) -> list[tuple[int, int, int]]:
    """(day, start, end) of the availability windows of this week, merged per day."""
    return windows_on_line(request.availability, week)


def windows_on_line(weekly: Mapping[Weekday, list[list[str]]], week: Week
                    ) -> list[tuple[int, int, int]]:
    """(day, start, end) on the week line of weekly local windows such as
    {"tue": [["18:00", "20:30"]]}, merged per day (a squad's venue slots use it too)."""
    out: list[tuple[int, int, int]] = []
    for day, name in enumerate(WEEKDAYS):
        spans = []
        for start_text, end_text in weekly.get(name, []):
            date = week.date(day)
            start = week.minute(local_datetime(date, clock_minutes(start_text), week.tz))
            end = week.minute(local_datetime(date, clock_minutes(end_text), week.tz))
            if end > start:
                spans.append((start, end))
        out.extend((day, start, end) for start, end in _merge(spans))
    return out


def free_windows(request: Request, week: Week) -> list[FreeWindow]:
    """Weekly windows minus busy blocks, each piece rounded inward to the 5-minute grid."""
    busy = _merge((b.start, b.end) for b in busy_blocks(request, week))
    windows = []
    for day, start, end in weekly_windows(request, week):
        pieces = [(start, end)]
        for busy_start, busy_end in busy:
            pieces = [
                piece
                for lo, hi in pieces
                for piece in ((lo, min(hi, busy_start)), (max(lo, busy_end), hi))
                if piece[1] > piece[0]
            ]
        for lo, hi in pieces:
            lo = -(-lo // STEP) * STEP
            hi = hi // STEP * STEP
            if hi > lo:
                windows.append(FreeWindow(day, lo, hi))
    return windows
