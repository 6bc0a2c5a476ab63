"""Fold busy calendars (files or URLs) into a request's one-off busy intervals.

After this the request carries every busy interval it was planned around, so a schedule
JSON is enough to check or re-plan the week without fetching calendars again. Each
interval remembers its calendar, so reading a calendar again (a re-plan after the
calendar changed) replaces what it said before instead of adding to it.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.core.domain import (
    MAX_BUSY_CALENDARS,
    MAX_BUSY_INTERVALS,
    BusyInterval,
    CalDavCalendar,
    CalendarSource,
    Request,
)
from scheduler.core.errors import BadRequest

if TYPE_CHECKING:  # for the annotation; with_calendars imports the readers where it reads
    from scheduler.calendars.fetch import CalendarError

__all__ = ["with_calendars", "calendar_name"]


def calendar_name(source: CalendarSource, base_dir: Path | None) -> str:
    """A calendar's identity: its URL, its file's absolute path, or 'caldav:' and the
    CalDAV collection's URL."""
    if isinstance(source, CalDavCalendar):
        from scheduler.calendars.caldav_collection import caldav_name

        return caldav_name(source.caldav)
    if "://" in source:
        return source
    return str(((base_dir or Path.cwd()) / source).resolve())


def with_calendars(
    request: Request, sources: Sequence[CalendarSource] = (), base_dir: Path | None = None,
    *, public_only: bool = False,
    fetched: MutableMapping[str, bytes | CalendarError] | None = None,
) -> tuple[Request, list[str]]:
    """The request with its `busy_calendars` and `sources` read into `busy`, and warnings
    (`public_only`: calendar URLs must be on public internet addresses; `fetched`: bytes
    already read, by source, shared across the weeks of a block).

    A calendar named twice is read once, and all URLs are fetched at the same time.
    Raises BadRequest when more than `MAX_BUSY_CALENDARS` calendars are named, one cannot
    be read, or the week ends up with more than `MAX_BUSY_INTERVALS` busy intervals.
    """
    by_name: dict[str, CalendarSource] = {}
    for source in [*request.busy_calendars, *sources]:
        by_name.setdefault(calendar_name(source, base_dir), source)
    if not by_name:
        return request, []
    if len(by_name) > MAX_BUSY_CALENDARS:
        raise BadRequest(
            f"Field 'busy_calendars' with --busy names {len(by_name)} different calendars; "
            f"plyoplan reads at most {MAX_BUSY_CALENDARS} for one week.")
    from scheduler.calendars.read import BusyOptions, CalendarError, load_calendars, read_busy

    fetched = {} if fetched is None else fetched
    files_and_urls = [s for s in by_name.values() if isinstance(s, str)]
    try:
        fetched.update(load_calendars([s for s in files_and_urls if s not in fetched],
                                      base_dir=base_dir, public_only=public_only))
    except CalendarError as err:
        raise BadRequest(str(err)) from None
    options = BusyOptions(
        tentative_blocks=request.rules.tentative_blocks,
        all_day_blocks=request.rules.all_day_blocks,
    )
    busy = list(request.busy)
    warnings: list[str] = []
    for name, source in by_name.items():
        try:
            if isinstance(source, CalDavCalendar):
                from scheduler.calendars.caldav_collection import CalDavTarget, read_caldav_busy

                reading = read_caldav_busy(CalDavTarget.of(source), week_start=request.week_start,
                                           tz=request.tz, options=options,
                                           public_only=public_only)
            else:
                reading = read_busy(source, week_start=request.week_start, tz=request.tz,
                                    options=options, base_dir=base_dir,
                                    public_only=public_only, fetched=fetched)
        except CalendarError as err:
            raise BadRequest(str(err)) from None
        busy = [b for b in busy if b.calendar != name]
        busy.extend(
            BusyInterval(start=e.start, end=e.end, summary=e.summary[:200], calendar=name)
            for e in reading.events
        )
        warnings.extend(reading.warnings)
    if len(busy) > MAX_BUSY_INTERVALS:
        raise BadRequest(
            f"Fields 'busy' and 'busy_calendars' add up to {len(busy):,} busy intervals in "
            f"the week of {request.week_start}; plyoplan plans around at most "
            f"{MAX_BUSY_INTERVALS:,}.")
    return request.model_copy(update={"busy": busy, "busy_calendars": []}), warnings
