"""one_run_per_day: at most one run a day (doubles are opt-in)."""

from __future__ import annotations

from collections.abc import Sequence

from constraints.base import DayCounts, PenaltyTerm, Rule, Severity, Violation, WeekView
from constraints.easing import Fix, Trial, read_rule_number, rule_number
from scheduler.core.domain import RUN_KINDS, Schedule
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.core.words import by_kind, group_noun, joined

__all__ = ["OneRunPerDay"]


class OneRunPerDay(Rule):
    key = "one_run_per_day"
    summary = "One run a day, unless you opt in to doubles."
    severity = Severity.hard
    parameters = ("runs_per_day",)
    reading_order = 6
    deletion_order = 2

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        guard = v.guard(self.key)
        limit = problem.request.rules.runs_per_day
        for day in range(7):
            runs = [v.on(s, day) for s in v.runs()]
            if len(runs) <= limit:
                continue
            if limit == 1:
                v.at_most_one(self.key, runs)
            else:
                model.add(sum(runs) <= limit).only_enforce_if(guard)
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        limit = problem.request.rules.runs_per_day
        out = []
        for day in range(7):
            runs = [s for s in view.on_day(day) if s.kind in RUN_KINDS]
            if len(runs) > limit:
                out.append(Violation(self.key, tuple(s.id for s in runs), (
                    f"{view.day_name(day)} has {len(runs)} runs "
                    f"({', '.join(s.kind.value for s in runs)}); the limit is {limit} a day."
                )))
        return out

    def day_counts(self, problem: WeekProblem) -> DayCounts:
        return DayCounts(runs_a_day=problem.request.rules.runs_per_day)

    # --- in words and fixes ---------------------------------------------------------------
    def sentence(self, problem: WeekProblem, specs: Sequence[SessionSpec],
                 core: Sequence[Rule]) -> str:
        runs = [s for s in specs if s.kind in RUN_KINDS]
        limit = problem.request.rules.runs_per_day
        need = -(-len(runs) // limit)
        return (f"At most {limit} run{'s' if limit > 1 else ''} a day, so "
                f"{joined([group_noun(g, False) for g in by_kind(runs, RUN_KINDS)])} need "
                f"{need} different days.")

    def phrase(self, problem: WeekProblem) -> str:
        limit = problem.request.rules.runs_per_day
        return "one run a day" if limit == 1 else f"at most {limit} runs a day"

    def why_moved(self, problem, session, violation, other) -> str:
        return f"the {other} is that day; one run a day"

    def easings(self, problem: WeekProblem, trial: Trial) -> list[Fix]:
        more = problem.request.rules.runs_per_day + 1
        change = rule_number("runs_per_day", more)
        if not trial.fits(change):
            return []
        return [Fix(change, f"Allow {more} runs on one day (doubles).", 4.5)]

    def short_fix(self, change: str, problem: WeekProblem) -> str | None:
        n = read_rule_number(change, "runs_per_day")
        return None if n is None else f"allow {n} runs on a day"
