"""Busy time read from real calendar exports and from small hand-written calendars.

Every expected interval below was worked out by reading the .ics file by hand (RRULE,
EXDATE, zone rules) and is written as a literal instant with its UTC offset, never
computed by the code under test.
"""

from __future__ import annotations

import http.server
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.calendars.read import (
    BusyEvent,
    BusyOptions,
    BusyReading,
    CalendarError,
    format_busy,
    load_calendar_bytes,
    merge_busy,
    read_busy,
)
from tests.calendar_text import BERLIN, REAL_CALENDARS, at, busy, event, ics, intervals

DEFAULT = BusyOptions()
ALL_DAY = BusyOptions(all_day_blocks=True)
NO_TENTATIVE = BusyOptions(tentative_blocks=False)


def read(name: str, monday: str, zone: str,
         options: BusyOptions = DEFAULT) -> BusyReading:
    return read_busy(str(REAL_CALENDARS / name), week_start=date.fromisoformat(monday),
                     tz=ZoneInfo(zone), options=options)


# --- real exports, one pinned week (or more) per file --------------------------------

def test_google_dst_file_week_before_the_spring_change():
    # Week 25-31 Mar 2019; clocks change on Sun 31 Mar; window runs Sun 24 Mar - Mon 1 Apr.
    assert intervals(read("google_machbar_dst.ics", "2019-03-25", "Europe/Berlin")) == [
        (at("2019-03-27T19:00+01:00"), at("2019-03-27T21:00+01:00"), "Chaostreff - CCCP"),
        (at("2019-03-28T08:30+01:00"), at("2019-03-28T14:30+01:00"),
         "Montessori Schulklasse"),
        (at("2019-03-28T15:00+01:00"), at("2019-03-28T17:00+01:00"),
         "#TEC - für Jugendliche"),
        (at("2019-03-28T18:00+01:00"), at("2019-03-28T20:00+01:00"), "OpenLab"),
        (at("2019-03-29T08:30+01:00"), at("2019-03-29T14:30+01:00"),
         "Montessori Schulklasse"),
    ]


def test_google_dst_file_week_after_the_change_keeps_local_times():
    # Same weekly series an hour earlier in UTC; the fortnightly Tuesday pair
    # (Plenum 17-19, OK Lab 19-21) touches and is merged.
    assert intervals(read("google_machbar_dst.ics", "2019-04-01", "Europe/Berlin")) == [
        (at("2019-04-02T17:00+02:00"), at("2019-04-02T21:00+02:00"),
         "machBar Plenum + OK Lab"),
        (at("2019-04-03T19:00+02:00"), at("2019-04-03T21:00+02:00"), "Chaostreff - CCCP"),
        (at("2019-04-04T08:30+02:00"), at("2019-04-04T14:30+02:00"),
         "Montessori Schulklasse"),
        (at("2019-04-04T15:00+02:00"), at("2019-04-04T17:00+02:00"),
         "#TEC - für Jugendliche"),
        (at("2019-04-04T18:00+02:00"), at("2019-04-04T20:00+02:00"), "OpenLab"),
        (at("2019-04-05T08:30+02:00"), at("2019-04-05T14:30+02:00"),
         "Montessori Schulklasse"),
    ]


def test_google_file_exdates_multi_day_events_and_clipping():
    # Thu 7 and Fri 8 Mar Montessori are EXDATEs; the HACKademy weekend events are
    # written in UTC and span days; the one ending Sun 3 Mar is clipped at the window
    # start (Sun 00:00); the COUNT=6 "freie Termine" series reaches Mon 11 Mar.
    assert intervals(read("google_machbar_dst.ics", "2019-03-04", "Europe/Berlin")) == [
        (at("2019-03-03T00:00+01:00"), at("2019-03-03T18:00+01:00"),
         "Open Health HACKademy"),
        (at("2019-03-04T14:00+01:00"), at("2019-03-04T18:00+01:00"),
         "Open Health HACKademy - freie Termine"),
        (at("2019-03-05T14:00+01:00"), at("2019-03-05T21:00+01:00"),
         "Open Health HACKademy - freie Termine + machBar Plenum + OK Lab"),
        (at("2019-03-06T14:00+01:00"), at("2019-03-06T18:00+01:00"),
         "Open Health HACKademy - freie Termine"),
        (at("2019-03-06T19:00+01:00"), at("2019-03-06T21:00+01:00"), "Chaostreff - CCCP"),
        (at("2019-03-07T15:00+01:00"), at("2019-03-07T17:00+01:00"),
         "#TEC - für Jugendliche"),
        (at("2019-03-07T18:00+01:00"), at("2019-03-07T20:00+01:00"), "OpenLab"),
        (at("2019-03-09T09:30+01:00"), at("2019-03-10T17:00+01:00"),
         "Open Health HACKademy"),
        (at("2019-03-11T14:00+01:00"), at("2019-03-11T18:00+01:00"),
         "Open Health HACKademy - freie Termine"),
    ]


