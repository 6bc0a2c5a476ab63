"""one_run_per_day: at most one run a day (doubles are opt-in)."""

from __future__ import annotations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView
from scheduler.core.domain import RUN_KINDS, Schedule
from scheduler.core.problem import WeekProblem

__all__ = ["OneRunPerDay"]


class OneRunPerDay(Rule):
    key = "one_run_per_day"
    summary = "One run a day, unless you opt in to doubles."
    severity = Severity.hard
    parameters = ("runs_per_day",)

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        enforce = v.enforce(self.key)
        for day in range(7):
            model.add(
                sum(v.on(s, day) for s in v.runs()) <= problem.request.rules.runs_per_day
            ).only_enforce_if(enforce)
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        limit = problem.request.rules.runs_per_day
        out = []
        for day in range(7):
            runs = [s for s in view.on_day(day) if s.kind in RUN_KINDS]
            if len(runs) > limit:
                out.append(Violation(self.key, tuple(s.id for s in runs), (
                    f"{view.day_name(day)} has {len(runs)} runs "
                    f"({', '.join(s.kind.value for s in runs)}); the limit is {limit} a day."
                )))
        return out
