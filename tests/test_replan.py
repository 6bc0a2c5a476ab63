"""Re-planning after a missed session or a changed calendar: the past stays as it happened,
every hard rule holds, ids are kept, nothing moves that did not need to, and the change
is the smallest one (checked against brute force on tiny weeks)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from itertools import product
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from constraints import COUNTED, hard_violations, soft_penalties
from scheduler.cli import main
from scheduler.core.availability import STEP, free_windows
from scheduler.core.domain import KEY_KINDS, BusyInterval, Kind, PlannedSession, Request, Schedule
from scheduler.core.errors import BadRequest
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.core.week import Week
from scheduler.export.ics import schedule_to_ics
from scheduler.model.solve import plan_week
from scheduler.replan.replan import describe_changes, replan
from tests.oracle import assert_valid

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BERLIN = ZoneInfo("Europe/Berlin")
DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def local(day: str, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(2026, 11, 30, hour, minute, tzinfo=BERLIN) + timedelta(days=DAYS[day])


def week(availability: dict, sessions: list[tuple[str, str, int]], **fields) -> Request:
    """A Berlin week of Mon 30 Nov 2026; sessions as (id, kind, minutes)."""
    data = {"runner": {"name": "Test", "timezone": "Europe/Berlin"}, "week_start": "2026-11-30",
            "availability": availability, "rules": {"rest_days": 0},
            "sessions": [{"id": i, "kind": k, "minutes": m} for i, k, m in sessions], **fields}
    return Request.model_validate(data)


def hand_plan(request: Request, placed: dict[str, tuple[str, str]]) -> Schedule:
    """A schedule written by hand (and checked by the oracle before it is used)."""
    sessions = []
    for wanted in request.sessions:
        start = local(*placed[wanted.id])
        sessions.append(PlannedSession(
            id=wanted.id, kind=wanted.kind, key=wanted.kind in KEY_KINDS, start=start,
            end=start + timedelta(minutes=wanted.minutes),
            contacts=80 if wanted.kind is Kind.plyo else 0))
    plan = Schedule(week_start=request.week_start, timezone="Europe/Berlin", status="optimal",
                    sessions=sessions, request=request)
    plan.penalties = soft_penalties(WeekProblem.of(request), plan)
    assert_valid(plan)
    return plan


def by_id(schedule: Schedule) -> dict[str, PlannedSession]:
    return {s.id: s for s in schedule.sessions}


def day_of(session: PlannedSession) -> int:
    return (session.start.astimezone(BERLIN).date() - local("mon", "00:00").date()).days


# --- what moves, and what it says -------------------------------------------------------

EVENINGS = {"tue": [["07:00", "08:00"]], "wed": [["18:00", "19:00"]],
            "thu": [["07:00", "07:40"]], "sat": [["08:00", "10:00"]]}


def busy_over(request: Request, session: PlannedSession, summary: str) -> Request:
    """The request with a new busy event right where `session` sits."""
    return request.model_copy(update={"busy": [*request.busy, BusyInterval(
        start=session.start, end=session.end, summary=summary)]})


def test_missed_tempo_is_re_placed_with_its_id_and_the_diff_says_what_moved_and_why():
    request = week(EVENINGS, [("tempo", "tempo", 50), ("easy", "easy", 40), ("long", "long", 90)])
    plan = hand_plan(request, {"tempo": ("tue", "07:00"), "easy": ("wed", "18:00"),
                               "long": ("sat", "08:00")})
    result = replan(plan, missed=["tempo"], at=local("tue", "08:00"), settings=get_settings())
    assert_valid(result)
    now = by_id(result)
    assert now["tempo"].start == local("wed", "18:00") and now["tempo"].status == "planned"
    assert now["easy"].start == local("thu", "07:00")
    assert now["long"] == plan.sessions[2]  # untouched, sequence too
    assert [now[i].sequence for i in ("tempo", "easy", "long")] == [1, 1, 0]
    assert {c["session"]: c["change"] for c in result.changes} == {
        "tempo": "re-placed", "easy": "moved_day"}
    easy = next(c for c in result.changes if c["session"] == "easy")
    assert easy["from"] == "2026-12-02T18:00:00+01:00"
    assert easy["to"] == "2026-12-03T07:00:00+01:00"
    assert easy["text"] == ("Easy run moved Wed 02 Dec 18:00 → Thu 03 Dec 07:00 (the missed "
                            "Tue tempo (now Wed 18:00) takes that time)")
    assert describe_changes(result).splitlines()[:3] == [
        "What changed:",
        "  Tempo missed Tue 01 Dec 07:00 → re-placed Wed 02 Dec 18:00",
        f"  {easy['text']}",
    ]


def test_a_missed_session_does_not_count_as_load():
    request = week({"tue": [["18:00", "19:00"]], "wed": [["18:00", "19:00"]],
                    "sat": [["08:00", "10:00"]]},
                   [("tempo", "tempo", 50), ("long", "long", 90)])
    plan = hand_plan(request, {"tempo": ("tue", "18:00"), "long": ("sat", "08:00")})
    result = replan(plan, missed=["tempo"], at=local("tue", "20:00"), settings=get_settings())
    assert_valid(result)
    # Wednesday is the day after the missed tempo: free for a key workout.
    assert by_id(result)["tempo"].start == local("wed", "18:00")


def test_a_done_tempo_still_forbids_a_key_workout_the_next_day():
    request = week({"tue": [["18:00", "19:00"]], "wed": [["18:00", "19:00"]],
                    "thu": [["18:00", "19:00"]], "sun": [["08:00", "10:00"]]},
                   [("tempo", "tempo", 50), ("hill", "hill", 45), ("long", "long", 90)])
    plan = hand_plan(request, {"tempo": ("tue", "18:00"), "hill": ("thu", "18:00"),
                               "long": ("sun", "08:00")})
    thursday_busy = request.model_copy(update={"busy": [BusyInterval(
        start=local("thu", "17:00"), end=local("thu", "21:00"), summary="Parents' evening")]})
    result = replan(plan, done=["tempo"], at=local("tue", "20:00"), request=thursday_busy,
                    settings=get_settings())
    assert_valid(result)
    now = by_id(result)
    assert now["tempo"].status == "done"
    assert now["hill"].status == "dropped"  # not stacked on Wednesday after the tempo
    assert not any(s.key and day_of(s) == 2 and s.status in COUNTED for s in result.sessions)
    hill = next(c for c in result.changes if c["session"] == "hill")
    assert "Thu evening is now busy: Parents' evening" in hill["text"]


def test_a_missed_key_workout_late_in_the_week_is_left_missed_not_stacked():
    request = week({"thu": [["18:00", "19:00"]], "fri": [["18:00", "19:00"]],
                    "sat": [["08:00", "10:00"]], "sun": [["08:00", "10:00"]]},
                   [("easy", "easy", 40), ("tempo", "tempo", 50), ("long", "long", 100)])
    plan = hand_plan(request, {"easy": ("thu", "18:00"), "tempo": ("fri", "18:00"),
                               "long": ("sun", "08:00")})
    result = replan(plan, missed=["tempo"], at=local("fri", "20:00"), settings=get_settings())
    assert_valid(result)
    now = by_id(result)
    assert now["tempo"].status == "missed" and now["tempo"].start == local("fri", "18:00")
    assert now["long"].start == local("sun", "08:00") and now["long"].status == "planned"
    tempo = next(c for c in result.changes if c["session"] == "tempo")
    assert tempo["change"] == "missed" and tempo["to"] is None
    assert "Sat: the long run on Sun 08:00 is a day away" in tempo["text"]


def test_easy_run_and_plyo_are_dropped_before_a_key_workout_and_cancelled_in_the_calendar():
    request = week({"tue": [["07:00", "08:00"]], "thu": [["18:00", "19:00"]],
                    "sat": [["08:00", "10:00"]]},
                   [("tempo", "tempo", 50), ("easy", "easy", 40), ("plyo", "plyo", 20),
                    ("long", "long", 100)])
    plan = hand_plan(request, {"tempo": ("tue", "07:00"), "easy": ("thu", "18:00"),
                               "plyo": ("thu", "18:40"), "long": ("sat", "08:00")})
    result = replan(plan, missed=["tempo"], at=local("tue", "21:00"), settings=get_settings())
    assert_valid(result)
    now = by_id(result)
    assert now["tempo"].start == local("thu", "18:00") and now["tempo"].status == "planned"
    assert (now["easy"].status, now["plyo"].status, now["long"].status) == (
        "dropped", "dropped", "planned")
    assert sorted(result.dropped) == ["easy", "plyo"]
    events = {str(e["UID"]): e for e in
              icalendar.Calendar.from_ical(schedule_to_ics(result)).walk("VEVENT")}
    assert set(events) == {"tempo", "easy", "plyo", "long"}
    assert [str(events[i]["STATUS"]) for i in ("easy", "plyo", "tempo", "long")] == [
        "CANCELLED", "CANCELLED", "CONFIRMED", "CONFIRMED"]
    assert [int(events[i]["SEQUENCE"]) for i in ("easy", "plyo", "tempo", "long")] == [1, 1, 1, 0]


def test_nothing_moves_when_sessions_are_only_marked_done():
    plan = plan_week(WeekProblem.of(load_request(EXAMPLES / "office_worker.json")))
    middle = plan.sessions[2].start
    result = replan(plan, done=[plan.sessions[1].id], at=middle, settings=get_settings())
    assert_valid(result)
    assert [(s.id, s.start) for s in result.sessions] == [(s.id, s.start) for s in plan.sessions]
    assert [(c["session"], c["change"]) for c in result.changes] == [
        (plan.sessions[1].id, "done")]
    assert describe_changes(result).startswith("Nothing moved")


def test_a_past_session_nobody_marked_keeps_its_time_and_stays_planned():
    plan = plan_week(WeekProblem.of(load_request(EXAMPLES / "office_worker.json")))
    first, second, third = plan.sessions[:3]
    result = replan(plan, missed=[third.id], at=third.end, settings=get_settings())
    assert_valid(result)
    now = by_id(result)
    for earlier in (first, second):
        assert (now[earlier.id].start, now[earlier.id].status) == (earlier.start, "planned")
        assert now[earlier.id].sequence == earlier.sequence
    assert {c["session"] for c in result.changes} <= {s.id for s in plan.sessions[2:]}


def test_only_a_session_that_has_begun_can_be_done():
    plan = plan_week(WeekProblem.of(load_request(EXAMPLES / "office_worker.json")))
    later = plan.sessions[3]
    with pytest.raises(BadRequest, match=rf"Session '{later.id}' starts .* after 'at'"):
        replan(plan, done=[later.id], at=plan.sessions[2].end, settings=get_settings())


def test_a_past_session_nobody_marked_is_not_moved_by_a_calendar_that_changed_after_it():
    request = load_request(EXAMPLES / "office_worker.json")
    plan = plan_week(WeekProblem.of(request))
    first = plan.sessions[0]
    busier = busy_over(request, first, "Overtime")
    result = replan(plan, at=first.end, request=busier, settings=get_settings())
    assert_valid(as_happened(result, first.end))
    assert (by_id(result)[first.id].start, by_id(result)[first.id].status) == (
        first.start, "planned")
    assert result.changes == []  # nothing to move: the past is not re-planned


def test_a_session_marked_missed_long_after_its_week_stays_missed():
    plan = plan_week(WeekProblem.of(load_request(EXAMPLES / "office_worker.json")))
    last = plan.sessions[-1]
    result = replan(plan, missed=[last.id], at=last.end + timedelta(days=400),
                    settings=get_settings())
    assert result.status == "optimal"
    assert (by_id(result)[last.id].status, by_id(result)[last.id].start) == ("missed", last.start)


def test_a_changed_calendar_moves_only_the_session_it_hits():
    request = load_request(EXAMPLES / "office_worker.json")
    plan = plan_week(WeekProblem.of(request))
    hit = next(s for s in plan.sessions if s.kind is Kind.tempo)
    busier = busy_over(request, hit, "Dentist")
    result = replan(plan, at=local("mon", "00:00"), request=busier, settings=get_settings())
    assert_valid(result)
    moved = {s.id for s in result.sessions if s.start != by_id(plan)[s.id].start}
    assert hit.id in moved and by_id(result)[hit.id].status == "planned"
    assert result.request == busier
    change = next(c for c in result.changes if c["session"] == hit.id)
    assert "now busy: Dentist" in change["text"]
    for s in result.sessions:  # the others stay unless the tempo's new day pushes them
        if s.id in moved and s.id != hit.id:
            back = [x if x.id != s.id else by_id(plan)[s.id] for x in result.sessions]
            assert hard_violations(WeekProblem.of(busier),
                                   result.model_copy(update={"sessions": back}))


def test_a_done_session_is_not_moved_by_a_calendar_that_changed_after_it():
    request = load_request(EXAMPLES / "office_worker.json")
    plan = plan_week(WeekProblem.of(request))
    first = plan.sessions[0]
    busier = busy_over(request, first, "Overtime")
    result = replan(plan, done=[first.id], at=first.end, request=busier, settings=get_settings())
    assert_valid(result)
    assert by_id(result)[first.id].start == first.start
    assert by_id(result)[first.id].status == "done"


def test_plyo_after_a_missed_easy_run_is_missed_too_unless_marked_done():
    request = week({"mon": [["18:00", "19:00"]], "wed": [["18:00", "19:00"]],
                    "sat": [["08:00", "10:00"]]},
                   [("easy", "easy", 40), ("plyo", "plyo", 20), ("long", "long", 90)])
    plan = hand_plan(request, {"easy": ("mon", "18:00"), "plyo": ("mon", "18:40"),
                               "long": ("sat", "08:00")})
    result = replan(plan, missed=["easy"], at=local("tue", "09:00"), settings=get_settings())
    assert_valid(result)
    now = by_id(result)
    assert (now["easy"].start, now["plyo"].start) == (local("wed", "18:00"), local("wed", "18:40"))
    assert "its warm-up easy run was missed" in next(
        c["text"] for c in result.changes if c["session"] == "plyo")
    with pytest.raises(BadRequest, match="'plyo' .* is marked done, but the easy run"):
        replan(plan, missed=["easy"], done=["plyo"], at=local("tue", "09:00"),
               settings=get_settings())


def test_a_session_missed_ahead_of_time_does_not_come_back_at_its_old_time():
    request = week({"wed": [["07:00", "08:00"], ["18:00", "19:00"]], "sat": [["08:00", "10:00"]]},
                   [("tempo", "tempo", 50), ("long", "long", 90)])
    plan = hand_plan(request, {"tempo": ("wed", "18:00"), "long": ("sat", "08:00")})
    result = replan(plan, missed=["tempo"], at=local("wed", "06:00"), settings=get_settings())
    assert_valid(result)
    tempo = by_id(result)["tempo"]
    assert tempo.status == "planned" and day_of(tempo) == 2
    assert tempo.end <= local("wed", "08:00")  # the morning: the evening is what is missed


def test_a_replan_of_a_replan_keeps_earlier_marks():
    request = week(EVENINGS, [("tempo", "tempo", 50), ("easy", "easy", 40), ("long", "long", 90)])
    plan = hand_plan(request, {"tempo": ("tue", "07:00"), "easy": ("wed", "18:00"),
                               "long": ("sat", "08:00")})
    first = replan(plan, missed=["tempo"], at=local("tue", "08:00"), settings=get_settings())
    second = replan(first, missed=["easy"], done=["tempo"], at=local("thu", "08:00"),
                    settings=get_settings())
    assert_valid(second)
    now = by_id(second)
    assert (now["tempo"].status, now["easy"].status) == ("done", "missed")
    assert now["tempo"].sequence == 2 and now["easy"].sequence == 2


def test_same_input_same_replan():
    plan = plan_week(WeekProblem.of(load_request(EXAMPLES / "advanced_two_plyo.json")))
    missed = plan.sessions[0]
    runs = [replan(plan, missed=[missed.id], at=missed.end,
                   settings=get_settings()).model_dump_json() for _ in range(2)]
    assert runs[0] == runs[1]


def test_a_past_that_breaks_a_new_rule_by_itself_is_answered_with_the_rule():
    request = week(EVENINGS, [("tempo", "tempo", 50), ("easy", "easy", 40)])
    plan = hand_plan(request, {"tempo": ("tue", "07:00"), "easy": ("wed", "18:00")})
    stricter = request.model_copy(update={"rules": request.rules.model_copy(
        update={"rest_days": 7})})
    result = replan(plan, at=local("tue", "09:00"), request=stricter, settings=get_settings())
    assert result.status == "infeasible" and result.sessions == []
    assert result.explanation[0].rules == ["rest_days"]
    assert "What already happened this week breaks a rule" in result.explanation[0].text


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"missed": ["nope"]}, "Session 'nope' given as missed is not in this week's plan"),
    ({"missed": ["easy"], "done": ["easy"]}, "given as both missed and done"),
])
def test_bad_ids_are_sentences(kwargs, message):
    request = week(EVENINGS, [("easy", "easy", 40)])
    plan = hand_plan(request, {"easy": ("wed", "18:00")})
    with pytest.raises(BadRequest, match=message):
        replan(plan, at=local("tue", "08:00"), **kwargs, settings=get_settings())


def test_a_schedule_without_its_request_cannot_be_replanned():
    request = week(EVENINGS, [("easy", "easy", 40)])
    plan = hand_plan(request, {"easy": ("wed", "18:00")}).model_copy(update={"request": None})
    with pytest.raises(BadRequest, match="has no 'request'"):
        replan(plan, missed=["easy"], at=local("tue", "08:00"), settings=get_settings())


def test_a_dropped_session_cannot_be_missed():
    request = week(EVENINGS, [("easy", "easy", 40)])
    plan = hand_plan(request, {"easy": ("wed", "18:00")})
    plan.sessions[0].status = "dropped"
    with pytest.raises(BadRequest, match="was dropped in an earlier re-plan"):
        replan(plan, missed=["easy"], at=local("tue", "08:00"), settings=get_settings())


# --- the command line ------------------------------------------------------------------

def test_replan_command_prints_the_diff_first_and_writes_json_and_ics(tmp_path, capsys):
    request = week(EVENINGS, [("tempo", "tempo", 50), ("easy", "easy", 40), ("long", "long", 90)])
    plan = hand_plan(request, {"tempo": ("tue", "07:00"), "easy": ("wed", "18:00"),
                               "long": ("sat", "08:00")})
    week_json = tmp_path / "week.json"
    week_json.write_text(plan.model_dump_json(indent=2))
    out_json, out_ics = tmp_path / "week2.json", tmp_path / "week2.ics"
    code = main(["replan", str(week_json), "--missed", "tempo", "--at", "2026-12-01T08:00",
                 "--json", str(out_json), "--ics", str(out_ics)])
    assert code == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[:3] == [
        "What changed:",
        "  Tempo missed Tue 01 Dec 07:00 → re-placed Wed 02 Dec 18:00",
        "  Easy run moved Wed 02 Dec 18:00 → Thu 03 Dec 07:00 (the missed Tue tempo "
        "(now Wed 18:00) takes that time)",
    ]
    data = json.loads(out_json.read_text())
    assert [c["change"] for c in data["changes"]] == ["re-placed", "moved_day"]
    again = Schedule.model_validate(data)
    assert_valid(again)
    events = {str(e["UID"]): e for e in
              icalendar.Calendar.from_ical(out_ics.read_bytes()).walk("VEVENT")}
    assert events["tempo"].decoded("DTSTART") == local("wed", "18:00")
    assert {i: int(e["SEQUENCE"]) for i, e in events.items()} == {"tempo": 1, "easy": 1, "long": 0}


def test_replan_command_names_an_unknown_session(tmp_path, capsys):
    plan = plan_week(WeekProblem.of(load_request(EXAMPLES / "beginner.json")))
    week_json = tmp_path / "week.json"
    week_json.write_text(plan.model_dump_json())
    assert main(["replan", str(week_json), "--missed", "tuesday", "--at",
                 "2026-12-01T08:00"]) == 2
    err = capsys.readouterr().err
    assert "Session 'tuesday' given as missed is not in this week's plan" in err
    assert "Traceback" not in err
    assert main(["replan", str(week_json), "--at", "soon"]) == 2
    assert "--at 'soon' is not a date and time" in capsys.readouterr().err


def test_replan_command_refits_the_week_around_a_new_busy_calendar(tmp_path, capsys):
    request = week(EVENINGS, [("tempo", "tempo", 50), ("easy", "easy", 40), ("long", "long", 90)])
    plan = hand_plan(request, {"tempo": ("tue", "07:00"), "easy": ("wed", "18:00"),
                               "long": ("sat", "08:00")})
    week_json = tmp_path / "week.json"
    week_json.write_text(plan.model_dump_json())
    (tmp_path / "new.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        "UID:board@test\r\nDTSTAMP:20261125T120000Z\r\n"
        "DTSTART;TZID=Europe/Berlin:20261202T173000\r\n"
        "DTEND;TZID=Europe/Berlin:20261202T200000\r\nSUMMARY:Board meeting\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n")
    out_json = tmp_path / "week2.json"
    assert main(["replan", str(week_json), "--busy", str(tmp_path / "new.ics"), "--at",
                 "2026-11-30T00:00", "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("What changed:\n  Easy run moved Wed 02 Dec 18:00 →")
    assert "Wed evening is now busy: Board meeting" in printed
    result = Schedule.model_validate_json(out_json.read_text())
    assert_valid(result)
    assert by_id(result)["tempo"].start == local("tue", "07:00")


# --- properties: random weeks, random marks ----------------------------------------------

KINDS = st.sampled_from([("easy", 40), ("easy", 30), ("tempo", 50), ("hill", 45),
                         ("long", 90), ("plyo", 15)])


@st.composite
def planned_weeks(draw, *, tiny: bool = False) -> Schedule:
    """A random week that plans, in Berlin or New York (a DST week among them)."""
    zone = draw(st.sampled_from(["Europe/Berlin", "America/New_York"]))
    monday = draw(st.sampled_from(["2026-11-30", "2026-03-02", "2026-03-23", "2026-10-26"]))
    availability = {}
    for day in DAYS:
        if draw(st.integers(0, 9)) < (5 if tiny else 8):
            start = draw(st.integers(6, 19)) * 60
            length = draw(st.sampled_from([50, 60]) if tiny else st.integers(4, 12).map(
                lambda q: q * 15))
            availability[day] = [[f"{start // 60:02d}:00",
                                  f"{(start + length) // 60:02d}:{(start + length) % 60:02d}"]]
    kinds = draw(st.lists(KINDS, min_size=2, max_size=3 if tiny else 6))
    request = Request.model_validate({
        "runner": {"name": "Prop", "timezone": zone}, "week_start": monday,
        "availability": availability, "rules": {"rest_days": draw(st.integers(0, 1))},
        "sessions": [{"kind": k, "minutes": m} for k, m in kinds],
    })
    plan = plan_week(WeekProblem.of(request))
    assume(plan.status == "optimal")
    return plan


def price(old: PlannedSession, start: int | None, week: Week, missed: bool) -> int:
    """What one session's change costs by the settings' tiers (start None: not placed)."""
    config = get_settings()
    if start is None:
        return config.weight_drop * config.drop_priority[old.kind.value]
    if week.day_of(week.at(start)) != week.day_of(old.start):
        return config.weight_move_day
    return config.weight_move_time if missed or week.at(start) != old.start else 0


def cost_of_changes(before: Schedule, after: Schedule, at: datetime, missed: set[str]) -> int:
    """The re-plan's price, recomputed from the two schedules."""
    week = Week(before.week_start, ZoneInfo(before.timezone))
    new = by_id(after)
    return sum(
        price(old, None if new[old.id].status in ("dropped", "missed")
              else week.minute(new[old.id].start), week, old.id in missed)
        for old in before.sessions if old.id in missed or old.start >= at
    )


