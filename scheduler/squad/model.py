"""The squad week as one CP-SAT model: each group session gets one start inside its venue
slots; each listed runner attends it (the seat sits in their week at that start) or is
excused; every runner's week obeys all of their hard rules; at least `min_attendance` of
the listed runners attend; the coach leads at most `max_sessions_per_day` a day and never
two at once. The objective: attendance first, then the runners' own soft penalties.

Runners listed for no group session do not touch the others: they are planned alone,
exactly as `plyoplan plan` plans them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ortools.sat.python import cp_model

from constraints import ALL_RULES, PenaltyTerm, soft_penalties
from scheduler.core.availability import STEP, windows_on_line
from scheduler.core.domain import PLAN_FOUND, Schedule
from scheduler.core.errors import BadRequest
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import Settings
from scheduler.core.taper import taper_changes
from scheduler.core.variables import WeekVars
from scheduler.core.week import Week
from scheduler.model.solve import (
    PLAN_SEARCH,
    WeekModel,
    extract_sessions,
    new_model,
    new_solver,
    plan_week,
    rules_as_asked,
    solve_status,
)
from scheduler.squad.request import SquadRequest
from scheduler.squad.seats import RunnerWeek, runner_weeks

__all__ = ["SquadSolution", "solve_squad", "slot_starts"]


@dataclass
class SquadSolution:
    status: str
    starts: dict[int, int]  # group session -> start on the squad's week line
    attending: dict[int, list[str]]  # group session -> runners who attend, squad order
    weeks: dict[str, Schedule]  # every runner's week (empty sessions without a plan)
    runners: dict[str, RunnerWeek]


def slot_starts(squad: SquadRequest, g: int) -> list[int]:
    """Every start on the squad's week line (5-minute grid) at which group session `g`
    fits inside one of its venue slots."""
    group = squad.group_sessions[g]
    week = Week(squad.week_start, squad.tz)
    starts: set[int] = set()
    for _day, begin, end in windows_on_line(group.slots, week):
        first = -(-begin // STEP) * STEP
        starts.update(range(first, end - group.minutes + 1, STEP))
    return sorted(starts)


def solve_squad(squad: SquadRequest, settings: Settings, *,
                min_attendance: dict[int, float] | None = None,
                fixed: dict[int, int] | None = None) -> SquadSolution:
    """Plan the squad week. `min_attendance` overrides a group session's share (0 asks for
    the best time however few can come); `fixed` pins group sessions to starts."""
    weeks = runner_weeks(squad, settings)
    together = {name: rw for name, rw in weeks.items() if rw.seats}
    alone = {name: plan_week(rw.problem) for name, rw in weeks.items() if not rw.seats}
    if not squad.group_sessions:
        return SquadSolution("optimal", {}, {}, alone, weeks)
    m = new_model()
    starts = _group_starts(m, squad, fixed or {})
    runner_vars: dict[str, tuple[WeekVars, list[PenaltyTerm]]] = {}
    attend: dict[tuple[str, int], cp_model.IntVar] = {}
    for name, rw in together.items():
        v = WeekVars(m, rw.problem, optional={s.spec.id for s in rw.seats} | rw.own_ids(),
                     settled=rules_as_asked(rw.request))
        terms = [t for rule in ALL_RULES for t in rule.post(m, v, rw.problem)]
        runner_vars[name] = (v, terms)
        for seat in rw.seats:
            here = v.present[seat.spec.id]
            attend[(name, seat.group)] = here
            if seat.replaces:
                m.add(v.present[seat.replaces] + here == 1)
            m.add(v.start[seat.spec.id] == starts[seat.group] - rw.offset).only_enforce_if(here)
    for g, group in enumerate(squad.group_sessions):
        share = (min_attendance or {}).get(g, group.min_attendance)
        m.add(sum(attend[(n, g)] for n in group.runners)
              >= math.ceil(share * len(group.runners) - 1e-9))
    soft = [(t.weight, t.literal) for _, terms in runner_vars.values() for t in terms]
    # attendance first: one more runner attending outweighs every soft penalty together
    heavy = 1 + sum(w for w, _ in soft)
    m.minimize(heavy * sum(1 - a for a in attend.values()) + sum(w * x for w, x in soft))
    solver = new_solver(settings, tuning=PLAN_SEARCH)
    status = solve_status(solver, m)
    if status not in PLAN_FOUND:
        return SquadSolution(status, {}, {}, alone, weeks)
    placed = {g: solver.value(s) for g, s in starts.items()}
    going = {g: [n for n in group.runners if solver.boolean_value(attend[(n, g)])]
             for g, group in enumerate(squad.group_sessions)}
    out = dict(alone)
    for name, (v, terms) in runner_vars.items():
        rw = together[name]
        taken = {g for g in going if name in going[g]}
        out[name] = _schedule(rw, taken, WeekModel(m, v, terms), solver, status, settings)
    return SquadSolution(status, placed, going, {n: out[n] for n in weeks}, weeks)


def _group_starts(m: cp_model.CpModel, squad: SquadRequest, fixed: dict[int, int]
                  ) -> dict[int, cp_model.LinearExprT]:
    """A start per group session inside its slots; the coach leads one at a time and at
    most `max_sessions_per_day` a day."""
    week = Week(squad.week_start, squad.tz)
    starts: dict[int, cp_model.LinearExprT] = {}
    intervals = []
    on_day: dict[int, list[cp_model.IntVar]] = {}
    for g, group in enumerate(squad.group_sessions):
        allowed = [fixed[g]] if g in fixed else slot_starts(squad, g)
        if not allowed:
            raise BadRequest(f"group_sessions[{g}].slots have no room for its "
                             f"{group.minutes} minutes.")
        step = m.new_int_var_from_domain(
            cp_model.Domain.from_values([s // STEP for s in allowed]), f"group{g}.step")
        start = STEP * step
        starts[g] = start
        intervals.append(m.new_fixed_size_interval_var(start, group.minutes, f"group{g}"))
        days = []
        for day in range(7):
            lit = m.new_bool_var(f"group{g}.day{day}")
            m.add(start >= week.day_starts[day]).only_enforce_if(lit)
            m.add(start < week.day_starts[day + 1]).only_enforce_if(lit)
            days.append(lit)
            on_day.setdefault(day, []).append(lit)
        m.add_exactly_one(days)
    m.add_no_overlap(intervals)
    cap = squad.coach.max_sessions_per_day
    if cap is not None:
        for lits in on_day.values():
            m.add(sum(lits) <= cap)
    return starts


def _schedule(rw: RunnerWeek, taken: set[int], wm: WeekModel, solver: cp_model.CpSolver,
              status: str, settings: Settings) -> Schedule:
    """A runner's week as a schedule of its own: its request is what the week holds (the
    seats taken in place of the sessions they stand for), so it re-plans like any week."""
    request = rw.attending(taken)
    schedule = Schedule(week_start=request.week_start, timezone=request.runner.timezone,
                        status=status,  # type: ignore[arg-type]
                        sessions=extract_sessions(wm, solver), request=request)
    schedule.penalties = soft_penalties(WeekProblem.of(request, settings), schedule)
    schedule.changes = taper_changes(request, schedule)
    return schedule
