"""rest_days: at least one full day (by default) with no session at all."""

from __future__ import annotations

from collections.abc import Sequence

from constraints.base import DayCounts, PenaltyTerm, Rule, Severity, Violation, WeekView
from constraints.easing import Fix, Trial, read_rule_number, rule_number
from scheduler.core.domain import Schedule
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.core.words import plural

__all__ = ["RestDays"]


class RestDays(Rule):
    key = "rest_days"
    summary = "At least one full rest day a week, with no run and no plyometrics."
    severity = Severity.hard
    parameters = ("rest_days",)
    reading_order = 7
    deletion_order = 1

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        rest = []
        for day in range(7):
            resting = model.new_bool_var(f"rest_day{day}")
            model.add_bool_and([v.off(spec, day) for spec in v.specs]
                               ).only_enforce_if(resting)
            rest.append(resting)
        wanted = problem.request.rules.rest_days
        model.add(sum(rest) >= wanted).only_enforce_if(v.guard(self.key))
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

    def day_counts(self, problem: WeekProblem) -> DayCounts:
        return DayCounts(days_used=7 - problem.request.rules.rest_days)

    # --- in words and fixes ---------------------------------------------------------------
    def sentence(self, problem: WeekProblem, specs: Sequence[SessionSpec],
                 core: Sequence[Rule]) -> str:
        wanted = problem.request.rules.rest_days
        return (f"At least {wanted} full rest day{'s' if wanted != 1 else ''} a week, so "
                f"the {len(specs)} sessions share at most {7 - wanted} days.")

    def phrase(self, problem: WeekProblem) -> str:
        return plural(problem.request.rules.rest_days, "full rest day")

    def why_moved(self, problem, session, violation, other) -> str:
        return f"the week would keep fewer than {problem.request.rules.rest_days} rest day(s)"

    def easings(self, problem: WeekProblem, trial: Trial) -> list[Fix]:
        wanted = problem.request.rules.rest_days
        change = rule_number("rest_days", wanted - 1)
        if not trial.fits(change):
            return []
        text = (f"Take {wanted - 1} full rest days instead of {wanted}." if wanted > 1
                else "Skip the full rest day this week.")
        return [Fix(change, text, 4)]

    def short_fix(self, change: str, problem: WeekProblem) -> str | None:
        n = read_rule_number(change, "rest_days")
        if n is None:
            return None
        return f"take {plural(n, 'rest day')}" if n else "skip the rest day"
