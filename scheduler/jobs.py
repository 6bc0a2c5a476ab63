"""The jobs plyoplan does for a runner, written once for the command line, the web app and
a batch: plan a week and say why when it cannot fit; re-plan the rest of a week after a
session was missed or done. A front end reads its input, builds the `WeekProblem` with the
settings of its run, calls a job and shows the result in its own way (a table and an exit
code, a page and a status, a summary line).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from scheduler.core.domain import PLAN_FOUND, Request, Schedule
from scheduler.core.errors import RulesConflict
from scheduler.core.explanation import ConflictItem
from scheduler.core.log import TrainingLog
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import Settings
from scheduler.explain.drop import plan_with_drops
from scheduler.explain.infeasible import explain_infeasible
from scheduler.explain.why import why_items
from scheduler.model.hint import Hint
from scheduler.model.solve import plan_week
from scheduler.replan.after_pain import replan_with_log
from scheduler.replan.replan import replan

__all__ = ["plan_and_explain", "replan_or_refuse", "is_planned", "UNEXPLAINED"]

# Only when the planner proved the week impossible and the search for the conflict then
# found the week fits: the two disagree, and no rule can honestly be named.
UNEXPLAINED = ConflictItem(
    rules=[], sessions=[],
    text="The coaching rules cannot all be met in this week's free time, and a second "
         "look found no smaller set of rules to blame.",
)


def is_planned(schedule: Schedule) -> bool:
    """Whether the week has a plan (the solver proved it best, or found one in time)."""
    return schedule.status in PLAN_FOUND


def plan_and_explain(problem: WeekProblem, *, why: bool = False,
                     drop_if_needed: bool = False, fixes: bool = True,
                     hint: Hint | None = None) -> Schedule:
    """Plan the week. When it cannot fit, its explanation holds the smallest set of
    conflicting rules and (with `fixes`, which costs a solve per change tried) the single
    changes that make it fit; with `drop_if_needed` the week is planned without the
    fewest, least important sessions instead. With `why`, a planned week says for each
    session what keeps it where it is. A week with no plan in the time limit comes back
    as the solver left it (status `unknown`, no explanation): what to do about it
    depends on where the runner asked. A `hint` (`scheduler.model.hint`) says where to
    look first."""
    schedule = plan_week(problem, hint)
    if schedule.status == "infeasible":
        if drop_if_needed:
            schedule = plan_with_drops(problem)
        else:
            schedule.explanation = (explain_infeasible(problem, with_fixes=fixes)
                                    or [UNEXPLAINED])
    if why and is_planned(schedule):
        schedule.explanation += why_items(problem, schedule)
    return schedule


def replan_or_refuse(schedule: Schedule, *, missed: Sequence[str] = (),
                     done: Sequence[str] = (), at: datetime, settings: Settings,
                     request: Request | None = None,
                     log: TrainingLog | None = None) -> Schedule:
    """The rest of the week re-planned at `at` with `missed` and `done` marked (see
    `replan`), its `changes` saying what moved and why; with a training `log`, what it
    says about this week (pain, fatigue) applies first (see `replan_with_log`). Raises
    RulesConflict with the reason when no plan is found: the week as it stands is better
    than an empty one."""
    if log is not None:
        result = replan_with_log(schedule, log, missed=missed, done=done, at=at,
                                 settings=settings, request=request)
    else:
        result = replan(schedule, missed=missed, done=done, at=at, settings=settings,
                        request=request)
    if not is_planned(result):
        raise RulesConflict(" ".join(item.text for item in result.explanation)
                            or "The rest of the week cannot be re-planned.")
    return result
