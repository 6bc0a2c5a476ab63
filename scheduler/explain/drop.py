"""`--drop-if-needed`: when the rules cannot fit every session, give up the fewest and least
important ones instead of failing, and say what was dropped and why.

Every session becomes optional. The objective ranks plans lexicographically by weights
that cannot trade against each other: first the number of sessions dropped, then how
important they are (settings.drop_priority: plyo, then easy, hill, tempo, the long run
last), then — among sessions of one kind — the later one (the second plyo session goes
before the first), and only then the usual soft penalties.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from constraints import soft_penalties
from scheduler.core.domain import Schedule
from scheduler.core.explanation import DroppedItem, ExplanationItem
from scheduler.core.labels import LABELS
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.core.settings import Settings
from scheduler.explain.conflict import conflict_item, find_conflict
from scheduler.explain.probe import WeekProbe
from scheduler.model.solve import (
    STATUS_NAMES,
    build_week_model,
    extract_sessions,
    new_solver,
    plan_week,
    rules_as_asked,
)

__all__ = ["plan_with_drops", "drop_costs"]


def drop_costs(specs: list[SessionSpec], soft_bound: int, settings: Settings) -> dict[str, int]:
    """What dropping each session costs: count >> importance >> order >> soft penalties."""
    n = len(specs)
    priority = {s.id: settings.drop_priority.get(s.kind.value, 3) for s in specs}
    # Among sessions of a kind, the later one is cheaper to drop: rank 0 for the last.
    later = {s.id: sum(1 for t in specs[i + 1:] if t.kind is s.kind)
             for i, s in enumerate(specs)}
    order_unit = soft_bound + 1
    priority_unit = order_unit * (n * n + 1)
    count_unit = priority_unit * (n * max(priority.values(), default=1) + 1)
    return {s.id: count_unit + priority[s.id] * priority_unit + later[s.id] * order_unit
            for s in specs}


def plan_with_drops(problem: WeekProblem) -> Schedule:
    """The week with as few and as unimportant sessions dropped as the rules require."""
    request, settings, specs = problem.request, problem.settings, list(problem.specs)
    schedule = plan_week(problem)
    if schedule.status != "infeasible":
        return schedule
    specs = [s for s in specs if s.at is None]  # a race stays: the week is planned around it
    wm = build_week_model(problem, optional={s.id for s in specs},
                          settled=rules_as_asked(request))
    soft = sum(t.weight * t.literal for t in wm.terms)
    costs = drop_costs(specs, sum(t.weight for t in wm.terms), settings)
    present = wm.vars.present
    wm.model.minimize(sum(costs[s.id] * (1 - present[s.id]) for s in specs) + soft)
    solver = new_solver(settings)
    code = solver.solve(wm.model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        schedule.status = STATUS_NAMES.get(code, "unknown")  # type: ignore[assignment]
        return schedule
    sessions = extract_sessions(wm, solver)
    kept = {s.id for s in sessions}
    dropped = [s for s in specs if s.id not in kept]
    schedule = Schedule(
        week_start=request.week_start, timezone=request.runner.timezone,
        status=STATUS_NAMES[code],  # type: ignore[arg-type]
        sessions=sessions, dropped=[s.id for s in dropped], request=request,
    )
    schedule.penalties = soft_penalties(problem, schedule)
    schedule.explanation = _dropped_items(problem, dropped)
    return schedule


def _dropped_items(problem: WeekProblem, dropped: list[SessionSpec]
                   ) -> list[ExplanationItem]:
    conflict = find_conflict(WeekProbe(problem))
    reason = conflict_item(problem, conflict) if conflict else None
    rules = list(conflict.rules) if conflict else []
    items: list[ExplanationItem] = [reason] if reason else []
    priority = problem.settings.drop_priority
    order = ", ".join(sorted(priority, key=lambda k: priority[k]))
    why = (f"with every session in, {', '.join(rules)} cannot all hold" if rules
           else "every session does not fit into the week")
    fewest = ("one session is the fewest to give up" if len(dropped) == 1
              else f"{len(dropped)} sessions are the fewest to give up")
    for spec in dropped:
        text = (f"Dropped the {LABELS[spec.kind].noun} ({spec.minutes} min, {spec.id}) so the "
                f"rest of the week fits: {why}; {fewest}, and the least important go first "
                f"(order: {order}).")
        items.append(DroppedItem(session=spec.id, kind=spec.kind.value, rules=rules,
                                 text=text))
    return items
