"""What would make an infeasible week fit: single changes, each proven by a re-solve.

For every rule and session in the conflict one relaxation is tried — the rule off, a
session dropped, and whatever the rule itself proposes to ease it (`Rule.easings`: a free
window widened, a buffer reduced, a rule's number eased) — with every other rule still on.
Only changes after which the week really fits are listed, cheapest for the runner first.
The change strings and how they apply are in `constraints.easing`.
"""

from __future__ import annotations

from constraints import HARD_RULES, rules_of
from constraints.easing import Fix, WindowSide, apply_change
from scheduler.core.explanation import FixItem
from scheduler.core.labels import LABELS
from scheduler.core.problem import WeekProblem
from scheduler.explain.conflict import Conflict
from scheduler.explain.probe import Verdict, WeekProbe, feasibility, probe_solver
from scheduler.explain.widen import smallest_widenings
from scheduler.model.solve import build_week_model, days_rule_out, rules_as_asked

__all__ = ["Fix", "suggest_fixes", "apply_change", "week_fits"]


def week_fits(problem: WeekProblem) -> Verdict:
    """Feasibility of a week with all its rules on (no objective: first plan wins). The
    hard rules alone decide it: a soft rule only prices a plan, so it is not posted. A
    week that counting days rules out needs no model (a fifth of the changes tried)."""
    if days_rule_out(problem):
        return Verdict.conflict
    wm = build_week_model(problem, settled=rules_as_asked(problem.request), rules=HARD_RULES)
    wm.model.clear_objective()
    return feasibility(probe_solver(problem.settings), wm.model)


class _Trial:
    """The re-solves a rule's easings ask for (`constraints.easing.Trial`), on one week."""

    def __init__(self, problem: WeekProblem) -> None:
        self.problem = problem

    def fits(self, change: str) -> bool:
        try:
            changed = self.problem.changed(apply_change(self.problem, change))
        except ValueError:  # the change would make an invalid request: not a fix
            return False
        return week_fits(changed) is Verdict.fits

    def widenings(self, cap: int, instead_of: str) -> dict[WindowSide, int]:
        return smallest_widenings(self.problem, cap, instead_of)


def _rules_off(conflict: Conflict, probe: WeekProbe) -> list[Fix]:
    everyone = [s.id for s in probe.specs]
    return [rule.turned_off() for rule in rules_of(conflict.rules)
            if probe.check([k for k in probe.rules if k != rule.key], everyone)
            is Verdict.fits]


def _drops(conflict: Conflict, probe: WeekProbe) -> list[Fix]:
    if len(probe.specs) < 2:
        return []  # a week needs at least one session
    priority = probe.problem.settings.drop_priority
    fixes = []
    for spec in probe.specs:
        if spec.id not in conflict.sessions or spec.at is not None:
            continue  # a race is not given up to fit training around it
        others = [s.id for s in probe.specs if s is not spec]
        if probe.check(probe.rules, others) is Verdict.fits:
            text = (f"Drop the {LABELS[spec.kind].noun} ({spec.minutes} min, {spec.id}) "
                    f"this week.")
            fixes.append(Fix(f"drop {spec.id}", text, 5 + priority.get(spec.kind.value, 3)))
    return fixes


def suggest_fixes(conflict: Conflict, probe: WeekProbe) -> list[FixItem]:
    """Fix items for the conflict, each proven by a re-solve with every other rule on."""
    trial = _Trial(probe.problem)
    fixes = _rules_off(conflict, probe) + _drops(conflict, probe)
    for rule in rules_of(conflict.rules):
        fixes += rule.easings(probe.problem, trial)
    fixes.sort(key=lambda f: (f.cost, f.change))
    return [f.item() for f in fixes]
