"""plyo_fresh_legs (soft): no plyometrics the day after a long run or a hill session.

A long run or a hill session leaves the calves, tendons and quads tired into the next
day, and jumping on tired legs lands heavier: fewer good contacts, more load on the
Achilles. The rule prefers a plyo session on fresh legs, paying its weight once for each
plyo session the day after one. It holds across the week's edge too: a Monday plyo
session after last Sunday's long run (`context.day_before`) pays it in a single week,
and in a block the model prices it across every week's edge.
"""

from __future__ import annotations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView
from scheduler.core.domain import Kind, Schedule
from scheduler.core.labels import LABELS
from scheduler.core.problem import WeekProblem

__all__ = ["PlyoFreshLegs", "TIRING"]

# The sessions that leave the legs too tired to jump well the next day.
TIRING = (Kind.long, Kind.hill)


class PlyoFreshLegs(Rule):
    key = "plyo_fresh_legs"
    summary = "No plyometrics the day after a long run or a hill session, while legs are tired."
    severity = Severity.soft

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        weight = problem.settings.weight_plyo_fresh_legs
        tiring = v.sessions(*TIRING)
        after_context = problem.request.context.day_before in TIRING
        terms = []
        for plyo in v.sessions(Kind.plyo):
            tired = model.new_bool_var(f"{plyo.id}.day_after_long_or_hill")
            for day in range(1, 7):
                for run in tiring:
                    model.add_bool_or([tired, v.off(plyo, day), v.off(run, day - 1)])
            if after_context:
                model.add_bool_or([tired, v.off(plyo, 0)])
            terms.append(PenaltyTerm(self.key, weight, tired, (plyo.id,)))
        return terms

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        weight = problem.settings.weight_plyo_fresh_legs
        before = problem.request.context.day_before
        out = []
        for plyo in view.of_kind(Kind.plyo):
            day = view.day(plyo)
            tiring = [s for s in view.of_kind(*TIRING) if view.day(s) == day - 1]
            if tiring:
                reason = (f"the {LABELS[tiring[0].kind].noun} on "
                          f"{view.day_name(view.day(tiring[0]))}")
            elif day == 0 and before in TIRING:
                reason = f"last Sunday's {LABELS[Kind(before)].noun}"
            else:
                continue
            out.append(Violation(self.key, (plyo.id, *(s.id for s in tiring)), (
                f"The plyo session on {view.day_name(day)} comes the day after {reason}, "
                f"on tired legs."
            ), weight))
        return out

    def penalties_across_weeks(self, model, weeks) -> list[list[PenaltyTerm]]:
        """In a block: a plyo session on a week's Monday after a long run or hill session
        on the Sunday before, paid in the Monday's week (whose `context.day_before` the
        block fills in after the solve, so that week's check sees the same)."""
        out: list[list[PenaltyTerm]] = [[]]
        for a, b in zip(weeks, weeks[1:], strict=False):
            weight = b.problem.settings.weight_plyo_fresh_legs
            terms = []
            for plyo in b.sessions(Kind.plyo):
                tired = model.new_bool_var(f"{plyo.id}.monday_after_long_or_hill")
                for run in a.sessions(*TIRING):
                    model.add_bool_or([tired, a.off(run, 6), b.off(plyo, 0)])
                terms.append(PenaltyTerm(self.key, weight, tired, (plyo.id,)))
            out.append(terms)
        return out

    def phrase(self, problem: WeekProblem) -> str:
        return "no plyo the day after a long run or hill session"
