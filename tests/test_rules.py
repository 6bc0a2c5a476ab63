"""Each coaching rule alone on a tiny week: the solver obeys it where it binds, and its
solver-free check() flags a hand-made violating week with the right sessions."""

from __future__ import annotations

from constraints import rule_by_key
from scheduler.core.problem import WeekProblem
from scheduler.model.solve import build_week_model, new_solver, rules_as_asked, solve_status
from tests.weeks import at, days_of, placed, request, schedule, session, solve


def only_violations(key: str, req, sched):
    return rule_by_key(key).check(WeekProblem.of(req), sched)


# --- availability ---------------------------------------------------------------------
def test_availability_places_run_after_busy_event_and_buffer():
    req = request(
        [("easy", 25)],
        availability={"tue": [["18:00", "19:00"]]},
        busy=[{"start": "2026-12-01T18:00:00+01:00", "end": "2026-12-01T18:20:00+01:00",
               "summary": "call"}],
        rules={"buffer_minutes": 15},
    )
    # 18:20 + 15 min buffer = 18:35; 25 minutes fill the window to 19:00 exactly.
    assert placed(solve(req)) == {"test-2026-11-30-easy-1": ("tue", "18:35")}


def test_availability_with_no_room_is_infeasible_but_fits_when_turned_off():
    req = request([("easy", 45)], availability={"tue": [["18:00", "18:40"]]})
    assert solve(req).status == "infeasible"
    off = request([("easy", 45)], availability={"tue": [["18:00", "18:40"]]},
                  rules={"off": ["availability"]})
    assert solve(off).status == "optimal"


def test_availability_check_flags_run_inside_buffer():
    req = request([("easy", 30)], availability={"tue": [["06:00", "09:00"]]},
                  busy=[{"start": "2026-12-01T08:00:00+01:00",
                         "end": "2026-12-01T09:00:00+01:00"}])
    ok = schedule(req, session("e", "easy", "tue", "07:00", 30))
    bad = schedule(req, session("e", "easy", "tue", "07:20", 30))  # ends 07:50, buffer to 07:45
    assert only_violations("availability", req, ok) == []
    [violation] = only_violations("availability", req, bad)
    assert violation.sessions == ("e",) and "outside your free time" in violation.text


# --- one_run_per_day -------------------------------------------------------------------
def test_one_run_per_day_spreads_two_runs_over_two_days():
    req = request([("easy", 30), ("easy", 30)],
                  availability={"tue": [["06:00", "20:00"]], "wed": [["06:00", "07:00"]]})
    assert days_of(solve(req), "easy") == ["tue", "wed"]


def test_one_run_per_day_doubles_are_opt_in():
    week = {"tue": [["06:00", "20:00"]]}
    assert solve(request([("easy", 30), ("easy", 30)], availability=week)).status == "infeasible"
    doubles = request([("easy", 30), ("easy", 30)], availability=week, rules={"runs_per_day": 2})
    assert days_of(solve(doubles), "easy") == ["tue", "tue"]


def test_one_run_per_day_check_names_both_runs():
    req = request([("easy", 30), ("tempo", 40)])
    bad = schedule(req, session("a", "easy", "tue", "07:00", 30),
                   session("b", "tempo", "tue", "18:00", 40))
    [violation] = only_violations("one_run_per_day", req, bad)
    assert violation.sessions == ("a", "b") and "2 runs" in violation.text


# --- no_plyo_before_key ----------------------------------------------------------------
def test_no_plyo_before_key_moves_plyo_away_from_eve_of_tempo():
    req = request(
        [("tempo", 90), ("easy", 40), ("plyo", 20)],
        availability={"mon": [["18:00", "19:00"]], "tue": [["18:00", "19:30"]],
                      "thu": [["18:00", "19:00"]]},
    )
    # Only Tuesday fits the 90-minute tempo; Monday is its eve, so plyo goes to Thursday.
    result = solve(req)
    assert days_of(result, "tempo") == ["tue"]
    assert days_of(result, "plyo") == ["thu"]


def test_no_plyo_before_key_binds_across_week_boundary():
    req = request([("easy", 30), ("plyo", 20)], availability={"sun": [["08:00", "10:00"]]},
                  context={"day_after": "tempo"})
    assert solve(req).status == "infeasible"
    free_monday = request([("easy", 30), ("plyo", 20)], availability={"sun": [["08:00", "10:00"]]},
                          context={"day_after": "easy"})
    assert days_of(solve(free_monday), "plyo") == ["sun"]


def test_no_plyo_before_key_check_flags_plyo_then_long_run():
    req = request([("easy", 30), ("plyo", 20), ("long", 90)])
    bad = schedule(req, session("e", "easy", "fri", "07:00", 30),
                   session("p", "plyo", "fri", "07:30", 20, contacts=80),
                   session("l", "long", "sat", "08:00", 90))
    [violation] = only_violations("no_plyo_before_key", req, bad)
    assert violation.sessions == ("p", "l") and "day before" in violation.text


