"""`plyoplan log`: record how a planned session went, for the next plan to read."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from scheduler.block.plan import BlockPlan
from scheduler.block.training_log import verdict
from scheduler.core.domain import AREAS, PlannedSession, Schedule
from scheduler.core.drills import drill_library
from scheduler.core.errors import BadRequest
from scheduler.core.io import parse_model, read_json
from scheduler.core.log import LogEntry, TrainingLog, entry_for, load_log, save_log
from scheduler.core.pain import PHYSIO_ADVICE, is_pain, is_severe, read_log
from scheduler.core.week import Week

__all__ = ["add_parser", "run", "find_session"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "log", help="log how a session went (effort, discomfort, a note)",
        description="Record a planned session's perceived effort and discomfort in a "
                    "training log; the next 'plyoplan plan --log' or 'plyoplan block --log' "
                    "eases, skips or holds the next plyo session from it.")
    p.add_argument("plan", type=Path,
                   help="block JSON (plyoplan block --json) or schedule JSON (plan --json)")
    p.add_argument("session", help="id of the session to log")
    p.add_argument("--rpe", type=int, required=True, metavar="1-10",
                   help="perceived effort: 1 very easy to 10 maximal")
    p.add_argument("--discomfort", type=int, required=True, metavar="0-10",
                   help="discomfort or pain: 0 none to 10 severe")
    p.add_argument("--note", default="", help="anything worth remembering")
    p.add_argument("--area", choices=AREAS, metavar="AREA",
                   help=f"where it hurt: {', '.join(AREAS)}")
    p.add_argument("--drill", action="append", default=[], metavar="NAME",
                   help="drill actually done, if not the planned ones; repeatable")
    p.add_argument("--log", type=Path, metavar="LOG",
                   help="training log to add to (default: log.json next to PLAN)")
    p.set_defaults(run=run)


def _schedules(path: Path) -> list[Schedule]:
    data = read_json(path)
    if isinstance(data, dict) and "weeks" in data:
        return parse_model(BlockPlan, data, str(path)).weeks
    return [parse_model(Schedule, data, str(path))]


def find_session(schedules: list[Schedule], session_id: str, source: Path
                 ) -> tuple[Schedule, PlannedSession]:
    for schedule in schedules:
        for session in schedule.sessions:
            if session.id == session_id:
                return schedule, session
    known = [s.id for schedule in schedules for s in schedule.sessions]
    if not known:
        raise BadRequest(f"Session '{session_id}' is not in {source}: it has no sessions.")
    more = f" and {len(known) - 3} more" if len(known) > 3 else ""
    raise BadRequest(f"Session '{session_id}' is not in {source}; its sessions include "
                     f"{', '.join(known[:3])}{more}.")


def run(args: argparse.Namespace) -> int:
    unknown = [name for name in args.drill if name not in drill_library()]
    if unknown:
        raise BadRequest(f"--drill '{unknown[0]}' is not in the drill library; use one of "
                         f"{', '.join(drill_library())}.")
    schedule, session = find_session(_schedules(args.plan), args.session, args.plan)
    log_path = args.log or args.plan.parent / "log.json"
    entry = entry_for(session, rpe=args.rpe, discomfort=args.discomfort, note=args.note,
                      area=args.area, drills=args.drill or None)
    log = load_log(log_path, missing_ok=True).record(entry)
    save_log(log_path, log)
    print(f"Logged {session.id}: RPE {entry.rpe}/10, discomfort {entry.discomfort}/10"
          f"{f' ({entry.note})' if entry.note else ''} -> {log_path}")
    if schedule.request is not None:
        _say_what_it_means(log, entry, schedule, args)
    return 0


def _say_what_it_means(log: TrainingLog, entry: LogEntry, schedule: Schedule,
                       args: argparse.Namespace) -> None:
    """What the entry does to the rest of this week and to the next one."""
    request = schedule.request
    assert request is not None
    tz = request.tz
    reading = read_log(log, entry.start + timedelta(minutes=1), tz)
    if is_pain(entry) or reading.fatigue:
        print(f"To change the rest of this week now: plyoplan replan {args.plan} "
              f"--log {args.log or args.plan.parent / 'log.json'}")
    if is_severe(entry):
        print(f"Sharp or severe pain: {PHYSIO_ADVICE}.")
    next_week = Week(schedule.week_start + timedelta(days=7), tz)
    found = verdict(log, next_week.origin, timezone=request.runner.timezone)
    if found:
        effect = {"ease": "eases next week's plyo sessions (one intensity class down, "
                          "fewer contacts, no drills loading the sore area)",
                  "rest": "has no jumping next week (strength work instead)",
                  "hold": "holds next week's plyo dose",
                  None: "turns next week's first plyo session into strength work"
                  }[found.action]
        print(f"{found.cause} The next plan {effect}.".lstrip())
