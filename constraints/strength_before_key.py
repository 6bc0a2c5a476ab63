"""strength_before_key (soft): no strength session the day before a key workout.

Strength work is low-impact but leaves the legs heavy for a day; a key workout (tempo,
hill, long run, race) wants them fresh. Unlike plyometrics this is a preference, not a
hard rule: a strength session the day before a key workout pays the rule's weight once.
It holds across the week's edge too: a Sunday strength session before next Monday's key
workout (`context.day_after`) pays it in a single week, and in a block the model prices
it across every week's edge.
"""

from __future__ import annotations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView, context_is_key
from scheduler.core.domain import Kind, Schedule
from scheduler.core.labels import LABELS
from scheduler.core.problem import WeekProblem

__all__ = ["StrengthBeforeKey"]


class StrengthBeforeKey(Rule):
    key = "strength_before_key"
    summary = "No strength session the day before a key workout (tempo, hill, long run or race)."
    severity = Severity.soft

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        weight = problem.settings.weight_strength_before_key
        keys = v.key_sessions()
        before_context = context_is_key(problem.request.context.day_after)
        terms = []
        for strength in v.sessions(Kind.strength):
            heavy = model.new_bool_var(f"{strength.id}.day_before_key")
            for day in range(6):
                for key in keys:
                    model.add_bool_or([heavy, v.off(strength, day),
                                       v.off(key, day + 1)])
            if before_context:
                model.add_bool_or([heavy, v.off(strength, 6)])
            terms.append(PenaltyTerm(self.key, weight, heavy, (strength.id,)))
        return terms

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        weight = problem.settings.weight_strength_before_key
        after = problem.request.context.day_after
        out = []
        for strength in view.of_kind(Kind.strength):
            day = view.day(strength)
            keys = [s for s in view.key_sessions() if view.day(s) == day + 1]
            if keys:
                what = f"the {LABELS[keys[0].kind].noun} on {view.day_name(day + 1)}"
            elif day == 6 and after is not None and context_is_key(after):
                what = f"next Monday's {LABELS[Kind(after)].noun}"
            else:
                continue
            out.append(Violation(self.key, (strength.id, *(s.id for s in keys)), (
                f"The strength session on {view.day_name(day)} is the day before {what}."
            ), weight))
        return out

    def penalties_across_weeks(self, model, weeks) -> list[list[PenaltyTerm]]:
        """In a block: a strength session on a week's Sunday before a key workout on the
        next Monday, paid in the Sunday's week (whose `context.day_after` the block fills
        in after the solve, so that week's check sees the same)."""
        out: list[list[PenaltyTerm]] = []
        for a, b in zip(weeks, weeks[1:], strict=False):
            weight = a.problem.settings.weight_strength_before_key
            terms = []
            for strength in a.sessions(Kind.strength):
                heavy = model.new_bool_var(f"{strength.id}.sunday_before_key")
                for key in b.key_sessions():
                    model.add_bool_or([heavy, a.off(strength, 6), b.off(key, 0)])
                terms.append(PenaltyTerm(self.key, weight, heavy, (strength.id,)))
            out.append(terms)
        return out

    def phrase(self, problem: WeekProblem) -> str:
        return "no strength session the day before a key workout"
