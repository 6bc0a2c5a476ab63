"""The independent oracle: every schedule a test gets from the solver goes through here.

It decides the hard rules with each rule's solver-free `check()`, checks that sessions do
not overlap and keep their requested durations, and that the soft penalties in the
schedule are the ones recomputed from the schedule alone.
"""

from __future__ import annotations

from itertools import combinations

from constraints import COUNTED, hard_violations, soft_penalties
from scheduler.domain import Request, Schedule


def assert_valid(schedule: Schedule, request: Request | None = None) -> None:
    """Fail with every broken rule's sentence if the schedule breaks a hard rule."""
    request = request or schedule.request
    assert request is not None, "a schedule to check needs its request"
    broken = hard_violations(request, schedule)
    assert not broken, "\n".join(f"{v.rule}: {v.text}" for v in broken)
    counted = sorted((s for s in schedule.sessions if s.status in COUNTED), key=lambda s: s.start)
    for a, b in combinations(counted, 2):
        assert a.end <= b.start or b.end <= a.start, f"{a.id} overlaps {b.id}"
    for s in schedule.sessions:
        assert s.end > s.start, f"{s.id} ends before it starts"
        assert s.start.utcoffset() is not None, f"{s.id} has a floating time"
    if schedule.sessions:
        assert schedule.penalties == soft_penalties(request, schedule)


def assert_planned_all(schedule: Schedule, request: Request) -> None:
    """Every requested session is in the plan exactly once."""
    assert schedule.status in ("optimal", "feasible"), schedule.status
    assert len(schedule.sessions) == len(request.sessions)
    assert sorted(s.kind for s in schedule.sessions) == sorted(s.kind for s in request.sessions)
