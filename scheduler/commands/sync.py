"""`plyoplan sync`: read a planned week's calendars again and re-plan the rest of the week
if a new busy interval lands on a session still to come (scheduler.replan.after_calendar)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from scheduler.calendars.caldav_collection import CALDAV_PREFIX
from scheduler.calendars.fetch import CalendarError, calendar_label
from scheduler.calendars.read import BusyOptions, read_busy
from scheduler.core.domain import BusyInterval
from scheduler.core.io import load_schedule, write_text
from scheduler.core.settings import get_settings
from scheduler.export.ics import schedule_to_ics
from scheduler.export.text import say_written, week_table
from scheduler.replan.after_calendar import CalendarReading, follow_calendars
from scheduler.replan.replan import describe_changes

__all__ = ["add_parser", "run"]

FREEZE_MINUTES = 60


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sync", help="re-read a planned week's calendars and re-plan if something collides",
        description="Read again every calendar the week in SCHEDULE (a file written by "
                    "'plyoplan plan --json') took busy time from. A new busy interval on a "
                    "session still to come (not within the next hour) re-plans the rest of "
                    "the week, moving as little as possible; otherwise nothing changes. A "
                    "calendar that cannot be read keeps the busy time it gave before.",
    )
    p.add_argument("schedule", type=Path, help="schedule JSON written by 'plyoplan plan --json'")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the schedule JSON here")
    p.add_argument("--ics", type=Path, metavar="OUT", help="write an iCalendar file here")
    p.set_defaults(run=run)


def _reading(name: str, schedule_dir: Path, options: BusyOptions, week: object,
             tz: object) -> CalendarReading:
    label = calendar_label(name)
    try:
        found = read_busy(name, week_start=week, tz=tz, options=options,  # type: ignore[arg-type]
                          base_dir=schedule_dir)
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
    for name in names:
        if name.startswith(CALDAV_PREFIX):
            print(f"warning: {name[len(CALDAV_PREFIX):]} is a CalDAV collection; its "
                  "password is not in the schedule file, so its busy time stays as it was.",
                  file=sys.stderr)
    readings = [_reading(n, args.schedule.parent, options, request.week_start, request.tz)
                for n in names if not n.startswith(CALDAV_PREFIX)]
    followed = follow_calendars(schedule, readings, now=datetime.now(UTC),
                                freeze_minutes=FREEZE_MINUTES, settings=get_settings())
    result = followed.schedule or schedule.model_copy(update={"request": followed.request,
                                                              "changes": []})
    for source in followed.sources:
        print(f"{source['source']}: {source['status']} ({source['detail']})")
    if not followed.sources:
        print("The week took no busy time from a calendar; there is nothing to read again.")
    written: list[tuple[Path, str]] = []
    if args.json:
        write_text(args.json, result.model_dump_json(indent=2) + "\n")
        written.append((args.json, "schedule"))
    if args.ics:
        write_text(args.ics, schedule_to_ics(result))
        written.append((args.ics, "calendar"))
    print(describe_changes(result))
    print()
    print(week_table(result))
    say_written(written)
    return 0