def breaks_something(result: Schedule, session: PlannedSession) -> bool:
    """Whether `session` at its old time, in the re-planned week, breaks a hard rule."""
    assert result.request is not None
    back = [s for s in result.sessions if s.id != session.id]
    back.append(session.model_copy(update={"status": "planned"}))
    trial = result.model_copy(update={"sessions": back})
    counted = sorted((s for s in back if s.status in COUNTED), key=lambda s: s.start)
    overlap = any(a.end > b.start for a, b in zip(counted, counted[1:], strict=False))
    return overlap or bool(hard_violations(WeekProblem.of(result.request), trial))


def marks(draw, plan: Schedule, days: int = 7) -> tuple[datetime, set[str], set[str]]:
    """A moment in the week, missed ids (a missed easy run takes that day's plyo with it)
    and done ids (never a plyo: a done plyo after a missed easy run is refused)."""
    tz = ZoneInfo(plan.timezone)
    origin = datetime.combine(plan.week_start, datetime.min.time(), tzinfo=tz)
    at = origin + timedelta(minutes=draw(st.integers(0, days * 96)) * 15)
    missed = with_its_plyo(plan, {s.id for s in plan.sessions if draw(st.integers(0, 2)) == 0})
    done = {s.id for s in plan.sessions if s.id not in missed and s.kind is not Kind.plyo
            and s.start <= at and draw(st.integers(0, 4)) == 0}
    return at, missed, done


