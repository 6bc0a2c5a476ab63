"""Property: for random requests (any zone, DST weeks, busy blocks, session mixes), a
found plan passes every hard check with its objective equal to the recomputed soft
penalties, and an infeasible answer never comes with sessions."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from scheduler.solve import solve_request
from tests.oracle import assert_planned_all, assert_valid
from tests.strategies import requests


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_any_plan_passes_every_check(request):
    solved = solve_request(request)
    schedule = solved.schedule
    assert schedule.status in ("optimal", "feasible", "infeasible")
    if schedule.status == "infeasible":
        assert schedule.sessions == [] and solved.objective is None
        return
    assert_planned_all(schedule, request)
    assert_valid(schedule)
    for s in schedule.sessions:
        assert s.start.utcoffset() == s.start.astimezone(request.tz).utcoffset()
        assert s.start.minute % 5 == 0
    if schedule.status == "optimal":
        assert solved.objective == sum(schedule.penalties.values())
