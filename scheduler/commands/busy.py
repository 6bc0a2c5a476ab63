"""`plyoplan busy`: show the busy time plyoplan reads from a calendar for one week."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.errors import BadRequest

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
    from scheduler.calendars import BusyOptions, CalendarError, format_busy, read_busy

    options = BusyOptions(tentative_blocks=not args.no_tentative,
                          all_day_blocks=args.all_day_blocks)
    try:
        reading = read_busy(args.calendar, week_start=args.week, tz=args.tz, options=options,
                            base_dir=Path.cwd())
    except CalendarError as err:
        raise BadRequest(str(err)) from None
    print(format_busy(reading, args.tz))  # the warnings are listed under the intervals
    return 0
