"""Plan a squad week and say what came of it: each group session's time, who attends and
who is excused and why, every runner's week; when the squad week cannot fit, one sentence
per group session that falls short (the best time found, who cannot come and why) and
the fixes that are proven to make it fit.
"""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, Field

from scheduler.core.domain import PLAN_FOUND, Schedule
from scheduler.core.labels import DAY_NAMES, clock_text
from scheduler.core.settings import Settings
from scheduler.core.week import Week
from scheduler.core.words import joined
from scheduler.squad.model import SquadSolution, solve_squad
from scheduler.squad.request import SquadRequest
from scheduler.squad.seats import RunnerWeek
from scheduler.squad.why import week_with, why_not

__all__ = ["Excused", "GroupResult", "SquadResult", "plan_squad"]


class Excused(BaseModel):
    runner: str = Field(description="Who cannot come.")
    why: str = Field(description="Why their week cannot take it then.")


class GroupResult(BaseModel):
    name: str = Field(description="The group session.")
    start: datetime | None = Field(description="When it starts (None without a plan).")
    end: datetime | None = Field(description="When it ends.")
    attending: list[str] = Field(description="Runners who attend.")
    excused: list[Excused] = Field(description="Runners excused, each with why.")


class SquadResult(BaseModel):
    status: str = Field(description="optimal/feasible: planned; infeasible; unknown.")
    group_sessions: list[GroupResult] = Field(description="Each group session's outcome.")
    weeks: dict[str, Schedule] = Field(description="Every runner's week, by name.")
    explanation: list[str] = Field(default_factory=list,
                                   description="Why the squad week cannot fit.")
    fixes: list[str] = Field(default_factory=list,
                             description="Single changes proven to make it fit.")


def plan_squad(squad: SquadRequest, settings: Settings) -> SquadResult:
    solution = solve_squad(squad, settings)
    if solution.status in PLAN_FOUND:
        return SquadResult(status=solution.status,
                           group_sessions=_groups(squad, solution, settings),
                           weeks=solution.weeks)
    return _cannot_fit(squad, solution, settings)


def when(squad: SquadRequest, start: int) -> str:
    """'Thu 18:30' for a start on the squad's week line."""
    moment = Week(squad.week_start, squad.tz).at(start)
    return f"{DAY_NAMES[moment.weekday()]} {clock_text(moment.hour * 60 + moment.minute)}"


def _groups(squad: SquadRequest, solution: SquadSolution, settings: Settings
            ) -> list[GroupResult]:
    week = Week(squad.week_start, squad.tz)
    out = []
    for g, group in enumerate(squad.group_sessions):
        start = solution.starts[g]
        going = solution.attending[g]
        excused = []
        for name in group.runners:
            if name in going:
                continue
            rw = solution.runners[name]
            others = {h: solution.starts[h] for h in solution.starts
                      if h != g and name in solution.attending.get(h, [])}
            excused.append(Excused(runner=name, why=why_not(rw, g, start, others, settings)))
        out.append(GroupResult(name=group.name, start=week.at(start),
                               end=week.at(start + group.minutes), attending=going,
                               excused=excused))
    return out


def _cannot_fit(squad: SquadRequest, failed: SquadSolution, settings: Settings
                ) -> SquadResult:
    lost = [n for n, s in failed.weeks.items() if s.status == "infeasible"]
    alone_fails = [n for n, rw in failed.runners.items()
                   if rw.seats and _own_week_fails(rw, settings)]
    sentences: list[str] = []
    fixes: list[str] = []
    if lost or alone_fails:
        names = joined(sorted({*lost, *alone_fails}))
        sentences.append(f"The week of {names} cannot fit even without the group sessions; "
                         f"plan it alone with 'plyoplan plan' to see why.")
    else:
        best = solve_squad(squad, settings, min_attendance=dict.fromkeys(
            range(len(squad.group_sessions)), 0.0))
        if best.status not in PLAN_FOUND:
            cap = squad.coach.max_sessions_per_day
            limit = f" (at most {cap} a day)" if cap else ""
            sentences.append("The group sessions' slots cannot hold them all with the coach "
                             f"leading one at a time{limit}; open more slots.")
        else:
            for result in _groups(squad, best, settings):
                g = next(i for i, s in enumerate(squad.group_sessions) if s.name == result.name)
                group = squad.group_sessions[g]
                need = math.ceil(group.min_attendance * len(group.runners) - 1e-9)
                if len(result.attending) >= need:
                    continue
                sentences.append(_short(squad, best.starts[g], group.name, result, need))
                come = len(result.attending) / len(group.runners)
                share = math.floor(come * 100) / 100
                fixes.append(f"Lower {group.name}'s min_attendance to {share:g} "
                             f"({len(result.attending)} of {len(group.runners)}).")
                at = when(squad, best.starts[g])
                fixes.append(f"Excuse {joined([e.runner for e in result.excused])} from "
                             f"{group.name}; the others can all come {at}.")
                moved = _moved_slot(squad, g, settings)
                if moved:
                    fixes.append(moved)
    return SquadResult(status=failed.status, group_sessions=[], weeks=failed.weeks,
                       explanation=sentences, fixes=fixes)


MOVES_TRIED = 6  # squad solves spent looking for a slot on another day


def _moved_slot(squad: SquadRequest, g: int, settings: Settings) -> str | None:
    """The same slot hours on another day, if the squad week fits with the group session
    there (proven by planning it); None when no day tried does."""
    group = squad.group_sessions[g]
    hours = sorted({(a, b) for windows in group.slots.values() for a, b in windows})
    days = [d for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            if d not in group.slots]
    for day in days[:MOVES_TRIED]:
        slots = {day: [list(span) for span in hours]}
        groups = [x if i != g else x.model_copy(update={"slots": slots})
                  for i, x in enumerate(squad.group_sessions)]
        if solve_squad(squad.model_copy(update={"group_sessions": groups}),
                       settings).status in PLAN_FOUND:
            spans = ", ".join(f"{a}–{b}" for a, b in hours)
            return f"Move {group.name}'s slots to {day.capitalize()} {spans}."
    return None


def _short(squad: SquadRequest, start: int, name: str, result: GroupResult, need: int) -> str:
    """"Track night Thu 18:30 suits 6 of 9 (7 needed); Ana and Tom: 'Team meeting' until
    19:00; Lea: no key workouts on consecutive days..."."""
    listed = len(result.attending) + len(result.excused)
    by_why: dict[str, list[str]] = {}
    for e in result.excused:
        by_why.setdefault(e.why, []).append(e.runner)
    reasons = "; ".join(f"{joined(names)}: {why}" for why, names in by_why.items())
    return (f"{name} at its best time, {when(squad, start)}, suits {len(result.attending)} of "
            f"{listed} ({need} needed); {reasons}.")


def _own_week_fails(rw: RunnerWeek, settings: Settings) -> bool:
    """Whether the runner's week fails even excused from every group session."""
    return week_with(rw, {}, settings) is None
