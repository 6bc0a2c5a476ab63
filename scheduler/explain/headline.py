"""The one sentence that says why a week cannot fit and what to do about it.

"Tom's week cannot fit: plyo within 60 min after an easy run and no key workouts on
consecutive days do not fit your free time around 'Board meeting' Wed 18:00–20:00.
Quickest fixes: widen Wed's free time to 17:50–18:50, or drop the plyo session."

Built from the explanation items the planner already proved (the minimal conflict and
the fixes, best first), so it adds no claim of its own: the rules of the conflict in
short words, the meetings that cut into the free time when the calendar is part of it,
and the best fix of up to two different kinds. The full paragraph and the whole list of
fixes stay in the explanation.
"""

from __future__ import annotations

from collections.abc import Sequence

from constraints import ALL_RULES, rules_of
from constraints.easing import DROP, RULE_OFF, change_kind
from scheduler.core.explanation import ConflictItem, ExplanationItem, FixItem
from scheduler.core.labels import LABELS
from scheduler.core.problem import WeekProblem
from scheduler.core.words import joined

__all__ = ["headline", "reason", "short_fix"]


def short_fix(change: str, problem: WeekProblem) -> str | None:
    """A fix's change string in a few words ("drop the plyo session"); None if unknown."""
    if m := RULE_OFF.fullmatch(change):
        return f"turn off {m.group(1)}"
    if m := DROP.fullmatch(change):
        kinds = {s.id: s.kind for s in problem.specs}
        kind = kinds.get(m.group(1))
        return f"drop the {LABELS[kind].noun}" if kind else f"drop {m.group(1)}"
    return next((words for rule in ALL_RULES
                 if (words := rule.short_fix(change, problem)) is not None), None)


def _best_fixes(items: Sequence[ExplanationItem], problem: WeekProblem, most: int
                ) -> list[str]:
    chosen: list[str] = []
    kinds: set[str] = set()
    for item in items:
        if not isinstance(item, FixItem) or len(chosen) == most:
            continue
        kind, words = change_kind(item.change), short_fix(item.change, problem)
        if words and kind not in kinds:
            chosen.append(words)
            kinds.add(kind)
    return chosen


def _conflict(items: Sequence[ExplanationItem]) -> ConflictItem | None:
    return next((i for i in items if isinstance(i, ConflictItem)), None)


def _why(problem: WeekProblem, conflict: ConflictItem) -> str:
    """The rules of the conflict in a few words each, set against the free time when the
    free-time rule is one of them."""
    rules = sorted(rules_of(conflict.rules), key=lambda rule: rule.reading_order)
    wants = [rule.phrase(problem) for rule in rules if not rule.free_time]
    free_time = next((rule.phrase(problem) for rule in rules if rule.free_time), None)
    if free_time and wants:
        verb = "do" if len(wants) > 1 else "does"
        return f"{joined(wants)} {verb} not fit {free_time}"
    if free_time:
        return f"the sessions do not fit {free_time}"
    if wants:
        return (f"{joined(wants)} cannot all hold" if len(wants) > 1
                else f"{wants[0]} cannot hold")
    return "the sessions cannot all be placed in this week"


def _fixes_sentence(problem: WeekProblem, items: Sequence[ExplanationItem], fixes: int
                    ) -> str:
    best = _best_fixes(items, problem, fixes)
    if len(best) > 1:
        return f" Quickest fixes: {', or '.join(best)}."
    return f" Quickest fix: {best[0]}." if best else ""


def reason(problem: WeekProblem, items: Sequence[ExplanationItem], *, fixes: int = 2
           ) -> str:
    """Why the week cannot fit and the best fixes, as a sentence of its own ("Plyo within
    60 min after an easy run ... do not fit your free time. Quickest fix: ..."); "" when
    the items hold no conflict."""
    conflict = _conflict(items)
    if conflict is None:
        return ""
    why = _why(problem, conflict)
    return why[0].upper() + why[1:] + "." + _fixes_sentence(problem, items, fixes)


def headline(problem: WeekProblem, items: Sequence[ExplanationItem], *, fixes: int = 2,
             week: str = "week") -> str:
    """The reason after the runner's name: "Tom's week cannot fit: ..." ("" without a
    conflict); `week` names the week ("week of Mon 30 Nov 2026")."""
    conflict = _conflict(items)
    if conflict is None:
        return ""
    return (f"{problem.request.runner.name}'s {week} cannot fit: {_why(problem, conflict)}."
            f"{_fixes_sentence(problem, items, fixes)}")
