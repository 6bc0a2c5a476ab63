"""Next week starts from last week's times (scheduler.model.hint): a week that repeats
costs no search, a week that changed is searched from last week's times, and either way
the plan is as good as a search from nothing (same status, same penalty)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from benchmarks.generate import random_requests
from scheduler.core.availability import STEP
from scheduler.core.domain import PlannedSession, Request, Schedule
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.model.hint import repeated_week, times_a_week_on
from scheduler.model.solve import build_week_model, new_solver, rules_as_asked, solve_request
from tests.oracle import assert_valid
from tests.strategies import requests
from tests.weeks import placed, request, schedule, session

WEEK = [("easy", 40), ("tempo", 45), ("long", 90)]
FREE = {d: [["06:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def week_before(req: Request, *sessions: PlannedSession) -> Schedule:
    """A plan of the week before `req`'s: the sessions given (dated in `req`'s week) a
    week earlier."""
    earlier = [s.model_copy(update={"start": s.start - timedelta(days=7),
                                    "end": s.end - timedelta(days=7)}) for s in sessions]
    return schedule(req, *earlier)


def last_weeks_times(req: Request) -> Schedule:
    return week_before(req, session("a", "easy", "tue", "07:00", 40),
                       session("b", "tempo", "thu", "18:00", 45),
                       session("c", "long", "sun", "09:00", 90))


def fixed_model_cost(problem: WeekProblem, sessions: list[PlannedSession]) -> int | None:
    """The CP-SAT model's own verdict on these times: its cost, None if it refuses them."""
    wm = build_week_model(problem, settled=rules_as_asked(problem.request))
    for s in sessions:
        step = wm.vars.start_step(s.id)
        if step is not None:
            wm.model.add(step == problem.week.minute(s.start) // STEP)
    solver = new_solver(get_settings())
    if solver.solve(wm.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return round(solver.objective_value)


def test_a_week_that_repeats_is_last_weeks_times_a_week_on_without_a_search():
    req = request(WEEK, availability=FREE)
    problem = WeekProblem.of(req)
    hint = times_a_week_on(last_weeks_times(req), problem)
    repeated = repeated_week(problem, hint)
    assert repeated is not None
    solved = solve_request(problem, hint)
    assert (solved.schedule.status, solved.objective) == ("optimal", 0)
    assert sorted(placed(solved.schedule).values()) == [
        ("sun", "09:00"), ("thu", "18:00"), ("tue", "07:00")]
    assert_valid(solved.schedule)
    assert fixed_model_cost(problem, solved.schedule.sessions) == 0  # the model agrees


def test_a_new_meeting_moves_the_session_it_takes_and_keeps_the_rest():
    meeting = {"start": "2026-12-03T17:30:00+01:00", "end": "2026-12-03T19:30:00+01:00",
               "summary": "Board meeting"}
    req = request(WEEK, availability=FREE, busy=[meeting])
    problem = WeekProblem.of(req)
    hint = times_a_week_on(last_weeks_times(req), problem)
    assert repeated_week(problem, hint) is None  # the tempo's Thursday 18:00 is taken
    hinted, searched = solve_request(problem, hint), solve_request(problem)
    assert_valid(hinted.schedule)
    assert (hinted.schedule.status, hinted.objective) == (searched.schedule.status,
                                                          searched.objective)
    times = placed(hinted.schedule)
    kinds = {s.id: s.kind.value for s in hinted.schedule.sessions}
    by_kind = {kinds[sid]: when for sid, when in times.items()}
    assert by_kind["easy"] == ("tue", "07:00") and by_kind["long"] == ("sun", "09:00")
    assert by_kind["tempo"] != ("thu", "18:00")


def test_times_past_the_week_and_kinds_last_week_lacked_are_not_hinted():
    req = request([*WEEK, ("hill", 40)], availability=FREE)
    problem = WeekProblem.of(req)
    late = week_before(req, session("a", "easy", "tue", "07:00", 40),
                       session("c", "long", "sun", "23:00", 90))  # would end Monday
    hint = times_a_week_on(late, problem)
    kinds = {spec.id: spec.kind.value for spec in problem.specs}
    assert {kinds[sid] for sid in hint} == {"easy"}
    assert repeated_week(problem, hint) is None  # tempo, long and hill have no time


@st.composite
def weeks_and_hints(draw) -> tuple[Request, dict[str, int]]:
    """A random week and a hint for it: its own plan's times (a repeat), or times drawn
    at random on the 5-minute grid (mostly wrong)."""
    req = draw(requests())
    problem = WeekProblem.of(req)
    if draw(st.booleans()):
        own = solve_request(problem).schedule
        return req, {s.id: problem.week.minute(s.start) for s in own.sessions}
    horizon = problem.week.horizon
    return req, {spec.id: STEP * draw(st.integers(0, (horizon - spec.minutes) // STEP))
                 for spec in problem.specs if spec.at is None}


# The hint steers the search, never the answer: the same status and penalty as a search
# from nothing. A week taken as repeated (no search at all) is one the CP-SAT model also
# accepts at no cost: the rules' checks and the model agree on it.
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weeks_and_hints())
def test_a_hint_never_changes_how_good_the_plan_is(week_and_hint):
    req, hint = week_and_hint
    problem = WeekProblem.of(req)
    hinted, searched = solve_request(problem, hint), solve_request(problem)
    assert hinted.schedule.status == searched.schedule.status or "unknown" in (
        hinted.schedule.status, searched.schedule.status)
    if hinted.schedule.status == searched.schedule.status == "optimal":
        assert hinted.objective == searched.objective
    if hinted.schedule.sessions:
        assert_valid(hinted.schedule)
        assert hinted.objective == sum(hinted.schedule.penalties.values())
    repeated = repeated_week(problem, hint)
    if repeated is not None:
        assert searched.objective == 0
        assert fixed_model_cost(problem, repeated.sessions) == 0


def test_every_costless_week_of_a_generated_squad_repeats_as_itself():
    repeats = 0
    for req in random_requests(150, seed=5):
        problem = WeekProblem.of(req)
        own = solve_request(problem)
        if own.objective != 0:
            continue
        hint = {s.id: problem.week.minute(s.start) for s in own.schedule.sessions}
        repeated = repeated_week(problem, hint)
        assert repeated is not None
        assert [(s.id, s.start) for s in repeated.sessions] == [
            (s.id, s.start) for s in own.schedule.sessions]
        assert solve_request(problem, hint).schedule.sessions == repeated.sessions
        repeats += 1
    assert repeats >= 30  # the repeat really is exercised here