def test_google_public_holidays_are_transparent_and_never_block():
    raw = (REAL_CALENDARS / "google_us_holidays.ics").read_text()
    assert "DTSTART;VALUE=DATE:20231110" in raw  # Veterans Day (substitute) is this week
    for options in (DEFAULT, ALL_DAY):
        assert intervals(read("google_us_holidays.ics", "2023-11-06", "America/New_York",
                              options)) == []


def test_outlook_opaque_busy_holidays_block_only_with_all_day_blocks():
    assert intervals(read("outlook12_germany_holidays.ics", "2019-04-15",
                          "Europe/Berlin")) == []
    assert intervals(read("outlook12_germany_holidays.ics", "2019-04-15", "Europe/Berlin",
                          ALL_DAY)) == [
        (at("2019-04-19T00:00+02:00"), at("2019-04-20T00:00+02:00"), "Germany: Good Friday"),
        (at("2019-04-22T00:00+02:00"), at("2019-04-23T00:00+02:00"),
         "Germany: Easter Monday"),
    ]


def test_exchange_free_transparent_all_day_series_never_blocks():
    raw = (REAL_CALENDARS / "exchange_issue28.ics").read_text()
    assert "DTSTART;VALUE=DATE:20200417" in raw  # a moved bin day falls in this week
    for options in (DEFAULT, ALL_DAY):
        assert intervals(read("exchange_issue28.ics", "2020-04-13", "Europe/London",
                              options)) == []


def test_exchange_windows_zone_name_reads_british_summer_time():
    # A timed event in the file's "GMT Standard Time" (UK time; BST from the last Sunday
    # of March, as its VTIMEZONE also says): 09:30 on Thu 16 Apr 2020 is 08:30 UTC.
    raw = (REAL_CALENDARS / "exchange_issue28.ics").read_bytes()
    meeting = event("gmt-1", "Depot meeting",
                    "DTSTART;TZID=GMT Standard Time:20200416T093000",
                    "DTEND;TZID=GMT Standard Time:20200416T103000")
    data = raw.replace(b"END:VCALENDAR", meeting.replace("\n", "\r\n").encode()
                       + b"\r\nEND:VCALENDAR")
    assert intervals(busy(data, "2020-04-13", ZoneInfo("UTC"))) == [
        (at("2020-04-16T08:30+00:00"), at("2020-04-16T09:30+00:00"), "Depot meeting"),
    ]


def test_fastmail_tzid_without_vtimezone_and_duplicated_rrule():
    # Europe/London has no VTIMEZONE in the file; Thu 30 Mar 2023 is in BST.
    assert intervals(read("fastmail_cyrus_duplicated_rrule.ics", "2023-03-27",
                          "Europe/London")) == [
        (at("2023-03-30T10:00+01:00"), at("2023-03-30T12:00+01:00"), "My repeating event"),
    ]
    # Read by a runner in Berlin: the same instants.
    assert intervals(read("fastmail_cyrus_duplicated_rrule.ics", "2023-03-27",
                          "Europe/Berlin")) == [
        (at("2023-03-30T11:00+02:00"), at("2023-03-30T13:00+02:00"), "My repeating event"),
    ]


def test_fastmail_duplicated_rrule_still_stops_after_count():
    # COUNT=20 from Thu 12 Jan 2023: the last one is Thu 25 May.
    assert intervals(read("fastmail_cyrus_duplicated_rrule.ics", "2023-05-22",
                          "Europe/London")) == [
        (at("2023-05-25T10:00+01:00"), at("2023-05-25T12:00+01:00"), "My repeating event"),
    ]
    assert intervals(read("fastmail_cyrus_duplicated_rrule.ics", "2023-05-29",
                          "Europe/London")) == []


def test_sabredav_weekly_series_with_one_utc_exdate():
    # Mondays 00:30-01:00; EXDATE 20190310T233000Z is Mon 11 Mar 00:30 CET, and Mon 11
    # is inside this window (it ends Tue 12 Mar 00:00).
    assert intervals(read("sabredav_each_week_but_one_deleted.ics", "2019-03-04",
                          "Europe/Berlin")) == [
        (at("2019-03-04T00:30+01:00"), at("2019-03-04T01:00+01:00"), "test6"),
    ]


