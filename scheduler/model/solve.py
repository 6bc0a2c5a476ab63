"""Build and solve one week's CP-SAT model.

Variables (see `variables.WeekVars`): per session a start time on the week's minute line
in 5-minute steps, its day, and an interval; sessions never overlap. Every rule of the
registry posts itself; hard rules hang on one enforcement literal each, fixed to true
(or false for rules the runner turned off) on the normal path. The objective is the sum
of the soft rules' penalty terms. One worker and a fixed seed make the plan repeatable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from constraints import ALL_RULES, HARD_KEYS, HARD_RULES, PenaltyTerm, Rule, soft_penalties
from scheduler.core.domain import PLAN_FOUND, PlannedSession, Request, Schedule
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.core.settings import Settings
from scheduler.core.taper import taper_changes
from scheduler.core.variables import WeekVars
from scheduler.model.hint import HINTED_SEARCH, Hint, add_hint, repeated_week

__all__ = ["WeekModel", "build_week_model", "new_solver", "plan_week",
           "extract_sessions", "STATUS_NAMES", "Solved", "solve_request", "enforce_rules",
           "days_rule_out", "solve_status", "rules_as_asked", "new_model"]

STATUS_NAMES = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.UNKNOWN: "unknown",
}


# Parts of CP-SAT's search that cost a week's plan time without steering it: symmetry
# detection, the LP relaxation, congruence closure and long inprocessing rounds. With them
# off a plan takes about 8 % less time, and on 9,500 generated weeks (busy calendars,
# DST weeks, rules switched off, the squads of benchmarks/) every plan came out exactly
# as before.
PLAN_SEARCH: dict[str, int | float | bool] = {
    "symmetry_level": 0,
    "linearization_level": 0,
    "inprocessing_use_congruence_closure": False,
    "inprocessing_dtime_ratio": 0.05,
}


@dataclass
class WeekModel:
    model: cp_model.CpModel
    vars: WeekVars
    terms: list[PenaltyTerm]

    def objective_terms(self) -> list[PenaltyTerm]:
        return self.terms


def build_week_model(
    problem: WeekProblem,
    specs: Sequence[SessionSpec] | None = None,
    *,
    pinned: dict[str, int] | None = None,
    optional: set[str] | frozenset[str] = frozenset(),
    earliest: dict[str, int] | None = None,
    extra_terms: list[PenaltyTerm] | None = None,
    rules: Sequence[Rule] = ALL_RULES,
    settled: Mapping[str, bool] | None = None,
) -> WeekModel:
    """All rules posted (or only `rules`: a feasibility question needs no soft ones) over
    the problem's sessions (or `specs`). Enforcement literals are left free for the caller
    to fix or assume, except those of `settled` rules (see `rules_as_asked`)."""
    model = new_model()
    v = WeekVars(model, problem, specs, pinned=pinned, optional=optional, earliest=earliest,
                 settled=settled)
    terms: list[PenaltyTerm] = []
    for rule in rules:
        terms.extend(rule.post(model, v, problem))
    terms.extend(extra_terms or [])
    model.minimize(sum(t.weight * t.literal for t in terms))
    return WeekModel(model, v, terms)


def rules_as_asked(request: Request) -> dict[str, bool]:
    """Every hard rule on, except those the runner turned off: the `settled` of a model
    that plans rather than explains."""
    return {key: key not in request.rules.off for key in HARD_KEYS}


class _Model(cp_model.CpModel):
    """A CpModel without the camelCase aliases OR-Tools attaches to every new model for
    old code (about a millisecond a model, a tenth of a week's plan); plyoplan calls the
    snake_case names only."""

    def _add_pre_pep8_methods(self) -> None:
        pass

    def new_bool_var(self, name: str) -> cp_model.IntVar:
        # CpModel's own, with its 0..1 domain made once rather than for each of a week's
        # literals (5.7 -> about 3.5 microseconds a literal).
        return cp_model.IntVar(self.model_proto).with_name(name).with_domain(_BOOLEAN)


_BOOLEAN = cp_model.Domain(0, 1)


def new_model() -> cp_model.CpModel:
    return _Model()


def enforce_rules(wm: WeekModel, off: set[str] | frozenset[str] = frozenset()) -> None:
    """Fix each hard rule's literal: on, unless the runner turned the rule off."""
    for key, literal in wm.vars.enforcement.items():
        wm.model.add(literal == int(key not in off))


def new_solver(settings: Settings, time_limit: float | None = None,
               tuning: Mapping[str, object] | None = None) -> cp_model.CpSolver:
    """A deterministic solver; `tuning` sets further CP-SAT parameters by name."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit or settings.solver_time_limit_seconds
    solver.parameters.num_workers = 1  # deterministic: same request, same plan
    solver.parameters.random_seed = settings.solver_seed
    solver.parameters.cp_model_presolve = settings.solver_presolve
    for name, value in (tuning or {}).items():
        setattr(solver.parameters, name, value)
    return solver


def solve_status(solver: cp_model.CpSolver, model: cp_model.CpModel) -> str:
    """Solve and name the outcome; an invalid model is our bug, never the runner's."""
    code = solver.solve(model)
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"internal model error: {model.validate()}")
    return STATUS_NAMES[code]


