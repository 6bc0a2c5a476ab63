"""The .ics export round-trips: parsed back by icalendar and by the strict `ical`
package, every event is a session at the same instants, with its id as UID."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from hypothesis import HealthCheck, given, settings
from ical.calendar_stream import IcsCalendarStream

from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.export.ics import (
    add_timezone,
    calendar_for,
    schedule_to_ics,
    session_event,
    session_title,
)
from scheduler.model.solve import plan_week
from tests.oracle import assert_valid
from tests.strategies import requests

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def assert_round_trip(schedule) -> None:
    data = schedule_to_ics(schedule)
    cal = icalendar.Calendar.from_ical(data)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {s.id for s in schedule.sessions}
    for s in schedule.sessions:
        event = events[s.id]
        assert event.decoded("DTSTART") == s.start and event.decoded("DTEND") == s.end
        assert str(event["SUMMARY"]) == session_title(s)
        assert event.decoded("DTSTART").tzinfo is not None  # never floating
    strict = IcsCalendarStream.calendar_from_ics(data.decode())
    assert {e.uid: (e.dtstart, e.dtend) for e in strict.events} == {
        s.id: (s.start, s.end) for s in schedule.sessions
    }


def test_office_worker_week_round_trips_through_both_parsers():
    schedule = plan_week(WeekProblem.of(load_request(EXAMPLES / "office_worker.json")))
    assert_valid(schedule)
    assert_round_trip(schedule)
    data = schedule_to_ics(schedule).decode()
    assert "SUMMARY:Plyometrics · 80 contacts" in data
    assert "BEGIN:VTIMEZONE" in data and "TZID:Europe/Berlin" in data
    assert "METHOD" not in data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_any_planned_week_round_trips(request):
    schedule = plan_week(WeekProblem.of(request))
    if schedule.sessions:
        assert_valid(schedule)
        assert_round_trip(schedule)


def whole_calendar_by_icalendar(schedule, stamp) -> bytes:
    """The same calendar serialized in one piece by icalendar, zone added as a component."""
    cal = calendar_for(f"plyoplan · {schedule.request.runner.name}")
    for session in schedule.sessions:
        cal.add_component(session_event(session, stamp, ZoneInfo(schedule.timezone)))
    add_timezone(cal, schedule.timezone, schedule.week_start)
    return bytes(cal.to_ical())


# schedule_to_ics writes each zone's VTIMEZONE once and places it where add_timezone()
# would; the bytes must be exactly icalendar's own serialization of the whole calendar.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_the_file_is_byte_for_byte_what_icalendar_writes(request):
    schedule = plan_week(WeekProblem.of(request))
    stamp = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    for _ in range(2):  # the second time from the cache
        assert schedule_to_ics(schedule, stamp=stamp) == whole_calendar_by_icalendar(
            schedule, stamp)


def test_a_utc_runner_gets_no_vtimezone_and_z_times():
    request = load_request(EXAMPLES / "office_worker.json").model_copy(deep=True)
    request.runner.timezone = "UTC"
    schedule = plan_week(WeekProblem.of(request))
    data = schedule_to_ics(schedule).decode()
    assert "BEGIN:VTIMEZONE" not in data and data.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20261" in data  # written in UTC with Z
