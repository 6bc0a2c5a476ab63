"""Build and solve one week's CP-SAT model.

Variables (see `variables.WeekVars`): per session a start time on the week's minute line
in 5-minute steps, its day, and an interval; sessions never overlap. Every rule of the
registry posts itself; hard rules hang on one enforcement literal each, fixed to true
(or false for rules the runner turned off) on the normal path. The objective is the sum
of the soft rules' penalty terms. One worker and a fixed seed make the plan repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from constraints import ALL_RULES, PenaltyTerm, soft_penalties
from scheduler.availability import free_windows
from scheduler.domain import PlannedSession, Request, Schedule
from scheduler.sessions import SessionSpec, session_specs
from scheduler.settings import Settings, get_settings
from scheduler.variables import WeekVars
from scheduler.week import Week

__all__ = ["WeekModel", "build_week_model", "new_solver", "plan_week", "extract_sessions",
           "STATUS_NAMES", "Solved", "solve_request", "enforce_rules"]

STATUS_NAMES = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.UNKNOWN: "unknown",
}


@dataclass
class WeekModel:
    model: cp_model.CpModel
    vars: WeekVars
    terms: list[PenaltyTerm]

    def objective_terms(self) -> list[PenaltyTerm]:
        return self.terms


def build_week_model(
    request: Request,
    specs: list[SessionSpec] | None = None,
    *,
    pinned: dict[str, int] | None = None,
    optional: set[str] | frozenset[str] = frozenset(),
    earliest: dict[str, int] | None = None,
    extra_terms: list[PenaltyTerm] | None = None,
    buffer_minutes: int | None = None,
) -> WeekModel:
    """All rules posted; enforcement literals left free for the caller to fix or assume."""
    week = Week(request.week_start, request.tz)
    windows = free_windows(request, week, buffer_minutes=buffer_minutes)
    model = cp_model.CpModel()
    v = WeekVars(
        model, request, week, specs if specs is not None else session_specs(request), windows,
        pinned=pinned, optional=optional, earliest=earliest,
    )
    terms: list[PenaltyTerm] = []
    for rule in ALL_RULES:
        terms.extend(rule.post(model, v, request))
    terms.extend(extra_terms or [])
    model.minimize(sum(t.weight * t.literal for t in terms))
    return WeekModel(model, v, terms)


def enforce_rules(wm: WeekModel, off: set[str] | frozenset[str] = frozenset()) -> None:
    """Fix each hard rule's literal: on, unless the runner turned the rule off."""
    for key, literal in wm.vars.enforcement.items():
        wm.model.add(literal == int(key not in off))


def new_solver(settings: Settings | None = None, time_limit: float | None = None
               ) -> cp_model.CpSolver:
    settings = settings or get_settings()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit or settings.solver_time_limit_seconds
    solver.parameters.num_workers = 1  # deterministic: same request, same plan
    solver.parameters.random_seed = settings.solver_seed
    solver.parameters.cp_model_presolve = settings.solver_presolve
    return solver


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


def plan_week(request: Request, settings: Settings | None = None) -> Schedule:
    """Plan the week. Status infeasible/unknown comes back with no sessions."""
    return solve_request(request, settings).schedule


def solve_request(request: Request, settings: Settings | None = None) -> Solved:
    """Plan the week and keep the solver's objective (the oracle compares the two)."""
    wm = build_week_model(request)
    enforce_rules(wm, frozenset(request.rules.off))
    solver = new_solver(settings)
    code = solver.solve(wm.model)
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"internal model error: {wm.model.validate()}")
    status = STATUS_NAMES[code]
    schedule = Schedule(
        week_start=request.week_start, timezone=request.runner.timezone,
        status=status,  # type: ignore[arg-type]
        request=request,
    )
    if status not in ("optimal", "feasible"):
        return Solved(schedule, None)
    schedule.sessions = extract_sessions(wm, solver)
    schedule.penalties = soft_penalties(request, schedule)
    return Solved(schedule, round(solver.objective_value))