def with_its_plyo(plan: Schedule, missed: set[str]) -> set[str]:
    """Missed ids plus the plyo sessions on the day of a missed easy run (its warm-up)."""
    tz = ZoneInfo(plan.timezone)
    easy_days = {s.start.astimezone(tz).date() for s in plan.sessions if s.id in missed
                 and s.kind is Kind.easy}
    return missed | {s.id for s in plan.sessions if s.kind is Kind.plyo
                     and s.status == "planned" and s.start.astimezone(tz).date() in easy_days}


def as_happened(schedule: Schedule, at: datetime) -> Schedule:
    """The re-planned week as the oracle judges it: a session that began before `at`
    happened where it was, logged or not (the re-plan pins it; a calendar changed since
    cannot break a rule with it)."""
    return schedule.model_copy(update={"sessions": [
        s.model_copy(update={"status": "done"}) if s.status == "planned" and s.start < at
        else s for s in schedule.sessions]})


def assert_sound(before: Schedule, after: Schedule, at: datetime, missed: set[str],
                 calendar_changed: bool, done: frozenset[str] = frozenset()) -> None:
    assert after.status == "optimal"
    assert_valid(as_happened(after, at))
    old, new = by_id(before), by_id(after)
    assert set(old) == set(new)
    changed = set()
    for sid, now in new.items():
        was = old[sid]
        assert (now.kind, now.minutes, now.contacts) == (was.kind, was.minutes, was.contacts)
        if (now.start, now.status) != (was.start, was.status):
            changed.add(sid)
            assert now.sequence == was.sequence + 1
        else:
            assert now.sequence == was.sequence
        if now.start != was.start:  # only the future moves, and only to the future
            assert now.status == "planned" and now.start >= at
        if was.start < at and sid not in missed and was.status == "planned":
            assert (now.status, now.start) == ("done" if sid in done else "planned", was.start)
        if sid not in missed and was.status == "planned" and was.start >= at and (
                now.start != was.start or now.status == "dropped"):
            assert breaks_something(after, was), f"{sid} moved without needing to"
    assert {c["session"] for c in after.changes} == changed
    if not missed and not calendar_changed:
        assert all(new[s].start == old[s].start for s in old)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_any_replan_keeps_the_past_passes_every_check_and_moves_only_what_must(data):
    plan = data.draw(planned_weeks())
    at, missed, done = marks(data.draw, plan)
    request = plan.request
    assert request is not None
    if calendar_change := data.draw(st.booleans()):
        hit = data.draw(st.sampled_from(plan.sessions))
        request = request.model_copy(update={"busy": [*request.busy, BusyInterval(
            start=hit.start, end=hit.end, summary="new meeting")]})
    after = replan(plan, missed=sorted(missed), done=sorted(done), at=at, request=request,
                   settings=get_settings())
    event(f"changes: {sorted(c['change'] for c in after.changes if c['change'] != 'done')}")
    assert_sound(plan, after, at, missed, calendar_change, frozenset(done))
    later = at + timedelta(hours=data.draw(st.integers(0, 72)))
    planned = sorted(s.id for s in after.sessions if s.status == "planned"
                     and s.kind is not Kind.plyo)
    again = with_its_plyo(after, set(data.draw(st.lists(st.sampled_from(planned), max_size=1))
                                      if planned else []))
    second = replan(after, missed=sorted(again), at=later, settings=get_settings())
    assert_sound(after, second, later, again, False)