def test_sabredav_edited_instance_replaces_the_original():
    assert intervals(read("sabredav_three_events_one_edited.ics", "2019-03-18",
                          "Europe/Berlin")) == [
        (at("2019-03-18T04:00+01:00"), at("2019-03-18T05:00+01:00"), "test7"),
        (at("2019-03-19T04:00+01:00"), at("2019-03-19T05:00+01:00"), "test7 - edited"),
        (at("2019-03-20T04:00+01:00"), at("2019-03-20T05:00+01:00"), "test7"),
    ]


def test_thunderbird_cancelled_instance_is_free():
    assert intervals(read("thunderbird_cancel_status.ics", "2020-01-27",
                          "Europe/Berlin")) == [
        (at("2020-01-28T22:00+01:00"), at("2020-01-28T23:00+01:00"), "one is cancelled"),
        (at("2020-01-30T22:00+01:00"), at("2020-01-30T23:00+01:00"), "one is cancelled"),
    ]


def test_icloud_daily_series_and_multi_day_all_day_events():
    daily = [(at(f"2023-10-{day:02d}T09:00-07:00"), at(f"2023-10-{day:02d}T10:00-07:00"),
              "Daily") for day in range(8, 17)]
    assert intervals(read("icloud_apple_ical.ics", "2023-10-09",
                          "America/Los_Angeles")) == daily
    # With all_day_blocks the two multi-day events (11-12 and 15-17 Oct) swallow the
    # daily meeting on those days; the second is clipped at the window end.
    assert intervals(read("icloud_apple_ical.ics", "2023-10-09", "America/Los_Angeles",
                          ALL_DAY)) == [
        *daily[:3],
        (at("2023-10-11T00:00-07:00"), at("2023-10-13T00:00-07:00"),
         "Multi-day event + Daily"),
        *daily[5:7],
        (at("2023-10-15T00:00-07:00"), at("2023-10-17T00:00-07:00"),
         "Multi-day event + Daily"),
    ]


def test_o365_windows_zone_name_gives_summer_and_winter_offsets():
    # "Central European Standard Time": +02:00 in May, +01:00 in January.
    assert intervals(read("o365_custom_timezone.ics", "2024-04-29", "Europe/Warsaw")) == [
        (at("2024-05-02T11:00+02:00"), at("2024-05-02T12:00+02:00"), "Zajęty"),
    ]
    assert intervals(read("o365_custom_timezone.ics", "2025-01-13", "Europe/Warsaw")) == [
        (at("2025-01-14T15:00+01:00"), at("2025-01-14T16:00+01:00"), "Wstępna akceptacja"),
    ]


def test_o365_tentative_series_is_free_without_tentative_blocks():
    assert intervals(read("o365_custom_timezone.ics", "2025-01-13", "Europe/Warsaw",
                          NO_TENTATIVE)) == []


def test_o365_exdate_list_removes_the_new_years_eve_instance():
    # Fortnightly Tuesdays: 17 Dec 2024 is there, 31 Dec 2024 is an EXDATE.
    assert intervals(read("o365_custom_timezone.ics", "2024-12-16", "Europe/Warsaw")) == [
        (at("2024-12-17T15:00+01:00"), at("2024-12-17T16:00+01:00"), "Wstępna akceptacja"),
    ]
    assert intervals(read("o365_custom_timezone.ics", "2024-12-30", "Europe/Warsaw")) == []


def test_o365_customized_time_zone_uses_its_own_rule():
    # The file's "Customized Time Zone" leaves summer time on the 4th Sunday of October.
    # In 2023 that is the 22nd, a week before Europe's real change (the 29th), so on
    # Tue 24 Oct 10:00 is +01:00 there, where any IANA European zone would say +02:00.
    raw = (REAL_CALENDARS / "o365_custom_timezone.ics").read_bytes()
    assert b"BYDAY=4SU;BYMONTH=10" in raw
    meetings = "\r\n".join([
        event("custom-1", "After its change",
              "DTSTART;TZID=Customized Time Zone:20231024T100000",
              "DTEND;TZID=Customized Time Zone:20231024T110000"),
        event("custom-2", "Before its change",
              "DTSTART;TZID=Customized Time Zone:20231020T100000",
              "DTEND;TZID=Customized Time Zone:20231020T110000"),
    ]).replace("\n", "\r\n")
    data = raw.replace(b"END:VCALENDAR", meetings.encode() + b"\r\nEND:VCALENDAR")
    utc = ZoneInfo("UTC")
    assert intervals(busy(data, "2023-10-23", utc)) == [
        (at("2023-10-24T09:00+00:00"), at("2023-10-24T10:00+00:00"), "After its change"),
    ]
    assert intervals(busy(data, "2023-10-16", utc)) == [
        (at("2023-10-20T08:00+00:00"), at("2023-10-20T09:00+00:00"), "Before its change"),
    ]


