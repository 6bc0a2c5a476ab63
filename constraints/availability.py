"""availability: every session lies inside the runner's free time."""

from __future__ import annotations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView
from scheduler.core.domain import Schedule
from scheduler.core.problem import WeekProblem

__all__ = ["Availability"]


class Availability(Rule):
    key = "availability"
    summary = (
        "Every session sits inside your free windows, away from busy events by the buffer."
    )
    severity = Severity.hard
    parameters = ("buffer_minutes",)

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        enforce = v.enforce(self.key)
        for spec in v.specs:
            if v.is_pinned(spec):
                continue  # already happened where it happened
            fits = [w for w in v.windows if w.minutes >= spec.minutes]
            spans = [(w.start, w.end - spec.minutes) for w in fits]
            # Known on: the free windows become the start's domain outright.
            v.allow_starts(spec, spans, when=None if v.settled_on(self.key) else enforce)
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        buffer = problem.request.rules.buffer_minutes
        out = []
        for s in view.counted:
            if s.status != "planned":
                continue  # done sessions happened; the calendar may have changed since
            start, end = view.week.minute(s.start), view.week.minute(s.end)
            if not any(w.start <= start and end <= w.end for w in problem.windows):
                out.append(Violation(self.key, (s.id,), (
                    f"The {view.label(s)} is outside your free time "
                    f"(a free window, {buffer} min away from busy events)."
                )))
        return out
