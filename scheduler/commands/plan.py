"""`plyoplan plan`: the main job — plan one week and print it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scheduler.busy_import import with_calendars
from scheduler.errors import RulesConflict
from scheduler.ics import schedule_to_ics
from scheduler.io import load_request, write_text
from scheduler.render import week_table
from scheduler.solve import plan_week

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="plan one week and print it",
                       description="Plan the week of REQUEST and print it as a table.")
    p.add_argument("request", type=Path, help="request JSON file (see README)")
    p.add_argument("--busy", action="append", default=[], metavar="ICS",
                   help="busy calendar (.ics file or http(s)/webcal URL); repeatable")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the schedule JSON here")
    p.add_argument("--ics", type=Path, metavar="OUT", help="write an iCalendar file here")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    request = load_request(args.request)
    request, warnings = with_calendars(request, args.busy, base_dir=args.request.parent)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    schedule = plan_week(request)
    if args.json:
        write_text(args.json, schedule.model_dump_json(indent=2) + "\n")
    if schedule.status == "infeasible":
        raise RulesConflict("The coaching rules cannot all be met in this week's free time.")
    if schedule.status == "unknown":
        raise RulesConflict("No plan was found within the time limit; try fewer sessions "
                            "or a longer PLYOPLAN_SOLVER_TIME_LIMIT_SECONDS.")
    if args.ics:
        write_text(args.ics, schedule_to_ics(schedule))
    print(week_table(schedule))
    return 0
