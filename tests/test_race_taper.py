"""race_taper on tiny weeks with A, B and C races: where the solver puts key workouts and
plyometrics around a race, the check() that flags hand-made violations, the primer before
an A race (allowed, and limited), races across the week boundary, and the race itself:
fixed at its start whatever the free time or the calendar says."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from constraints import rule_by_key
from scheduler.core.domain import Drill, Request
from scheduler.core.errors import BadRequest
from scheduler.core.io import parse_model
from scheduler.core.problem import WeekProblem
from scheduler.core.races import race_clashes
from tests.weeks import WEEK, placed, request, schedule, session, solve

EVENINGS = {d: [["18:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
KEY = "race_taper"


def race(day: str, priority: str, start: str = "09:00", minutes: int = 50,
         name: str = "City 10k") -> dict[str, Any]:
    """A race on a day of the test week (Mon 30 Nov 2026) or, as 'next-tue', of the next."""
    days = {"mon": 30, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
    if day.startswith("next-"):
        date = f"2026-12-{days[day[5:]] + 7:02d}" if day != "next-mon" else "2026-12-07"
    else:
        date = "2026-11-30" if day == "mon" else f"2026-12-{days[day]:02d}"
    return {"date": date, "start": start, "minutes": minutes, "name": name,
            "priority": priority}


def with_race(sessions, races: list[dict[str, Any]], availability=None, **fields) -> Request:
    return request(sessions, availability=availability or EVENINGS, races=races, **fields)


def violations(req: Request, *sessions):
    return rule_by_key(KEY).check(WeekProblem.of(req), schedule(req, *sessions))


def days(plan, kind: str) -> list[str]:
    return sorted(d for sid, (d, _) in placed(plan).items() if f"-{kind}-" in sid)


# --- the race itself ------------------------------------------------------------------
def test_a_race_is_a_key_session_at_its_start_with_a_stable_id_outside_free_time():
    req = with_race([("easy", 30)], [race("sun", "C", start="09:30")])
    plan = solve(req)
    assert placed(plan)["test-2026-11-30-race-1"] == ("sun", "09:30")  # Sunday has no window
    [the_race] = [s for s in plan.sessions if s.kind == "race"]
    assert the_race.key and the_race.minutes == 50
    assert solve(req).sessions == plan.sessions  # same id and time every time


def test_a_race_clashing_with_a_busy_event_is_a_warning_not_an_infeasible_week():
    busy = [{"start": "2026-12-06T08:00:00+01:00", "end": "2026-12-06T12:00:00+01:00",
             "summary": "Brunch"}]
    req = with_race([("easy", 30)], [race("sun", "B", start="09:00")], busy=busy)
    plan = solve(req)
    assert plan.status == "optimal" and placed(plan)["test-2026-11-30-race-1"] == ("sun", "09:00")
    [warning] = race_clashes(req, WeekProblem.of(req).week)
    assert warning == ("City 10k on Sun 06 Dec 09:00 clashes with 'Brunch' (Sun 08:00); "
                       "the race keeps its time.")


def test_a_race_moved_off_its_start_is_flagged():
    req = with_race([("easy", 30)], [race("sun", "C")])
    moved = session("test-2026-11-30-race-1", "race", "sun", "10:00", 50)
    [v] = violations(req, moved)
    assert v.sessions == ("test-2026-11-30-race-1",)
    assert "not at its start Sun 06 Dec 09:00" in v.text


# --- A race -----------------------------------------------------------------------------
def test_an_a_race_keeps_key_workouts_off_its_two_days_before():
    # Free Thu, Fri and Sat evenings; the tempo (tapered to 20 min) goes on Thursday.
    req = with_race([("tempo", 40)], [race("sun", "A")],
                    availability={d: EVENINGS[d] for d in ("thu", "fri", "sat")})
    assert placed(solve(req))["test-2026-11-30-tempo-1"] == ("thu", "18:00")
    only_fri_sat = with_race([("tempo", 40)], [race("sun", "A")],
                             availability={d: EVENINGS[d] for d in ("fri", "sat")})
    assert solve(only_fri_sat).status == "infeasible"


def test_an_a_race_keeps_three_easy_days_after_it():
    # Race on Tuesday: Wed, Thu and Fri hold no key workout; the tempo waits for Saturday.
    req = with_race([("tempo", 40)], [race("tue", "A")],
                    availability={d: EVENINGS[d] for d in ("wed", "thu", "fri", "sat")})
    assert days(solve(req), "tempo") == ["sat"]


def test_the_primer_before_an_a_race_goes_on_its_third_or_second_day_before():
    # The A week cuts the plyo session to a primer (40 low contacts); D-5 and D-4 and D-1
    # are closed, so with easy runs free every evening it lands Thu or Fri.
    req = with_race([("easy", 30), {"kind": "plyo", "minutes": 20}], [race("sun", "A")],
                    availability={d: EVENINGS[d] for d in ("tue", "wed", "thu", "fri", "sat")})
    plan = solve(req)
    [plyo] = [s for s in plan.sessions if s.kind == "plyo"]
    assert days(plan, "plyo") in (["thu"], ["fri"])
    assert plyo.contacts == 40 and {d.name for d in plyo.drills} <= {
        "pogo hops", "ankle hops", "skipping", "line hops"}


def test_only_one_primer_fits_before_an_a_race():
    two = [("easy", 30), ("easy", 30), {"kind": "plyo", "minutes": 20},
           {"kind": "plyo", "minutes": 20}]
    req = with_race(two, [race("sun", "A")],
                    availability={d: EVENINGS[d] for d in ("tue", "wed", "thu", "fri", "sat")},
                    rules={"rest_days": 0, "plyo_gap_hours": 0})
    assert solve(req).status == "infeasible"
    off = with_race(two, [race("sun", "A")],
                    availability={d: EVENINGS[d] for d in ("tue", "wed", "thu", "fri", "sat")},
                    rules={"rest_days": 0, "plyo_gap_hours": 0, "off": [KEY]})
    assert solve(off).status == "optimal"


def test_the_primer_is_limited_to_40_low_contacts_and_one_session():
    req = with_race([("easy", 30)], [race("sun", "A")])
    low = [Drill(name="pogo hops", sets=4, reps=10)]
    primer = session("p", "plyo", "fri", "18:30", 20, contacts=40).model_copy(
        update={"drills": low})
    assert violations(req, primer) == []
    heavy = primer.model_copy(update={"contacts": 50, "drills": [
        Drill(name="pogo hops", sets=5, reps=10)]})
    [v] = violations(req, heavy)
    assert v.sessions == ("p",) and "plyometrics 2 days before City 10k (A race)" in v.text
    moderate = primer.model_copy(update={"drills": [Drill(name="box jumps", sets=4, reps=10)]})
    assert [v.sessions for v in violations(req, moderate)] == [("p",)]
    on_d4 = primer.model_copy(update={"id": "q", "start": primer.start.replace(day=2),
                                      "end": primer.end.replace(day=2)})  # Wed: D-4
    assert [v.sessions for v in violations(req, on_d4)] == [("q",)]
    second = primer.model_copy(update={"id": "r", "start": primer.start.replace(day=3),
                                       "end": primer.end.replace(day=3)})  # Thu: D-3
    [v] = violations(req, primer, second)
    assert set(v.sessions) == {"p", "r"} and "at most one light primer" in v.text


def test_high_drills_within_two_weeks_of_an_a_race_are_flagged():
    req = with_race([("easy", 30)], [race("next-fri", "A")])  # 11 days after Tue
    high = session("h", "plyo", "tue", "18:30", 20, contacts=40).model_copy(
        update={"drills": [Drill(name="depth jumps", sets=4, reps=10)]})
    [v] = violations(req, high)
    assert "high-intensity drills 10 days before City 10k" in v.text


# --- B and C races ----------------------------------------------------------------------
@pytest.mark.parametrize(("priority", "tempo_fits", "plyo_fits"), [
    ("A", False, True), ("B", True, False), ("C", True, True)])
def test_b_and_c_races_ask_less_of_the_two_days_before(priority, tempo_fits, plyo_fits):
    # Only Friday (D-2) is free. A key workout: an A race closes it, B and C do not.
    # Plyo: a B race closes it; an A race allows its primer there, a C race anything.
    only_fri = {"fri": EVENINGS["fri"]}
    tempo = solve(with_race([("tempo", 40)], [race("sun", priority)], availability=only_fri))
    assert (tempo.status == "optimal") is tempo_fits
    if tempo_fits:
        assert days(tempo, "tempo") == ["fri"]
    plyo = solve(with_race([("easy", 40), {"kind": "plyo", "minutes": 20}],
                           [race("sun", priority)], availability=only_fri))
    assert (plyo.status == "optimal") is plyo_fits
    if plyo_fits:
        assert days(plyo, "plyo") == ["fri"]


def test_after_a_b_race_one_easy_day_and_after_a_c_race_no_plyo_the_next_day():
    sessions = [("tempo", 40)]
    only_wed = {"wed": EVENINGS["wed"]}
    assert solve(with_race(sessions, [race("tue", "B")], availability=only_wed)).status \
        == "infeasible"
    # A C race allows a key workout the next day (no_consecutive_key_days still does not:
    # the race is key), but no plyo.
    req = with_race([("easy", 30), {"kind": "plyo", "minutes": 20}], [race("tue", "C")],
                    availability=only_wed)
    assert solve(req).status == "infeasible"
    assert solve(with_race([("easy", 30)], [race("tue", "C")], availability=only_wed)
                 ).status == "optimal"


def test_check_flags_a_key_workout_the_day_before_a_b_race_and_plyo_two_days_before():
    req = with_race([("tempo", 40)], [race("sun", "B")])
    tempo = session("t", "tempo", "sat", "18:00", 40)
    plyo = session("p", "plyo", "fri", "18:40", 20, contacts=40)
    found = violations(req, tempo, plyo)
    assert [(v.sessions, v.text) for v in found] == [
        (("t",), "The tempo run on Sat 05 Dec 18:00 is a key workout 1 day before City 10k "
                 "(B race) on Sun 06 Dec."),
        (("p",), "The plyo session on Fri 04 Dec 18:40 is plyometrics 2 days before City 10k "
                 "(B race) on Sun 06 Dec."),
    ]
    c = with_race([("tempo", 40)], [race("sun", "C")])
    assert violations(c, session("p", "plyo", "fri", "18:40", 20, contacts=40)) == []


# --- the week boundary ------------------------------------------------------------------
def test_a_race_next_week_reaches_back_into_this_one():
    # An A race next Tuesday (D = day 8): no key workout on Sunday (D-2), no plyo Thu-Fri.
    req = with_race([("tempo", 40)], [race("next-tue", "A")], availability={
        "sun": [["08:00", "10:00"]]})
    assert solve(req).status == "infeasible"
    fri_plyo = session("p", "plyo", "fri", "18:40", 20, contacts=80)
    [v] = violations(req, fri_plyo)
    assert "4 days before City 10k (A race) on Tue 08 Dec" in v.text


def test_context_race_next_monday_closes_saturday_to_plyo():
    req = request([("easy", 30), {"kind": "plyo", "minutes": 20}],
                  availability={"sat": EVENINGS["sat"]}, context={"day_after": "race"})
    assert solve(req).status == "infeasible"
    [v] = violations(req, session("p", "plyo", "sat", "18:40", 20, contacts=80))
    assert "2 days before next Monday's race (B race)" in v.text


def test_context_race_last_sunday_keeps_monday_free_of_plyo():
    req = request([("easy", 30)], context={"day_before": "race"})
    [v] = violations(req, session("p", "plyo", "mon", "18:40", 20, contacts=80))
    assert "1 day after last Sunday's race" in v.text


# --- the request ------------------------------------------------------------------------
def test_races_are_validated_with_sentences_naming_the_field():
    def refused(**fields) -> str:
        data = {"week_start": WEEK, "sessions": [{"kind": "easy", "minutes": 30}], **fields}
        with pytest.raises(BadRequest) as err:
            parse_model(Request, data, "me.json")
        return str(err.value)

    assert refused(races=[race("next-tue", "A") | {"date": "2027-01-04"}]) == (
        "me.json: races[0].date 2027-01-04 is outside the races this week can be planned "
        "around: from 2026-11-30 (the Monday) to 2027-01-03 (4 weeks after).")
    assert "Field 'races[0].start': '9am' is not a clock time" in refused(
        races=[race("sun", "A") | {"start": "9am"}])
    assert "Field 'races[0].priority' must be 'A', 'B' or 'C'" in refused(
        races=[race("sun", "D")])
    assert refused(sessions=[{"kind": "race", "minutes": 50}]) == (
        "me.json: Field 'sessions[0].kind': a race is not a session to place; give it in "
        "'races' with its date, start, minutes, name and priority.")


def test_a_race_defaults_to_priority_b():
    data = {"week_start": WEEK, "sessions": [{"kind": "easy", "minutes": 30}],
            "races": [{"date": "2026-12-06", "start": "09:00", "minutes": 50}]}
    assert Request.model_validate(data).races[0].priority == "B"
    with pytest.raises(ValidationError):
        Request.model_validate({**data, "races": [{"date": "2026-12-06", "minutes": 50}]})
