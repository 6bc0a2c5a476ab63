"""plyo_after_easy: plyometrics right after an easy run, never on a key-workout day.

A brief easy run is the warm-up jump training needs, and keeping plyo off key days keeps
hard days hard and easy days easy.
"""

from __future__ import annotations

from collections.abc import Sequence

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView, hours_between
from constraints.easing import Fix, Trial, first_fitting, read_rule_number, rule_number
from scheduler.core.availability import STEP, FreeWindow
from scheduler.core.domain import Kind, PlannedSession, Schedule
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.core.week import Week
from scheduler.core.words import day_list

__all__ = ["PlyoAfterEasy", "warmed_up"]


def warmed_up(plyo: PlannedSession, runs: Sequence[PlannedSession], week: Week,
              gap_minutes: int) -> bool:
    """Whether an easy run among `runs` ends on the plyo session's day, at most
    `gap_minutes` before it starts."""
    return any(
        run.kind is Kind.easy and week.day_of(run.start) == week.day_of(plyo.start)
        and run.end <= plyo.start and hours_between(run.end, plyo.start) * 60 <= gap_minutes
        for run in runs
    )


class PlyoAfterEasy(Rule):
    key = "plyo_after_easy"
    summary = (
        "Plyometrics start after an easy run on the same day (within the allowed gap), "
        "never on a key-workout day."
    )
    severity = Severity.hard
    parameters = ("plyo_after_easy_max_gap_minutes",)
    reading_order = 1
    deletion_order = 7

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        guard = v.guard(self.key)
        gap = problem.request.rules.plyo_after_easy_max_gap_minutes
        keys = v.key_sessions()
        for plyo in v.sessions(Kind.plyo):
            follows = []
            for easy in v.sessions(Kind.easy):
                after = model.new_bool_var(f"{plyo.id}.after.{easy.id}")
                model.add_implication(after, v.present[easy.id])
                model.add_linear_constraint(v.start[plyo.id] - v.end[easy.id], 0, gap
                                            ).only_enforce_if(after)
                # The same day: starting after the easy run ends, the plyo starts before
                # the midnight that ends the easy run's day.
                model.add(v.start[plyo.id] <= v.day_end(easy)).only_enforce_if(after)
                follows.append(after)
            model.add(sum(follows) >= v.present[plyo.id]).only_enforce_if(guard)
            if keys:  # never on a key-workout day
                for day in range(7):
                    model.add_bool_and([v.off(key, day) for key in keys]
                                       ).only_enforce_if([*guard, v.on(plyo, day)])
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        gap = problem.request.rules.plyo_after_easy_max_gap_minutes
        out = []
        for plyo in view.of_kind(Kind.plyo):
            day = view.day(plyo)
            if not warmed_up(plyo, view.counted, view.week, gap):
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

    # --- in words and fixes ---------------------------------------------------------------
    def sentence(self, problem: WeekProblem, specs: Sequence[SessionSpec],
                 core: Sequence[Rule]) -> str:
        text = (f"Plyometrics must start within "
                f"{problem.request.rules.plyo_after_easy_max_gap_minutes} min after an easy "
                f"run on the same day, and never on a key-workout day")
        # A conflict names every easy run when this rule is in it (`also_involved`), so
        # none here means the week has none.
        if not any(s.kind is Kind.easy for s in specs):
            return text + ", but this week has no easy run."
        return text + "."

    def free_time_clause(self, problem: WeekProblem, specs: Sequence[SessionSpec]
                         ) -> str | None:
        easies = [s.minutes for s in specs if s.kind is Kind.easy]
        plyos = [s.minutes for s in specs if s.kind is Kind.plyo]
        if not easies or not plyos:
            return None
        easy, plyo = min(easies), max(plyos)
        gap = problem.request.rules.plyo_after_easy_max_gap_minutes
        days = _easy_then_plyo_days(easy, plyo, gap, problem.windows)
        where = f"only on {day_list(days)}" if days else "on no day"
        return f"an easy run ({easy} min) with plyo after it ({plyo} min) fits {where}"

    def phrase(self, problem: WeekProblem) -> str:
        gap = problem.request.rules.plyo_after_easy_max_gap_minutes
        return f"plyo within {gap} min after an easy run"

    def also_involved(self, problem: WeekProblem, sessions: Sequence[str]) -> list[str]:
        """The easy runs a plyo session of the conflict needs: left out of it, they may
        still take place, but they are part of the story."""
        plyo = {s.id for s in problem.specs if s.kind is Kind.plyo}
        if plyo.isdisjoint(sessions):
            return []
        return [s.id for s in problem.specs if s.kind is Kind.easy]

    def why_moved(self, problem, session, violation, other) -> str:
        if other:
            return f"the {other} is that day; no plyometrics on a key-workout day"
        gap = problem.request.rules.plyo_after_easy_max_gap_minutes
        return f"no easy run ends within {gap} min before it any more"

    def easings(self, problem: WeekProblem, trial: Trial) -> list[Fix]:
        gap = problem.request.rules.plyo_after_easy_max_gap_minutes
        field = "plyo_after_easy_max_gap_minutes"
        wider = first_fitting(trial.fits, field, [g for g in (240, 180, 120, 90) if g > gap])
        if wider is None:
            return []
        return [Fix(rule_number(field, wider), (
            f"Allow up to {wider} min (instead of {gap}) from the end of the easy run "
            f"to the plyo session."), 2 + (wider - gap) / 60)]

    def short_fix(self, change: str, problem: WeekProblem) -> str | None:
        n = read_rule_number(change, "plyo_after_easy_max_gap_minutes")
        return None if n is None else f"allow {n} min from easy run to plyo"


def _easy_then_plyo_days(easy: int, plyo: int, gap: int, windows: Sequence[FreeWindow]
                         ) -> list[int]:
    """Days where an easy run of `easy` min fits with a plyo session of `plyo` min starting
    within `gap` min after it ends, both inside free windows (on the 5-minute grid)."""
    days = set()
    for first in windows:
        for start in range(first.start, first.end - easy + 1, STEP):
            done = start + easy
            for second in windows:
                if second.day != first.day:
                    continue
                lo = max(second.start, -(-done // STEP) * STEP)
                hi = min(second.end - plyo, done + gap)
                if lo <= hi:
                    days.add(first.day)
    return sorted(days)
