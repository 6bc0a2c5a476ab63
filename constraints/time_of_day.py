"""time_of_day (soft): each session starts in its kind's preferred part of the day."""

from __future__ import annotations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView
from scheduler.core.domain import Schedule
from scheduler.core.problem import WeekProblem
from scheduler.core.week import Week, local_datetime

__all__ = ["TimeOfDay", "PARTS_OF_DAY"]

# Local start-time ranges [from, to) in minutes after midnight.
PARTS_OF_DAY: dict[str, tuple[int, int]] = {
    "morning": (5 * 60, 12 * 60),
    "midday": (11 * 60, 15 * 60),
    "evening": (16 * 60, 22 * 60),
}


def _span(week: Week, day: int, lo: int, hi: int) -> tuple[int, int]:
    """First and last minute of the week line on which a start is in [lo, hi) of `day`."""
    date = week.date(day)
    return (week.minute(local_datetime(date, lo, week.tz)),
            week.minute(local_datetime(date, hi, week.tz)) - 1)


class TimeOfDay(Rule):
    key = "time_of_day"
    summary = "Sessions start in the part of the day you prefer for their kind."
    severity = Severity.soft
    parameters = ("preferences.time_of_day",)

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        weight = problem.settings.weight_time_of_day
        terms = []
        spans: dict[str, list[tuple[int, int]]] = {}  # per part: its minutes on each day
        for spec in v.specs:
            part = problem.request.preferences.time_of_day.get(spec.kind)
            if part is None:
                continue
            if part not in spans:
                spans[part] = [_span(v.week, day, *PARTS_OF_DAY[part]) for day in range(7)]
            # Unless it pays the penalty, it starts in that part of some day.
            outside = model.new_bool_var(f"{spec.id}.outside_{part}")
            v.start_in(spec, spans[part], when=[outside.Not(), v.present[spec.id]])
            terms.append(PenaltyTerm(self.key, weight, outside, (spec.id,)))
        return terms

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        weight = problem.settings.weight_time_of_day
        out = []
        for s in view.counted:
            part = problem.request.preferences.time_of_day.get(s.kind)
            if part is None:
                continue
            lo, hi = PARTS_OF_DAY[part]
            local = s.start.astimezone(view.week.tz)
            if not lo <= local.hour * 60 + local.minute < hi:
                out.append(Violation(self.key, (s.id,), (
                    f"The {view.label(s)} is not in the {part} you prefer for {s.kind.value} runs."
                ), weight))
        return out
