"""Weeks planned around races: the taper volume and what the plan says it cut, the race
week example end to end, a re-plan that never re-places a missed session into a taper
day, an explanation that names the race and offers a lower priority, and a property over
random requests with random races."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.cli import main
from scheduler.core.domain import LEVELS, RUN_KINDS, Kind, Request
from scheduler.core.drills import LEVEL_INTENSITY, drill_library
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.core.taper import taper_shares, usual_contacts
from scheduler.explain.headline import headline
from scheduler.jobs import plan_and_explain
from scheduler.model.solve import solve_request
from scheduler.replan.replan import replan
from tests.oracle import assert_planned_all, assert_valid
from tests.strategies import requests
from tests.weeks import EXAMPLES, placed, request, solve

EVENINGS = {d: [["18:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
A_SUNDAY = {"date": "2026-12-06", "start": "09:00", "minutes": 50, "name": "City 10k",
            "priority": "A"}


# --- taper volume -----------------------------------------------------------------------
def test_the_race_week_example_is_cut_to_60_percent_and_says_how():
    req = load_request(EXAMPLES / "race_week.json")
    plan = solve(req)
    usual = LEVEL_INTENSITY["intermediate"]  # the class asked when none is given
    lower = "" if usual == "low" else f", low drills instead of {usual}"
    assert_planned_all(plan, req)
    assert [c["text"] for c in plan.changes] == [
        "Long run 100 → 60 min: race week",
        "Easy run (45 min) dropped: race week",
        "Easy run 40 → 35 min: race week",
        "Tempo 50 → 40 min: race week",
        "Plyo session 80 → 40 contacts" + lower + ": race week",
    ]
    long = next(s for s in plan.sessions if s.kind is Kind.long)
    assert plan.changes[0] == {"session": long.id, "kind": "long", "change": "shortened",
                               "from": long.start.isoformat(), "to": long.start.isoformat(),
                               "text": "Long run 100 → 60 min: race week"}
    assert plan.changes[1]["change"] == "dropped" and plan.changes[1]["from"] is None
    runs = sum(s.minutes for s in plan.sessions if s.kind in RUN_KINDS - {Kind.race})
    assert runs == 135 <= 0.6 * (40 + 45 + 50 + 100)


def test_the_week_before_an_a_race_keeps_80_percent_and_no_high_drills():
    race = {**A_SUNDAY, "date": "2026-12-13"}
    req = request([("long", 100), ("easy", 50), {"kind": "plyo", "minutes": 20,
                                                 "intensity": "high", "contacts": 100}],
                  availability=EVENINGS | {"sun": [["08:00", "12:00"]]}, races=[race])
    plan = solve(req)
    # 150 run minutes asked, 120 allowed: the long run gives the 30.
    assert [c["text"] for c in plan.changes] == [
        "Long run 100 → 70 min: the week before City 10k",
        "Plyo session 100 contacts, moderate drills instead of high: no high drills within "
        "two weeks of City 10k",
    ]
    [plyo] = [s for s in plan.sessions if s.kind is Kind.plyo]
    assert plyo.contacts == 100  # 70 % of the usual 160 is 112: 100 stays
    assert all(drill_library()[d.name].intensity != "high" for d in plyo.drills)


def test_a_b_race_week_keeps_80_percent_and_a_c_race_changes_nothing():
    sessions = [("long", 100), ("easy", 50)]
    b = request(sessions, availability=EVENINGS, races=[{**A_SUNDAY, "priority": "B"}])
    assert [c["text"] for c in solve(b).changes] == ["Long run 100 → 70 min: race week"]
    c = request(sessions, availability=EVENINGS, races=[{**A_SUNDAY, "priority": "C"}])
    assert solve(c).changes == []


def test_plan_prints_what_the_taper_changed_under_the_table(capsys):
    assert main(["plan", str(EXAMPLES / "race_week.json")]) == 0
    out = capsys.readouterr().out
    assert "Sun 13 Dec  09:30–10:20  Race" in out
    tail = out.split("Changed from what you asked:\n", 1)[1]
    assert tail.startswith("  - Long run 100 → 60 min: race week\n")


# --- re-plan ----------------------------------------------------------------------------
def test_a_missed_tempo_is_not_re_placed_into_the_taper_days_and_the_race_stays():
    # A race Sunday. The tempo on Thursday is missed; Fri and Sat are closed to key
    # workouts, so it stays missed rather than landing there.
    req = request([{"id": "tempo", "kind": "tempo", "minutes": 40},
                   {"id": "easy", "kind": "easy", "minutes": 40}],
                  availability={d: EVENINGS[d] for d in ("thu", "fri", "sat")},
                  races=[A_SUNDAY])
    plan = solve(req)
    assert placed(plan)["tempo"] == ("thu", "18:00")
    at = datetime(2026, 12, 3, 20, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    after = replan(plan, missed=["tempo"], at=at, settings=get_settings())
    assert_valid(after)
    status = {s.id: s.status for s in after.sessions}
    assert status["tempo"] == "missed"
    assert placed(after)["test-2026-11-30-race-1"] == ("sun", "09:00")
    [missed] = [c for c in after.changes if c["session"] == "tempo"]
    assert "City 10k" in missed["text"]
    # Turned off, the taper no longer keeps it from Friday.
    off = request([{"id": "tempo", "kind": "tempo", "minutes": 40},
                   {"id": "easy", "kind": "easy", "minutes": 40}],
                  availability={d: EVENINGS[d] for d in ("thu", "fri", "sat")},
                  races=[A_SUNDAY], rules={"rest_days": 0, "off": ["race_taper"]})
    moved = replan(solve(off), missed=["tempo"], at=at, settings=get_settings())
    assert {s.id: s.status for s in moved.sessions}["tempo"] == "planned"


def test_a_re_plan_never_moves_the_race():
    req = request([("easy", 30)], availability=EVENINGS, races=[A_SUNDAY])
    plan = solve(req)
    race = next(s for s in plan.sessions if s.kind is Kind.race)
    busy = [{"start": "2026-12-06T08:00:00+01:00", "end": "2026-12-06T12:00:00+01:00",
             "summary": "Family brunch"}]
    changed = Request.model_validate({**req.model_dump(mode="json"), "busy": busy})
    after = replan(plan, at=datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Europe/Berlin")),
                   settings=get_settings(), request=changed)
    assert next(s for s in after.sessions if s.kind is Kind.race).start == race.start


# --- explanations -----------------------------------------------------------------------
def test_a_week_the_race_makes_impossible_says_so_and_offers_priority_b():
    req = request([("tempo", 40)], availability={d: EVENINGS[d] for d in ("fri", "sat")},
                  races=[A_SUNDAY])
    problem = WeekProblem.of(req)
    plan = plan_and_explain(problem)
    assert plan.status == "infeasible"
    conflict = plan.explanation[0]
    assert "race_taper" in conflict.rules
    assert "Around City 10k (A race, Sun 06 Dec): no key workout on Fri or Sat" in conflict.text
    changes = [item.change for item in plan.explanation if item.type == "fix"]
    assert changes[0] == "races[0].priority = B"
    assert "drop test-2026-11-30-race-1" not in changes  # a race is not dropped to fit
    said = headline(problem, plan.explanation)
    assert "the taper for City 10k" in said and "turn City 10k into priority B" in said


def test_drop_if_needed_never_drops_the_race():
    req = request([("tempo", 40), ("easy", 30)],
                  availability={d: EVENINGS[d] for d in ("fri", "sat")}, races=[A_SUNDAY])
    plan = plan_and_explain(WeekProblem.of(req), drop_if_needed=True)
    assert plan.status == "optimal" and plan.dropped == ["test-2026-11-30-tempo-1"]
    assert any(s.kind is Kind.race for s in plan.sessions)


# --- property ---------------------------------------------------------------------------
@st.composite
def races_for(draw, monday: date) -> list[dict]:
    out = []
    for _ in range(draw(st.integers(0, 2))):
        day = monday + timedelta(days=draw(st.integers(0, 34)))
        out.append({"date": day.isoformat(), "start": f"{draw(st.integers(6, 18)):02d}:"
                    f"{draw(st.sampled_from([0, 15, 30, 45])):02d}",
                    "minutes": draw(st.integers(4, 36)) * 5,
                    "priority": draw(st.sampled_from(["A", "B", "C"]))})
    return out


@st.composite
def race_requests(draw) -> Request:
    base = draw(requests())
    data = base.model_dump(mode="json")
    data["races"] = draw(races_for(base.week_start))
    return Request.model_validate(data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(race_requests())
def test_any_plan_with_races_keeps_the_taper(request):
    solved = solve_request(WeekProblem.of(request))
    schedule = solved.schedule
    if schedule.status == "infeasible":
        assert schedule.sessions == []
        return
    assert_planned_all(schedule, request)
    assert_valid(schedule)  # every hard check, race_taper included
    shares = taper_shares(request)
    asked = sum(s.minutes for s in request.sessions if s.kind in RUN_KINDS)
    runs = sum(s.minutes for s in schedule.sessions if s.kind in RUN_KINDS - {Kind.race})
    assert runs <= shares.runs * asked + 1e-9
    contacts = sum(s.contacts for s in schedule.sessions)
    asked_contacts = sum(
        s.contacts if s.contacts is not None else LEVELS[request.runner.level].contacts_low
        for s in request.sessions if s.kind is Kind.plyo)
    assert contacts <= max(min(asked_contacts, shares.contacts * usual_contacts(
        request.runner.level)), 0) + 1e-9 or shares.contacts == 1.0
    tz = request.tz
    for s in schedule.sessions:
        if s.kind is not Kind.plyo:
            continue
        day = s.start.astimezone(tz).date()
        if any(r.priority == "A" and 0 < (r.date - day).days <= 14 for r in request.races):
            assert all(drill_library()[d.name].intensity != "high" for d in s.drills)


def test_a_missed_race_stays_missed_and_is_never_re_placed():
    req = request([("easy", 30)], availability=EVENINGS, races=[A_SUNDAY])
    plan = solve(req)
    at = datetime(2026, 12, 6, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    after = replan(plan, missed=["test-2026-11-30-race-1"], at=at, settings=get_settings())
    [race] = [s for s in after.sessions if s.kind is Kind.race]
    assert race.status == "missed" and race.start.isoformat() == "2026-12-06T09:00:00+01:00"
    assert [c["text"] for c in after.changes] == ["Race Sun 06 Dec 09:00 missed"]


def test_why_says_the_race_is_where_the_runner_put_it():
    req = request([("easy", 30)], availability=EVENINGS, races=[A_SUNDAY])
    plan = plan_and_explain(WeekProblem.of(req), why=True)
    [why] = [i for i in plan.explanation if i.session == "test-2026-11-30-race-1"]
    assert why.text == ("Sun 09:00 race (50 min): your race, at the start you gave; the "
                        "week is planned around it.")
