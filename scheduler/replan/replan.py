"""Re-plan the rest of a week after a missed session or a changed calendar.

`replan` fixes everything before `at` as it happened (see `replan_state`), re-solves the
rest under every hard rule with the smallest change as the first objective (see
`replan_model`), and says what moved and why (see `replan_changes`). Sessions keep their
ids, so a subscribed calendar moves an event instead of duplicating it; a session whose
time or status changed gets its SEQUENCE raised.

When nothing is missed and the unchanged rest of the week still passes every hard check,
that is the answer without a solve: no change at all is the smallest change. Otherwise
the sessions the unchanged week breaks are handed to the model as the first to move.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from constraints import hard_violations, rule_by_key, soft_penalties
from scheduler.core.domain import PLAN_FOUND, PlannedSession, Request, Schedule
from scheduler.core.explanation import ConflictItem
from scheduler.core.settings import Settings
from scheduler.replan.changes import change_items, describe_changes, overlaps
from scheduler.replan.model import Outcome, solve_replan
from scheduler.replan.state import Situation, read_situation

__all__ = ["replan", "describe_changes"]


def replan(
    schedule: Schedule,
    *,
    missed: Sequence[str] = (),
    done: Sequence[str] = (),
    at: datetime,
    settings: Settings,
    request: Request | None = None,
) -> Schedule:
    """The week re-planned at `at` with `missed` and `done` marked, under `settings`;
    `request` replaces the schedule's own (e.g. with new busy times). Raises BadRequest
    for unknown ids."""
    sit = read_situation(schedule, missed=missed, done=done, at=at, settings=settings,
                         request=request)
    unchanged = sit.unchanged()
    trial = schedule.model_copy(update={"sessions": sit.as_happened(unchanged)})
    problems = hard_violations(sit.problem, trial)
    if not sit.to_replace and not problems and not overlaps(unchanged):
        return _finish(sit, unchanged, "optimal")
    movable = {s.id for s in sit.movable}
    broken = {sid for v in problems for sid in v.sessions if sid in movable}
    broken |= {sid for pair in overlaps(unchanged) for sid in pair if sid in movable}
    must_move = {sid for v in problems if rule_by_key(v.rule).free_time
                 for sid in v.sessions if sid in movable}
    return _solved(sit, solve_replan(sit, broken=broken, must_move=must_move))


def _solved(sit: Situation, outcome: Outcome) -> Schedule:
    if outcome.status not in PLAN_FOUND:
        return _not_possible(sit, outcome.status)
    sessions = []
    for s in sit.schedule.sessions:
        status = sit.status[s.id]
        if s.id not in outcome.starts:
            sessions.append(s.model_copy(update={"status": status}))
            continue
        start = outcome.starts[s.id]
        if start is None:  # a missed session not re-placed stays missed; others dropped
            sessions.append(s.model_copy(
                update={"status": "missed" if status == "missed" else "dropped"}))
        else:
            begin = sit.week.at(start)
            sessions.append(s.model_copy(update={
                "status": "planned", "start": begin, "end": sit.week.at(start + s.minutes),
            }))
    return _finish(sit, sessions, outcome.status)


def _finish(sit: Situation, sessions: list[PlannedSession], status: str) -> Schedule:
    before = sit.by_id
    bumped = []
    for s in sessions:
        old = before[s.id]
        if (s.start, s.end, s.status) != (old.start, old.end, old.status):
            s = s.model_copy(update={"sequence": old.sequence + 1})
        bumped.append(s)
    bumped.sort(key=lambda s: (s.start, s.id))
    result = Schedule(
        week_start=sit.schedule.week_start, timezone=sit.schedule.timezone,
        status=status,  # type: ignore[arg-type]
        sessions=bumped,
        dropped=[s.id for s in bumped if s.status == "dropped"],
        request=sit.request, advice=sit.schedule.advice,
    )
    result.penalties = soft_penalties(sit.problem, result)
    result.changes = change_items(sit, result)
    return result


def _not_possible(sit: Situation, status: str) -> Schedule:
    """Even giving sessions up cannot help: what already happened breaks a rule itself."""
    past = sit.schedule.model_copy(update={"sessions": sit.as_happened(sit.fixed)})
    broken = hard_violations(sit.problem, past)
    if status == "unknown":
        text = "No re-plan was found within the time limit."
    elif broken:
        text = ("What already happened this week breaks a rule by itself: "
                + " ".join(v.text for v in broken))
    else:
        text = "The rest of the week cannot be re-planned under the coaching rules."
    return Schedule(
        week_start=sit.schedule.week_start, timezone=sit.schedule.timezone,
        status=status,  # type: ignore[arg-type]
        explanation=[ConflictItem(
            rules=sorted({v.rule for v in broken}),
            sessions=sorted({sid for v in broken for sid in v.sessions}), text=text,
        )],
        request=sit.request,
    )
