"""How little must one free window grow for the week to fit? One model answers for all.

Rebuilding the week for every trial widening of every window is slow, so this builds the
week once with the availability rule replaced by a stretchable version: each weekly window
may start `earlier` or end `later` by a multiple of 5 minutes (up to a cap), still cut by
busy events and their buffer, and a literal per window side allows its stretch. Assuming
all but one literal false and minimising the stretch gives that side's smallest widening in
one solve. Every other hard rule is on as the runner has it. The result is a proposal:
the caller proves it on the real model of the changed request.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from constraints import HARD_KEYS, HARD_RULES
from constraints.easing import WindowSide
from scheduler.core.availability import STEP, free_windows
from scheduler.core.domain import WEEKDAYS, Request, clock_minutes
from scheduler.core.labels import clock_text
from scheduler.core.problem import WeekProblem
from scheduler.core.week import local_datetime
from scheduler.explain.probe import probe_solver
from scheduler.model.solve import build_week_model

__all__ = ["smallest_widenings"]


def _one_window(request: Request, day: str, start: int, end: int) -> Request:
    """The request with only this weekly window (so free_windows cuts it by busy events)."""
    window = [clock_text(start), clock_text(end)]
    return request.model_copy(update={"availability": {day: [window]}})


def smallest_widenings(problem: WeekProblem, cap: int, instead_of: str
                       ) -> dict[WindowSide, int]:
    """For each window side that can make the week fit alone, the fewest minutes it must
    move (a multiple of 5, at most `cap`), with the stretchable windows standing in for
    hard rule `instead_of` (the free time)."""
    request = problem.request
    wm = build_week_model(problem, rules=HARD_RULES)  # soft rules only price a plan
    model, v = wm.model, wm.vars
    model.clear_objective()
    for key in HARD_KEYS:  # the free-time rule itself is replaced below
        on = key != instead_of and key not in request.rules.off
        model.add(v.enforcement[key] == int(on))
    week = v.week
    sides: dict[WindowSide, cp_model.IntVar] = {}
    stretch: dict[WindowSide, cp_model.LinearExprT] = {}
    placements: dict[str, list[cp_model.IntVar]] = {s.id: [] for s in v.specs}
    for day, windows in request.availability.items():
        d = WEEKDAYS.index(day)
        for i, (start_text, end_text) in enumerate(windows):
            start, end = clock_minutes(start_text), clock_minutes(end_text)
            most_earlier = min(cap, start) // STEP * STEP
            most_later = min(cap, 24 * 60 - end) // STEP * STEP
            allowed = {}
            for side, most in (("earlier", most_earlier), ("later", most_later)):
                this = WindowSide(day, i, side)
                sides[this] = allowed[side] = model.new_bool_var(f"widen_{day}{i}_{side}")
                steps = model.new_int_var(0, most // STEP, f"widen_{day}{i}_{side}_steps")
                model.add(steps == 0).only_enforce_if(allowed[side].Not())
                stretch[this] = STEP * steps
            # The window at its widest, cut by busy events exactly as the real rule cuts it.
            widest = free_windows(_one_window(request, day, start - most_earlier,
                                              end + most_later), week)
            first = week.minute(local_datetime(week.date(d), start, week.tz))
            last = week.minute(local_datetime(week.date(d), end, week.tz))
            first, last = -(-first // STEP) * STEP, last // STEP * STEP
            for spec in v.specs:
                for piece in widest:
                    if piece.minutes < spec.minutes:
                        continue
                    inside = model.new_bool_var(f"{spec.id}.in_{day}{i}_{piece.start}")
                    s, e = v.start[spec.id], v.end[spec.id]
                    model.add(s >= piece.start).only_enforce_if(inside)
                    model.add(e <= piece.end).only_enforce_if(inside)
                    model.add(s >= first - stretch[WindowSide(day, i, "earlier")]
                              ).only_enforce_if(inside)
                    model.add(e <= last + stretch[WindowSide(day, i, "later")]
                              ).only_enforce_if(inside)
                    model.add_implication(inside, v.on(spec, d))
                    placements[spec.id].append(inside)
    for spec in v.specs:
        if spec.id not in v.pinned:
            model.add(sum(placements[spec.id]) == 1)
    solver = probe_solver(problem.settings)
    # If the week does not fit with every side stretched as far as it may go, no one side
    # will make it fit: one feasibility solve instead of one search per side.
    if not _fits(solver, model):
        return {}
    # One side at a time from here on. Each feasible solve names a side that makes the
    # week fit alone; it is then measured and ruled out, until no side is left that fits:
    # two solves per side that works (few do) instead of a search for every side.
    model.add_at_most_one(sides.values())
    found: dict[WindowSide, int] = {}
    tried: list[WindowSide] = []
    while True:
        model.clear_objective()
        model.clear_assumptions()
        model.add_assumptions([sides[done].Not() for done in tried])
        if not _fits(solver, model):
            break
        working = next((s for s, lit in sides.items() if solver.boolean_value(lit)), None)
        if working is None:  # the week fits without stretching anything: nothing to widen
            break
        tried.append(working)
        model.minimize(stretch[working])
        model.clear_assumptions()
        model.add_assumptions([sides[working]])
        if solver.solve(model) == cp_model.OPTIMAL:
            minutes = int(solver.value(stretch[working]))
            if minutes > 0:
                found[working] = minutes
    return {each: found[each] for each in sides if each in found}  # in the windows' order


def _fits(solver: cp_model.CpSolver, model: cp_model.CpModel) -> bool:
    return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
