"""Plans around real calendars: for every file in tests/data/calendars, a week planned around
its busy time passes every check and no session touches a busy event."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from scheduler.calendars.busy_import import with_calendars
from scheduler.cli import main
from scheduler.core.domain import Request, Schedule
from scheduler.core.problem import WeekProblem
from scheduler.model.solve import plan_week
from tests.calendar_text import REAL_CALENDARS
from tests.oracle import assert_planned_all, assert_valid

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# (file, Monday of a week the file has events in, the runner's zone)
WEEKS = [
    ("google_machbar_dst.ics", date(2019, 3, 25), "Europe/Berlin"),
    ("davx5_exdate.ics", date(2019, 12, 9), "Europe/Berlin"),
    ("sabredav_each_week_but_one_deleted.ics", date(2019, 3, 4), "Europe/Berlin"),
    ("sabredav_three_events_one_edited.ics", date(2019, 3, 18), "Europe/Berlin"),
    ("thunderbird_cancel_status.ics", date(2020, 1, 27), "Europe/Berlin"),
    ("fastmail_cyrus_duplicated_rrule.ics", date(2023, 3, 27), "Europe/London"),
    ("google_us_holidays.ics", date(2023, 11, 6), "America/New_York"),
    ("outlook12_germany_holidays.ics", date(2019, 4, 15), "Europe/Berlin"),
    ("exchange_issue28.ics", date(2020, 4, 13), "Europe/London"),
    ("icloud_apple_ical.ics", date(2023, 10, 9), "America/Los_Angeles"),
    ("o365_custom_timezone.ics", date(2024, 4, 29), "Europe/Warsaw"),
    ("zimbra_vfreebusy.ics", date(2014, 4, 21), "America/Vancouver"),
]


def week_request(monday: date, zone: str, calendar: str) -> Request:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return Request.model_validate({
        "runner": {"name": "Cal", "timezone": zone},
        "week_start": monday.isoformat(),
        "availability": {d: [["06:00", "22:00"]] for d in days},
        "busy_calendars": [calendar],
        "sessions": [{"kind": "easy", "minutes": 45}, {"kind": "tempo", "minutes": 50},
                     {"kind": "long", "minutes": 90}, {"kind": "plyo", "minutes": 20},
                     {"kind": "easy", "minutes": 40}],
    })


def test_every_real_calendar_has_a_planned_week():
    assert {name for name, _, _ in WEEKS} == {p.name for p in REAL_CALENDARS.glob("*.ics")}


@pytest.mark.parametrize(("name", "monday", "zone"), WEEKS, ids=[w[0] for w in WEEKS])
def test_week_planned_around_a_real_calendar_passes_every_check(name, monday, zone):
    request, _ = with_calendars(week_request(monday, zone, name), base_dir=REAL_CALENDARS)
    schedule = plan_week(WeekProblem.of(request))
    assert_planned_all(schedule, request)
    assert_valid(schedule)
    for session in schedule.sessions:
        for busy in request.busy:
            assert session.end <= busy.start or busy.end <= session.start, (
                f"{session.id} at {session.start} overlaps '{busy.summary}'")


def test_machbar_week_really_avoids_the_thursday_school_class():
    request, _ = with_calendars(
        week_request(date(2019, 3, 25), "Europe/Berlin", "google_machbar_dst.ics"),
        base_dir=REAL_CALENDARS)
    assert any("Montessori" in b.summary for b in request.busy)
    schedule = plan_week(WeekProblem.of(request))
    thursday = date(2019, 3, 28)
    for s in schedule.sessions:
        local = s.start.astimezone(request.tz)
        if local.date() == thursday:
            assert not (local.hour * 60 + local.minute + s.minutes > 8 * 60 + 15
                        and local.hour * 60 + local.minute < 14 * 60 + 45)


def test_plan_command_reads_busy_flag_and_request_calendars(tmp_path, capsys):
    request = json.loads((EXAMPLES / "office_worker.json").read_text())
    monday = date.fromisoformat(request["week_start"])
    # A meeting every weekday 06:00-08:00 and 18:00-21:30 leaves only the weekend.
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for i in range(5):
        day = (monday + timedelta(days=i)).strftime("%Y%m%d")
        for n, (a, b) in enumerate((("060000", "080000"), ("180000", "213000"))):
            lines += ["BEGIN:VEVENT", f"UID:block-{i}-{n}@test", f"DTSTAMP:{day}T000000Z",
                      f"DTSTART;TZID=Europe/Berlin:{day}T{a}",
                      f"DTEND;TZID=Europe/Berlin:{day}T{b}", "SUMMARY:Blocked", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    (tmp_path / "work.ics").write_text("\r\n".join(lines) + "\r\n")
    request["sessions"] = [{"kind": "easy", "minutes": 40}, {"kind": "long", "minutes": 100}]
    request["busy_calendars"] = ["work.ics"]
    (tmp_path / "me.json").write_text(json.dumps(request))
    out = tmp_path / "week.json"
    assert main(["plan", str(tmp_path / "me.json"), "--json", str(out)]) == 0
    schedule = json.loads(out.read_text())
    assert {s["start"][:10] for s in schedule["sessions"]} <= {"2026-12-05", "2026-12-06"}
    assert len(schedule["request"]["busy"]) >= 10 + 3
    missing = tmp_path / "nothere.ics"
    assert main(["plan", str(tmp_path / "me.json"), "--busy", str(missing)]) == 2
    assert "nothere.ics" in capsys.readouterr().err


def one_event_calendar(path: Path, day: str, start: str, end: str) -> None:
    path.write_text("\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT",
        "UID:choir@test", "DTSTAMP:20261101T000000Z",
        f"DTSTART;TZID=America/New_York:{day}T{start}",
        f"DTEND;TZID=America/New_York:{day}T{end}", "SUMMARY:Choir", "END:VEVENT",
        "END:VCALENDAR"]) + "\r\n")


def test_replan_rereading_a_changed_calendar_replaces_its_old_events(tmp_path):
    request = json.loads((EXAMPLES / "beginner.json").read_text())
    (tmp_path / "me.json").write_text(json.dumps(request))
    choir = tmp_path / "choir.ics"
    one_event_calendar(choir, "20261201", "173000", "193000")  # Tue evening, all of it
    week = tmp_path / "week.json"
    assert main(["plan", str(tmp_path / "me.json"), "--busy", str(choir),
                 "--json", str(week)]) == 0
    planned = Schedule.model_validate_json(week.read_text())
    assert [b.summary for b in planned.request.busy] == ["Choir"]
    assert all(s.start.date() != date(2026, 12, 1) for s in planned.sessions)

    one_event_calendar(choir, "20261203", "173000", "193000")  # moved to Thursday
    again = tmp_path / "week2.json"
    assert main(["replan", str(week), "--busy", str(choir), "--at", "2026-11-30T00:00-05:00",
                 "--json", str(again)]) == 0
    replanned = Schedule.model_validate_json(again.read_text())
    [choir_now] = replanned.request.busy
    assert choir_now.start.isoformat() == "2026-12-03T17:30:00-05:00"
    assert_valid(replanned)  # the oracle's availability check reads the new busy list
    new_york = replanned.request.tz
    # Thursday's whole window is now the choir: nothing planned is left on Thursday.
    assert all(s.start.astimezone(new_york).date() != date(2026, 12, 3)
               for s in replanned.sessions if s.status == "planned")
