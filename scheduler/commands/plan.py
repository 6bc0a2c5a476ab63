"""`plyoplan plan`: the main job — plan one week and print it.

When the rules cannot all be met it prints (and writes into the JSON's `explanation`) the
smallest set of conflicting rules with the facts behind it and the single changes that
would make the week fit, and exits 3. `--drop-if-needed` gives up the fewest, least
important sessions instead; `--why` says for each session what keeps it where it is.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from scheduler.block.training_log import apply_log, load_log, mark_log_changes
from scheduler.calendars.busy_import import with_calendars
from scheduler.commands import from_current_directory
from scheduler.core.domain import Schedule
from scheduler.core.errors import RulesConflict
from scheduler.core.explanation import (
    ConflictItem,
    DroppedItem,
    ExplanationItem,
    FixItem,
    WhyItem,
)
from scheduler.core.io import load_request, write_text
from scheduler.core.problem import WeekProblem
from scheduler.core.races import race_clashes
from scheduler.core.settings import get_settings
from scheduler.core.week import Week
from scheduler.explain.headline import headline
from scheduler.export.ics import schedule_to_ics
from scheduler.export.text import say_written, week_table
from scheduler.jobs import is_planned, plan_and_explain
from scheduler.replan.after_pain import settle_with_log

__all__ = ["add_parser", "run", "explanation_text"]

WIDTH = 92


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="plan one week and print it",
                       description="Plan the week of REQUEST and print it as a table.")
    p.add_argument("request", type=Path, help="request JSON file (see README)")
    p.add_argument("--busy", action="append", default=[], metavar="ICS",
                   help="busy calendar (.ics file, read from the current directory, or "
                        "http(s)/webcal URL); repeatable")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the schedule JSON here")
    p.add_argument("--ics", type=Path, metavar="OUT", help="write an iCalendar file here")
    p.add_argument("--log", type=Path, metavar="LOG",
                   help="training log JSON (from 'plyoplan log'): pain or hard sessions "
                        "logged last week scale this week's plyometrics back")
    p.add_argument("--why", action="store_true",
                   help="say for each session what keeps it there and the penalties it pays")
    p.add_argument("--drop-if-needed", action="store_true",
                   help="when the rules cannot fit every session, drop the fewest and least "
                        "important ones instead of failing (exit 0)")
    p.set_defaults(run=run)


def _wrap(text: str, first: str, rest: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=rest)


def explanation_text(items: list[ExplanationItem]) -> str:
    """Conflict, fix and dropped items as plain text for the terminal."""
    lines: list[str] = []
    fixes = [i for i in items if isinstance(i, FixItem)]
    dropped = [i for i in items if isinstance(i, DroppedItem)]
    for item in items:
        if isinstance(item, ConflictItem):
            rules = ", ".join(item.rules) or "none"
            what = "Why not every session fits" if dropped else "Why it cannot fit"
            lines += [f"{what} (rules in conflict: {rules}):", _wrap(item.text, "  ", "  ")]
            if item.sessions:
                lines.append(_wrap("Sessions involved: " + ", ".join(item.sessions) + ".",
                                   "  ", "    "))
    for item in dropped:
        lines += ["", _wrap(item.text, "", "  ")]
    if fixes:
        lines += ["", "What would fix it (one change each, best first):"]
        digits = len(str(len(fixes)))
        pad = digits + 4
        for n, fix in enumerate(fixes, 1):
            lines.append(_wrap(fix.text, f"  {n:>{digits}}. ", " " * pad))
            lines.append(f"{' ' * pad}change: {fix.change}")
    elif any(isinstance(i, ConflictItem) for i in items) and not dropped:
        lines += ["", "No single change makes this week fit; drop sessions or free more time."]
    return "\n".join(lines)


def why_text(schedule: Schedule) -> str:
    """The why items, then the soft penalties adding up to the plan's objective."""
    lines = ["Why each session is where it is:"]
    for item in schedule.explanation:
        if isinstance(item, WhyItem):
            lines.append(_wrap(item.text, "  - ", "    "))
    paid = {k: v for k, v in schedule.penalties.items() if v}
    total = sum(schedule.penalties.values())
    parts = " + ".join(f"{k} {v}" for k, v in paid.items()) or "none"
    lines.append(f"Soft penalties paid: {parts} = {total} (the plan's objective).")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    request = load_request(args.request)
    request, warnings = with_calendars(request, from_current_directory(args.busy),
                                       base_dir=args.request.parent)
    for warning in [*warnings, *race_clashes(request, Week(request.week_start, request.tz))]:
        print(f"warning: {warning}", file=sys.stderr)
    adapted: list[str] = []
    asked = request
    log = load_log(args.log) if args.log else None
    if log is not None:
        request, adapted = apply_log(request, log)
    problem = WeekProblem.of(request, get_settings())
    schedule = plan_and_explain(problem, why=args.why, drop_if_needed=args.drop_if_needed)
    if log is not None and is_planned(schedule):  # what the log changed, and calm key runs
        schedule = mark_log_changes(schedule, asked, adapted)
        schedule = settle_with_log(schedule, log, at=problem.week.origin)
    written: list[tuple[Path, str]] = []
    if args.json:
        write_text(args.json, schedule.model_dump_json(indent=2) + "\n")
        written.append((args.json, "schedule"))
    if schedule.status == "infeasible":
        said = headline(problem, schedule.explanation,
                        week=f"week of {request.week_start:%a %d %b %Y}")
        print(_wrap(said, "", "") + "\n")
        print(explanation_text(schedule.explanation))
        say_written(written)  # the JSON holds the explanation too
        raise RulesConflict("The coaching rules cannot all be met in this week's free time; "
                            "the conflict and what would fix it are printed above.")
    if schedule.status == "unknown":
        raise RulesConflict("No plan was found within the time limit; try fewer sessions "
                            "or a longer PLYOPLAN_SOLVER_TIME_LIMIT_SECONDS.")
    if args.ics:
        write_text(args.ics, schedule_to_ics(schedule))
        written.append((args.ics, "calendar"))
    print(week_table(schedule))
    if schedule.changes:  # what the taper or the training log changed, and why
        print()
        print("Changed from what you asked:")
        print("\n".join(_wrap(c["text"], "  - ", "    ") for c in schedule.changes))
    if adapted:
        print()
        print("From your training log:")
        print("\n".join(_wrap(reason, "  - ", "    ") for reason in adapted))
    for line in schedule.advice:
        print()
        print(_wrap(f"!! {line}", "", "   "))
    if schedule.dropped:
        print()
        print(explanation_text(schedule.explanation))
    if args.why:
        print()
        print(why_text(schedule))
    say_written(written)
    return 0
