"""`plyoplan replan`: re-plan the rest of a week after a missed session or a changed
calendar, moving as little as possible, and say what moved and why."""

from __future__ import annotations

import argparse
import sys
import textwrap
from datetime import datetime
from pathlib import Path

from scheduler.calendars.busy_import import with_calendars
from scheduler.commands import from_current_directory
from scheduler.core.domain import BusyInterval, Request, Schedule
from scheduler.core.errors import BadRequest
from scheduler.core.io import load_schedule, write_text
from scheduler.core.log import load_log
from scheduler.core.settings import get_settings
from scheduler.export.ics import schedule_to_ics
from scheduler.export.text import say_written, week_table
from scheduler.jobs import replan_or_refuse
from scheduler.replan.replan import describe_changes

__all__ = ["add_parser", "run", "parse_at", "write_and_show"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "replan", help="re-plan the rest of a week after a missed session or logged pain",
        description="Re-plan the rest of the week in SCHEDULE (a file written by "
                    "'plyoplan plan --json') under every rule, changing as little as "
                    "possible. Sessions before --at are fixed: missed if given with "
                    "--missed, done otherwise. With --log, pain or fatigue logged this week "
                    "changes the sessions still to come first.",
    )
    p.add_argument("schedule", type=Path, help="schedule JSON written by 'plyoplan plan --json'")
    p.add_argument("--missed", action="append", default=[], metavar="ID",
                   help="id of a session that was (or will be) missed; repeatable")
    p.add_argument("--done", action="append", default=[], metavar="ID",
                   help="id of a session that was done; repeatable")
    p.add_argument("--at", metavar="DATETIME",
                   help="the moment of re-planning, e.g. 2026-12-02T07:30 (runner's local "
                        "time unless it has an offset); default now")
    p.add_argument("--busy", action="append", default=[], metavar="ICS",
                   help="busy calendar (.ics file or URL) to read again: its events replace "
                        "what the same calendar said when the week was planned; repeatable")
    p.add_argument("--log", type=Path, metavar="LOG",
                   help="training log (from 'plyoplan log'): pain or fatigue logged this week "
                        "eases, swaps or calms the rest of the week")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the new schedule JSON here")
    p.add_argument("--ics", type=Path, metavar="OUT", help="write an iCalendar file here")
    p.set_defaults(run=run)


def parse_at(text: str | None) -> datetime:
    """The --at option as a datetime (naive = the runner's local time); now when absent."""
    if text is None:
        return datetime.now().astimezone()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"--at '{text}' is not a date and time; use ISO 8601 such as "
                         f"2026-12-02T07:30 or 2026-12-02T07:30+01:00.") from None


def _with_new_busy(request: Request, sources: list[str], base_dir: Path) -> Request:
    """The request with the calendars' busy times added (each interval once)."""
    updated, warnings = with_calendars(request, sources, base_dir=base_dir)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    seen: set[tuple[datetime, datetime, str]] = set()
    busy: list[BusyInterval] = []
    for b in updated.busy:
        if (b.start, b.end, b.summary) not in seen:
            seen.add((b.start, b.end, b.summary))
            busy.append(b)
    return updated.model_copy(update={"busy": busy})


def run(args: argparse.Namespace) -> int:
    schedule = load_schedule(args.schedule)
    assert schedule.request is not None  # load_schedule insists on it
    request = schedule.request
    if args.busy:
        request = _with_new_busy(request, from_current_directory(args.busy),
                                 args.schedule.parent)
    log = load_log(args.log) if args.log else None
    result = replan_or_refuse(schedule, missed=args.missed, done=args.done,
                              at=parse_at(args.at), settings=get_settings(), request=request,
                              log=log)
    write_and_show(result, json_out=args.json, ics_out=args.ics)
    return 0


def write_and_show(result: Schedule, *, json_out: Path | None, ics_out: Path | None) -> None:
    """Write a re-planned week where --json / --ics ask, then print what moved and why,
    any advice, the week and what was written (replan's and sync's output)."""
    written: list[tuple[Path, str]] = []
    if json_out:
        write_text(json_out, result.model_dump_json(indent=2) + "\n")
        written.append((json_out, "schedule"))
    if ics_out:
        write_text(ics_out, schedule_to_ics(result))
        written.append((ics_out, "calendar"))
    print(describe_changes(result))
    for line in result.advice:
        print()
        print(textwrap.fill(f"!! {line}", 88, subsequent_indent="   "))
    print()
    print(week_table(result))
    say_written(written)
