"""plyo_gap: at least 48 h (by default) from the end of one plyo session to the next.

Tendons need about two days to recover from jump training. Across the week boundary the
other session's clock time is unknown, so there the gap counts in whole days.
"""

from __future__ import annotations

from itertools import combinations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView, hours_between
from scheduler.core.domain import Kind, Request, Schedule
from scheduler.core.problem import WeekProblem

__all__ = ["PlyoGap"]


def _too_close_to_context(day: int, request: Request) -> bool:
    """Whether plyo on `day` is within the gap of a plyo day just outside the week."""
    gap_days = request.rules.plyo_gap_hours / 24
    before = request.context.day_before == "plyo" and day - (-1) < gap_days
    after = request.context.day_after == "plyo" and 7 - day < gap_days
    return before or after


class PlyoGap(Rule):
    key = "plyo_gap"
    summary = "At least 48 hours from one plyometric session to the next."
    severity = Severity.hard
    parameters = ("plyo_gap_hours",)

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        enforce = v.enforce(self.key)
        gap = problem.request.rules.plyo_gap_hours * 60
        plyos = v.sessions(Kind.plyo)
        for a, b in combinations(plyos, 2):
            a_first = model.new_bool_var(f"{a.id}.before.{b.id}")
            both = [enforce, v.present[a.id], v.present[b.id]]
            model.add(v.start[b.id] >= v.end[a.id] + gap).only_enforce_if([*both, a_first])
            model.add(v.start[a.id] >= v.end[b.id] + gap).only_enforce_if(
                [*both, a_first.Not()]
            )
        for plyo in plyos:
            for day in range(7):
                if _too_close_to_context(day, problem.request):
                    model.add_implication(enforce, v.on(plyo, day).Not())
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        hours = problem.request.rules.plyo_gap_hours
        plyos = sorted(view.of_kind(Kind.plyo), key=lambda s: s.start)
        out = []
        for a, b in combinations(plyos, 2):
            apart = hours_between(a.end, b.start)
            if apart < hours:
                out.append(Violation(self.key, (a.id, b.id), (
                    f"The plyo sessions on {view.day_name(view.day(a))} and "
                    f"{view.day_name(view.day(b))} are {apart:.0f} h apart; {hours} h needed."
                )))
        for plyo in plyos:
            if _too_close_to_context(view.day(plyo), problem.request):
                out.append(Violation(self.key, (plyo.id,), (
                    f"The {view.label(plyo)} is within {hours} h of a plyo session "
                    f"just outside this week."
                )))
        return out
