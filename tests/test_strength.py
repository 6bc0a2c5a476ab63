"""Strength sessions: the library, the exercises a session gets, and how every rule,
the calendar and the page treat a session that is neither a run nor plyometrics."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from constraints import hard_violations
from scheduler.core.domain import AREAS, Drill
from scheduler.core.problem import WeekProblem
from scheduler.core.strength import (
    GROUPS,
    SESSION_PATTERN,
    strength_description,
    strength_exercises,
    strength_library,
)
from scheduler.export.ics import session_description
from tests.live_server import create
from tests.weeks import WEEK, placed, request, schedule, session, solve

MONDAY = date.fromisoformat(WEEK)
EVENINGS = {day: [["18:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_every_exercise_loads_known_areas_and_has_reps_or_a_hold():
    library = strength_library()
    assert len(library) >= 10
    for exercise in library.values():
        assert set(exercise.loads) <= set(AREAS), exercise.name
        assert exercise.group in GROUPS
        assert (exercise.reps is None) != (exercise.seconds is None), exercise.name


def test_a_session_takes_each_group_in_the_pattern_and_low_impact_names():
    names = [d.name for d in strength_exercises(MONDAY)]
    groups = [strength_library()[n].group for n in names]
    assert groups == [g for g, count in SESSION_PATTERN for _ in range(count)]
    assert "calf raises" in {e.name for e in strength_library().values()}
    assert {"step-ups", "single-leg Romanian deadlifts", "copenhagen plank",
            "tibialis raises", "split squats", "glute bridges"} <= set(strength_library())


def test_consecutive_weeks_get_different_exercises():
    this_week = strength_exercises(MONDAY)
    next_week = strength_exercises(MONDAY + timedelta(days=7))
    assert [d.name for d in this_week] != [d.name for d in next_week]
    # ... and the rotation comes round again after as many weeks as the smallest group
    assert strength_exercises(MONDAY) == this_week


def test_exercises_that_load_an_avoided_area_are_left_out():
    library = strength_library()
    for area in AREAS:
        for week in range(6):
            chosen = strength_exercises(MONDAY + timedelta(days=7 * week), avoid=[area])
            assert chosen, area
            assert all(area not in library[d.name].loads for d in chosen), (area, week)


def test_avoiding_every_area_leaves_only_exercises_that_load_none():
    chosen = strength_exercises(MONDAY, avoid=AREAS)
    assert chosen and all(not strength_library()[d.name].loads for d in chosen)


def test_a_hold_is_one_rep_of_seconds_and_reads_as_seconds():
    holds = [e for e in strength_library().values() if e.seconds]
    assert holds
    drill = holds[0].prescription()
    assert drill.reps == 1 and drill.seconds == holds[0].seconds
    assert drill.dose == f"{drill.sets}×{drill.seconds} s"
    assert drill.model_dump() == {"name": drill.name, "sets": drill.sets, "reps": 1,
                                  "seconds": drill.seconds}
    # a drill of reps is written as before: no "seconds": null in every plyo drill
    assert Drill(name="pogo hops", sets=3, reps=10).model_dump_json() == (
        '{"name":"pogo hops","sets":3,"reps":10}')


def test_a_requested_strength_session_is_planned_with_its_exercises():
    req = request([("easy", 40), {"kind": "strength", "minutes": 30, "avoid": ["achilles"]}],
                  availability=EVENINGS)
    week = solve(req)
    strength = next(s for s in week.sessions if s.kind == "strength")
    assert strength.contacts == 0 and strength.key is False
    assert strength.minutes == 30
    assert [d.name for d in strength.drills] == [
        d.name for d in strength_exercises(MONDAY, avoid=["achilles"])]
    assert all("achilles" not in strength_library()[d.name].loads for d in strength.drills)


def test_strength_needs_no_easy_run_before_it():
    # plyo_after_easy would refuse a plyo session in a week without an easy run
    week = solve(request([("strength", 30), ("tempo", 50)], availability=EVENINGS))
    assert week.status in ("optimal", "feasible")
    assert {s.kind for s in week.sessions} == {"strength", "tempo"}


def test_strength_is_not_a_run_so_it_shares_a_day_with_one():
    # one free evening: the easy run and the strength session both go there
    week = solve(request([("easy", 40), ("strength", 30)],
                         availability={"wed": [["18:00", "20:00"]]}))
    assert sorted(day for day, _ in placed(week).values()) == ["wed", "wed"]


def test_strength_may_sit_the_day_before_a_key_workout_under_the_hard_rules():
    # only Tue and Wed are free: the strength session can only come before the tempo or after it
    req = request([("strength", 30), ("tempo", 50)],
                  availability={"tue": [["18:00", "19:00"]], "wed": [["18:00", "19:00"]]},
                  rules={"off": []})
    problem = WeekProblem.of(req)
    before = schedule(req, session("s", "strength", "tue", "18:00", 30),
                      session("t", "tempo", "wed", "18:00", 50))
    assert hard_violations(problem, before) == []


def test_strength_counts_against_the_weekly_contacts_as_zero():
    req = request([("strength", 30), ("plyo", 20), ("easy", 40)],
                  rules={"weekly_contacts_cap": 80}, availability=EVENINGS)
    problem = WeekProblem.of(req)
    week = schedule(req, session("s", "strength", "mon", "18:00", 30),
                    session("e", "easy", "wed", "18:00", 40),
                    session("p", "plyo", "wed", "18:45", 20, contacts=80))
    assert hard_violations(problem, week) == []


def test_a_strength_session_breaks_a_full_rest_day():
    req = request([("easy", 40), ("strength", 30)], rules={"rest_days": 6},
                  availability=EVENINGS)
    problem = WeekProblem.of(req)
    week = schedule(req, session("e", "easy", "mon", "18:00", 40),
                    session("s", "strength", "tue", "18:00", 30))
    broken = hard_violations(problem, week)
    assert [v.rule for v in broken] == ["rest_days"]
    assert "5 rest day(s); 6 wanted" in broken[0].text
    # and the solver puts both on one day to keep six rest days
    solved = solve(request([("easy", 40), ("strength", 30)], rules={"rest_days": 6},
                           availability=EVENINGS))
    assert len({day for day, _ in placed(solved).values()}) == 1


def test_avoid_is_allowed_on_strength_and_contacts_are_not():
    request([{"kind": "strength", "minutes": 30, "avoid": ["knee"]}])
    with pytest.raises(ValidationError, match="a strength session has no ground contacts; "
                                              "give contacts on plyo sessions only"):
        request([{"kind": "strength", "minutes": 30, "contacts": 40}])
    with pytest.raises(ValidationError, match="give avoid on plyo or strength sessions only"):
        request([{"kind": "easy", "minutes": 30, "avoid": ["knee"]}])


def test_the_calendar_event_lists_each_exercise_with_its_dose_and_cues():
    week = solve(request([("strength", 30)], availability=EVENINGS))
    strength = week.sessions[0]
    text = session_description(strength)
    for drill in strength.drills:
        entry = strength_library()[drill.name]
        assert entry.cues in text
        dose = (f"{drill.sets} x {drill.seconds} s hold" if drill.seconds
                else f"{drill.sets} x {drill.reps} reps")
        assert f"- {drill.name}: {dose}" in text
    assert text == "\n".join([
        "Low-impact strength work: slow, controlled reps with good form, no jumping. "
        "Stop any exercise that causes pain.", "", strength_description(strength.drills)])


def test_per_side_exercises_say_each_side():
    step_ups = strength_library()["step-ups"].prescription()
    assert "- step-ups: 3 x 8 reps each side" in strength_description([step_ups])


def test_the_plan_page_shows_the_exercises_and_holds_in_seconds(client):
    body = create(client, request([("strength", 30)], availability=EVENINGS).model_dump(
        mode="json"))
    page = client.get(f"/plans/{body['id']}")
    assert page.status_code == 200
    for drill in body["schedule"]["sessions"][0]["drills"]:
        dose = (f"{drill['sets']}×{drill['seconds']} s" if "seconds" in drill
                else f"{drill['sets']}×{drill['reps']}")
        assert f"{drill['name']} {dose}" in page.text
