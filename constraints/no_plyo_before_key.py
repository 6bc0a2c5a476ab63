"""no_plyo_before_key: no plyometrics the day before a key workout.

Jump training leaves the calves and tendons tired for a day; a key workout (tempo, hill,
long run, race) needs them fresh. Holds across the week boundary via `context`.
"""

from __future__ import annotations

from collections.abc import Sequence

from constraints.base import (
    PenaltyTerm,
    Rule,
    Severity,
    Violation,
    WeekView,
    context_is_key,
    forbid_across_weeks,
)
from scheduler.core.domain import Kind, Schedule
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.core.words import key_workouts

__all__ = ["NoPlyoBeforeKey"]


class NoPlyoBeforeKey(Rule):
    key = "no_plyo_before_key"
    summary = "No plyometrics the day before a key workout (tempo, hill, long run or race)."
    severity = Severity.hard
    reading_order = 2
    deletion_order = 6

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        guard = v.guard(self.key)
        ctx = problem.request.context
        plyos, keys = v.sessions(Kind.plyo), v.key_sessions()
        for plyo in plyos:
            if keys:  # plyo on a day: no key session the next
                for day in range(6):
                    model.add_bool_and([v.off(key, day + 1) for key in keys]
                                       ).only_enforce_if([*guard, v.on(plyo, day)])
            if context_is_key(ctx.day_after):
                model.add_bool_and([v.off(plyo, 6)]).only_enforce_if(guard)
        if ctx.day_before == "plyo" and keys:
            model.add_bool_and([v.off(key, 0) for key in keys]).only_enforce_if(guard)
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        ctx = problem.request.context
        out = []
        for plyo in view.of_kind(Kind.plyo):
            day = view.day(plyo)
            for key in view.key_sessions():
                if view.day(key) == day + 1:
                    out.append(Violation(self.key, (plyo.id, key.id), (
                        f"The plyo session on {view.day_name(day)} is the day before "
                        f"the {view.label(key)}."
                    )))
            if day == 6 and context_is_key(ctx.day_after):
                out.append(Violation(self.key, (plyo.id,), (
                    f"The plyo session on {view.day_name(6)} is the day before next week's "
                    f"{ctx.day_after}."
                )))
        if ctx.day_before == "plyo":
            for key in view.key_sessions():
                if view.day(key) == 0:
                    out.append(Violation(self.key, (key.id,), (
                        f"The {view.label(key)} comes the day after last Sunday's plyo session."
                    )))
        return out

    def post_across_weeks(self, model, weeks) -> None:
        """No plyo on a week's Sunday before a key workout on the next week's Monday."""
        forbid_across_weeks(model, weeks, self.key, lambda a: a.sessions(Kind.plyo),
                            lambda b: b.key_sessions())

    # --- in words -------------------------------------------------------------------------
    def sentence(self, problem: WeekProblem, specs: Sequence[SessionSpec],
                 core: Sequence[Rule]) -> str:
        ctx = problem.request.context
        text = f"No plyometrics the day before a key workout ({key_workouts(specs)})"
        if context_is_key(ctx.day_after):
            text += f"; next Monday brings a {ctx.day_after}, so no plyo on Sunday"
        if ctx.day_before == "plyo":
            text += "; last Sunday was plyo, so no key workout on Monday"
        return text + "."

    def phrase(self, problem: WeekProblem) -> str:
        return "no plyo the day before a key workout"

    def why_moved(self, problem, session, violation, other) -> str:
        if not other:
            return "no plyometrics the day before a key workout"
        if session.kind is Kind.plyo:
            return f"no plyometrics the day before the {other}"
        return f"the {other} is the day before; no plyometrics the day before a key workout"
