"""The re-plan as a CP-SAT model: the week's rules plus the price of every change.

Variables are the week model's (`solve.build_week_model`): done sessions are pinned at
their times; sessions that may move and missed sessions to re-place are optional and
start at or after `at`.

Objective, in strict order (each tier outweighs everything below it):
1. change: dropping a session costs `weight_drop` times its kind's `drop_priority`
   (leaving a missed session unplaced costs the same); moving one to another day costs
   `weight_move_day`; moving it within its day `weight_move_time`; a missed session that
   is re-placed counts as moved. Closeness is in the objective, never in solution hints.
2. the soft rules' penalties (long run day, time of day, spread), as in planning;
3. the total shift in minutes, so a session that must move moves as little as possible.

Two stages keep it fast without giving up the optimum. First only the missed sessions and
the sessions the unchanged week breaks may move; the rest stay pinned. That answer is
the optimum whenever any re-plan that also changes a pinned session must cost more: at
least the least each free session can cost plus one more change. Otherwise the whole rest
of the week is solved. One worker and a fixed seed: same input, same re-plan.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ortools.sat.python import cp_model, cp_model_helper

from constraints import PenaltyTerm
from scheduler.core.domain import PLAN_FOUND, PlannedSession
from scheduler.core.sessions import SessionSpec
from scheduler.core.settings import Settings
from scheduler.model.solve import (
    WeekModel,
    build_week_model,
    new_solver,
    rules_as_asked,
    solve_status,
)
from scheduler.replan.state import Situation

__all__ = ["CHANGE", "Outcome", "solve_replan", "drop_cost", "spec_of"]

CHANGE = "minimal_change"  # the soft rule "in a re-plan, move as little as possible"


@dataclass(frozen=True)
class Outcome:
    """The solver's answer: status and, per session that could move, its new start
    minute (None: not placed — dropped, or left missed)."""

    status: str
    starts: dict[str, int | None]
    change_cost: int  # the first tier of the objective: the price of the changes


def spec_of(session: PlannedSession) -> SessionSpec:
    """The planner's view of a session already in a schedule (its contacts and drills)."""
    return SessionSpec(session.id, session.kind, session.minutes, session.contacts,
                       tuple(session.drills))


def drop_cost(session: PlannedSession, settings: Settings) -> int:
    """Price of giving a session up: kinds worth more to the week cost more to lose."""
    priorities = settings.drop_priority
    return settings.weight_drop * priorities.get(session.kind.value, max(priorities.values()))


def _change_terms(wm: WeekModel, sit: Situation, free: list[PlannedSession],
                  settings: Settings) -> list[PenaltyTerm]:
    m, v, week = wm.model, wm.vars, sit.week
    specs = {spec.id: spec for spec in v.specs}
    terms = []
    for session, missed in [(s, False) for s in free] + [(s, True) for s in sit.to_replace]:
        sid, spec = session.id, specs[session.id]
        was, day, present = week.minute(session.start), week.day_of(session.start), v.present[sid]
        lost = m.new_bool_var(f"{sid}.given_up")
        m.add(lost + present == 1)
        terms.append(PenaltyTerm(CHANGE, drop_cost(session, settings), lost, (sid,)))
        other_day = m.new_bool_var(f"{sid}.moved_day")
        same_day = v.on(spec, day)
        m.add_bool_or([other_day, present.Not(), same_day])
        terms.append(PenaltyTerm(CHANGE, settings.weight_move_day, other_day, (sid,)))
        moved_time = m.new_bool_var(f"{sid}.moved_time")
        if missed:
            m.add_implication(same_day, moved_time)  # re-placed that day: still a move
            if was + session.minutes > sit.earliest:  # missed ahead of time
                _keep_off_missed_slot(m, v.start[sid], session.minutes, was, present, sid)
        else:
            m.add(v.start[sid] == was).only_enforce_if([same_day, moved_time.Not()])
        terms.append(PenaltyTerm(CHANGE, settings.weight_move_time, moved_time, (sid,)))
    return terms


def _keep_off_missed_slot(m: cp_model.CpModel, start: cp_model.LinearExprT, minutes: int,
                          was: int, present: cp_model.IntVar, sid: str) -> None:
    """A session missed ahead of time cannot come back at the time it was missed."""
    before = m.new_bool_var(f"{sid}.before_missed_slot")
    m.add(start + minutes <= was).only_enforce_if([present, before])
    m.add(start >= was + minutes).only_enforce_if([present, before.Not()])


def _shift_terms(wm: WeekModel, sit: Situation, loose: list[PlannedSession]
                 ) -> tuple[list[cp_model.IntVar], int]:
    """Per session that may move, minutes between its old and new start, and their bound."""
    m, v = wm.model, wm.vars
    shifts, bound = [], 0
    for session in loose:
        was = sit.week.minute(session.start)
        most = sit.week.horizon + abs(was)
        shift = m.new_int_var(0, most, f"{session.id}.shift")
        m.add(shift >= v.start[session.id] - was)
        m.add(shift >= was - v.start[session.id])
        shifts.append(shift)
        bound += most
    return shifts, bound


