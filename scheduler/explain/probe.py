"""Why can't the week fit? The smallest set of conflicting hard rules, the sessions they
collide over, and the single changes that would make the week fit.

Only after a normal solve came back infeasible: the week's model is built once with every
session optional and every rule's enforcement literal left free, and re-solved for
feasibility (no objective) under CP-SAT assumptions — "these rules on, these sessions in".
A rule whose literal is not assumed may be switched off by the solver, which is exactly
"that rule off". The solver's sufficient assumptions give a first core; deleting one rule
at a time (keeping the deletion whenever the rest is still infeasible) shrinks it to a
minimal one: every rule in it is needed. The same deletion over sessions names the
sessions that must take place for the rules to collide (a session left out may still take
place: that is how an easy run "needed" by a plyo session stays possible).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from ortools.sat.python import cp_model

from constraints import HARD_KEYS, HARD_RULES
from scheduler.core.domain import Request
from scheduler.core.sessions import SessionSpec, session_specs
from scheduler.core.settings import Settings, get_settings
from scheduler.core.variables import DAYS, WeekVars
from scheduler.explain.facts import conflict_text
from scheduler.model.solve import build_week_model, new_solver

__all__ = ["Verdict", "WeekProbe", "Conflict", "find_conflict", "conflict_item",
           "explain_infeasible", "PROBE_TIME_LIMIT"]

PROBE_TIME_LIMIT = 5.0  # seconds per feasibility re-solve; a week model proves in ms
PROBE_PARAMETERS = {
    "cp_model_probing_level": 0,
    "symmetry_level": 0,
    "linearization_level": 0,
    "use_precedences_in_disjunctive_constraint": False,
    "auto_detect_greater_than_at_least_one_of": False,
}

# The order in which rules are tried for deletion: a rule tried early is left out of the
# core whenever another core exists without it. The calendar goes last so that, where the
# free time is part of the story, the explanation names it.
DELETION_ORDER = ("rest_days", "one_run_per_day", "weekly_contacts", "plyo_gap",
                  "no_consecutive_key_days", "no_plyo_before_key", "plyo_after_easy",
                  "availability")


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

    def __init__(self, request: Request, settings: Settings | None = None,
                 specs: list[SessionSpec] | None = None) -> None:
        self.request = request
        self.specs = specs if specs is not None else session_specs(request)
        self.rules = [k for k in HARD_KEYS if k not in request.rules.off]
        wm = build_week_model(request, self.specs, optional={s.id for s in self.specs},
                              rules=HARD_RULES)
        wm.model.clear_objective()  # feasibility only: stop at the first plan
        for key in request.rules.off:
            wm.model.add(wm.vars.enforcement[key] == 0)
        _add_day_counts(wm.model, wm.vars, request)
        self.model = wm.model
        self.enforce = wm.vars.enforcement
        self.present = wm.vars.present
        settings = settings or get_settings()
        self.solver = new_solver(
            settings, time_limit=min(PROBE_TIME_LIMIT, settings.solver_time_limit_seconds))
        # Without presolve the search proves the conflict itself and its sufficient
        # assumptions are already close to minimal; with presolve they are all of them.
        self.solver.parameters.cp_model_presolve = False
        # Each re-solve is a small search on a model loaded afresh: root probing, symmetry
        # detection, the LP and the precedence analyses cost more than they save here
        # (the day counts do the proving).
        for name, value in PROBE_PARAMETERS.items():
            setattr(self.solver.parameters, name, value)
        self._rule_of = {lit.index: key for key, lit in self.enforce.items()}
        self._session_of = {lit.index: sid for sid, lit in self.present.items()}
        self.solves = 0

    def check(self, rules: Iterable[str], sessions: Iterable[str]) -> Verdict:
        """Can these sessions all take place with these rules on (the others off)?"""
        self.model.clear_assumptions()
        self.model.add_assumptions(
            [self.enforce[k] for k in rules] + [self.present[s] for s in sessions])
        self.solves += 1
        code = self.solver.solve(self.model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Verdict.fits
        if code == cp_model.INFEASIBLE:
            return Verdict.conflict
        if code == cp_model.MODEL_INVALID:
            raise RuntimeError(f"internal model error: {self.model.validate()}")
        return Verdict.unknown

    def last_core(self) -> tuple[set[str], set[str]]:
        """Rule keys and session ids among the assumptions that sufficed for the last
        conflict (a subset of what was assumed)."""
        used = self.solver.sufficient_assumptions_for_infeasibility()
        return ({self._rule_of[i] for i in used if i in self._rule_of},
                {self._session_of[i] for i in used if i in self._session_of})


def _add_day_counts(model: cp_model.CpModel, v: WeekVars, request: Request) -> None:
    """Two counts every plan of the week already obeys, stated over whole days so that "too
    many sessions for too few days" is arithmetic rather than a search through every way
    of placing them (a pigeonhole the search otherwise proves in thousands of conflicts):
    - a rest day has nothing on it, so at most 7 - rest_days days are used (rest_days on);
    - the runs need ceil(runs / runs_per_day) days with a run (one_run_per_day on).
    Each is guarded by the literal of the rule it follows from, so every verdict and core
    stays exact. (Counting free minutes per day, or ruling out days without a fitting
    window, proved nothing faster and changed the conflicts found more often.)"""
    used, run_days = [], []
    for day in DAYS:
        used.append(_any_on(model, [v.on(s, day) for s in v.specs], f"day{day}.used"))
        run_days.append(_any_on(model, [v.on(s, day) for s in v.runs()], f"day{day}.has_run"))
    model.add(sum(used) <= 7 - request.rules.rest_days).only_enforce_if(
        v.enforcement["rest_days"])
    model.add(sum(v.present[s.id] for s in v.runs())
              <= request.rules.runs_per_day * sum(run_days)).only_enforce_if(
        v.enforcement["one_run_per_day"])


def _any_on(model: cp_model.CpModel, literals: list[cp_model.IntVar], name: str
            ) -> cp_model.IntVar:
    """A literal that is true exactly when one of `literals` is."""
    anyone = model.new_bool_var(name)
    model.add_bool_or([anyone.Not(), *literals])
    if literals:
        model.add(sum(literals) <= len(literals) * anyone)
    return anyone


@dataclass(frozen=True)
class Conflict:
    """A minimal set of hard rules that cannot all hold, and the sessions involved."""

    rules: tuple[str, ...]
    sessions: tuple[str, ...]
    proven: bool = True  # False when a re-solve ran out of time: maybe not minimal


def _shrink(items: Sequence[str], order: Sequence[str],
            still_conflicts: Callable[[list[str]], Verdict],
            refine: Callable[[list[str]], list[str]]) -> tuple[list[str], bool]:
    """Deletion: drop each item whose removal keeps the conflict; after every successful
    deletion, `refine` narrows the rest to the solver's sufficient assumptions."""
    kept = list(items)
    proven = True
    for item in order:
        if item not in kept:
            continue
        trial = [k for k in kept if k != item]
        verdict = still_conflicts(trial)
        if verdict is Verdict.conflict:
            kept = refine(trial)
        elif verdict is Verdict.unknown:
            proven = False  # keep it: not proven needed, but not proven spare either
    return kept, proven


