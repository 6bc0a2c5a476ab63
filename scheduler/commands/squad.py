"""`plyoplan squad`: a coach's squad week, group sessions placed for everyone at once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scheduler.calendars.busy_import import with_calendars
from scheduler.core.domain import PLAN_FOUND
from scheduler.core.errors import RulesConflict
from scheduler.core.io import parse_model, read_json, write_text
from scheduler.core.labels import runner_slug
from scheduler.core.settings import get_settings
from scheduler.export.ics import schedule_to_ics
from scheduler.export.text import say_written, week_table
from scheduler.squad.plan import SquadResult, plan_squad
from scheduler.squad.request import SquadRequest

__all__ = ["add_parser", "run", "squad_table"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "squad", help="plan a squad's week with its group sessions",
        description="Place each group session of SQUAD once, at the time that suits most "
                    "of the runners listed for it, and fit every runner's own week around "
                    "it under their own rules and calendars.",
        epilog="Exit codes: 0 planned, 2 bad input, 3 the squad week cannot fit (why, and "
               "what would fix it, is printed).")
    p.add_argument("squad", type=Path, metavar="SQUAD.json", help="the squad's week (JSON)")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the result JSON here")
    p.add_argument("--ics-dir", type=Path, metavar="DIR",
                   help="write one .ics per runner into this folder")
    p.set_defaults(run=run)


def squad_table(result: SquadResult) -> str:
    """The group sessions (time, who comes, who is excused and why), then every week."""
    lines = []
    for group in result.group_sessions:
        when = (f"{group.start:%a %d %b %H:%M}–{group.end:%H:%M}"
                if group.start and group.end else "not placed")
        lines.append(f"{group.name} · {when} · {len(group.attending)} attending: "
                     f"{', '.join(group.attending) or 'nobody'}")
        lines.extend(f"  excused: {e.runner} ({e.why})" for e in group.excused)
    for schedule in result.weeks.values():
        lines.extend(["", week_table(schedule)])
    return "\n".join(lines).lstrip("\n")


def run(args: argparse.Namespace) -> int:
    squad = parse_model(SquadRequest, read_json(args.squad), str(args.squad))
    runners = []
    for request in squad.runners:  # each runner's busy calendars, read once
        request, warnings = with_calendars(request, base_dir=args.squad.parent)
        for warning in warnings:
            print(f"warning: {request.runner.name}: {warning}", file=sys.stderr)
        runners.append(request)
    result = plan_squad(squad.model_copy(update={"runners": runners}), get_settings())
    written: list[tuple[Path, str]] = []
    if args.json:
        write_text(args.json, result.model_dump_json(indent=2) + "\n")
        written.append((args.json, "squad"))
    if result.status not in PLAN_FOUND:
        print("\n".join(result.explanation))
        if result.fixes:
            print("What would fix it (one change each):")
            print("\n".join(f"  - {fix}" for fix in result.fixes))
        say_written(written)
        raise RulesConflict("The squad week cannot fit; why and what would fix it are "
                            "printed above.")
    if args.ics_dir:
        args.ics_dir.mkdir(parents=True, exist_ok=True)
        for name, schedule in result.weeks.items():
            if schedule.status in PLAN_FOUND:
                path = args.ics_dir / f"{runner_slug(name)}.ics"
                write_text(path, schedule_to_ics(schedule))
        written.append((args.ics_dir, "calendars"))
    print(squad_table(result))
    say_written(written)
    return 0
