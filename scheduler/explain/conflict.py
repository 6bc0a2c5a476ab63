"""Why can't the week fit? The smallest set of conflicting hard rules and the sessions
they collide over.

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from constraints import HARD_KEYS, rule_by_key, rules_of
from scheduler.core.explanation import ConflictItem
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.explain.probe import Verdict, WeekProbe

__all__ = ["Conflict", "find_conflict", "conflict_item", "conflict_text"]


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


def find_conflict(probe: WeekProbe) -> Conflict | None:
    """The minimal conflict of the probe's week, or None when it fits after all."""
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
    # Each rule says when to try leaving it out (`Rule.deletion_order`): the free time
    # last, so that where the calendar is part of the story the explanation names it.
    order = sorted(rules, key=lambda k: rule_by_key(k).deletion_order)
    rules, proven = _shrink(
        rules, order, lambda trial: probe.check(trial, everyone),
        lambda trial: refine(trial, lambda core: [k for k in trial if k in core]))
    start = [s for s in everyone if s in last_sessions] or everyone
    # Sessions: try the least important first, so the ones named are the ones that matter.
    ranking = probe.problem.settings.drop_priority
    by_importance = sorted(reversed(start), key=lambda sid: ranking.get(_kind(probe, sid), 0))

    def session_core(trial: list[str]) -> list[str]:
        return [s for s in trial if s in probe.last_core()[1]] or trial

    sessions, proven_sessions = _shrink(start, by_importance,
                                        lambda trial: probe.check(rules, trial), session_core)
    # Sessions left out above may still take place; a rule may name more of them (the
    # easy runs a plyo session needs) as part of the story.
    for rule in rules_of(rules):
        sessions += rule.also_involved(probe.problem, sessions)
    ordered = tuple(k for k in HARD_KEYS if k in rules)
    return Conflict(ordered, tuple(s for s in everyone if s in sessions),
                    proven and proven_sessions)


def _kind(probe: WeekProbe, sid: str) -> str:
    return next(s.kind.value for s in probe.specs if s.id == sid)


def conflict_text(problem: WeekProblem, rules: Sequence[str], specs: Sequence[SessionSpec]
                  ) -> str:
    """One paragraph: each conflicting rule's own sentence, in their reading order (the
    calendar last)."""
    if not rules:
        total = sum(s.minutes for s in specs)
        return (f"Even with every rule off, the {len(specs)} sessions ({total} min in all) "
                f"cannot all be placed in this week.")
    core = sorted(rules_of(rules), key=lambda rule: rule.reading_order)
    return " ".join(rule.sentence(problem, specs, core) for rule in core)


def conflict_item(problem: WeekProblem, conflict: Conflict) -> ConflictItem:
    """The conflict as an explanation item (DESIGN.md's shape)."""
    involved = [s for s in problem.specs if s.id in conflict.sessions]
    text = conflict_text(problem, conflict.rules, involved)
    if not conflict.proven:
        text += (" (Some checks ran out of time, so this set may be larger than the "
                 "smallest one.)")
    return ConflictItem(rules=list(conflict.rules), sessions=list(conflict.sessions),
                        text=text)
