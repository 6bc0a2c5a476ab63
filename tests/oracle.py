"""The independent oracle: every schedule a test gets from the solver goes through here.

It decides the hard rules with each rule's solver-free `check()`, checks that sessions do
not overlap and keep their requested durations, and that the soft penalties in the
schedule are the ones recomputed from the schedule alone. Times are compared in UTC:
Python compares and subtracts two datetimes that share a ZoneInfo on the wall clock,
which is wrong inside the hour a DST change repeats.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import combinations

from constraints import COUNTED, hard_violations, soft_penalties
from scheduler.core.domain import Request, Schedule
from scheduler.core.problem import WeekProblem


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def assert_valid(schedule: Schedule, request: Request | None = None) -> None:
    """Fail with every broken rule's sentence if the schedule breaks a hard rule."""
    request = request or schedule.request
    assert request is not None, "a schedule to check needs its request"
    problem = WeekProblem.of(request)
    broken = hard_violations(problem, schedule)
    assert not broken, "\n".join(f"{v.rule}: {v.text}" for v in broken)
    counted = sorted((s for s in schedule.sessions if s.status in COUNTED),
                     key=lambda s: _utc(s.start))
    for a, b in combinations(counted, 2):
        assert _utc(a.end) <= _utc(b.start) or _utc(b.end) <= _utc(a.start), \
            f"{a.id} overlaps {b.id}"
    wanted = {spec.id: spec.minutes for spec in problem.specs}
    for s in schedule.sessions:
        assert s.start.utcoffset() is not None, f"{s.id} has a floating time"
        real = (_utc(s.end) - _utc(s.start)).total_seconds() / 60
        assert real == wanted.get(s.id, real) and real > 0, \
            f"{s.id} lasts {real:g} min, not the {wanted.get(s.id)} min asked for"
    if schedule.sessions:
        assert schedule.penalties == soft_penalties(problem, schedule)


def assert_planned_all(schedule: Schedule, request: Request) -> None:
    """Every requested session is in the plan exactly once (as a race's taper left them),
    and so is every race of the week."""
    assert schedule.status in ("optimal", "feasible"), schedule.status
    specs = WeekProblem.of(request).specs
    assert sorted(s.id for s in schedule.sessions) == sorted(s.id for s in specs)
    assert sorted(s.kind for s in schedule.sessions) == sorted(s.kind for s in specs)
    if not request.races:
        assert len(schedule.sessions) == len(request.sessions)
