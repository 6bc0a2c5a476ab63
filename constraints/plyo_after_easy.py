"""plyo_after_easy: plyometrics right after an easy run, never on a key-workout day.

A brief easy run is the warm-up jump training needs, and keeping plyo off key days keeps
hard days hard and easy days easy.
"""

from __future__ import annotations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView, hours_between
from scheduler.core.domain import Kind, Schedule
from scheduler.core.problem import WeekProblem

__all__ = ["PlyoAfterEasy"]


class PlyoAfterEasy(Rule):
    key = "plyo_after_easy"
    summary = (
        "Plyometrics start after an easy run on the same day (within the allowed gap), "
        "never on a key-workout day."
    )
    severity = Severity.hard
    parameters = ("plyo_after_easy_max_gap_minutes",)

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        enforce = v.enforce(self.key)
        gap = problem.request.rules.plyo_after_easy_max_gap_minutes
        for plyo in v.sessions(Kind.plyo):
            follows = []
            for easy in v.sessions(Kind.easy):
                after = model.new_bool_var(f"{plyo.id}.after.{easy.id}")
                model.add_implication(after, v.present[easy.id])
                model.add(v.start[plyo.id] >= v.end[easy.id]).only_enforce_if(after)
                model.add(v.start[plyo.id] <= v.end[easy.id] + gap).only_enforce_if(after)
                for day in range(7):
                    model.add(v.on(plyo, day) == v.on(easy, day)).only_enforce_if(after)
                follows.append(after)
            model.add(sum(follows) >= v.present[plyo.id]).only_enforce_if(enforce)
            for key in v.key_sessions():
                for day in range(7):
                    model.add_bool_or(
                        [v.on(plyo, day).Not(), v.on(key, day).Not()]
                    ).only_enforce_if(enforce)
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        gap = problem.request.rules.plyo_after_easy_max_gap_minutes
        out = []
        for plyo in view.of_kind(Kind.plyo):
            day = view.day(plyo)
            warmed_up = any(
                view.day(easy) == day
                and easy.end <= plyo.start
                and hours_between(easy.end, plyo.start) * 60 <= gap
                for easy in view.of_kind(Kind.easy)
            )
            if not warmed_up:
                out.append(Violation(self.key, (plyo.id,), (
                    f"The {view.label(plyo)} does not start within {gap} min after "
                    f"an easy run that day."
                )))
            for key in view.key_sessions():
                if view.day(key) == day:
                    out.append(Violation(self.key, (plyo.id, key.id), (
                        f"The plyo session shares {view.day_name(day)} with the {view.label(key)}."
                    )))
        return out