def _set_lexicographic_objective(wm: WeekModel, change: list[PenaltyTerm],
                                 shifts: list[cp_model.IntVar], shift_bound: int) -> None:
    """Change first, then soft penalties, then shift: each tier's unit is one more than
    everything below it can add up to, so no lower tier ever buys a higher one."""
    soft = [t for t in wm.terms if t.rule != CHANGE]
    soft_scale = shift_bound + 1
    change_scale = (sum(t.weight for t in soft) + 1) * soft_scale
    literals = [t.literal for t in change] + [t.literal for t in soft] + shifts
    weights = ([t.weight * change_scale for t in change]
               + [t.weight * soft_scale for t in soft] + [1] * len(shifts))
    wm.model.minimize(cp_model.LinearExpr.weighted_sum(literals, weights))


def _build(sit: Situation, free: list[PlannedSession], settings: Settings
           ) -> tuple[WeekModel, list[PenaltyTerm]]:
    """The week with done sessions, and every movable session not in `free`, pinned."""
    free_ids = {s.id for s in free}
    pinned = {s.id: sit.week.minute(s.start)
              for s in [*sit.fixed, *sit.movable] if s.id not in free_ids}
    loose = [*free, *sit.to_replace]
    ids = [s.id for s in loose]
    wm = build_week_model(
        sit.problem,
        [spec_of(s) for s in [*sit.fixed, *sit.movable, *sit.to_replace]],
        pinned=pinned, optional=frozenset(ids), earliest=dict.fromkeys(ids, sit.earliest),
        settled=rules_as_asked(sit.request),
    )
    change = _change_terms(wm, sit, free, settings)
    wm.terms.extend(change)
    shifts, bound = _shift_terms(wm, sit, loose)
    _set_lexicographic_objective(wm, change, shifts, bound)
    for s in free:  # a hint only speeds the search up; the objective prices closeness
        start = wm.vars.start[s.id]
        if isinstance(start, cp_model_helper.IntAffine) and isinstance(
                start.expression, cp_model.IntVar):
            was = sit.week.minute(s.start)
            wm.model.add_hint(start.expression, (was - start.offset) // start.coefficient)
    return wm, change


def _solve(sit: Situation, free: list[PlannedSession], settings: Settings
           ) -> tuple[Outcome, WeekModel]:
    wm, change = _build(sit, free, settings)
    solver = new_solver(settings)
    # These models are small and mostly pinned: presolve, probing and the LP relaxation
    # cost more time than they save (see benchmarks/bench_replan.py).
    solver.parameters.cp_model_presolve = False
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.linearization_level = 0
    status = solve_status(solver, wm.model)
    if status not in PLAN_FOUND:
        return Outcome(status, {}, 0), wm
    starts: dict[str, int | None] = {}
    for s in [*free, *sit.to_replace]:
        placed = solver.boolean_value(wm.vars.present[s.id])
        starts[s.id] = int(solver.value(wm.vars.start[s.id])) if placed else None
    cost = sum(t.weight * int(solver.boolean_value(t.literal)) for t in change)
    return Outcome(status, starts, cost), wm


def solve_replan(sit: Situation, *, broken: Collection[str] = (),
                 must_move: Collection[str] = ()) -> Outcome:
    """New starts for the sessions that may move (None: not placed), at the least change.

    `broken`: ids of movable sessions the unchanged week breaks a rule with; `must_move`:
    those among them whose own time is no longer free, so they must move or go.
    """
    settings = sit.problem.settings
    free = [s for s in sit.movable if s.id in broken]
    staying = [s for s in sit.movable if s.id not in broken]
    if staying:
        first, wm = _solve(sit, free, settings)
        if first.status == "optimal":
            least = _least_costs(sit, wm, [s for s in free if s.id in must_move], settings)
            one_more = min(min(settings.weight_move_time, settings.weight_move_day,
                               drop_cost(s, settings)) for s in staying)
            if first.change_cost < least + one_more:
                return first
    return _solve(sit, list(sit.movable), settings)[0]


def _least_costs(sit: Situation, wm: WeekModel, must_move: list[PlannedSession],
                 settings: Settings) -> int:
    """A lower bound on what the missed and must-move sessions cost in any re-plan: each
    is left out, or placed in a free window at or after `at` (its own day is cheapest)."""
    total = 0
    for session in [*must_move, *sit.to_replace]:
        fits = {w.day for w in wm.vars.windows
                if w.end - max(w.start, sit.earliest) >= session.minutes}
        day = sit.week.day_of(session.start)
        options = [drop_cost(session, settings)]
        if day in fits:
            options.append(settings.weight_move_time)
        if fits - {day}:
            options.append(settings.weight_move_day)
        total += min(options)
    return total