def test_no_plyo_before_key_check_reads_context_day_before():
    req = request([("tempo", 40)], context={"day_before": "plyo"})
    bad = schedule(req, session("t", "tempo", "mon", "18:00", 40))
    [violation] = only_violations("no_plyo_before_key", req, bad)
    assert violation.sessions == ("t",)


# --- plyo_after_easy -------------------------------------------------------------------
def test_plyo_after_easy_follows_the_easy_run_within_the_gap():
    req = request([("easy", 30), ("plyo", 20)],
                  availability={"wed": [["06:00", "09:00"]], "thu": [["06:00", "07:00"]]},
                  rules={"plyo_after_easy_max_gap_minutes": 10})
    result = solve(req)
    easy = next(s for s in result.sessions if s.kind == "easy")
    plyo = next(s for s in result.sessions if s.kind == "plyo")
    assert easy.start.date() == plyo.start.date()
    assert 0 <= (plyo.start - easy.end).total_seconds() <= 600


def test_plyo_after_easy_without_an_easy_run_is_infeasible():
    req = request([("tempo", 30), ("plyo", 20)], availability={"wed": [["06:00", "09:00"]]})
    assert solve(req).status == "infeasible"


def test_plyo_after_easy_check_flags_plyo_before_the_run_and_on_key_day():
    req = request([("easy", 30), ("plyo", 20), ("tempo", 40)], rules={"runs_per_day": 2})
    bad = schedule(req, session("p", "plyo", "wed", "06:00", 20, contacts=80),
                   session("e", "easy", "wed", "06:30", 30),
                   session("t", "tempo", "wed", "18:00", 40))
    violations = only_violations("plyo_after_easy", req, bad)
    assert [v.sessions for v in violations] == [("p",), ("p", "t")]


# --- weekly_contacts -------------------------------------------------------------------
def test_weekly_contacts_cap_rejects_too_many_contacts():
    week = {"mon": [["06:00", "08:00"]], "thu": [["06:00", "08:00"]]}
    sessions = [("easy", 30), ("easy", 30),
                {"kind": "plyo", "minutes": 20, "contacts": 100},
                {"kind": "plyo", "minutes": 20, "contacts": 100}]
    assert solve(request(sessions, availability=week,
                         runner={"level": "beginner"})).status == "infeasible"
    advanced = solve(request(sessions, availability=week, runner={"level": "advanced"}))
    assert sum(s.contacts for s in advanced.sessions) == 200


def test_weekly_contacts_check_reports_total_and_cap():
    req = request([("plyo", 20)], runner={"level": "beginner"})
    bad = schedule(req, session("p", "plyo", "wed", "06:00", 20, contacts=130))
    [violation] = only_violations("weekly_contacts", req, bad)
    assert "130" in violation.text and "120" in violation.text


# --- plyo_gap --------------------------------------------------------------------------
def test_plyo_gap_keeps_48_hours_between_plyo_sessions():
    req = request([("easy", 30), ("easy", 30), ("plyo", 20), ("plyo", 20)],
                  availability={"mon": [["18:00", "19:00"]], "tue": [["18:00", "19:00"]],
                                "wed": [["18:00", "20:00"]]})
    result = solve(req)
    assert days_of(result, "plyo") == ["mon", "wed"]
    first, second = sorted((s for s in result.sessions if s.kind == "plyo"),
                           key=lambda s: s.start)
    assert (second.start - first.end).total_seconds() >= 48 * 3600


def test_plyo_gap_check_names_both_sessions():
    req = request([("plyo", 20), ("plyo", 20)])
    bad = schedule(req, session("a", "plyo", "mon", "18:00", 20, contacts=80),
                   session("b", "plyo", "wed", "07:00", 20, contacts=80))
    [violation] = only_violations("plyo_gap", req, bad)
    assert violation.sessions == ("a", "b") and "37 h apart" in violation.text


# --- no_consecutive_key_days -----------------------------------------------------------
def test_no_consecutive_key_days():
    sessions = [("tempo", 40), ("long", 90)]
    assert solve(request(sessions, availability={"mon": [["06:00", "09:00"]],
                                                 "tue": [["06:00", "09:00"]]},
                         rules={"runs_per_day": 2})).status == "infeasible"
    result = solve(request(sessions, availability={"mon": [["06:00", "09:00"]],
                                                   "tue": [["06:00", "09:00"]],
                                                   "wed": [["06:00", "09:00"]]}))
    assert sorted(d for d, _ in placed(result).values()) == ["mon", "wed"]


def test_no_consecutive_key_days_check_flags_two_keys_on_one_day():
    req = request([("tempo", 40), ("hill", 40)], rules={"runs_per_day": 2})
    bad = schedule(req, session("t", "tempo", "wed", "07:00", 40),
                   session("h", "hill", "wed", "18:00", 40))
    [violation] = only_violations("no_consecutive_key_days", req, bad)
    assert violation.sessions == ("t", "h") and "same day" in violation.text


def test_no_consecutive_key_days_check_sees_context():
    req = request([("hill", 40)], context={"day_after": "race"})
    bad = schedule(req, session("h", "hill", "sun", "09:00", 40))
    [violation] = only_violations("no_consecutive_key_days", req, bad)
    assert violation.sessions == ("h",) and "next Monday" in violation.text