def test_zimbra_vfreebusy_periods_are_busy_in_the_runners_zone():
    # The UTC periods from Sun 20 Apr 07:00Z to Tue 29 Apr 07:00Z (Vancouver midnights).
    reading = read("zimbra_vfreebusy.ics", "2014-04-21", "America/Vancouver")
    spans = [
        ("21", "14:00", "14:30"), ("23", "11:00", "12:00"), ("23", "13:00", "14:00"),
        ("23", "15:35", "16:15"), ("24", "08:50", "09:55"), ("24", "10:00", "11:30"),
        ("24", "12:50", "16:00"), ("25", "07:45", "09:15"), ("25", "11:00", "12:45"),
        ("25", "15:30", "16:00"), ("28", "08:15", "09:30"), ("28", "10:00", "10:30"),
        ("28", "12:55", "14:30"), ("28", "16:10", "16:40"),
    ]
    assert intervals(reading) == [
        (at(f"2014-04-{day}T{start}-07:00"), at(f"2014-04-{day}T{end}-07:00"), "Busy")
        for day, start, end in spans
    ]
    vancouver = ZoneInfo("America/Vancouver")
    assert all(e.start.tzinfo is vancouver and e.end.tzinfo is vancouver
               for e in reading.events)


def test_davx5_folded_utc_exdates_and_duration():
    # Tuesdays 16:15 for PT1H30M; 17 Dec is in the folded EXDATE list, 10 Dec is not.
    assert intervals(read("davx5_exdate.ics", "2019-12-09", "Europe/Berlin")) == [
        (at("2019-12-10T16:15+01:00"), at("2019-12-10T17:45+01:00"), "Test"),
    ]
    assert intervals(read("davx5_exdate.ics", "2019-12-16", "Europe/Berlin")) == []
    # 22 Oct (written 14:15Z, summer time) is excluded; 29 Oct is after the change.
    assert intervals(read("davx5_exdate.ics", "2019-10-21", "Europe/Berlin")) == []
    assert intervals(read("davx5_exdate.ics", "2019-10-28", "Europe/Berlin")) == [
        (at("2019-10-29T16:15+01:00"), at("2019-10-29T17:45+01:00"), "Test"),
    ]


def test_every_real_calendar_has_a_pinned_week():
    # A calendar added to tests/data/calendars fails here until a test above reads it.
    source = Path(__file__).read_text(encoding="utf-8")
    names = sorted(p.name for p in REAL_CALENDARS.glob("*.ics"))
    assert len(names) >= 12
    assert [name for name in names if f'read("{name}"' not in source] == []


def test_every_real_calendar_says_where_it_came_from():
    notice = (REAL_CALENDARS / "NOTICE.md").read_text(encoding="utf-8")
    listed = {line.split("|")[1].strip() for line in notice.splitlines()
              if line.startswith("| ") and line.split("|")[1].strip().endswith(".ics")}
    assert listed == {p.name for p in REAL_CALENDARS.glob("*.ics")}


# --- hand-written calendars -------------------------------------------------------------

def test_floating_time_is_read_in_the_runners_zone():
    data = ics(event("f", "Physio", "DTSTART:20261201T090000", "DTEND:20261201T100000"))
    assert intervals(busy(data)) == [
        (at("2026-12-01T09:00+01:00"), at("2026-12-01T10:00+01:00"), "Physio")]
    assert intervals(busy(data, tz=ZoneInfo("America/New_York"))) == [
        (at("2026-12-01T09:00-05:00"), at("2026-12-01T10:00-05:00"), "Physio")]


def test_multi_day_timed_event_blocks_its_whole_span():
    data = ics(event("m", "Conference", "DTSTART;TZID=Europe/Berlin:20261204T180000",
                     "DTEND;TZID=Europe/Berlin:20261206T120000"))
    assert intervals(busy(data)) == [
        (at("2026-12-04T18:00+01:00"), at("2026-12-06T12:00+01:00"), "Conference")]


def test_overlapping_duplicates_and_touching_events_merge():
    data = ics(
        event("a", "Team meeting", "DTSTART:20261201T080000Z", "DTEND:20261201T090000Z"),
        event("b", "Team meeting", "DTSTART:20261201T080000Z", "DTEND:20261201T090000Z"),
        event("c", "Lunch", "DTSTART:20261201T083000Z", "DTEND:20261201T100000Z"),
        event("d", "Review", "DTSTART:20261201T100000Z", "DTEND:20261201T103000Z"),
        event("e", "Gym", "DTSTART:20261201T110000Z", "DTEND:20261201T120000Z"),
    )
    assert intervals(busy(data)) == [
        (at("2026-12-01T09:00+01:00"), at("2026-12-01T11:30+01:00"),
         "Team meeting + Lunch + Review"),
        (at("2026-12-01T12:00+01:00"), at("2026-12-01T13:00+01:00"), "Gym"),
    ]


