"""Every calendar plyoplan writes (plan, replan, block, batch) is valid: the strict `ical`
parser reads it, every event keeps the runner's zone with a VTIMEZONE that defines it, and
any text (names, drill names, ids) comes back exactly as a calendar can hold it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from scheduler.block.plan import BlockPlan, solve_block
from scheduler.cli import main
from scheduler.core.domain import Drill, Schedule
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.export.block import block_to_ics
from scheduler.export.ics import schedule_to_ics, session_title
from scheduler.model.solve import plan_week
from scheduler.replan.replan import replan
from tests.strategies import requests
from tests.strict_ics import as_calendars_keep_it, read_strictly

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
STAMP = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
# Text a runner may type, and text no calendar can hold: line breaks of every kind,
# control characters, unpaired surrogates, TEXT's own escapes, property-like lines.
TEXT = st.one_of(
    st.text(min_size=1, max_size=80),
    st.lists(st.sampled_from(["\\", ";", ",", ":", '"', "\n", "\r", "\r\n", "\\n", "\\N",
                              "BEGIN:VEVENT", "END:VCALENDAR", "\x00", "\x1c", "\x7f",
                              "\ud800", "\u2028", "\x85", "é", "😀", " ", "a"]),
             min_size=1, max_size=12).map("".join),
)


def as_read_back(schedule: Schedule) -> Schedule:
    """The schedule as a file hands it to the next command: through its JSON, where
    every time carries a fixed offset such as +01:00 instead of the runner's zone."""
    return Schedule.model_validate_json(schedule.model_dump_json())


def assert_events_are_the_sessions(data: bytes, schedule: Schedule) -> None:
    strict = read_strictly(data, schedule.timezone)
    assert {e.uid: (e.dtstart, e.dtend, e.sequence) for e in strict.events} == {
        s.id: (s.start, s.end, s.sequence) for s in schedule.sessions}
    loose = icalendar.Calendar.from_ical(data)
    for vevent in loose.walk("VEVENT"):
        session = next(s for s in schedule.sessions if s.id == str(vevent["UID"]))
        assert vevent.decoded("DTSTART") == session.start  # never floating


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(), st.data())
def test_any_plan_and_replan_read_back_from_json_writes_a_strictly_valid_calendar(
        request, data):
    plan = plan_week(WeekProblem.of(request))
    assume(plan.sessions)
    written = as_read_back(plan)
    assert_events_are_the_sessions(schedule_to_ics(written, stamp=STAMP), written)
    tz = ZoneInfo(plan.timezone)
    monday = datetime.combine(plan.week_start, datetime.min.time(), tzinfo=tz)
    at = monday + timedelta(minutes=data.draw(st.integers(0, 7 * 96)) * 15)
    missed = data.draw(st.lists(st.sampled_from([s.id for s in plan.sessions]),
                                max_size=2, unique=True))
    again = as_read_back(replan(written, missed=missed, at=at, settings=get_settings()))
    was = {s.id: s.start for s in plan.sessions}
    event(f"sessions moved: {sum(s.start != was[s.id] for s in again.sessions)}")
    assert_events_are_the_sessions(schedule_to_ics(again, stamp=STAMP), again)


@cache
def office_week() -> Schedule:
    return plan_week(WeekProblem.of(load_request(EXAMPLES / "office_worker.json")))


@cache
def beginner_block() -> BlockPlan:
    return solve_block(load_request(EXAMPLES / "beginner.json"), 2, settings=get_settings()).block


def renamed(schedule: Schedule, runner: str, drill: str, uid: str) -> Schedule:
    """The week with any text where a runner's text goes: their name, a drill's name (in
    a schedule file that was edited by hand) and the session ids (the UIDs)."""
    assert schedule.request is not None
    request = schedule.request.model_copy(update={
        "runner": schedule.request.runner.model_copy(update={"name": runner})})
    sessions = [s.model_copy(update={
        "id": f"{uid}-{n}",
        "drills": [Drill(name=drill, sets=d.sets, reps=d.reps) for d in s.drills]})
        for n, s in enumerate(schedule.sessions)]
    return schedule.model_copy(update={"request": request, "sessions": sessions})


@settings(max_examples=150, deadline=None)
@given(runner=TEXT, drill=TEXT, uid=TEXT)
def test_any_text_in_a_week_comes_back_exactly_with_exactly_its_events(runner, drill, uid):
    week = renamed(office_week(), runner, drill, uid)
    data = schedule_to_ics(week, stamp=STAMP)
    assert_events_are_the_sessions(data, week.model_copy(update={"sessions": [
        s.model_copy(update={"id": as_calendars_keep_it(s.id)}) for s in week.sessions]}))
    strict = read_strictly(data, week.timezone)
    assert strict.name == [f"plyoplan · {as_calendars_keep_it(runner)}"]
    by_uid = {e.uid: e for e in strict.events}
    for session in week.sessions:
        vevent = by_uid[as_calendars_keep_it(session.id)]
        assert vevent.summary == session_title(session)
        for d in session.drills:
            assert f"- {as_calendars_keep_it(d.name)}: {d.sets} x {d.reps}" in (
                vevent.description or "")