def extract_sessions(wm: WeekModel, solver: cp_model.CpSolver) -> list[PlannedSession]:
    v = wm.vars
    planned = []
    for spec in v.specs:
        if not solver.boolean_value(v.present[spec.id]):
            continue
        start = solver.value(v.start[spec.id])
        planned.append(PlannedSession(
            id=spec.id, kind=spec.kind, key=spec.key,
            start=v.week.at(start), end=v.week.at(start + spec.minutes),
            contacts=spec.contacts, drills=list(spec.drills),
        ))
    return sorted(planned, key=lambda s: s.start)


@dataclass
class Solved:
    schedule: Schedule
    objective: int | None  # the solver's objective value; None without a plan


def plan_week(problem: WeekProblem, hint: Hint | None = None) -> Schedule:
    """Plan the week. Status infeasible/unknown comes back with no sessions."""
    return solve_request(problem, hint).schedule


def solve_request(problem: WeekProblem, hint: Hint | None = None) -> Solved:
    """Plan the week and keep the solver's objective (the oracle compares the two); a
    `hint` (last week's times, `scheduler.model.hint`) says where to look first."""
    request = problem.request
    repeated = repeated_week(problem, hint) if hint else None
    if repeated is not None:  # last week's times cost nothing: no plan is better
        repeated.changes = taper_changes(request, repeated)  # what a race's taper cut
        return Solved(repeated, 0)
    if days_rule_out(problem):
        status = "infeasible"  # proven by counting: the search would only prove it again
    else:
        wm = build_week_model(problem, settled=rules_as_asked(request))
        if hint:
            add_hint(wm.vars, hint)
        solver = new_solver(problem.settings,
                            tuning={**PLAN_SEARCH, **HINTED_SEARCH} if hint else PLAN_SEARCH)
        status = solve_status(solver, wm.model)
    if status not in PLAN_FOUND:
        return Solved(_planned(problem, status, []), None)
    return Solved(_planned(problem, status, extract_sessions(wm, solver)),
                  round(solver.objective_value))


def _planned(problem: WeekProblem, status: str, sessions: list[PlannedSession]) -> Schedule:
    request = problem.request
    schedule = Schedule(
        week_start=request.week_start, timezone=request.runner.timezone,
        status=status,  # type: ignore[arg-type]
        request=request,
    )
    if sessions:
        schedule.sessions = sessions
        schedule.penalties = soft_penalties(problem, schedule)
        schedule.changes = taper_changes(request, schedule)  # what a race's taper cut
    return schedule


def days_rule_out(problem: WeekProblem) -> bool:
    """Whether counting days alone proves that the rules cannot all hold, so that no search
    is needed. The rules the runner keeps say what they can about days (`Rule.day_counts`):
    on which days each session can be, how many days may hold any session, how many runs
    one day may hold. A session with no day is impossible, and so are more runs than the
    days that can take them (a matching of runs to days they fit, a limited number a day).

    Each count is a consequence of a rule as it posts itself, so a week ruled out here is
    one the solver proves infeasible too (pigeonhole proofs it finds slowly: seven runs,
    one a day, and a rest day).
    """
    counts = [c for rule in HARD_RULES if rule.key not in problem.request.rules.off
              if (c := rule.day_counts(problem)) is not None]
    placeable: dict[str, set[int]] = {}
    for days_of in (c.days_of for c in counts if c.days_of is not None):
        for sid, days in days_of.items():
            placeable[sid] = placeable.get(sid, set(range(7))) & days
    if any(not days for days in placeable.values()):
        return True
    per_day = min((c.runs_a_day for c in counts if c.runs_a_day is not None), default=None)
    if per_day is None:
        return False
    runs = [s for s in problem.specs if s.is_run]
    days_used = min((c.days_used for c in counts if c.days_used is not None), default=7)
    if len(runs) > per_day * days_used:
        return True
    return bool(placeable) and _most_runs_placed(runs, placeable, per_day) < len(runs)


def _most_runs_placed(runs: Sequence[SessionSpec], placeable: dict[str, set[int]],
                      per_day: int) -> int:
    """The most runs that can each get a day they fit, `per_day` runs a day at most
    (a bipartite matching, grown one augmenting path per run)."""
    taken: dict[tuple[int, int], str] = {}  # (day, slot) -> run id

    def place(run: str, seen: set[tuple[int, int]]) -> bool:
        for day in sorted(placeable[run]):
            for slot in range(per_day):
                spot = (day, slot)
                if spot in seen:
                    continue
                seen.add(spot)
                if spot not in taken or place(taken[spot], seen):
                    taken[spot] = run
                    return True
        return False

    return sum(place(run.id, set()) for run in runs)
