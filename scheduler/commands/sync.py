"""`plyoplan sync`: read a planned week's calendars again and re-plan the rest of the week
if a new busy interval lands on a session still to come (scheduler.replan.after_calendar).

A CalDAV collection's password never reaches a schedule file, so the command reads it,
as `plyoplan push` does, from PLYOPLAN_CALDAV_PASSWORD (the user name from --username);
without it the collection keeps the busy time it gave and the output says why."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.calendars.caldav_collection import CALDAV_PREFIX, CalDavTarget, read_caldav_busy
from scheduler.calendars.fetch import CalendarError, calendar_label
from scheduler.calendars.read import BusyOptions, read_busy
from scheduler.commands.push import PASSWORD_VARIABLE
from scheduler.commands.replan import write_and_show
from scheduler.core.domain import BusyInterval
from scheduler.core.io import load_schedule
from scheduler.core.settings import get_settings
from scheduler.replan.after_calendar import CalendarReading, follow_calendars

__all__ = ["add_parser", "run"]

FREEZE_MINUTES = 60


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sync", help="re-read a planned week's calendars and re-plan if something collides",
        description="Read again every calendar the week in SCHEDULE (a file written by "
                    "'plyoplan plan --json') took busy time from. A new busy interval on a "
                    "session still to come (not within the next hour) re-plans the rest of "
                    "the week, moving as little as possible; otherwise nothing changes. A "
                    "calendar that cannot be read keeps the busy time it gave before. A "
                    "CalDAV collection's password is read from "
                    f"{PASSWORD_VARIABLE} (it is never in the schedule file).",
    )
    p.add_argument("schedule", type=Path, help="schedule JSON written by 'plyoplan plan --json'")
    p.add_argument("--username", default="", metavar="U",
                   help="the CalDAV account's user name, for a CalDAV busy calendar")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the schedule JSON here")
    p.add_argument("--ics", type=Path, metavar="OUT", help="write an iCalendar file here")
    p.set_defaults(run=run)


def _reading(name: str, schedule_dir: Path, options: BusyOptions, week: date,
             tz: ZoneInfo, username: str) -> CalendarReading:
    """One calendar read again; `name` is what its busy intervals carry."""
    caldav = name[len(CALDAV_PREFIX):] if name.startswith(CALDAV_PREFIX) else None
    label = caldav or calendar_label(name)
    try:
        if caldav is None:
            found = read_busy(name, week_start=week, tz=tz, options=options,
                              base_dir=schedule_dir)
        elif (password := os.environ.get(PASSWORD_VARIABLE)) is None:
            return CalendarReading(name, label, None, (
                "a CalDAV collection's password is not in the schedule file; set "
                f"{PASSWORD_VARIABLE} (and --username) to read it again"))
        else:
            found = read_caldav_busy(CalDavTarget(caldav, username, password), week_start=week,
                                     tz=tz, options=options)
    except CalendarError as err:
        return CalendarReading(name, label, None, str(err))
    return CalendarReading(name, label, [
        BusyInterval(start=e.start, end=e.end, summary=e.summary[:200], calendar=name)
        for e in found.events])


def run(args: argparse.Namespace) -> int:
    schedule = load_schedule(args.schedule)
    request = schedule.request
    assert request is not None  # load_schedule insists on it
    options = BusyOptions(tentative_blocks=request.rules.tentative_blocks,
                          all_day_blocks=request.rules.all_day_blocks)
    names = sorted({b.calendar for b in request.busy if b.calendar})
    readings = [_reading(n, args.schedule.parent, options, request.week_start, request.tz,
                         args.username) for n in names]
    followed = follow_calendars(schedule, readings, now=datetime.now(UTC),
                                freeze_minutes=FREEZE_MINUTES, settings=get_settings())
    result = followed.schedule or schedule.model_copy(update={"request": followed.request,
                                                              "changes": []})
    for source in followed.sources:
        print(f"{source['source']}: {source['status']} ({source['detail']})")
    if not followed.sources:
        print("The week took no busy time from a calendar; there is nothing to read again.")
    write_and_show(result, json_out=args.json, ics_out=args.ics)
    return 0
