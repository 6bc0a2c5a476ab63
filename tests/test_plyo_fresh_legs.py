"""plyo_fresh_legs (soft): no plyometrics the day after a long run or a hill session — on a
tiny week with exact penalties, across the week's edge, and across a block's weeks."""

from __future__ import annotations

from constraints import rule_by_key
from scheduler.block.plan import solve_block
from scheduler.core.domain import Context
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import Settings, get_settings
from scheduler.model.solve import solve_request
from tests.oracle import assert_valid
from tests.weeks import days_of, request, schedule, session, solve

KEY = "plyo_fresh_legs"
WEIGHT = get_settings().weight_plyo_fresh_legs
# Long run on Saturday morning; an easy run fits on Sunday and on Wednesday.
WEEKEND_AND_WED = {"sat": [["07:00", "09:00"]], "sun": [["08:00", "10:00"]],
                   "wed": [["18:00", "20:00"]]}
LONG_WEEK = [("long", 100), ("easy", 30), ("easy", 30), ("plyo", 20)]


def violations(req, sched):
    return rule_by_key(KEY).check(WeekProblem.of(req), sched)


def test_the_weight_is_a_setting():
    assert WEIGHT == Settings().weight_plyo_fresh_legs == 8


def test_plyo_moves_off_the_day_after_the_long_run_when_another_easy_day_fits():
    week = solve(request(LONG_WEEK, availability=WEEKEND_AND_WED))
    assert days_of(week, "long") == ["sat"]
    assert days_of(week, "plyo") == ["wed"]
    assert week.penalties[KEY] == 0


def test_plyo_the_day_after_the_long_run_pays_the_weight_once_when_nothing_else_fits():
    week = solve(request([("long", 100), ("easy", 30), ("plyo", 20)],
                         availability={"sat": [["07:00", "09:00"]], "sun": [["08:00", "10:00"]]}))
    assert days_of(week, "plyo") == ["sun"]
    assert week.penalties[KEY] == WEIGHT


def test_a_hill_session_tires_the_legs_as_a_long_run_does():
    forced = solve(request([("hill", 50), ("easy", 30), ("plyo", 20)],
                           availability={"tue": [["18:00", "19:00"]],
                                         "wed": [["18:00", "19:00"]]}))
    assert days_of(forced, "hill") == ["tue"] and days_of(forced, "plyo") == ["wed"]
    assert forced.penalties[KEY] == WEIGHT


def test_a_tempo_run_does_not_count():
    week = solve(request([("tempo", 50), ("easy", 30), ("plyo", 20)],
                         availability={"tue": [["18:00", "19:00"]],
                                       "wed": [["18:00", "19:00"]]}))
    assert days_of(week, "plyo") == ["wed"] and week.penalties[KEY] == 0


def test_the_weight_follows_the_settings():
    req = request([("long", 100), ("easy", 30), ("plyo", 20)],
                  availability={"sat": [["07:00", "09:00"]], "sun": [["08:00", "10:00"]]})
    solved = solve_request(WeekProblem.of(req, Settings(weight_plyo_fresh_legs=3)))
    assert solved.schedule.penalties[KEY] == 3 and solved.objective == 3


def test_a_long_run_last_sunday_keeps_plyo_off_monday():
    week = {"mon": [["18:00", "20:00"]], "thu": [["18:00", "20:00"]]}
    after_long = request([("easy", 30), ("easy", 30), ("plyo", 20)], availability=week,
                         context={"day_before": "long"})
    assert days_of(solve(after_long), "plyo") == ["thu"]
    only_monday = request([("easy", 30), ("plyo", 20)], availability={"mon": [["18:00", "20:00"]]},
                          context={"day_before": "long"})
    forced = solve(only_monday)
    assert forced.penalties[KEY] == WEIGHT
    [violation] = violations(only_monday, forced)
    assert violation.text == ("The plyo session on Mon 30 Nov comes the day after last "
                              "Sunday's long run, on tired legs.")
    after_easy = request([("easy", 30), ("plyo", 20)], availability={"mon": [["18:00", "20:00"]]},
                         context={"day_before": "easy"})
    assert solve(after_easy).penalties[KEY] == 0


def test_check_flags_a_hand_made_plyo_after_a_long_run_with_both_sessions():
    req = request(LONG_WEEK, availability=WEEKEND_AND_WED)
    bad = schedule(req, session("l", "long", "sat", "07:00", 100),
                   session("e", "easy", "sun", "08:00", 30),
                   session("p", "plyo", "sun", "08:30", 20, contacts=80),
                   session("e2", "easy", "wed", "18:00", 30))
    [violation] = violations(req, bad)
    assert violation.sessions == ("p", "l") and violation.penalty == WEIGHT
    assert violation.text == ("The plyo session on Sun 06 Dec comes the day after the long "
                              "run on Sat 05 Dec, on tired legs.")
    good = schedule(req, session("l", "long", "sat", "07:00", 100),
                    session("e", "easy", "sun", "08:00", 30),
                    session("e2", "easy", "wed", "18:00", 30),
                    session("p", "plyo", "wed", "18:30", 20, contacts=80))
    assert violations(req, good) == []


def test_missed_long_runs_and_strength_sessions_do_not_count():
    req = request([("long", 100), ("easy", 30), ("strength", 30), ("plyo", 20)],
                  availability=WEEKEND_AND_WED)
    missed = schedule(req, session("l", "long", "sat", "07:00", 100, status="missed"),
                      session("e", "easy", "sun", "08:00", 30),
                      session("p", "plyo", "sun", "08:30", 20, contacts=80))
    assert violations(req, missed) == []
    strength = schedule(req, session("l", "long", "sat", "07:00", 100),
                        session("s", "strength", "sun", "08:00", 30))
    assert violations(req, strength) == []


def test_in_a_block_a_sunday_long_run_is_priced_against_the_next_monday_plyo():
    # The long run fits only on Sunday, an easy run with plyo only on Monday and Thursday:
    # week 2's plyo goes to Thursday, never to the Monday after week 1's long run. Week 1
    # follows a Sunday long run too (its context), so no week's Monday is a free choice.
    runner = request([("long", 90), ("easy", 30), ("plyo", 20)],
                     runner={"name": "Lea", "level": "beginner", "timezone": "Europe/Berlin"},
                     availability={"sun": [["08:00", "10:00"]], "mon": [["18:00", "20:00"]],
                                   "thu": [["18:00", "20:00"]]})
    runner = runner.model_copy(update={"context": Context(day_before="long")})
    solved = solve_block(runner, 2, settings=get_settings())
    for week in solved.block.weeks:
        assert_valid(week)
        assert days_of(week, "plyo") == ["thu"] and week.penalties[KEY] == 0
    assert solved.objective == 0


def test_in_a_block_a_forced_monday_plyo_after_sunday_long_pays_in_its_own_week():
    runner = request([("long", 90), ("easy", 30), ("plyo", 20)],
                     runner={"name": "Lea", "level": "beginner", "timezone": "Europe/Berlin"},
                     availability={"sun": [["08:00", "10:00"]], "mon": [["18:00", "20:00"]]})
    solved = solve_block(runner, 2, settings=get_settings())
    first, second = solved.block.weeks
    assert_valid(first)
    assert_valid(second)
    assert second.request is not None and second.request.context.day_before == "long"
    # week 1's Monday has no long run before it (the runner's context says nothing)
    assert first.penalties[KEY] == 0 and second.penalties[KEY] == WEIGHT
    assert solved.objective == sum(sum(w.penalties.values()) for w in solved.block.weeks)
