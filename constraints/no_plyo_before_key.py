"""no_plyo_before_key: no plyometrics the day before a key workout.

Jump training leaves the calves and tendons tired for a day; a key workout (tempo, hill,
long run, race) needs them fresh. Holds across the week boundary via `context`.
"""

from __future__ import annotations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView, context_is_key
from scheduler.core.domain import Kind, Schedule
from scheduler.core.problem import WeekProblem

__all__ = ["NoPlyoBeforeKey"]


class NoPlyoBeforeKey(Rule):
    key = "no_plyo_before_key"
    summary = "No plyometrics the day before a key workout (tempo, hill, long run or race)."
    severity = Severity.hard

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        enforce = v.enforce(self.key)
        plyos, keys = v.sessions(Kind.plyo), v.key_sessions()
        for plyo in plyos:
            for key in keys:
                for day in range(6):
                    model.add_bool_or(
                        [v.on(plyo, day).Not(), v.on(key, day + 1).Not()]
                    ).only_enforce_if(enforce)
            if context_is_key(problem.request.context.day_after):
                model.add_implication(enforce, v.on(plyo, 6).Not())
        if problem.request.context.day_before == "plyo":
            for key in keys:
                model.add_implication(enforce, v.on(key, 0).Not())
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        out = []
        for plyo in view.of_kind(Kind.plyo):
            day = view.day(plyo)
            for key in view.key_sessions():
                if view.day(key) == day + 1:
                    out.append(Violation(self.key, (plyo.id, key.id), (
                        f"The plyo session on {view.day_name(day)} is the day before "
                        f"the {view.label(key)}."
                    )))
            if day == 6 and context_is_key(problem.request.context.day_after):
                out.append(Violation(self.key, (plyo.id,), (
                    f"The plyo session on {view.day_name(6)} is the day before next week's "
                    f"{problem.request.context.day_after}."
                )))
        if problem.request.context.day_before == "plyo":
            for key in view.key_sessions():
                if view.day(key) == 0:
                    out.append(Violation(self.key, (key.id,), (
                        f"The {view.label(key)} comes the day after last Sunday's plyo session."
                    )))
        return out
