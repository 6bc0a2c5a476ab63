"""no_consecutive_key_days: never two key-workout days in a row (hard/easy).

Two key workouts on one day (possible with doubles) would stack hard efforts just the
same, so the rule forbids that too.
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
from scheduler.core.domain import Schedule
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.core.words import key_workouts

__all__ = ["NoConsecutiveKeyDays"]


class NoConsecutiveKeyDays(Rule):
    key = "no_consecutive_key_days"
    summary = (
        "No key workouts on consecutive days (or two on one day): a hard day is followed "
        "by an easy one."
    )
    severity = Severity.hard
    reading_order = 5
    deletion_order = 5

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        guard = v.guard(self.key)
        ctx = problem.request.context
        keys = v.key_sessions()
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                # Of two key sessions, at most one falls in any two days running (a
                # session is on one day only, so this says: not the same day, not the
                # next); the last pair of days covers Sunday alone.
                for day in range(6):
                    v.at_most_one(self.key, [v.on(a, day), v.on(a, day + 1),
                                             v.on(b, day), v.on(b, day + 1)])
            if context_is_key(ctx.day_before):
                model.add_bool_and([v.off(a, 0)]).only_enforce_if(guard)
            if context_is_key(ctx.day_after):
                model.add_bool_and([v.off(a, 6)]).only_enforce_if(guard)
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        ctx = problem.request.context
        out = []
        keys = sorted(view.key_sessions(), key=lambda s: s.start)
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                gap = view.day(b) - view.day(a)
                if gap in (0, 1):
                    where = "on the same day" if gap == 0 else "on consecutive days"
                    out.append(Violation(self.key, (a.id, b.id), (
                        f"The {view.label(a)} and the {view.label(b)} are {where}."
                    )))
        for a in keys:
            edge = {0: ctx.day_before, 6: ctx.day_after}
            if view.day(a) in edge and context_is_key(edge[view.day(a)]):
                side = "last Sunday's" if view.day(a) == 0 else "next Monday's"
                out.append(Violation(self.key, (a.id,), (
                    f"The {view.label(a)} is next to {side} {edge[view.day(a)]}."
                )))
        return out

    def post_across_weeks(self, model, weeks) -> None:
        """No key workouts on both a week's Sunday and the next week's Monday."""
        forbid_across_weeks(model, weeks, self.key, lambda a: a.key_sessions(),
                            lambda b: b.key_sessions())

    # --- in words -------------------------------------------------------------------------
    def sentence(self, problem: WeekProblem, specs: Sequence[SessionSpec],
                 core: Sequence[Rule]) -> str:
        ctx = problem.request.context
        text = f"Key workouts ({key_workouts(specs)}) may not fall on consecutive days"
        if context_is_key(ctx.day_before):
            text += f"; last Sunday was a {ctx.day_before}, so not on Monday"
        if context_is_key(ctx.day_after):
            text += f"; next Monday brings a {ctx.day_after}, so not on Sunday"
        return text + "."

    def phrase(self, problem: WeekProblem) -> str:
        return "no key workouts on consecutive days"

    def why_moved(self, problem, session, violation, other) -> str:
        if other:
            return f"the {other} is a day away; no key workouts on consecutive days"
        return "a key workout just outside this week is a day away"
