"""Weeks with a clock change: local times stay what the runner asked for, UTC offsets
change on the right day, in the JSON and in the .ics."""

from __future__ import annotations

from datetime import datetime

import icalendar

from scheduler.core.domain import Request
from scheduler.export.ics import schedule_to_ics
from tests.weeks import solve


def week(zone: str, monday: str, days: dict[str, list[list[str]]]) -> Request:
    return Request.model_validate({
        "runner": {"name": "Dee", "timezone": zone},
        "week_start": monday,
        "availability": days,
        "sessions": [{"kind": "easy", "minutes": 40}, {"kind": "long", "minutes": 90}],
        "rules": {"rest_days": 0},
        "preferences": {"long_run_days": ["sun"]},
    })


def by_kind(schedule):
    return {s.kind.value: s for s in schedule.sessions}


def test_european_autumn_change_keeps_local_times():
    # Clocks go back on Sun 25 Oct 2026 at 03:00 CEST.
    req = week("Europe/Berlin", "2026-10-19",
               {"sat": [["08:00", "09:00"]], "sun": [["08:00", "10:00"]]})
    plan = by_kind(solve(req))
    assert plan["easy"].start.isoformat() == "2026-10-24T08:00:00+02:00"
    assert plan["long"].start.isoformat() == "2026-10-25T08:00:00+01:00"
    assert plan["long"].end.isoformat() == "2026-10-25T09:30:00+01:00"


def test_us_autumn_change_keeps_local_times():
    # Clocks go back on Sun 1 Nov 2026 at 02:00 EDT.
    req = week("America/New_York", "2026-10-26",
               {"sat": [["07:00", "08:00"]], "sun": [["07:00", "09:00"]]})
    plan = by_kind(solve(req))
    assert plan["easy"].start.isoformat() == "2026-10-31T07:00:00-04:00"
    assert plan["long"].start.isoformat() == "2026-11-01T07:00:00-05:00"


def test_spring_change_window_over_the_gap_is_an_hour_shorter():
    # Sun 29 Mar 2026 02:00 → 03:00 in Berlin: 01:00–04:00 holds only two real hours.
    req = Request.model_validate({
        "runner": {"name": "Dee", "timezone": "Europe/Berlin"}, "week_start": "2026-03-23",
        "availability": {"sun": [["01:00", "04:00"]]},
        "sessions": [{"kind": "long", "minutes": 150}], "rules": {"rest_days": 0},
    })
    assert solve(req).status == "infeasible"
    shorter = req.model_copy(update={"sessions": [req.sessions[0].model_copy(
        update={"minutes": 120})]})
    [long_run] = solve(shorter).sessions
    assert long_run.start.isoformat() == "2026-03-29T01:00:00+01:00"
    assert long_run.end.isoformat() == "2026-03-29T04:00:00+02:00"


def test_ics_of_a_dst_week_has_tzid_vtimezone_and_right_instants():
    req = week("Europe/Berlin", "2026-10-19",
               {"sat": [["08:00", "09:00"]], "sun": [["08:00", "10:00"]]})
    schedule = solve(req)
    cal = icalendar.Calendar.from_ical(schedule_to_ics(schedule))
    [tz] = cal.walk("VTIMEZONE")
    assert tz["TZID"] == "Europe/Berlin"
    events = {e["UID"]: e for e in cal.walk("VEVENT")}
    for session in schedule.sessions:
        event = events[session.id]
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        start: datetime = event.decoded("DTSTART")
        assert start == session.start and start.utcoffset() == session.start.utcoffset()
    assert b"DTSTART;TZID=Europe/Berlin:20261025T080000" in schedule_to_ics(schedule)
