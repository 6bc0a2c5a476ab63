"""plyo_gap: at least 48 h (by default) from the end of one plyo session to the next.

Tendons need about two days to recover from jump training. Across the week boundary the
other session's clock time is unknown, so there the gap counts in whole days.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView, hours_between
from constraints.easing import Fix, Trial, first_fitting, read_rule_number, rule_number
from scheduler.core.domain import Kind, Request, Schedule
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec

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
    reading_order = 3
    deletion_order = 4

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        guard = v.guard(self.key)
        gap = problem.request.rules.plyo_gap_hours * 60
        plyos = v.sessions(Kind.plyo)
        for a, b in combinations(plyos, 2):
            a_first = model.new_bool_var(f"{a.id}.before.{b.id}")
            both = [*guard, v.present[a.id], v.present[b.id]]
            model.add(v.start[b.id] >= v.end[a.id] + gap).only_enforce_if([*both, a_first])
            model.add(v.start[a.id] >= v.end[b.id] + gap).only_enforce_if(
                [*both, a_first.Not()]
            )
        for plyo in plyos:
            for day in range(7):
                if _too_close_to_context(day, problem.request):
                    model.add_bool_and([v.off(plyo, day)]).only_enforce_if(guard)
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

    def post_across_weeks(self, model, weeks) -> None:
        """Between consecutive weeks, the whole-day reading each week's own check applies
        to its `context` (so each week passes its own check); between any two weeks, the
        gap in real minutes (each week counts minutes from its own Monday, so one week's
        times are shifted by the difference of the weeks' origins)."""
        for a, b in zip(weeks, weeks[1:], strict=False):
            enforce, hours = b.enforce(self.key), b.request.rules.plyo_gap_hours
            for p in a.sessions(Kind.plyo):
                for q in b.sessions(Kind.plyo):
                    for day in range(7):
                        if (day + 1) * 24 < hours:  # b's check: plyo the Sunday before
                            model.add_bool_or([a.off(p, 6), b.off(q, day)]
                                              ).only_enforce_if(enforce)
                        if (7 - day) * 24 < hours:  # a's check: plyo the Monday after
                            model.add_bool_or([b.off(q, 0), a.off(p, day)]
                                              ).only_enforce_if(enforce)
        for i, j in combinations(range(len(weeks)), 2):
            a, b = weeks[i], weeks[j]
            gap = b.request.rules.plyo_gap_hours * 60
            if j > i + 1 and gap <= weeks[i + 1].week.minutes_to(b.week):
                continue  # a whole week between them already keeps them apart
            offset = a.week.minutes_to(b.week)
            for p in a.sessions(Kind.plyo):
                for q in b.sessions(Kind.plyo):
                    model.add(b.start[q.id] + offset >= a.end[p.id] + gap).only_enforce_if(
                        [b.enforce(self.key), a.present[p.id], b.present[q.id]])

    # --- in words and fixes ---------------------------------------------------------------
    def sentence(self, problem: WeekProblem, specs: Sequence[SessionSpec],
                 core: Sequence[Rule]) -> str:
        ctx, hours = problem.request.context, problem.request.rules.plyo_gap_hours
        plyos = [s for s in specs if s.kind is Kind.plyo]
        text = (f"{len(plyos)} plyo sessions need {hours} h between them" if len(plyos) > 1
                else f"Plyo sessions need {hours} h between them")
        if ctx.day_before == "plyo":
            text += "; last Sunday was plyo"
        if ctx.day_after == "plyo":
            text += "; next Monday is plyo"
        return text + "."

    def phrase(self, problem: WeekProblem) -> str:
        return f"{problem.request.rules.plyo_gap_hours} h between plyo sessions"

    def why_moved(self, problem, session, violation, other) -> str:
        hours = problem.request.rules.plyo_gap_hours
        return f"it would be within {hours} h of the {other or 'plyo next door'}"

    def easings(self, problem: WeekProblem, trial: Trial) -> list[Fix]:
        hours = problem.request.rules.plyo_gap_hours
        # The loosest value first: if even that does not fit, no need to try the others.
        eased = first_fitting(trial.fits, "plyo_gap_hours", [h for h in (24, 36) if h < hours])
        if eased is None:
            return []
        return [Fix(rule_number("plyo_gap_hours", eased),
                    f"Allow {eased} h between plyo sessions instead of {hours} h.",
                    3 + (hours - eased) / 24)]

    def short_fix(self, change: str, problem: WeekProblem) -> str | None:
        n = read_rule_number(change, "plyo_gap_hours")
        return None if n is None else f"allow {n} h between plyo sessions"
