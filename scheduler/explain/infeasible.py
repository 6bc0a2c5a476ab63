"""Why can't the week fit, and what would make it fit: the minimal conflict and the single
changes proven to help, as explanation items."""

from __future__ import annotations

from scheduler.core.domain import Request
from scheduler.explain.conflict import conflict_item, find_conflict
from scheduler.explain.fixes import suggest_fixes
from scheduler.explain.probe import WeekProbe

__all__ = ["explain_infeasible"]


def explain_infeasible(request: Request, *, with_fixes: bool = True) -> list[dict]:
    """Conflict and fix items for a week the rules cannot fit; [] when it fits after all."""
    probe = WeekProbe(request)
    conflict = find_conflict(request, probe)
    if conflict is None:
        return []
    items = [conflict_item(request, conflict, probe.specs)]
    if with_fixes:
        items.extend(suggest_fixes(request, conflict, probe))
    return items