def test_free_transparent_and_cancelled_events_do_not_block():
    data = ics(
        event("t", "Focus time", "TRANSP:TRANSPARENT",
              "DTSTART:20261201T080000Z", "DTEND:20261201T090000Z"),
        event("f", "Optional talk", "X-MICROSOFT-CDO-BUSYSTATUS:FREE",
              "DTSTART:20261202T080000Z", "DTEND:20261202T090000Z"),
        event("c", "Called off", "STATUS:CANCELLED",
              "DTSTART:20261203T080000Z", "DTEND:20261203T090000Z"),
        event("o", "Dentist", "TRANSP:OPAQUE", "STATUS:CONFIRMED",
              "DTSTART:20261204T080000Z", "DTEND:20261204T090000Z"),
    )
    assert intervals(busy(data)) == [
        (at("2026-12-04T09:00+01:00"), at("2026-12-04T10:00+01:00"), "Dentist")]


def test_tentative_events_block_unless_turned_off():
    data = ics(event("t", "Maybe sync", "STATUS:TENTATIVE",
                     "DTSTART:20261201T080000Z", "DTEND:20261201T090000Z"))
    assert intervals(busy(data)) == [
        (at("2026-12-01T09:00+01:00"), at("2026-12-01T10:00+01:00"), "Maybe sync")]
    assert intervals(busy(data, options=NO_TENTATIVE)) == []


def test_all_day_events_block_only_when_out_of_office_or_asked():
    data = ics(
        event("oof", "Away", "X-MICROSOFT-CDO-BUSYSTATUS:OOF",
              "DTSTART;VALUE=DATE:20261201", "DTEND;VALUE=DATE:20261202"),
        event("bday", "Birthday", "DTSTART;VALUE=DATE:20261203"),
        event("free", "Bin day", "TRANSP:TRANSPARENT", "DTSTART;VALUE=DATE:20261204"),
    )
    away = (at("2026-12-01T00:00+01:00"), at("2026-12-02T00:00+01:00"), "Away")
    assert intervals(busy(data)) == [away]
    assert intervals(busy(data, options=ALL_DAY)) == [
        away, (at("2026-12-03T00:00+01:00"), at("2026-12-04T00:00+01:00"), "Birthday")]


def test_all_day_events_cover_the_local_day_of_the_runner():
    data = ics(event("h", "Holiday", "DTSTART;VALUE=DATE:20261201",
                     "DTEND;VALUE=DATE:20261202"))
    assert intervals(busy(data, tz=ZoneInfo("Asia/Tokyo"), options=ALL_DAY)) == [
        (at("2026-12-01T00:00+09:00"), at("2026-12-02T00:00+09:00"), "Holiday")]


def test_vfreebusy_types():
    data = ics("""
        BEGIN:VFREEBUSY
        FREEBUSY:20261201T080000Z/PT1H
        FREEBUSY;FBTYPE=FREE:20261202T080000Z/20261202T090000Z
        FREEBUSY;FBTYPE=BUSY-TENTATIVE:20261203T080000Z/20261203T090000Z
        FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20261204T080000Z/20261204T090000Z,20261205T080000Z/PT30M
        END:VFREEBUSY
    """)
    tuesday = (at("2026-12-01T09:00+01:00"), at("2026-12-01T10:00+01:00"), "Busy")
    thursday = (at("2026-12-03T09:00+01:00"), at("2026-12-03T10:00+01:00"),
                "Busy (tentative)")
    rest = [(at("2026-12-04T09:00+01:00"), at("2026-12-04T10:00+01:00"), "Unavailable"),
            (at("2026-12-05T09:00+01:00"), at("2026-12-05T09:30+01:00"), "Unavailable")]
    assert intervals(busy(data)) == [tuesday, thursday, *rest]
    assert intervals(busy(data, options=NO_TENTATIVE)) == [tuesday, *rest]


def test_windows_zone_name_without_vtimezone_maps_to_its_iana_zone():
    data = ics(event("w", "Board", "DTSTART;TZID=W. Europe Standard Time:20261201T100000",
                     "DTEND;TZID=W. Europe Standard Time:20261201T110000"))
    assert intervals(busy(data, tz=ZoneInfo("UTC"))) == [
        (at("2026-12-01T09:00+00:00"), at("2026-12-01T10:00+00:00"), "Board")]


