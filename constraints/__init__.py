"""The registry of plyoplan's coaching rules: each rule once, hard ones then soft ones.

The solver, the explanations, the block and the tests all iterate these lists, and ask
each rule about itself (see `base.Rule`); nothing else names a rule. Adding a rule is one
module, one line here, and one test file.
"""

from __future__ import annotations

from collections.abc import Iterable

from constraints.availability import Availability
from constraints.base import (
    COUNTED,
    DayCounts,
    PenaltyTerm,
    Rule,
    Severity,
    Violation,
    WeekView,
)
from constraints.long_run_day import LongRunDay
from constraints.no_consecutive_key_days import NoConsecutiveKeyDays
from constraints.no_plyo_before_key import NoPlyoBeforeKey
from constraints.one_run_per_day import OneRunPerDay
from constraints.plyo_after_easy import PlyoAfterEasy
from constraints.plyo_fresh_legs import PlyoFreshLegs
from constraints.plyo_gap import PlyoGap
from constraints.race_taper import RaceTaper
from constraints.rest_days import RestDays
from constraints.spread_key_workouts import SpreadKeyWorkouts
from constraints.strength_before_key import StrengthBeforeKey
from constraints.time_of_day import TimeOfDay
from constraints.weekly_contacts import WeeklyContacts
from scheduler.core.domain import Schedule, register_hard_rules
from scheduler.core.problem import WeekProblem

__all__ = [
    "HARD_RULES", "SOFT_RULES", "ALL_RULES", "HARD_KEYS", "rule_by_key", "rules_of",
    "hard_violations", "soft_violations", "soft_penalties",
    "Rule", "Severity", "Violation", "PenaltyTerm", "DayCounts", "WeekView", "COUNTED",
]

# Hard
HARD_RULES: tuple[Rule, ...] = (
    Availability(),
    OneRunPerDay(),
    NoPlyoBeforeKey(),
    PlyoAfterEasy(),
    WeeklyContacts(),
    PlyoGap(),
    NoConsecutiveKeyDays(),
    RestDays(),
    RaceTaper(),
)
# Soft
SOFT_RULES: tuple[Rule, ...] = (
    LongRunDay(),
    TimeOfDay(),
    SpreadKeyWorkouts(),
    PlyoFreshLegs(),
    StrengthBeforeKey(),
)
ALL_RULES = HARD_RULES + SOFT_RULES
HARD_KEYS = tuple(r.key for r in HARD_RULES)
register_hard_rules(HARD_KEYS)  # what a request's `rules.off` may name
_BY_KEY = {rule.key: rule for rule in ALL_RULES}


def rule_by_key(key: str) -> Rule:
    return _BY_KEY[key]


def rules_of(keys: Iterable[str]) -> list[Rule]:
    """The rules with these keys, in the order given."""
    return [_BY_KEY[key] for key in keys]


def hard_violations(problem: WeekProblem, schedule: Schedule) -> list[Violation]:
    """Every broken hard rule, skipping rules the runner turned off."""
    return [
        violation
        for rule in HARD_RULES
        if rule.key not in problem.request.rules.off
        for violation in rule.check(problem, schedule)
    ]


def soft_violations(problem: WeekProblem, schedule: Schedule) -> list[Violation]:
    return [v for rule in SOFT_RULES for v in rule.check(problem, schedule)]


def soft_penalties(problem: WeekProblem, schedule: Schedule) -> dict[str, int]:
    """Penalty paid per soft rule key, recomputed from the schedule alone."""
    totals = {rule.key: 0 for rule in SOFT_RULES}
    for violation in soft_violations(problem, schedule):
        totals[violation.rule] += violation.penalty
    return totals
