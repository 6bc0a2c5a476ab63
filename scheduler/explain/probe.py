"""One model of the week, re-solved for feasibility under CP-SAT assumptions ("these rules
on, these sessions in"): the question every explanation asks, from the minimal conflict
to the fixes, the widenings and the why-ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from ortools.sat.python import cp_model

from constraints import HARD_KEYS, HARD_RULES
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import Settings
from scheduler.core.variables import DAYS, WeekVars
from scheduler.model.solve import build_week_model, new_solver

__all__ = ["Verdict", "WeekProbe", "PROBE_TIME_LIMIT", "probe_solver", "feasibility"]

PROBE_TIME_LIMIT = 5.0  # seconds per feasibility re-solve; a week model proves in ms
PROBE_PARAMETERS = {
    "cp_model_probing_level": 0,
    "symmetry_level": 0,
    "linearization_level": 0,
    "use_precedences_in_disjunctive_constraint": False,
    "auto_detect_greater_than_at_least_one_of": False,
}


class Verdict(Enum):
    fits = "fits"
    conflict = "conflict"
    unknown = "unknown"  # out of time: neither proven


class WeekProbe:
    """One model of the week, re-solved for feasibility under assumptions.

    The model holds the hard rules only (a soft rule never makes a week impossible) plus
    redundant day-level counts (`_add_day_counts`) that turn "too many sessions for too
    few days" into arithmetic instead of a search; the solver skips root probing,
    symmetry detection and the LP, which cost more than these small searches.
    """

    def __init__(self, problem: WeekProblem) -> None:
        request = problem.request
        self.problem = problem
        self.specs = problem.specs
        self.rules = [k for k in HARD_KEYS if k not in request.rules.off]
        wm = build_week_model(problem, optional={s.id for s in self.specs}, rules=HARD_RULES)
        wm.model.clear_objective()  # feasibility only: stop at the first plan
        for key in request.rules.off:
            wm.model.add(wm.vars.enforcement[key] == 0)
        _add_day_counts(wm.model, wm.vars, problem)
        self.model = wm.model
        self.enforce = wm.vars.enforcement
        self.present = wm.vars.present
        self.solver = probe_solver(problem.settings)
        # Without presolve the search proves the conflict itself and its sufficient
        # assumptions are already close to minimal; with presolve they are all of them.
        self.solver.parameters.cp_model_presolve = False
        self._rule_of = {lit.index: key for key, lit in self.enforce.items()}
        self._session_of = {lit.index: sid for sid, lit in self.present.items()}
        self.solves = 0

    def check(self, rules: Iterable[str], sessions: Iterable[str]) -> Verdict:
        """Can these sessions all take place with these rules on (the others off)?"""
        self.model.clear_assumptions()
        self.model.add_assumptions(
            [self.enforce[k] for k in rules] + [self.present[s] for s in sessions])
        self.solves += 1
        return feasibility(self.solver, self.model)

    def last_core(self) -> tuple[set[str], set[str]]:
        """Rule keys and session ids among the assumptions that sufficed for the last
        conflict (a subset of what was assumed)."""
        used = self.solver.sufficient_assumptions_for_infeasibility()
        return ({self._rule_of[i] for i in used if i in self._rule_of},
                {self._session_of[i] for i in used if i in self._session_of})


def feasibility(solver: cp_model.CpSolver, model: cp_model.CpModel) -> Verdict:
    """Solve for any plan and say whether one exists; an invalid model is our bug."""
    code = solver.solve(model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Verdict.fits
    if code == cp_model.INFEASIBLE:
        return Verdict.conflict
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"internal model error: {model.validate()}")
    return Verdict.unknown


def probe_solver(settings: Settings) -> cp_model.CpSolver:
    """A solver for one feasibility question: the usual one, with at most
    `PROBE_TIME_LIMIT` seconds (a week model proves in milliseconds), and without root
    probing, symmetry detection, the LP and the precedence analyses, which cost more than
    they save on a small search of a model loaded afresh."""
    return new_solver(settings,
                      time_limit=min(PROBE_TIME_LIMIT, settings.solver_time_limit_seconds),
                      tuning=PROBE_PARAMETERS)


def _add_day_counts(model: cp_model.CpModel, v: WeekVars, problem: WeekProblem) -> None:
    """The counts over whole days that the hard rules state (`Rule.day_counts`), posted
    where every plan of the week already obeys them, so that "too many sessions for too
    few days" is arithmetic rather than a search through every way of placing them (a
    pigeonhole the search otherwise proves in thousands of conflicts):
    - at most `days_used` days hold a session (e.g. 7 - rest_days);
    - the runs need ceil(runs / runs_a_day) days with a run.
    Each is guarded by the literal of the rule it follows from, so every verdict and core
    stays exact. (Counting free minutes per day, or ruling out days without a fitting
    window, proved nothing faster and changed the conflicts found more often.)"""
    used, run_days = [], []
    for day in DAYS:
        used.append(_any_on(model, [v.on(s, day) for s in v.specs], f"day{day}.used"))
        run_days.append(_any_on(model, [v.on(s, day) for s in v.runs()], f"day{day}.has_run"))
    counts = [(rule.key, c) for rule in HARD_RULES
              if (c := rule.day_counts(problem)) is not None]
    for key, c in counts:
        if c.days_used is not None:
            model.add(sum(used) <= c.days_used).only_enforce_if(v.enforcement[key])
    for key, c in counts:
        if c.runs_a_day is not None:
            model.add(sum(v.present[s.id] for s in v.runs())
                      <= c.runs_a_day * sum(run_days)).only_enforce_if(v.enforcement[key])


def _any_on(model: cp_model.CpModel, literals: list[cp_model.IntVar], name: str
            ) -> cp_model.IntVar:
    """A literal that is true exactly when one of `literals` is."""
    anyone = model.new_bool_var(name)
    model.add_bool_or([anyone.Not(), *literals])
    if literals:
        model.add(sum(literals) <= len(literals) * anyone)
    return anyone
