"""`plyoplan busy`: show the busy time plyoplan reads from a calendar for one week."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.calendars.events import BusyReading, Window, local
from scheduler.core.errors import BadRequest

__all__ = ["add_parser", "run"]


def _monday(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; use YYYY-MM-DD") from None
    if day.weekday() != 0:
        raise argparse.ArgumentTypeError(f"{day} is a {day:%A}; give the Monday of the week")
    return day


def _zone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not an IANA time zone; use a name like Europe/Berlin") from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("busy", help="show the busy time read from a calendar",
                       description="Print the merged busy intervals plyoplan reads from a "
                                   "calendar for one week, in local time.")
    p.add_argument("calendar", help=".ics file or http(s)/webcal URL")
    p.add_argument("--week", type=_monday, required=True, metavar="MONDAY",
                   help="the Monday of the week, YYYY-MM-DD")
    p.add_argument("--tz", type=_zone, default=ZoneInfo("UTC"), metavar="ZONE",
                   help="IANA time zone to show times in (default UTC)")
    p.add_argument("--no-tentative", action="store_true",
                   help="tentative events do not count as busy")
    p.add_argument("--all-day-blocks", action="store_true",
                   help="all-day events block the whole day")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scheduler.calendars.read import BusyOptions, CalendarError, format_busy, read_busy

    options = BusyOptions(tentative_blocks=not args.no_tentative,
                          all_day_blocks=args.all_day_blocks)
    try:
        reading = read_busy(args.calendar, week_start=args.week, tz=args.tz, options=options,
                            base_dir=Path.cwd())
    except CalendarError as err:
        raise BadRequest(str(err)) from None
    # A week is read with a day either side (buffers and rules reach across its edges);
    # what the runner asked to see is the week itself.
    print(format_busy(_within_week(reading, args.week, args.tz), args.tz))
    return 0


def _within_week(reading: BusyReading, monday: date, tz: ZoneInfo) -> BusyReading:
    """The reading's intervals cut to Monday 00:00 … the next Monday 00:00 local time."""
    week = Window(local(monday, tz), local(monday + timedelta(days=7), tz), tz)
    clipped = (week.clip(e.start, e.end, e.summary) for e in reading.events)
    return BusyReading([e for e in clipped if e is not None], reading.warnings)