def placements(session: PlannedSession, plan: Schedule, earliest: int, missed: bool
               ) -> list[int | None]:
    """Every start a session could take after `earliest` inside a free window, and None."""
    assert plan.request is not None
    week = Week(plan.week_start, ZoneInfo(plan.timezone))
    was = week.minute(session.start)
    starts: list[int | None] = [None]
    for w in free_windows(plan.request, week):
        for start in range(max(w.start, -(-earliest // STEP) * STEP),
                           w.end - session.minutes + 1, STEP):
            if not missed or start + session.minutes <= was or start >= was + session.minutes:
                starts.append(start)
    return starts


def is_valid(request: Request, sessions: list[PlannedSession], plan: Schedule) -> bool:
    counted = sorted((s for s in sessions if s.status in COUNTED), key=lambda s: s.start)
    if any(a.end > b.start for a, b in zip(counted, counted[1:], strict=False)):
        return False
    moved = plan.model_copy(update={"sessions": sessions})
    return not hard_violations(WeekProblem.of(request), moved)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_on_tiny_weeks_plyoplan_changes_as_little_as_the_best_of_all_valid_replans(data):
    plan = data.draw(planned_weeks(tiny=True))
    assert plan.request is not None
    at, missed, _ = marks(data.draw, plan, days=4)
    result = replan(plan, missed=sorted(missed), at=at, settings=get_settings())
    assert_valid(result)
    week = Week(plan.week_start, ZoneInfo(plan.timezone))
    free = [s for s in plan.sessions if s.id in missed or s.start >= at]
    fixed = [s.model_copy(update={"status": "done"}) for s in plan.sessions if s not in free]
    options = [[(price(s, start, week, s.id in missed), start)
                for start in placements(s, plan, week.minute(at), s.id in missed)]
               for s in free]
    # Every combination of placements, cheapest first; the first valid one is the optimum.
    combos = sorted(product(*options), key=lambda c: sum(cost for cost, _ in c))
    for combo in combos:
        sessions = list(fixed)
        for session, (_, start) in zip(free, combo, strict=True):
            if start is None:
                status = "missed" if session.id in missed else "dropped"
                sessions.append(session.model_copy(update={"status": status}))
            else:
                sessions.append(session.model_copy(update={
                    "start": week.at(start), "end": week.at(start + session.minutes),
                    "status": "planned"}))
        if is_valid(plan.request, sessions, plan):
            event(f"free sessions: {len(free)}, optimum {sum(c for c, _ in combo)}")
            assert cost_of_changes(plan, result, at, missed) == sum(c for c, _ in combo)
            return
    raise AssertionError("brute force found no valid re-plan, not even plyoplan's")