# --- rest_days -------------------------------------------------------------------------
def test_rest_days_leaves_whole_days_free():
    every_day = {d: [["06:00", "08:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    five = [("easy", 30)] * 5
    result = solve(request(five, availability=every_day, rules={"rest_days": 2}))
    assert len({d for d, _ in placed(result).values()}) == 5
    assert solve(request(five, availability=every_day,
                         rules={"rest_days": 3})).status == "infeasible"


def test_rest_days_check_counts_empty_days():
    req = request([("easy", 30)] * 7, rules={"rest_days": 1})
    runs = [session(f"e{i}", "easy", d, "07:00", 30) for i, d in enumerate(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))]
    [violation] = only_violations("rest_days", req, schedule(req, *runs))
    assert "0 rest day(s); 1 wanted" in violation.text
    assert only_violations("rest_days", req, schedule(req, *runs[:6])) == []


# --- soft rules: exact penalties -------------------------------------------------------
def test_long_run_day_penalty_is_paid_only_when_no_preferred_day_fits():
    on_sat = solve(request([("long", 90)], availability={"fri": [["06:00", "09:00"]],
                                                         "sat": [["06:00", "09:00"]]}))
    assert placed(on_sat)["test-2026-11-30-long-1"][0] == "sat"
    assert on_sat.penalties["long_run_day"] == 0
    friday_only = solve(request([("long", 90)], availability={"fri": [["06:00", "09:00"]]}))
    assert friday_only.penalties["long_run_day"] == 10


def test_time_of_day_prefers_the_evening_window():
    req = request([("tempo", 40)], availability={"tue": [["06:00", "07:00"], ["18:00", "19:00"]]},
                  preferences={"time_of_day": {"tempo": "evening"}})
    result = solve(req)
    assert placed(result)["test-2026-11-30-tempo-1"] == ("tue", "18:00")
    assert result.penalties["time_of_day"] == 0


def test_time_of_day_check_prices_each_session_outside_its_part_of_day():
    req = request([("easy", 30)], preferences={"time_of_day": {"easy": "evening"}})
    [violation] = only_violations("time_of_day", req,
                                  schedule(req, session("e", "easy", "tue", "06:00", 30)))
    assert violation.penalty == 3


def test_time_of_day_prices_a_session_pinned_where_it_happened():
    # A done session keeps its time in a re-plan: its part of the day is known, not searched.
    req = request([("easy", 30)], preferences={"time_of_day": {"easy": "evening"}},
                  availability={"tue": [["06:00", "07:00"], ["18:00", "19:00"]]})
    problem = WeekProblem.of(req)
    sid = problem.specs[0].id
    for clock, cost in (("06:00", 3), ("18:00", 0)):
        wm = build_week_model(problem, pinned={sid: problem.week.minute(at("tue", clock))},
                              settled=rules_as_asked(req))
        solver = new_solver(problem.settings)
        assert solve_status(solver, wm.model) == "optimal"
        assert round(solver.objective_value) == cost, clock


def test_spread_key_workouts_puts_two_easy_days_between_keys():
    every_day = {d: [["06:00", "09:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    result = solve(request([("tempo", 40), ("hill", 40)], availability=every_day,
                           preferences={"long_run_days": ["sun"]}))
    days = [at(d, "00:00").weekday() for d, _ in placed(result).values()]
    assert abs(days[0] - days[1]) >= 3
    assert result.penalties["spread_key_workouts"] == 0


def test_spread_key_workouts_check_prices_keys_one_day_apart():
    req = request([("tempo", 40), ("long", 90)])
    sched = schedule(req, session("t", "tempo", "thu", "18:00", 40),
                     session("l", "long", "sat", "08:00", 90))
    [violation] = only_violations("spread_key_workouts", req, sched)
    assert violation.sessions == ("t", "l") and violation.penalty == 4


def test_plyo_gap_check_counts_real_hours_across_the_autumn_clock_change():
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from scheduler.core.domain import PlannedSession, Request, Schedule

    berlin = ZoneInfo("Europe/Berlin")
    req = Request.model_validate({"runner": {"timezone": "Europe/Berlin"},
                                  "week_start": "2026-10-19",
                                  "sessions": [{"kind": "plyo", "minutes": 20}] * 2})
    first = datetime(2026, 10, 23, 18, 0, tzinfo=berlin)
    second = datetime(2026, 10, 25, 18, 0, tzinfo=berlin)  # clocks went back at 03:00

    def plyo(sid: str, start: datetime) -> PlannedSession:
        return PlannedSession(id=sid, kind="plyo", key=False, start=start,
                              end=start + timedelta(minutes=20), contacts=80)

    week = Schedule(week_start=req.week_start, timezone="Europe/Berlin", status="optimal",
                    sessions=[plyo("a", first), plyo("b", second)], request=req)
    # 47 h 40 min on the wall clock, 48 h 40 min of real time: enough.
    assert only_violations("plyo_gap", req, week) == []