def test_same_custom_tzid_in_two_calendars_keeps_each_definition():
    # icalendar caches VTIMEZONEs process-wide by TZID; each calendar must use its own.
    def calendar(offset: str) -> bytes:
        return ics(f"""
            BEGIN:VTIMEZONE
            TZID:Customized Time Zone
            BEGIN:STANDARD
            DTSTART:16010101T000000
            TZOFFSETFROM:{offset}
            TZOFFSETTO:{offset}
            END:STANDARD
            END:VTIMEZONE
        """, event("x", "Call", "DTSTART;TZID=Customized Time Zone:20261201T100000",
                   "DTEND;TZID=Customized Time Zone:20261201T110000"))

    utc = ZoneInfo("UTC")
    assert intervals(busy(calendar("+0500"), tz=utc)) == [
        (at("2026-12-01T05:00+00:00"), at("2026-12-01T06:00+00:00"), "Call")]
    assert intervals(busy(calendar("-0300"), tz=utc)) == [
        (at("2026-12-01T13:00+00:00"), at("2026-12-01T14:00+00:00"), "Call")]


def test_x_wr_timezone_keeps_a_utc_written_series_at_its_local_time():
    # Google writes the start in UTC (07:30Z = 08:30 CET) and means 08:30 Berlin time
    # every week, also after the change to summer time on 29 Mar 2026.
    series = event("g", "School run", "DTSTART:20260305T073000Z",
                   "DTEND:20260305T080000Z", "RRULE:FREQ=WEEKLY")
    data = ics(series, header="X-WR-TIMEZONE:Europe/Berlin")
    assert intervals(busy(data, "2026-03-30")) == [
        (at("2026-04-02T08:30+02:00"), at("2026-04-02T09:00+02:00"), "School run")]
    # Without X-WR-TIMEZONE the UTC time is what counts.
    assert intervals(busy(ics(series), "2026-03-30")) == [
        (at("2026-04-02T09:30+02:00"), at("2026-04-02T10:00+02:00"), "School run")]


def test_unknown_x_wr_timezone_is_a_warning():
    data = ics(event("g", "Run club", "DTSTART:20261201T170000Z", "DTEND:20261201T180000Z"),
               header="X-WR-TIMEZONE:Mars/Olympus_Mons")
    reading = busy(data, label="club.ics")
    assert [(e.start, e.end) for e in reading.events] == [
        (at("2026-12-01T18:00+01:00"), at("2026-12-01T19:00+01:00"))]
    assert reading.warnings == [
        "Calendar 'club.ics' names an unknown X-WR-TIMEZONE 'Mars/Olympus_Mons'; "
        "its times were read as written."]


def test_broken_events_are_warnings_and_the_rest_is_used():
    data = ics(
        event("bad-start", "Bad start", "DTSTART:2026XX01T100000", "DTEND:20261201T110000"),
        event("reversed", "Reversed", "DTSTART:20261201T120000Z", "DTEND:20261201T110000Z"),
        event("bad-rule", "Bad rule", "DTSTART:20261202T120000Z", "DTEND:20261202T130000Z",
              "RRULE:FREQ=SOMETIMES"),
        event("no-start", "No start", "DTEND:20261202T130000Z"),
        event("good", "Good", "DTSTART:20261203T120000Z", "DTEND:20261203T130000Z"),
    )
    reading = busy(data, label="work.ics")
    assert [(e.start, e.end, e.summary) for e in reading.events] == [
        (at("2026-12-03T13:00+01:00"), at("2026-12-03T14:00+01:00"), "Good")]
    assert len(reading.warnings) == 4
    assert reading.warnings[1] == (
        "Event 'Reversed' (UID reversed) in 'work.ics' was skipped: it ends before it starts.")
    for warning, uid, summary, reason in zip(
            reading.warnings,
            ["bad-start", "reversed", "bad-rule", "no-start"],
            ["Bad start", "Reversed", "Bad rule", "No start"],
            ["DTSTART could not be read", "ends before it starts", "RRULE could not be read",
             "no start time"], strict=True):
        assert f"'{summary}' (UID {uid}) in 'work.ics'" in warning
        assert reason in warning


def test_unbounded_daily_series_from_1990_gives_the_mornings_of_the_week():
    # How long it takes is measured in benchmarks/bench_calendars.py, not here.
    data = ics(event("d", "Stand-up", "DTSTART;TZID=Europe/Berlin:19900101T091500",
                     "DTEND;TZID=Europe/Berlin:19900101T093000", "RRULE:FREQ=DAILY"))
    reading = busy(data)
    # Sun 29 Nov to Mon 7 Dec: nine mornings.
    assert intervals(reading) == [
        (at(f"2026-{m:02d}-{d:02d}T09:15+01:00"), at(f"2026-{m:02d}-{d:02d}T09:30+01:00"),
         "Stand-up") for m, d in [(11, 29), (11, 30)] + [(12, d) for d in range(1, 8)]]