def find_conflict(request: Request, probe: WeekProbe | None = None) -> Conflict | None:
    """The minimal conflict, or None when the week fits after all."""
    probe = probe or WeekProbe(request)
    everyone = [s.id for s in probe.specs]
    first = probe.check(probe.rules, everyone)
    if first is Verdict.fits:
        return None
    if first is Verdict.unknown:
        return Conflict(tuple(probe.rules), tuple(everyone), proven=False)
    # The sessions of the last proven conflict: with the rules kept they still conflict,
    # so the session deletion can start from them instead of from every session.
    last_sessions: set[str] = set()

    def refine(trial: list[str], in_core: Callable[[set[str]], list[str]]) -> list[str]:
        nonlocal last_sessions
        rule_core, last_sessions = probe.last_core()
        return in_core(rule_core) or trial

    rules = refine(list(probe.rules), lambda core: [k for k in probe.rules if k in core])
    # A rule missing from DELETION_ORDER (a new one) is tried first, never skipped.
    order = [k for k in rules if k not in DELETION_ORDER] + [
        k for k in DELETION_ORDER if k in rules]
    rules, proven = _shrink(
        rules, order, lambda trial: probe.check(trial, everyone),
        lambda trial: refine(trial, lambda core: [k for k in trial if k in core]))
    start = [s for s in everyone if s in last_sessions] or everyone
    # Sessions: try the least important first, so the ones named are the ones that matter.
    ranking = get_settings().drop_priority
    by_importance = sorted(reversed(start), key=lambda sid: ranking.get(_kind(probe, sid), 0))

    def session_core(trial: list[str]) -> list[str]:
        return [s for s in trial if s in probe.last_core()[1]] or trial

    sessions, proven_sessions = _shrink(start, by_importance,
                                        lambda trial: probe.check(rules, trial), session_core)
    if "plyo_after_easy" in rules and any(_kind(probe, s) == "plyo" for s in sessions):
        # Sessions left out above may still take place; the easy runs a plyo session needs
        # are part of the story even though the plyo session already implies one.
        sessions += [s.id for s in probe.specs if s.kind.value == "easy"]
    ordered = tuple(k for k in HARD_KEYS if k in rules)
    return Conflict(ordered, tuple(s for s in everyone if s in sessions),
                    proven and proven_sessions)


def _kind(probe: WeekProbe, sid: str) -> str:
    return next(s.kind.value for s in probe.specs if s.id == sid)


def conflict_item(request: Request, conflict: Conflict, specs: Sequence[SessionSpec]) -> dict:
    """The conflict as an explanation item (DESIGN.md's shape)."""
    involved = [s for s in specs if s.id in conflict.sessions]
    text = conflict_text(request, conflict.rules, involved)
    if not conflict.proven:
        text += (" (Some checks ran out of time, so this set may be larger than the "
                 "smallest one.)")
    return {"type": "conflict", "rules": list(conflict.rules),
            "sessions": list(conflict.sessions), "text": text}


def explain_infeasible(request: Request, *, with_fixes: bool = True) -> list[dict]:
    """Conflict and fix items for a week the rules cannot fit; [] when it fits after all."""
    from scheduler.explain.fixes import suggest_fixes  # fixes build on this module

    probe = WeekProbe(request)
    conflict = find_conflict(request, probe)
    if conflict is None:
        return []
    items = [conflict_item(request, conflict, probe.specs)]
    if with_fixes:
        items.extend(suggest_fixes(request, conflict, probe))
    return items
