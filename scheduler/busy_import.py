"""Fold busy calendars (files or URLs) into a request's one-off busy intervals.

After this the request carries every busy interval it was planned around, so a schedule
JSON is enough to check or re-plan the week without fetching calendars again. Each
interval remembers its calendar, so reading a calendar again (a re-plan after the
calendar changed) replaces what it said before instead of adding to it.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from pathlib import Path

from scheduler.domain import BusyInterval, Request
from scheduler.errors import BadRequest

__all__ = ["with_calendars", "calendar_name"]


def calendar_name(source: str, base_dir: Path | None) -> str:
    """A calendar's identity: its URL, or its file's absolute path."""
    if "://" in source:
        return source
    return str(((base_dir or Path.cwd()) / source).resolve())


def with_calendars(
    request: Request, sources: Sequence[str] = (), base_dir: Path | None = None,
    *, public_only: bool = False, fetched: MutableMapping[str, bytes] | None = None,
) -> tuple[Request, list[str]]:
    """The request with its `busy_calendars` and `sources` read into `busy`, and warnings.

    A relative path in `busy_calendars` is read from `base_dir` (the request file's
    folder), one in `sources` (typed on the command line) from the current directory, as
    anyone at a shell expects. `public_only`: calendar URLs must be on public internet
    addresses; `fetched`: bytes already read, by source, shared across a block's weeks.
    """
    wanted = [(source, base_dir) for source in request.busy_calendars]
    wanted += [(source, None) for source in sources]
    if not wanted:
        return request, []
    from scheduler.calendars import BusyOptions, CalendarError, read_busy

    options = BusyOptions(
        tentative_blocks=request.rules.tentative_blocks,
        all_day_blocks=request.rules.all_day_blocks,
    )
    busy = list(request.busy)
    warnings: list[str] = []
    for source, folder in wanted:
        try:
            reading = read_busy(source, week_start=request.week_start, tz=request.tz,
                                options=options, base_dir=folder, public_only=public_only,
                                fetched=fetched)
        except CalendarError as err:
            raise BadRequest(str(err)) from None
        name = calendar_name(source, folder)
        busy = [b for b in busy if b.calendar != name]
        busy.extend(
            BusyInterval(start=e.start, end=e.end, summary=e.summary[:200], calendar=name)
            for e in reading.events
        )
        warnings.extend(reading.warnings)
    return request.model_copy(update={"busy": busy, "busy_calendars": []}), warnings
