"""Where a re-plan starts: what already happened, what may move, what to re-place.

Everything that started before `at` keeps its time: a session listed as missed is
missed, one listed as done is done, and one nobody marked stays planned ("not logged":
only the runner says a session was done) and still counts for the rules. Sessions that
have not started may move or be given up; none of them can be done yet. A missed session
is a candidate to re-place at or after `at`. Sessions an earlier re-plan left missed or
dropped stay as they are.

One case is inferred rather than taken as done: plyometrics follow an easy run, so a
past plyo session whose warm-up run was missed was missed too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from constraints import COUNTED
from constraints.plyo_after_easy import PlyoAfterEasy, warmed_up
from scheduler.core.availability import STEP
from scheduler.core.domain import PLAN_FOUND, Kind, PlannedSession, Request, Schedule, Status
from scheduler.core.errors import BadRequest
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import Settings
from scheduler.core.week import Week

__all__ = ["Situation", "read_situation", "aware_at"]


@dataclass
class Situation:
    """The week at the moment of re-planning, before anything is moved."""

    schedule: Schedule
    problem: WeekProblem  # of the request re-planned for
    at: datetime
    earliest: int  # first minute on the 5-minute grid at or after `at` (or the week end)
    status: dict[str, Status]  # each session's status once the marks are applied
    fixed: list[PlannedSession] = field(default_factory=list)  # started: stay, count
    movable: list[PlannedSession] = field(default_factory=list)  # not started: may move
    to_replace: list[PlannedSession] = field(default_factory=list)  # missed now
    inferred_missed: dict[str, str] = field(default_factory=dict)  # plyo id -> easy id

    @property
    def request(self) -> Request:
        return self.problem.request

    @property
    def week(self) -> Week:
        return self.problem.week

    @property
    def by_id(self) -> dict[str, PlannedSession]:
        return {s.id: s for s in self.schedule.sessions}

    def unchanged(self) -> list[PlannedSession]:
        """The sessions with the marks applied and nothing moved: missed ones left missed."""
        return [s.model_copy(update={"status": self.status[s.id]})
                for s in self.schedule.sessions]

    def as_happened(self, sessions: list[PlannedSession]) -> list[PlannedSession]:
        """`sessions` as the rules' checks judge them: one that began before `at` happened
        where it was (as done, whether or not anyone logged it), so a calendar changed
        since does not break a rule with it, just as the model leaves it pinned. The plan
        itself keeps such a session planned (not logged)."""
        began = {s.id for s in self.fixed}
        return [s.model_copy(update={"status": "done"})
                if s.id in began and s.status == "planned" else s for s in sessions]


def aware_at(at: datetime, request: Request) -> datetime:
    """`at` with the runner's zone when it came without an offset."""
    if at.tzinfo is None:
        # Round-trip through UTC so a wall time inside a DST gap resolves forward.
        return at.replace(tzinfo=request.tz).astimezone(UTC).astimezone(request.tz)
    return at


def _request_of(schedule: Schedule, request: Request | None) -> Request:
    chosen = request or schedule.request
    if chosen is None:
        raise BadRequest("The schedule has no 'request'; re-plan from a schedule written by "
                         "'plyoplan plan --json'.")
    if chosen.week_start != schedule.week_start:
        raise BadRequest(f"The request's week_start {chosen.week_start} is not the "
                         f"schedule's week {schedule.week_start}; re-plan the same week.")
    if chosen.runner.timezone != schedule.timezone:
        raise BadRequest(f"The request's runner.timezone {chosen.runner.timezone} is not "
                         f"the schedule's timezone {schedule.timezone}.")
    return chosen