@settings(max_examples=60, deadline=None)
@given(runner=TEXT, drill=TEXT)
def test_any_text_in_a_block_comes_back_exactly_with_exactly_its_events(runner, drill):
    block = beginner_block()
    weeks = [renamed(w, runner, drill, f"w{n}") for n, w in enumerate(block.weeks)]
    data = block_to_ics(block.model_copy(update={"weeks": weeks}), stamp=STAMP)
    strict = read_strictly(data, block.weeks[0].timezone)
    assert strict.name == [f"plyoplan block · {as_calendars_keep_it(runner)}"]
    sessions = [s for w in weeks for s in w.sessions]
    assert {e.uid: e.dtstart for e in strict.events} == {s.id: s.start for s in sessions}
    for vevent in strict.events:
        if vevent.summary.startswith("Plyometrics"):
            assert f"- {as_calendars_keep_it(drill)}: " in (vevent.description or "")


def test_a_session_in_the_hour_the_clock_goes_back_keeps_its_instant():
    # Sun 25 Oct 2026, Berlin: 02:00-03:00 happens twice; this run is in the second one.
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 10, 25, 2, 15, fold=1, tzinfo=berlin)
    week = office_week()
    session = week.sessions[0].model_copy(update={
        "start": start, "end": (start.astimezone(UTC) + timedelta(minutes=30)).astimezone(berlin)})
    moved = week.model_copy(update={"week_start": start.date() - timedelta(days=6),
                                    "sessions": [session]})
    for schedule in (moved, as_read_back(moved)):
        strict = read_strictly(schedule_to_ics(schedule, stamp=STAMP), "Europe/Berlin")
        (event,) = strict.events
        # In UTC: a time in the repeated hour never equals one from another zone (PEP 495).
        assert event.dtstart.astimezone(UTC) == datetime(2026, 10, 25, 1, 15, tzinfo=UTC)
        assert event.dtend.astimezone(UTC) == datetime(2026, 10, 25, 1, 45, tzinfo=UTC)


def test_replan_writes_sessions_that_did_not_move_in_the_runners_zone(tmp_path, capsys):
    week_json = tmp_path / "week.json"
    assert main(["plan", str(EXAMPLES / "office_worker.json"), "--json", str(week_json)]) == 0
    tempo = next(s["id"] for s in json.loads(week_json.read_text())["sessions"]
                 if s["kind"] == "tempo")
    out_json, out_ics = tmp_path / "week2.json", tmp_path / "week2.ics"
    assert main(["replan", str(week_json), "--missed", tempo, "--at",
                 "2026-12-01T08:00:00+01:00", "--json", str(out_json),
                 "--ics", str(out_ics)]) == 0
    capsys.readouterr()
    after = Schedule.model_validate_json(out_json.read_text())
    assert_events_are_the_sessions(out_ics.read_bytes(), after)
    assert 'TZID="' not in out_ics.read_text()


def with_name(example: str, name: str, folder: Path, **runner: str) -> Path:
    data = json.loads((EXAMPLES / f"{example}.json").read_text())
    data["runner"] |= {"name": name, **runner}
    path = folder / f"{example}.json"
    path.write_text(json.dumps(data))
    return path


NAME = 'Zoë "Fast" O\'Brien; 5k, 10k\nBEGIN:VEVENT\\N'


def test_block_command_writes_a_strictly_valid_calendar_with_the_name_as_typed(
        tmp_path, capsys):
    source = with_name("beginner", NAME, tmp_path)
    out_json, out_ics = tmp_path / "block.json", tmp_path / "block.ics"
    assert main(["block", str(source), "--weeks", "2", "--json", str(out_json),
                 "--ics", str(out_ics)]) == 0
    capsys.readouterr()
    block = BlockPlan.model_validate_json(out_json.read_text())
    strict = read_strictly(out_ics.read_bytes(), block.weeks[0].timezone)
    assert strict.name == [f"plyoplan block · {NAME}"]
    assert {e.uid: e.dtstart for e in strict.events} == {
        s.id: s.start for w in block.weeks for s in w.sessions}


def test_batch_writes_strictly_valid_calendars_for_every_runner(tmp_path, capsys):
    folder = tmp_path / "squad"
    folder.mkdir()
    with_name("office_worker", NAME, folder)
    with_name("beginner", "Tom\r\nX-INJECTED:1", folder, timezone="Etc/UTC")
    out = tmp_path / "plans"
    assert main(["batch", str(folder), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    names = {"office_worker": NAME, "beginner": "Tom\nX-INJECTED:1"}
    for stem, name in names.items():
        schedule = Schedule.model_validate_json((out / f"{stem}.json").read_text())
        data = (out / f"{stem}.ics").read_bytes()
        assert_events_are_the_sessions(data, schedule)
        assert read_strictly(data, schedule.timezone).name == [f"plyoplan · {name}"]
        assert b"X-INJECTED" not in data.replace(b"\\nX-INJECTED", b"")