def test_events_far_from_the_week_are_skipped_but_long_and_moved_ones_are_not():
    # Events that plainly cannot reach the week are dropped before parsing. These can,
    # although they start months away: a year-long event; the last 10-day instance of a
    # monthly series that ended (UNTIL) on 20 Nov; and an override that moves the Mon 30
    # Nov instance of a weekly series out of the week.
    data = ics(
        event("old", "Old", "DTSTART:20200101T100000Z", "DTEND:20200101T110000Z"),
        event("ended", "Ended", "DTSTART:20200106T100000Z", "DTEND:20200106T110000Z",
              "RRULE:FREQ=WEEKLY;UNTIL=20201231T000000Z"),
        event("later", "Later", "DTSTART:20300101T100000Z", "DTEND:20300101T110000Z",
              "RRULE:FREQ=DAILY"),
        event("trip", "Field trip", "DTSTART:20260120T080000Z", "DTEND:20260130T080000Z",
              "RRULE:FREQ=MONTHLY;UNTIL=20261120T080000Z"),
        event("s", "Weekly", "DTSTART:20260601T080000Z", "DTEND:20260601T090000Z",
              "RRULE:FREQ=WEEKLY"),
        event("s", "Weekly moved", "RECURRENCE-ID:20261130T080000Z",
              "DTSTART:20270301T080000Z", "DTEND:20270301T090000Z"),
        event("x", "Sabbatical", "DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:20270101"),
    )
    assert intervals(busy(data)) == [
        (at("2026-11-29T00:00+01:00"), at("2026-11-30T09:00+01:00"), "Field trip"),
        (at("2026-12-07T09:00+01:00"), at("2026-12-07T10:00+01:00"), "Weekly")]
    assert intervals(busy(data, options=ALL_DAY)) == [
        (at("2026-11-29T00:00+01:00"), at("2026-12-08T00:00+01:00"),
         "Field trip + Sabbatical + Weekly")]


def test_week_start_must_be_a_monday():
    with pytest.raises(ValueError, match="2026-12-01 is a Tuesday"):
        busy(ics(), "2026-12-01")


# --- files -----------------------------------------------------------------------------

def test_missing_file_names_the_file():
    with pytest.raises(CalendarError) as caught:
        read_busy("work.ics", week_start=date(2026, 11, 30), tz=BERLIN,
                  base_dir=Path("/nonexistent-plyoplan"))
    assert str(caught.value) == (
        "Calendar 'work.ics' was not found (looked for /nonexistent-plyoplan/work.ics).")


def test_relative_path_is_read_from_base_dir(tmp_path: Path):
    (tmp_path / "work.ics").write_bytes(
        ics(event("a", "Standup", "DTSTART:20261201T080000Z", "DTEND:20261201T081500Z")))
    reading = read_busy("work.ics", week_start=date(2026, 11, 30), tz=BERLIN,
                        base_dir=tmp_path)
    assert intervals(reading) == [
        (at("2026-12-01T09:00+01:00"), at("2026-12-01T09:15+01:00"), "Standup")]


def test_not_a_calendar_names_the_file(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("Buy new running shoes\n")
    with pytest.raises(CalendarError) as caught:
        read_busy("notes.txt", week_start=date(2026, 11, 30), tz=BERLIN, base_dir=tmp_path)
    assert str(caught.value) == "'notes.txt' is not an iCalendar file (no BEGIN:VCALENDAR)."


def test_file_over_the_size_cap_names_the_file(tmp_path: Path):
    (tmp_path / "big.ics").write_bytes(b"BEGIN:VCALENDAR\r\n" + b"X" * (10 * 1024 * 1024))
    with pytest.raises(CalendarError) as caught:
        load_calendar_bytes("big.ics", base_dir=tmp_path)
    assert str(caught.value) == "Calendar 'big.ics' is larger than the 10 MB limit."


# --- merging and the table -----------------------------------------------------------

def test_merge_busy_joins_overlaps_across_zones_and_keeps_titles_once():
    utc = ZoneInfo("UTC")
    merged = merge_busy([
        BusyEvent(datetime(2026, 12, 1, 10, tzinfo=BERLIN),
                  datetime(2026, 12, 1, 11, tzinfo=BERLIN), "B"),
        BusyEvent(datetime(2026, 12, 1, 8, tzinfo=utc), datetime(2026, 12, 1, 9, tzinfo=utc),
                  "A + B"),
        BusyEvent(datetime(2026, 12, 1, 13, tzinfo=BERLIN),
                  datetime(2026, 12, 1, 14, tzinfo=BERLIN), "C"),
    ])
    assert [(e.start, e.end, e.summary) for e in merged] == [
        (at("2026-12-01T09:00+01:00"), at("2026-12-01T11:00+01:00"), "A + B"),
        (at("2026-12-01T13:00+01:00"), at("2026-12-01T14:00+01:00"), "C"),
    ]


def test_busy_event_rejects_naive_or_empty_intervals():
    with pytest.raises(ValueError, match="timezone-aware"):
        BusyEvent(datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 10), "x")
    with pytest.raises(ValueError, match="end after it starts"):
        BusyEvent(at("2026-12-01T10:00+01:00"), at("2026-12-01T10:00+01:00"), "x")


