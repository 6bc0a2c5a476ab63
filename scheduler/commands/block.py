"""`plyoplan block`: a multi-week plyometric block, planned into the calendar at once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.block.plan import BlockPlan, plan_block
from scheduler.block.training_log import load_log
from scheduler.calendars.busy_import import with_calendars
from scheduler.commands import from_current_directory
from scheduler.core.domain import Kind, Request
from scheduler.core.io import load_request, write_text
from scheduler.core.settings import get_settings
from scheduler.export.block import block_to_ics
from scheduler.export.text import say_written

if TYPE_CHECKING:  # for the annotation: the fetching code loads when a calendar is read
    from scheduler.calendars.fetch import CalendarError

__all__ = ["add_parser", "run", "block_table"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "block", help="plan a multi-week plyometric block",
        description="Plan a block of N weeks from REQUEST's week: plyo contacts rise at "
                    "most 15% a week up to the level's cap, intensity moves from low to "
                    "high, every 3rd or 4th week is lighter, and a training log scales "
                    "the weeks after pain back.")
    p.add_argument("request", type=Path, help="request JSON file of the first week")
    p.add_argument("--weeks", type=int, default=8, metavar="N",
                   help="weeks in the block (default 8; 6 to 8 is typical)")
    p.add_argument("--log", type=Path, metavar="LOG",
                   help="training log JSON (written by 'plyoplan log') to adapt to")
    p.add_argument("--busy", action="append", default=[], metavar="ICS",
                   help="busy calendar (.ics file, read from the current directory, or "
                        "http(s)/webcal URL); repeatable")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the block JSON here")
    p.add_argument("--ics", type=Path, metavar="OUT", help="write an iCalendar file here")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    request = load_request(args.request, weeks=args.weeks)  # races may fall in any week
    log = load_log(args.log) if args.log else None
    warnings: list[str] = []
    fetched: dict[str, bytes | CalendarError] = {}  # each calendar read once, for every week
    busy = from_current_directory(args.busy)

    def with_busy(week: Request) -> Request:
        folded, said = with_calendars(week, busy, base_dir=args.request.parent,
                                      fetched=fetched)
        warnings.extend(w for w in said if w not in warnings)
        return folded

    block = plan_block(request, args.weeks, log=log, prepare=with_busy,
                       settings=get_settings())
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    written: list[tuple[Path, str]] = []
    if args.json:
        write_text(args.json, block.model_dump_json(indent=2) + "\n")
        written.append((args.json, f"{len(block.weeks)}-week block"))
    if args.ics:
        write_text(args.ics, block_to_ics(block))
        written.append((args.ics, "calendar"))
    print(block_table(block))
    say_written(written)
    return 0


def block_table(block: BlockPlan) -> str:
    """The block as a table of weeks, then what each week changes and why."""
    first = block.weeks[0]
    request = first.request
    runner = request.runner.name if request else "runner"
    lines = [
        f"{runner} · {len(block.weeks)}-week plyometric block from "
        f"{first.week_start:%a %d %b %Y} ({first.timezone})",
        "",
        f"{'Week':<5} {'Monday':<11} {'Plyo':>4} {'Contacts':>8}  {'Intensity':<10} "
        f"{'Strides':<8} Plyo sessions",
    ]
    for schedule, target in zip(block.weeks, block.progression, strict=True):
        tz = schedule.request.tz if schedule.request else None
        when = ", ".join(f"{s.start.astimezone(tz):%a %H:%M} ({s.contacts})"
                         for s in schedule.sessions if s.kind is Kind.plyo)
        kind = f"{target.intensity}{'*' if target.deload else ''}"
        strides = str(target.strides) if target.strides else "-"
        lines.append(f"{target.week:<5} {schedule.week_start:%a %d %b}  {target.sessions:>4} "
                     f"{target.contacts:>8}  {kind:<10} {strides:<8} {when or '-'}")
    if any(target.deload for target in block.progression):  # explain the * only if shown
        lines += ["", "* lighter week: technique only"]
    races = [f"{r.name} ({r.priority}) {r.date:%a %d %b} {r.start}" for week in block.weeks
             if week.request for r in week.request.races
             if 0 <= (r.date - week.week_start).days < 7]
    if races:
        lines += ["", "Races: " + ", ".join(races)]
    lines.append("")
    for target in block.progression:
        for note in target.notes:
            lines.append(f"Week {target.week}: {note}")
    return "\n".join(lines)
