"""Hostile and pathological busy calendars: each is read through `busy_from_ics` and gives
exact busy intervals, an exact warning or an exact CalendarError; and the limits of one
plan (at most 10 calendars, at most 2,000 busy intervals), through `plyoplan plan`.

Before the limits, a repeating event from 1990 made dateutil walk every repetition since
then (FREQ=MINUTELY: minutes of CPU; INTERVAL=0: for ever), and a rule that never matches
walked to the year 9999. The intervals below were worked out by hand from the rules;
where a rule's grid does not divide a day, the reading is compared with the same rule
written with a recent DTSTART on its grid, which needs no moving.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.calendars.events import Window
from scheduler.calendars.prefilter import near_the_week
from scheduler.calendars.read import BusyReading, CalendarError
from scheduler.cli import main
from tests.calendar_text import BERLIN, at, event, ics, intervals
from tests.calendar_text import busy as read_calendar
from tests.weeks import example

# The window read for the week of Mon 30 Nov 2026: Sun 29 Nov to Mon 7 Dec.
WINDOW_DAYS = [(11, 29), (11, 30), *((12, day) for day in range(1, 8))]


def busy(data: bytes, monday: str = "2026-11-30") -> BusyReading:
    return read_calendar(data, monday, label="rota.ics")


def since_1990(rule: str, *extra: str, summary: str = "Handover",
               minutes: int = 60) -> str:
    """A shift handover from Mon 1 Jan 1990 06:00 Berlin time, repeating by `rule`."""
    end = datetime(1990, 1, 1, 6) + timedelta(minutes=minutes)
    return event(summary.lower(), summary, "DTSTART;TZID=Europe/Berlin:19900101T060000",
                 f"DTEND;TZID=Europe/Berlin:{end:%Y%m%dT%H%M%S}", f"RRULE:{rule}", *extra)


def skipped(summary: str, reason: str) -> str:
    return f"Event '{summary}' (UID {summary.lower()}) in 'rota.ics' was skipped: {reason}."


# Every 8 hours of wall-clock time from 06:00: 06, 14 and 22 o'clock each day.
ROTA = [(at(f"2026-{m:02d}-{d:02d}T{h:02d}:00+01:00"),
         at(f"2026-{m:02d}-{d:02d}T{h + 1:02d}:00+01:00"), "Handover")
        for m, d in WINDOW_DAYS for h in (6, 14, 22)]


# --- repeating more often than daily, since 1990 ------------------------------------

def test_hourly_rota_since_1990_blocks_its_hours_in_the_week():
    assert intervals(busy(ics(since_1990("FREQ=HOURLY;INTERVAL=8")))) == ROTA


def test_hourly_rota_keeps_its_wall_clock_hours_across_the_spring_change():
    # Clocks go forward on Sun 29 Mar 2026 at 02:00; 06:00 that day is already +02:00.
    days = [(3, 29), (3, 30), (3, 31), *((4, day) for day in range(1, 7))]
    assert intervals(busy(ics(since_1990("FREQ=HOURLY;INTERVAL=8")), "2026-03-30")) == [
        (at(f"2026-{m:02d}-{d:02d}T{h:02d}:00+02:00"),
         at(f"2026-{m:02d}-{d:02d}T{h + 1:02d}:00+02:00"), "Handover")
        for m, d in days for h in (6, 14, 22)]


def test_step_that_does_not_divide_a_day_gives_what_a_recent_dtstart_gives():
    # Every 5 hours from 1990-01-01 06:00: the step of the grid before 20 Nov 2026 is
    # 2026-11-19 22:00, so the first ones in the window are Sun 29 Nov 02:00, 07:00, 12:00.
    recent = event("handover", "Handover", "DTSTART;TZID=Europe/Berlin:20261119T220000",
                   "DTEND;TZID=Europe/Berlin:20261119T230000", "RRULE:FREQ=HOURLY;INTERVAL=5")
    old = intervals(busy(ics(since_1990("FREQ=HOURLY;INTERVAL=5"))))
    assert old == intervals(busy(ics(recent)))
    assert old[:3] == [(at(f"2026-11-29T{h:02d}:00+01:00"),
                        at(f"2026-11-29T{h + 1:02d}:00+01:00"), "Handover") for h in (2, 7, 12)]
    # Starts 2 + 5k hours after Sun 00:00, before the window ends 216 hours later.
    assert len(old) == 43


@pytest.mark.parametrize("count", [1_000_000, 40_454, 40_443])
def test_hourly_count_since_1990_ends_on_its_real_last_repetition(count: int):
    # The 40,454th repetition is Wed 2 Dec 14:00 ((Dec 2 14:00 − Jan 1 1990 06:00) / 8 h
    # + 1); the 40,443rd is Sat 28 Nov 22:00, before the window.
    rota = intervals(busy(ics(since_1990(f"FREQ=HOURLY;INTERVAL=8;COUNT={count}"))))
    assert rota == {1_000_000: ROTA, 40_454: ROTA[:11], 40_443: []}[count]


def test_hourly_until_in_the_week_stops_there():
    # UNTIL 13:00 UTC is Wed 2 Dec 14:00 in Berlin, and UNTIL is inclusive.
    rule = "FREQ=HOURLY;INTERVAL=8;UNTIL=20261202T130000Z"
    assert intervals(busy(ics(since_1990(rule)))) == ROTA[:11]


def test_every_quarter_hour_is_still_read():
    # 96 starts a day is the most a busy calendar is read with: 5 minutes busy in 15.
    reading = busy(ics(since_1990("FREQ=MINUTELY;INTERVAL=15", minutes=5)))
    assert intervals(reading)[:2] == [
        (at("2026-11-29T00:00+01:00"), at("2026-11-29T00:05+01:00"), "Handover"),
        (at("2026-11-29T00:15+01:00"), at("2026-11-29T00:20+01:00"), "Handover")]
    assert len(reading.events) == 9 * 96


def test_minutely_and_secondly_series_are_skipped_with_a_warning_and_the_rest_read():
    every_minute = " ".join(str(m) for m in range(60)).replace(" ", ",")
    data = ics(
        since_1990("FREQ=MINUTELY", summary="Ping", minutes=1),
        since_1990("FREQ=SECONDLY", summary="Tick", minutes=1),
        since_1990(f"FREQ=DAILY;BYHOUR=8,9;BYMINUTE={every_minute}", summary="Poll"),
        since_1990("FREQ=MINUTELY;INTERVAL=10;BYHOUR=9", summary="Nudge", minutes=5),
        event("dentist", "Dentist", "DTSTART:20261201T080000Z", "DTEND:20261201T090000Z"))
    reading = busy(data)
    assert [(e.start, e.end, e.summary) for e in reading.events] == [
        (at("2026-12-01T09:00+01:00"), at("2026-12-01T10:00+01:00"), "Dentist")]
    reason = "its RRULE repeats it more often than every 15 minutes, which is not busy time"
    assert reading.warnings == [skipped(name, reason) for name in ("Ping", "Tick", "Poll",
                                                                    "Nudge")]


# --- long steps, COUNTs and rules that rarely or never match ---------------------------

@pytest.mark.parametrize(("count", "expected"), [
    (443, [(at("2026-11-15T10:00+01:00"), at("2026-11-15T11:00+01:00"), "Rent")]),
    (442, []),
])
def test_monthly_count_since_1990_ends_on_its_real_last_date(count: int, expected: list):
    # The 443rd month from Jan 1990 (442 months on) is Nov 2026: Sun 15 Nov is in the
    # window of the week of Mon 16 Nov.
    rent = event("rent", "Rent", "DTSTART;TZID=Europe/Berlin:19900115T100000",
                 "DTEND;TZID=Europe/Berlin:19900115T110000", f"RRULE:FREQ=MONTHLY;COUNT={count}")
    assert intervals(busy(ics(rent), "2026-11-16")) == expected


def test_the_31st_of_each_month_since_1990_is_found_in_a_month_that_has_one():
    rent = event("rent", "Rent", "DTSTART;TZID=Europe/Berlin:19900131T100000",
                 "DTEND;TZID=Europe/Berlin:19900131T110000", "RRULE:FREQ=MONTHLY;BYMONTHDAY=31")
    assert intervals(busy(ics(rent), "2026-08-31")) == [
        (at("2026-08-31T10:00+02:00"), at("2026-08-31T11:00+02:00"), "Rent")]
    assert intervals(busy(ics(rent), "2026-11-30")) == []  # no 31 Nov


@pytest.mark.parametrize("rule", [
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=YEARLY;BYWEEKNO=60",
    "FREQ=MONTHLY;BYDAY=9MO",
    "FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29",  # from 1990 on: even years only
    "FREQ=DAILY;INTERVAL=7;BYDAY=TU",  # 1 Jan 1990 is a Monday
])
def test_rule_that_never_matches_adds_nothing_and_its_series_still_counts(rule: str):
    # dateutil would search up to the year 9999 for the next date; the extra date of the
    # series (RDATE) is still busy.
    data = ics(event("never", "Never", "DTSTART:19900101T100000Z", "DTEND:19900101T110000Z",
                     f"RRULE:{rule}", "RDATE:20261202T100000Z"))
    assert intervals(busy(data)) == [
        (at("2026-12-02T11:00+01:00"), at("2026-12-02T12:00+01:00"), "Never")]


def test_rule_with_a_date_in_the_week_but_none_for_decades_is_skipped_with_a_warning():
    # Tuesday 1 December, every 50 years from 1976: 2026, then 2076.
    data = ics(event("jubilee", "Jubilee", "DTSTART:19761201T100000Z",
                     "DTEND:19761201T110000Z",
                     "RRULE:FREQ=YEARLY;INTERVAL=50;BYMONTH=12;BYMONTHDAY=1;BYDAY=TU"))
    reading = busy(data)
    assert reading.events == []
    assert reading.warnings == [
        skipped("Jubilee", "its RRULE has no date within 10 years after this week")]


def test_interval_below_one_and_absurd_steps_are_skipped_with_a_warning():
    # dateutil loops for ever on INTERVAL=0.
    data = ics(since_1990("FREQ=DAILY;INTERVAL=0", summary="Zero"),
               since_1990("FREQ=DAILY;INTERVAL=99999999", summary="Aeon"))
    reading = busy(data)
    assert reading.events == []
    assert reading.warnings == [
        skipped("Zero", "its RRULE has an INTERVAL below 1"),
        skipped("Aeon", "its RRULE repeats it less than once in 100 years")]


def test_rule_dateutil_rejects_while_expanding_is_a_warning_not_a_crash():
    # Every 24 hours from 06:00 never reaches 09:00; dateutil finds out mid-expansion.
    reading = busy(ics(since_1990("FREQ=MINUTELY;INTERVAL=1440;BYHOUR=9", summary="Lost")))
    assert reading.events == []
    assert reading.warnings == [skipped(
        "Lost", "its repetitions could not be worked out (Invalid combination of interval "
                "and byhour resulting in empty rule.)")]


def test_count_that_needs_its_real_start_and_is_too_long_to_walk_is_skipped():
    # Two dates an hour make a COUNT that cannot be lowered by steps; counting them from
    # 1990 would walk 37 years of hours.
    reading = busy(ics(since_1990("FREQ=HOURLY;BYMINUTE=0,30;COUNT=1000000", minutes=10)))
    assert reading.events == []
    assert reading.warnings == [
        skipped("Handover", "working out its RRULE from 1990 on would take too long")]


# --- limits of one reading ----------------------------------------------------------

def test_more_than_2000_events_in_the_week_is_a_calendar_error():
    quarter_hours = [event(f"q{n}", "Sensor", f"DTSTART:20261120T0{n}0000Z",
                           f"DTEND:20261120T0{n}0500Z", "RRULE:FREQ=MINUTELY;INTERVAL=15")
                     for n in range(3)]
    with pytest.raises(CalendarError) as caught:
        busy(ics(*quarter_hours))
    assert str(caught.value) == (
        "Calendar 'rota.ics' has more than 2,000 events in or around the week of "
        "30 Nov 2026; plyoplan reads at most 2,000.")


def test_too_many_repeating_events_to_work_out_is_a_calendar_error():
    hourly = [since_1990(f"FREQ=HOURLY;BYHOUR={n % 24}", "TRANSP:TRANSPARENT",
                         summary=f"Meter {n}") for n in range(100)]
    assert busy(ics(*hourly[:40])).warnings == []
    with pytest.raises(CalendarError) as caught:
        busy(ics(*hourly))
    assert str(caught.value) == (
        "Calendar 'rota.ics' has more repeating events than plyoplan works out for one "
        "week (the week of 30 Nov 2026): it stops after about 0.3 s of that work.")


def test_calendar_with_too_much_near_the_week_is_a_calendar_error():
    # 1,700 events of 6 lines each near the week: more than the 10,000 lines parsed.
    near = [event(f"n{n}", "Meeting", f"DTSTART:202612{day:02d}T{hour:02d}{minute:02d}00Z",
                  f"DTEND:202612{day:02d}T{hour + 1:02d}{minute:02d}00Z")
            for n in range(1700) for day, hour, minute in [(1 + n % 5, 8 + n % 9, n % 60)]]
    with pytest.raises(CalendarError) as caught:
        busy(ics(*near))
    assert str(caught.value) == (
        "Calendar 'rota.ics' is too big to read for one week: even without what is far "
        "from the week of 30 Nov 2026 it has more than 10,000 lines or 1 MB, the most "
        "plyoplan reads.")
    long_title = event("t", "x" * (1024 * 1024), "DTSTART:20261201T080000Z",
                       "DTEND:20261201T090000Z")
    with pytest.raises(CalendarError, match="more than 10,000 lines or 1 MB"):
        busy(ics(long_title))


def test_years_of_past_events_do_not_count_against_the_week():
    past = [event(f"p{n}", "Old meeting", f"DTSTART:2015{1 + n % 12:02d}{1 + n % 28:02d}T090000Z",
                  f"DTEND:2015{1 + n % 12:02d}{1 + n % 28:02d}T100000Z",
                  "ATTENDEE;CN=Ana:mailto:ana@example.org", "BEGIN:VALARM", "ACTION:DISPLAY",
                  "TRIGGER:-PT15M", "END:VALARM") for n in range(30_000)]
    data = ics(*past, event("d", "Dentist", "DTSTART:20261201T080000Z",
                            "DTEND:20261201T090000Z"))
    assert intervals(busy(data)) == [
        (at("2026-12-01T09:00+01:00"), at("2026-12-01T10:00+01:00"), "Dentist")]


# --- what is left out before parsing must not change the week -----------------------

def test_overrides_far_from_the_week_change_nothing_and_near_ones_stay():
    weekly = ["DTSTART;TZID=Europe/Berlin:20200106T090000",
              "DTEND;TZID=Europe/Berlin:20200106T100000", "RRULE:FREQ=WEEKLY"]
    data = ics(
        event("w", "Weekly", *weekly),
        # a 2021 instance moved within 2021, the Mon 30 Nov one to Wed 2 Dec, and a 2022
        # one into this week (Thu 3 Dec 15:00)
        event("w", "Weekly moved", "RECURRENCE-ID;TZID=Europe/Berlin:20210111T090000",
              "DTSTART;TZID=Europe/Berlin:20210112T090000",
              "DTEND;TZID=Europe/Berlin:20210112T100000"),
        event("w", "Weekly moved", "RECURRENCE-ID;TZID=Europe/Berlin:20261130T090000",
              "DTSTART;TZID=Europe/Berlin:20261202T090000",
              "DTEND;TZID=Europe/Berlin:20261202T100000"),
        event("w", "Weekly moved", "RECURRENCE-ID;TZID=Europe/Berlin:20220103T090000",
              "DTSTART;TZID=Europe/Berlin:20261203T150000",
              "DTEND;TZID=Europe/Berlin:20261203T160000"))
    assert intervals(busy(data)) == [
        (at("2026-12-02T09:00+01:00"), at("2026-12-02T10:00+01:00"), "Weekly moved"),
        (at("2026-12-03T15:00+01:00"), at("2026-12-03T16:00+01:00"), "Weekly moved"),
        (at("2026-12-07T09:00+01:00"), at("2026-12-07T10:00+01:00"), "Weekly")]


def test_far_override_of_a_long_instance_that_reaches_the_week_stays():
    # The 20 Nov trip would last until 30 Nov, into the window; it was moved to 2025.
    data = ics(
        event("trip", "Field trip", "DTSTART:20200120T080000Z", "DTEND:20200130T080000Z",
              "RRULE:FREQ=MONTHLY"),
        event("trip", "Field trip (moved)", "RECURRENCE-ID:20261120T080000Z",
              "DTSTART:20250601T080000Z", "DTEND:20250611T080000Z"))
    assert intervals(busy(data)) == []


def test_this_and_future_override_brings_a_later_series_into_the_week():
    # From 11 Jan 2027 on, the series moves 6 weeks earlier: 18 Jan 2027 lands on 7 Dec.
    data = ics(
        event("sync", "Team sync", "DTSTART;TZID=Europe/Berlin:20270104T090000",
              "DTEND;TZID=Europe/Berlin:20270104T100000", "RRULE:FREQ=WEEKLY"),
        event("sync", "Team sync (moved)",
              "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Berlin:20270111T090000",
              "DTSTART;TZID=Europe/Berlin:20261130T090000",
              "DTEND;TZID=Europe/Berlin:20261130T100000"))
    assert intervals(busy(data)) == [
        (at("2026-11-30T09:00+01:00"), at("2026-11-30T10:00+01:00"), "Team sync (moved)"),
        (at("2026-12-07T09:00+01:00"), at("2026-12-07T10:00+01:00"), "Team sync (moved)")]


def test_ended_counts_durations_alarms_and_tasks():
    data = ics(
        event("c1", "Course", "DTSTART;TZID=Europe/Berlin:20150105T180000",
              "DTEND;TZID=Europe/Berlin:20150105T190000", "RRULE:FREQ=WEEKLY;COUNT=10"),
        # 620 Mondays from 5 Jan 2015: the last is 10 Nov 2026; 622: 30 Nov 2026
        event("c2", "Choir", "DTSTART;TZID=Europe/Berlin:20150105T190000",
              "DTEND;TZID=Europe/Berlin:20150105T200000", "RRULE:FREQ=WEEKLY;COUNT=620"),
        event("c3", "Band", "DTSTART;TZID=Europe/Berlin:20150105T200000",
              "DTEND;TZID=Europe/Berlin:20150105T210000", "RRULE:FREQ=WEEKLY;COUNT=622"),
        event("d1", "Old call", "DTSTART:20150302T090000Z", "DURATION:PT1H"),
        event("d2", "Retreat", "DTSTART;TZID=Europe/Berlin:20261125T090000", "DURATION:P5D"),
        # an alarm's DURATION is how long it rings, not the event's length
        event("a", "Physio", "DTSTART:20261203T080000Z", "DTEND:20261203T090000Z",
              "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "DURATION:PT5M",
              "REPEAT:2", "END:VALARM"),
        "BEGIN:VTODO\nUID:t\nSUMMARY:Tax return\nDTSTART:20261204T080000Z\n"
        "DUE:20261204T170000Z\nEND:VTODO")
    assert intervals(busy(data)) == [
        (at("2026-11-29T00:00+01:00"), at("2026-11-30T09:00+01:00"), "Retreat"),
        (at("2026-11-30T20:00+01:00"), at("2026-11-30T21:00+01:00"), "Band"),
        (at("2026-12-03T09:00+01:00"), at("2026-12-03T10:00+01:00"), "Physio")]


def test_unmatched_begin_lines_are_left_for_icalendar_in_one_pass():
    # A lazy pattern up to the next END would have been quadratic in these lines.
    window = Window.around(date(2026, 11, 30), BERLIN)
    unmatched = b"BEGIN:VEVENT\r\n" * 20_000
    far = (b"BEGIN:VEVENT\r\nUID:f\r\nDTSTART:20150101T090000Z\r\nDTEND:20150101T100000Z"
           b"\r\nEND:VEVENT\r\n")
    data = b"BEGIN:VCALENDAR\r\n" + unmatched + far + b"END:VCALENDAR\r\n"
    assert near_the_week(window, data, 10_000) == (
        b"BEGIN:VCALENDAR\r\n" + unmatched + b"END:VCALENDAR\r\n")


# --- limits of one plan's busy time -------------------------------------------------

def _plan_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], request: dict,
                  *busy_options: str) -> str:
    """`plyoplan plan` on the request: exit 2 and the one sentence it printed."""
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request), encoding="utf-8")
    assert main(["plan", str(path), *busy_options]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    return err.strip().removeprefix("plyoplan: ")


def test_more_than_ten_calendars_in_a_request_is_refused_naming_the_field(tmp_path, capsys):
    request = {**example("office_worker"),
               "busy_calendars": [f"cal{n}.ics" for n in range(11)]}
    assert _plan_exits_2(tmp_path, capsys, request) == (
        f"{tmp_path / 'request.json'}: Field 'busy_calendars' may hold at most 10 items.")


def test_calendars_of_the_request_and_of_busy_options_count_together(tmp_path, capsys):
    # cal3 to cal5 are named in both places: 11 different calendars, not 12.
    request = {**example("office_worker"),
               "busy_calendars": [f"cal{n}.ics" for n in range(6)]}
    options = [arg for n in range(3, 11) for arg in ("--busy", str(tmp_path / f"cal{n}.ics"))]
    assert _plan_exits_2(tmp_path, capsys, request, *options) == (
        "Field 'busy_calendars' with --busy names 11 different calendars; plyoplan reads "
        "at most 10 for one week.")


def test_more_than_2000_busy_intervals_in_a_request_is_refused(tmp_path, capsys):
    one = {"start": "2026-12-01T12:00:00+01:00", "end": "2026-12-01T13:00:00+01:00"}
    request = {**example("office_worker"), "busy": [one] * 2001}
    assert _plan_exits_2(tmp_path, capsys, request) == (
        f"{tmp_path / 'request.json'}: Field 'busy' may hold at most 2,000 items.")


def test_busy_list_and_calendars_together_may_not_pass_2000_intervals(tmp_path, capsys):
    # Each part is within its limit; together they are not.
    typed = [{"start": f"2026-12-0{1 + n % 5}T0{n % 6}:{n % 60:02d}:00+01:00",
              "end": f"2026-12-0{1 + n % 5}T0{n % 6}:{n % 60:02d}:30+01:00"}
             for n in range(1995)]
    evenings = [event(f"e{n}", "Choir", f"DTSTART:202612{n + 1:02d}T190000Z",
                      f"DTEND:202612{n + 1:02d}T200000Z") for n in range(6)]
    (tmp_path / "choir.ics").write_bytes(ics(*evenings))
    request = {**example("office_worker"), "busy": typed, "busy_calendars": ["choir.ics"]}
    assert _plan_exits_2(tmp_path, capsys, request) == (
        "Fields 'busy' and 'busy_calendars' add up to 2,001 busy intervals in the week of "
        "2026-11-30; plyoplan plans around at most 2,000.")
