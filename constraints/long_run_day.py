"""long_run_day (soft): the long run on a preferred day, Saturday or Sunday by default."""

from __future__ import annotations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView
from scheduler.core.domain import WEEKDAYS, Kind, Schedule
from scheduler.core.problem import WeekProblem

__all__ = ["LongRunDay"]


class LongRunDay(Rule):
    key = "long_run_day"
    summary = "The long run falls on one of your preferred days (Saturday or Sunday by default)."
    severity = Severity.soft
    parameters = ("preferences.long_run_days",)

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        weight = problem.settings.weight_long_run_day
        preferred = [WEEKDAYS.index(d) for d in problem.request.preferences.long_run_days]
        terms = []
        for run in v.sessions(Kind.long):
            elsewhere = model.new_bool_var(f"{run.id}.not_on_preferred_day")
            model.add_bool_or(
                [elsewhere, v.present[run.id].Not(), *(v.on(run, d) for d in preferred)]
            )
            terms.append(PenaltyTerm(self.key, weight, elsewhere, (run.id,)))
        return terms

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        weight = problem.settings.weight_long_run_day
        preferred = problem.request.preferences.long_run_days
        return [
            Violation(self.key, (run.id,), (
                f"The long run is on {view.day_name(view.day(run))}, not on a preferred day "
                f"({', '.join(preferred)})."
            ), weight)
            for run in view.of_kind(Kind.long)
            if WEEKDAYS[view.day(run)] not in preferred
        ]
