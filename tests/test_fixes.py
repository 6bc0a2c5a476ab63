"""Fixes that add free time: a window on a day that has none, copied from one the runner
keeps, each proven by a re-solve and checked here by planning the changed week."""

from __future__ import annotations

from scheduler.core.domain import Schedule
from scheduler.core.problem import WeekProblem
from scheduler.explain.fixes import apply_change
from scheduler.explain.infeasible import explain_infeasible
from scheduler.model.solve import solve_request
from tests.oracle import assert_valid
from tests.weeks import request as week_request


def planned(request) -> Schedule:
    schedule = solve_request(WeekProblem.of(request)).schedule
    assert schedule.status in ("optimal", "feasible"), schedule.status
    assert_valid(schedule, request)
    return schedule


def test_free_time_on_an_empty_day_is_a_fix_copied_from_a_window_the_runner_keeps():
    # Tue evening and Wed morning are the only free time: the tempo run and the long run
    # would fall on consecutive days. Any other day with a window like Wed's would do.
    request = week_request([("tempo", 50), ("long", 90)],
                           availability={"tue": [["18:00", "20:00"]],
                                         "wed": [["07:00", "09:00"]]})
    items = explain_infeasible(WeekProblem.of(request))
    [conflict] = [i for i in items if i.type == "conflict"]
    assert conflict.rules == ["availability", "no_consecutive_key_days"]
    added = {i.change: i.text for i in items
             if i.type == "fix" and i.change.startswith("availability.")
             and "+=" in i.change}
    # Equal lengths: the earlier window is tried first, and it fits on every empty day;
    # the first three empty days are offered.
    assert sorted(added) == sorted(f"availability.{d} += 07:00-09:00"
                                   for d in ("mon", "thu", "fri"))
    assert added["availability.mon += 07:00-09:00"] == (
        "Free 07:00–09:00 on Mon (as on Wed); this week has no free time on Mon yet.")
    changed = apply_change(WeekProblem.of(request), "availability.mon += 07:00-09:00")
    assert changed.availability["mon"] == [["07:00", "09:00"]]
    week = planned(changed)
    assert {s.start.strftime("%a") for s in week.sessions} in ({"Mon", "Wed"}, {"Mon", "Tue"})


def test_a_window_that_would_not_help_is_not_offered():
    # One 30-minute window a week cannot hold a 90-minute long run; copying that window
    # to another day would not either, so no such fix appears (but a widening does).
    request = week_request([("long", 90)], availability={"sat": [["08:00", "08:30"]]})
    items = explain_infeasible(WeekProblem.of(request))
    changes = [i.change for i in items if i.type == "fix"]
    assert not [c for c in changes if c.startswith("availability.") and "+=" in c]
    assert "availability.sat[0] = 08:00-09:30" in changes
    planned(apply_change(WeekProblem.of(request), "availability.sat[0] = 08:00-09:30"))
