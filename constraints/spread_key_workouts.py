"""spread_key_workouts (soft): key workouts at least two easy days apart where possible."""

from __future__ import annotations

from itertools import combinations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView
from scheduler.core.domain import Schedule
from scheduler.core.problem import WeekProblem

__all__ = ["SpreadKeyWorkouts"]


class SpreadKeyWorkouts(Rule):
    key = "spread_key_workouts"
    summary = "Key workouts are spread through the week, with two easy days between where possible."
    severity = Severity.soft

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        weight = problem.settings.weight_spread_key
        terms = []
        for a, b in combinations(v.key_sessions(), 2):
            close = model.new_bool_var(f"{a.id}.close_to.{b.id}")
            for day in range(5):
                for first, second in ((a, b), (b, a)):
                    model.add_bool_or(
                        [close, v.off(first, day), v.off(second, day + 2)]
                    )
            terms.append(PenaltyTerm(self.key, weight, close, (a.id, b.id)))
        return terms

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        weight = problem.settings.weight_spread_key
        return [
            Violation(self.key, (a.id, b.id), (
                f"Only one day separates the {view.label(a)} and the {view.label(b)}."
            ), weight)
            for a, b in combinations(view.key_sessions(), 2)
            if abs(view.day(a) - view.day(b)) == 2
        ]
