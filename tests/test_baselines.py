"""The baselines the benchmark compares against are honest: every plan they produce passes
the oracle, the time-grid model optimises the same objective, first-fit really is first
fit, and the random weeks they are measured on are reproducible."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from benchmarks.baselines import SLOT, build_naive_model, plan_week_greedy, plan_week_naive
from benchmarks.generate import random_requests, request_data
from constraints import soft_penalties
from scheduler.core.domain import Request
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.model.solve import enforce_rules, extract_sessions, new_solver, plan_week
from tests.oracle import assert_planned_all, assert_valid
from tests.weeks import at
from tests.weeks import request as week

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


# --- first fit ----------------------------------------------------------------------

def test_first_fit_takes_the_earliest_start_that_passes_every_check():
    request = week([("easy", 30)], availability={"tue": [["06:00", "08:00"]],
                                                 "mon": [["18:10", "19:00"]]})
    schedule = plan_week_greedy(WeekProblem.of(request))
    assert schedule is not None
    assert_valid(schedule)
    assert schedule.sessions[0].start == at("mon", "18:10")


def test_first_fit_places_key_sessions_before_easy_runs_and_plyo_last():
    # Requested easy first, but the tempo run is placed first and takes Monday.
    request = week([("easy", 30), ("tempo", 40)],
                   availability={"mon": [["06:00", "07:00"]], "tue": [["06:00", "07:00"]]})
    schedule = plan_week_greedy(WeekProblem.of(request))
    assert schedule is not None
    assert_valid(schedule)
    by_kind = {s.kind.value: s.start for s in schedule.sessions}
    assert by_kind == {"tempo": at("mon", "06:00"), "easy": at("tue", "06:00")}


def test_first_fit_gives_up_where_the_model_finds_a_week():
    # First fit puts the tempo run on Tuesday (earliest), the easy run on Wednesday, and
    # then plyo has no easy run to follow. The model puts tempo on Friday instead.
    request = week([("tempo", 40), ("easy", 30), ("plyo", 20)], availability={
        "tue": [["06:00", "07:30"]], "wed": [["06:00", "06:30"]], "fri": [["06:00", "07:00"]]})
    assert plan_week_greedy(WeekProblem.of(request)) is None
    schedule = plan_week(WeekProblem.of(request))
    assert_planned_all(schedule, request)
    assert_valid(schedule)


@pytest.mark.parametrize("name", ["beginner", "parent_school_runs", "shift_nurse"])
def test_first_fit_plans_on_examples_pass_every_check(name):
    request = load_request(EXAMPLES / f"{name}.json")
    schedule = plan_week_greedy(WeekProblem.of(request))
    assert schedule is not None
    assert_planned_all(schedule, request)
    assert_valid(schedule)
    ours = plan_week(WeekProblem.of(request))
    assert sum(schedule.penalties.values()) >= sum(ours.penalties.values())


@pytest.mark.parametrize("name", ["office_worker", "advanced_two_plyo"])
def test_first_fit_gives_up_on_examples_the_model_plans(name):
    request = load_request(EXAMPLES / f"{name}.json")
    assert plan_week_greedy(WeekProblem.of(request)) is None
    assert_planned_all(plan_week(WeekProblem.of(request)), request)


def test_first_fit_finds_nothing_in_the_impossible_example():
    assert plan_week_greedy(WeekProblem.of(load_request(EXAMPLES / "infeasible_week.json"))) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_every_first_fit_plan_is_valid_and_never_beats_the_model(seed):
    request = Request.model_validate(request_data(random.Random(seed), busy_events=(2, 8)))
    greedy = plan_week_greedy(WeekProblem.of(request))
    ours = plan_week(WeekProblem.of(request))
    assert ours.status in ("optimal", "infeasible")
    if greedy is None:
        return
    assert_planned_all(greedy, request)
    assert_valid(greedy)
    assert ours.status == "optimal", "first fit planned a week the model called impossible"
    assert sum(ours.penalties.values()) <= sum(greedy.penalties.values())


# --- the naive time-grid model ------------------------------------------------------

def test_naive_model_minimises_the_same_soft_penalties():
    # The long run only fits on Wednesday: the preferred-day penalty must be paid.
    request = week([("easy", 30), ("long", 90)], availability={
        "mon": [["06:00", "07:00"]], "wed": [["06:00", "08:00"]]})
    wm = build_naive_model(WeekProblem.of(request))
    enforce_rules(wm)
    solver = new_solver(get_settings())
    assert solver.solve(wm.model) == cp_model.OPTIMAL
    schedule = plan_week_naive(WeekProblem.of(request))
    assert_valid(schedule)
    assert schedule.sessions == extract_sessions(wm, solver)
    problem = WeekProblem.of(request)
    assert round(solver.objective_value) == sum(soft_penalties(problem, schedule).values()) > 0
    assert sum(plan_week(problem).penalties.values()) == round(solver.objective_value)


@pytest.mark.parametrize("name", ["office_worker", "beginner"])
def test_naive_plans_on_examples_pass_every_check_on_the_15_minute_grid(name):
    request = load_request(EXAMPLES / f"{name}.json")
    schedule = plan_week_naive(WeekProblem.of(request))
    assert_planned_all(schedule, request)
    assert_valid(schedule)
    assert all(s.start.minute % SLOT == 0 for s in schedule.sessions)
    # Its starts are a subset of the model's 5-minute starts: never a lower penalty.
    ours = plan_week(WeekProblem.of(request))
    assert sum(schedule.penalties.values()) >= sum(ours.penalties.values())


def test_naive_grid_misses_a_window_off_the_quarter_hour():
    request = week([("easy", 40)], availability={"mon": [["06:05", "06:45"]]})
    assert plan_week(WeekProblem.of(request)).sessions[0].start == at("mon", "06:05")
    assert plan_week_naive(WeekProblem.of(request)).status == "infeasible"


def test_naive_model_agrees_the_impossible_example_is_impossible():
    impossible = WeekProblem.of(load_request(EXAMPLES / "infeasible_week.json"))
    assert plan_week_naive(impossible).status == "infeasible"


# --- the random weeks ---------------------------------------------------------------

def test_random_weeks_are_reproducible_by_seed_and_valid():
    first = [r.model_dump() for r in random_requests(30, seed=4)]
    again = [r.model_dump() for r in random_requests(30, seed=4)]
    other = [r.model_dump() for r in random_requests(30, seed=5)]
    assert first == again
    assert first != other
    zones = {r["runner"]["timezone"] for r in first}
    levels = {r["runner"]["level"] for r in first}
    assert len(zones) >= 4 and levels == {"beginner", "intermediate", "advanced"}


def test_random_busy_events_land_inside_the_runners_week():
    for request in random_requests(30, seed=9, busy_events=(3, 3)):
        assert len(request.busy) == 3
        for event in request.busy:
            local = event.start.astimezone(request.tz).date()
            assert 0 <= (local - request.week_start).days <= 6
