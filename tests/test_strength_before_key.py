"""strength_before_key (soft): no strength session the day before a key workout — exact
penalties on tiny weeks, across the week's edge, and across a block's weeks."""

from __future__ import annotations

from constraints import rule_by_key
from scheduler.block.plan import build_block_model, week_requests
from scheduler.block.progression import plan_progression
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import Settings, get_settings
from scheduler.model.solve import new_solver, solve_request, solve_status
from tests.weeks import days_of, request, schedule, session, solve

KEY = "strength_before_key"
WEIGHT = get_settings().weight_strength_before_key
TUE_TO_THU = {day: [["18:00", "20:00"]] for day in ("tue", "wed", "thu")}


def violations(req, sched):
    return rule_by_key(KEY).check(WeekProblem.of(req), sched)


def test_the_weight_is_a_setting():
    assert WEIGHT == Settings().weight_strength_before_key == 5


def test_strength_goes_after_the_key_workout_when_it_can():
    # the tempo fills Wednesday's window; strength fits Tue or Thu: Thu keeps Tue free of it
    week = solve(request([("tempo", 50), ("strength", 30)],
                         availability={"tue": [["18:00", "18:40"]], "wed": [["18:00", "18:50"]],
                                       "thu": [["18:00", "18:40"]]}))
    assert days_of(week, "tempo") == ["wed"] and days_of(week, "strength") == ["thu"]
    assert week.penalties[KEY] == 0


def test_strength_the_day_before_a_key_workout_pays_the_weight_when_nothing_else_fits():
    req = request([("long", 90), ("strength", 30)],
                  availability={"fri": [["18:00", "18:40"]], "sat": [["07:00", "08:30"]]})
    week = solve(req)
    assert days_of(week, "strength") == ["fri"] and week.penalties[KEY] == WEIGHT
    [violation] = violations(req, week)
    assert violation.text == ("The strength session on Fri 04 Dec is the day before the long "
                              "run on Sat 05 Dec.")


def test_the_weight_follows_the_settings():
    req = request([("long", 90), ("strength", 30)],
                  availability={"fri": [["18:00", "18:40"]], "sat": [["07:00", "08:30"]]})
    solved = solve_request(WeekProblem.of(req, Settings(weight_strength_before_key=2)))
    assert solved.schedule.penalties[KEY] == 2 and solved.objective == 2


def test_an_easy_run_or_plyo_the_next_day_is_no_reason():
    req = request([("strength", 30), ("easy", 40), ("plyo", 20)], availability=TUE_TO_THU)
    ok = schedule(req, session("s", "strength", "tue", "18:00", 30),
                  session("e", "easy", "wed", "18:00", 40),
                  session("p", "plyo", "wed", "18:40", 20, contacts=80))
    assert violations(req, ok) == []


def test_a_key_workout_next_monday_keeps_strength_off_sunday():
    days = {"sat": [["08:00", "10:00"]], "sun": [["08:00", "10:00"]]}
    free = solve(request([("strength", 30)], availability=days, context={"day_after": "tempo"}))
    assert days_of(free, "strength") == ["sat"] and free.penalties[KEY] == 0
    only_sunday = request([("strength", 30)], availability={"sun": [["08:00", "10:00"]]},
                          context={"day_after": "long"})
    forced = solve(only_sunday)
    assert forced.penalties[KEY] == WEIGHT
    [violation] = violations(only_sunday, forced)
    assert violation.text == ("The strength session on Sun 06 Dec is the day before next "
                              "Monday's long run.")


def test_check_names_the_strength_session_and_the_key_workout():
    req = request([("strength", 30), ("hill", 50)], availability=TUE_TO_THU)
    bad = schedule(req, session("s", "strength", "tue", "18:00", 30),
                   session("h", "hill", "wed", "18:00", 50))
    [violation] = violations(req, bad)
    assert violation.sessions == ("s", "h") and violation.penalty == WEIGHT
    missed = schedule(req, session("s", "strength", "tue", "18:00", 30, status="missed"),
                      session("h", "hill", "wed", "18:00", 50))
    assert violations(req, missed) == []


def test_in_a_block_a_sunday_strength_session_before_a_monday_key_workout_is_priced():
    # Tempo fits only on Monday, strength only on Sunday: every week edge pays once, in
    # the Sunday's week, and the solver's objective says so.
    runner = request([("tempo", 50), ("strength", 30)],
                     availability={"mon": [["18:00", "18:50"]], "sun": [["08:00", "08:30"]]})
    targets = plan_progression("intermediate", 3, runner.contacts_cap, max_sessions=0)
    problems = [WeekProblem.of(r) for r in week_requests(runner, targets, 20)]
    bm = build_block_model(problems)
    solver = new_solver(get_settings())
    assert solve_status(solver, bm.model) == "optimal"
    assert round(solver.objective_value) == 2 * WEIGHT  # two edges in three weeks