def _check_ids(schedule: Schedule, missed: Sequence[str], done: Sequence[str]) -> None:
    if schedule.status not in PLAN_FOUND or not schedule.sessions:
        raise BadRequest(f"The schedule has no planned sessions to re-plan (status "
                         f"{schedule.status}); plan the week first.")
    known = {s.id for s in schedule.sessions}
    for option, ids in (("missed", missed), ("done", done)):
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise BadRequest(
                f"Session '{unknown[0]}' given as {option} is not in this week's plan; "
                f"known ids: {', '.join(sorted(known))}."
            )
    both = sorted(set(missed) & set(done))
    if both:
        raise BadRequest(f"Session '{both[0]}' is given as both missed and done; "
                         f"give it once.")
    for s in schedule.sessions:
        if s.id in missed and s.status == "dropped":
            raise BadRequest(f"Session '{s.id}' was dropped in an earlier re-plan; only a "
                             f"planned or done session can be missed.")


def _check_done_started(schedule: Schedule, done: Sequence[str], at: datetime,
                        request: Request) -> None:
    """Only a session that has begun by `at` can be done."""
    local = "%a %d %b %H:%M"
    for s in schedule.sessions:
        if s.id in done and s.start > at:
            raise BadRequest(
                f"Session '{s.id}' starts {s.start.astimezone(request.tz):{local}}, after "
                f"'at' ({at.astimezone(request.tz):{local}}); mark it done once it has begun.")


def read_situation(
    schedule: Schedule, *, missed: Sequence[str], done: Sequence[str], at: datetime,
    settings: Settings, request: Request | None = None,
) -> Situation:
    """Sort the week's sessions into fixed, movable and to re-place (see module doc)."""
    request = _request_of(schedule, request)
    _check_ids(schedule, missed, done)
    problem = WeekProblem.of(request, settings)
    week = problem.week
    at = aware_at(at, request)
    _check_done_started(schedule, done, at, request)
    # Capped at the week's end: a session missed long after its week has nowhere to go,
    # and a start far past the week would overflow the model's bounds on a move.
    earliest = min(max(0, -(-week.minute(at) // STEP) * STEP), week.horizon)
    sit = Situation(schedule, problem, at, earliest, status={})
    for s in sorted(schedule.sessions, key=lambda s: (s.start, s.id)):
        if s.id in missed:
            sit.status[s.id] = "missed"
            if s.kind is not Kind.race:  # a race is when it is: missed, it stays missed
                sit.to_replace.append(s)
        elif s.id in done or s.status == "done":
            sit.status[s.id] = "done"
            sit.fixed.append(s)
        elif s.status == "planned" and s.start < at:  # begun, not logged: stays planned
            sit.status[s.id] = "planned"
            sit.fixed.append(s)
        elif s.status == "planned":
            sit.status[s.id] = "planned"
            sit.movable.append(s)
        else:  # missed or dropped in an earlier re-plan: left as it is
            sit.status[s.id] = s.status
    if PlyoAfterEasy.key not in request.rules.off:
        _plyo_without_warm_up(sit, explicitly_done=set(done))
    return sit


def _plyo_without_warm_up(sit: Situation, explicitly_done: set[str]) -> None:
    """A past plyo session whose easy run was missed: missed too, unless marked done."""
    gap = sit.request.rules.plyo_after_easy_max_gap_minutes
    missed_easy = [s for s in sit.to_replace if s.kind is Kind.easy]
    if not missed_easy:
        return
    for plyo in [s for s in sit.fixed if s.kind is Kind.plyo]:
        counted = [s for s in sit.fixed if sit.status[s.id] in COUNTED]
        if warmed_up(plyo, counted, sit.week, gap):
            continue
        warm_up = next((e for e in missed_easy if warmed_up(plyo, [e], sit.week, gap)), None)
        if warm_up is None:
            continue  # it had no warm-up run in the plan either; nothing changed for it
        if plyo.id in explicitly_done or plyo.status == "done":
            raise BadRequest(
                f"Session '{plyo.id}' (plyometrics) is marked done, but the easy run before "
                f"it, '{warm_up.id}', is missed; plyometrics follow an easy run, so mark "
                f"'{plyo.id}' missed too, or '{warm_up.id}' done."
            )
        sit.fixed.remove(plyo)
        sit.status[plyo.id] = "missed"
        sit.to_replace.append(plyo)
        sit.inferred_missed[plyo.id] = warm_up.id
