"""Follow the runner's calendars: when a calendar read again holds a new busy interval
that lands on a session still to come, re-plan the rest of the week around it.

Each calendar is read again as a whole (`CalendarReading`): its intervals replace the
ones the week remembered from it (every busy interval knows its calendar). A calendar
that could not be read keeps what it said last time, so a server that is down never
empties a runner's busy time. Sessions that have started, and those starting within the
freeze window, never move. Only a *new* interval (one the week did not have) that
collides with a later session, buffer included, sets off a re-plan; then the existing
minimal-change re-plan moves what must move and the change items name the event.
Nothing collides: nothing is re-planned, and reading the same calendars again changes
nothing either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from scheduler.core.domain import PLAN_FOUND, BusyInterval, Request, Schedule
from scheduler.core.settings import Settings
from scheduler.replan.changes import name_new_busy
from scheduler.replan.replan import replan

__all__ = ["CalendarReading", "CalendarFollowed", "busy_after", "new_collisions",
           "follow_calendars", "SourceStatus"]

SourceStatus = Literal["unchanged", "changed", "failed"]


@dataclass(frozen=True)
class CalendarReading:
    """One calendar read again: `busy` None when it could not be read (`detail` says why)."""

    name: str  # what its busy intervals carry as `calendar`
    label: str  # how the runner knows it (no secrets)
    busy: list[BusyInterval] | None
    detail: str = ""


@dataclass
class CalendarFollowed:
    """What following the calendars did: the re-planned week (None when nothing
    collided), the request with the busy time as read now, and per calendar its status."""

    schedule: Schedule | None
    request: Request
    sources: list[dict[str, str]] = field(default_factory=list)
    collisions: list[tuple[str, BusyInterval]] = field(default_factory=list)

    @property
    def busy_changed(self) -> bool:
        return any(s["status"] == "changed" for s in self.sources)


def _key(b: BusyInterval) -> tuple[datetime, datetime, str]:
    return (b.start, b.end, b.summary)


def busy_after(request: Request, readings: Sequence[CalendarReading]
               ) -> tuple[list[BusyInterval], list[dict[str, str]]]:
    """The week's busy time with each readable calendar's intervals replaced by what it
    says now, and a status per calendar (unchanged, changed, failed with its reason)."""
    busy = list(request.busy)
    sources = []
    for reading in readings:
        before = [b for b in busy if b.calendar == reading.name]
        if reading.busy is None:
            sources.append({"source": reading.label, "status": "failed",
                            "detail": reading.detail or "could not be read"})
            continue
        same = sorted(map(_key, before)) == sorted(map(_key, reading.busy))
        if not same:
            busy = [b for b in busy if b.calendar != reading.name] + list(reading.busy)
        count = len(reading.busy)
        sources.append({"source": reading.label, "status": "unchanged" if same else "changed",
                        "detail": reading.detail or f"{count} busy interval"
                                                     f"{'' if count == 1 else 's'} this week"})
    return busy, sources


def new_collisions(schedule: Schedule, before: Sequence[BusyInterval],
                   after: Sequence[BusyInterval], *, frozen_until: datetime,
                   buffer_minutes: int) -> list[tuple[str, BusyInterval]]:
    """(session id, new busy interval) for each planned session starting at or after
    `frozen_until` that an interval not in `before` now touches, buffer included."""
    known = set(map(_key, before))
    fresh = [b for b in after if _key(b) not in known]
    buffer = timedelta(minutes=buffer_minutes)
    hits = []
    for session in schedule.sessions:
        if session.status != "planned" or session.start < frozen_until:
            continue
        for b in fresh:
            if b.start < session.end + buffer and session.start - buffer < b.end:
                hits.append((session.id, b))
                break
    return hits


def follow_calendars(schedule: Schedule, readings: Sequence[CalendarReading], *,
                     now: datetime, freeze_minutes: int, settings: Settings
                     ) -> CalendarFollowed:
    """The week after reading its calendars again at `now` (see the module doc)."""
    request = schedule.request
    assert request is not None, "a schedule to follow carries its request"
    busy, sources = busy_after(request, readings)
    followed = request.model_copy(update={"busy": busy})
    frozen_until = now + timedelta(minutes=freeze_minutes)
    hits = new_collisions(schedule, request.busy, busy, frozen_until=frozen_until,
                          buffer_minutes=request.rules.buffer_minutes)
    if not hits or schedule.status not in PLAN_FOUND:
        return CalendarFollowed(None, followed, sources)
    result = replan(schedule, at=frozen_until, settings=settings, request=followed)
    if result.status not in PLAN_FOUND:
        # The week cannot be re-planned around the new event: keep the plan the runner
        # has (it is still better than none) and say so next to the calendar.
        for source in sources:
            if source["status"] == "changed":
                source["detail"] += "; the rest of the week cannot be re-planned around it"
        return CalendarFollowed(None, followed, sources, hits)
    result.changes = name_new_busy(result.changes, dict(hits), request.tz)
    return CalendarFollowed(result, followed, sources, hits)

