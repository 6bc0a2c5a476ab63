"""Why can't the week fit, and what would make it fit: the minimal conflict and the single
changes proven to help, as explanation items."""

from __future__ import annotations

from scheduler.core.explanation import ExplanationItem
from scheduler.core.problem import WeekProblem
from scheduler.explain.conflict import conflict_item, find_conflict
from scheduler.explain.fixes import suggest_fixes
from scheduler.explain.probe import WeekProbe

__all__ = ["explain_infeasible"]


def explain_infeasible(problem: WeekProblem, *, with_fixes: bool = True
                       ) -> list[ExplanationItem]:
    """Conflict and fix items for a week the rules cannot fit; [] when it fits after all."""
    probe = WeekProbe(problem)
    conflict = find_conflict(probe)
    if conflict is None:
        return []
    items: list[ExplanationItem] = [conflict_item(problem, conflict)]
    if with_fixes:
        items.extend(suggest_fixes(conflict, probe))
    return items