def test_format_busy_prints_local_times_and_warnings():
    reading = BusyReading(
        events=[
            BusyEvent(at("2026-12-01T08:00+00:00"), at("2026-12-01T09:30+00:00"),
                      "Team meeting"),
            BusyEvent(at("2026-12-03T00:00+01:00"), at("2026-12-04T00:00+01:00"), "Away"),
            BusyEvent(at("2026-12-04T18:00+01:00"), at("2026-12-06T12:00+01:00"),
                      "Conference"),
        ],
        warnings=["Event 'X' in 'work.ics' was skipped: it ends before it starts."],
    )
    assert format_busy(reading, BERLIN) == "\n".join([
        "Tue 01 Dec 09:00–10:30               Team meeting",
        "Thu 03 Dec 00:00–24:00               Away",
        "Fri 04 Dec 18:00 – Sun 06 Dec 12:00  Conference",
        "",
        "Warnings:",
        "  - Event 'X' in 'work.ics' was skipped: it ends before it starts.",
    ])
    assert format_busy(BusyReading([], []), BERLIN) == "No busy time in this week."


# --- URLs, served from a real local server -------------------------------------------

HUGE_BYTES = 11 * 1024 * 1024


class _CalendarHandler(http.server.BaseHTTPRequestHandler):
    calendar = b""

    def do_GET(self) -> None:
        if self.path == "/work.ics":
            self._send(200, self.calendar)
        elif self.path == "/moved.ics":
            self.send_response(302)
            self.send_header("Location", "/work.ics")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/endless.ics":
            # No Content-Length: the client only learns the size by reading.
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"BEGIN:VCALENDAR\r\n" + b"X" * (64 * 1024 - 17)
            try:
                for _ in range(HUGE_BYTES // len(chunk) + 1):
                    self.wfile.write(chunk)
            except OSError:
                pass  # the client hung up once it had seen enough: that is the point
        else:
            self._send(404, b"not here")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(server: http.server.ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def http_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    _CalendarHandler.calendar = (REAL_CALENDARS / "thunderbird_cancel_status.ics").read_bytes()
    yield from _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CalendarHandler))


THUNDERBIRD_WEEK = [
    (at("2020-01-28T22:00+01:00"), at("2020-01-28T23:00+01:00"), "one is cancelled"),
    (at("2020-01-30T22:00+01:00"), at("2020-01-30T23:00+01:00"), "one is cancelled"),
]


def test_calendar_is_read_over_http_following_redirects(http_host: str):
    for path in ("work.ics", "moved.ics"):
        reading = read_busy(f"http://{http_host}/{path}", week_start=date(2020, 1, 27),
                            tz=BERLIN)
        assert intervals(reading) == THUNDERBIRD_WEEK


def test_http_404_names_the_url(http_host: str):
    url = f"http://{http_host}/missing.ics"
    with pytest.raises(CalendarError) as caught:
        load_calendar_bytes(url)
    assert str(caught.value) == f"Calendar '{url}' could not be fetched: HTTP 404."


def test_download_stops_at_the_size_cap(http_host: str):
    url = f"http://{http_host}/endless.ics"
    with pytest.raises(CalendarError) as caught:
        load_calendar_bytes(url)
    assert str(caught.value) == f"Calendar '{url}' is larger than the 10 MB limit."


def test_unreachable_url_is_a_calendar_error_without_the_password():
    with socket.socket() as probe:  # a port that nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CalendarError) as caught:
        load_calendar_bytes(f"http://ana:s3cret@127.0.0.1:{port}/work.ics")
    message = str(caught.value)
    assert message.startswith(f"Calendar 'http://***@127.0.0.1:{port}/work.ics' could not "
                              "be fetched: ")
    assert "s3cret" not in message


@pytest.fixture
def https_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A local HTTPS server with a throwaway certificate that httpx is told to trust."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make a certificate for the local HTTPS server")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    for name in ("HTTPS_PROXY", "ALL_PROXY", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    _CalendarHandler.calendar = (REAL_CALENDARS / "thunderbird_cancel_status.ics").read_bytes()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CalendarHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    yield from _serve(server)


def test_webcal_url_is_fetched_over_https(https_host: str):
    reading = read_busy(f"webcal://{https_host}/work.ics", week_start=date(2020, 1, 27),
                        tz=BERLIN)
    assert intervals(reading) == THUNDERBIRD_WEEK
