"""rest_days: at least one full day (by default) with no session at all."""

from __future__ import annotations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView
from scheduler.core.domain import Schedule
from scheduler.core.problem import WeekProblem

__all__ = ["RestDays"]


class RestDays(Rule):
    key = "rest_days"
    summary = "At least one full rest day a week, with no run and no plyometrics."
    severity = Severity.hard
    parameters = ("rest_days",)

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        rest = []
        for day in range(7):
            resting = model.new_bool_var(f"rest_day{day}")
            for spec in v.specs:
                model.add_implication(resting, v.on(spec, day).Not())
            rest.append(resting)
        model.add(sum(rest) >= problem.request.rules.rest_days).only_enforce_if(v.enforce(self.key))
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        free = [d for d in range(7) if not view.on_day(d)]
        wanted = problem.request.rules.rest_days
        if len(free) >= wanted:
            return []
        return [Violation(self.key, tuple(s.id for s in view.counted), (
            f"The week has {len(free)} rest day(s); {wanted} wanted."
        ))]
