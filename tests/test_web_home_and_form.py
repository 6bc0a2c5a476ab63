"""The runner's home link and the whole request in the form, through the real app:
every form problem at once, an uploaded calendar kept after an error, one length per
session, and a home link that is private, uncached and replaceable."""

from __future__ import annotations

import re
from datetime import date

from scheduler.core.domain import Schedule
from tests.live_server import create
from tests.oracle import assert_valid
from tests.weeks import example
from web.forms import default_form, form_to_request

CALENDAR = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
            "UID:1@t\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261201T170000Z\r\n"
            "DTEND:20261201T190000Z\r\nSUMMARY:Choir\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def form(**changes: str) -> dict[str, str]:
    values = default_form(date(2026, 11, 25)).values
    return {**values, "timezone": "Europe/Berlin", **changes}


def test_every_form_problem_is_listed_at_once():
    request, errors = form_to_request(form(avail_tue="6-7", week_start="2026-12-01",
                                           busy_events="tomorrow at noon",
                                           minutes_easy="40, 50, 60"))
    assert request is None
    assert errors == [
        "Tuesday free time: write each window as HH:MM-HH:MM, separated by commas "
        "(got '6-7').",
        "Easy run minutes: give one number for all 2 sessions or one each, separated by "
        "commas (got '40, 50, 60').",
        "Busy times: write each line as YYYY-MM-DD HH:MM-HH:MM and what it is "
        "(got 'tomorrow at noon').",
        "Week starting: 2026-12-01 is a Tuesday; a week starts on a Monday.",
    ]


def test_the_form_says_what_the_request_can():
    request, errors = form_to_request(form(
        minutes_easy="40, 60", busy_events="2026-12-01 12:00-13:00 dentist",
        time_tempo="evening", long_sat="", long_sun="on", runs_per_day="2",
        count_strength="1", plyo_gap_hours="72", weekly_contacts_cap="90"))
    assert errors == [] and request is not None
    assert [w.minutes for w in request.sessions if w.kind == "easy"] == [40, 60]
    assert [w.kind.value for w in request.sessions].count("strength") == 1
    [busy] = request.busy
    assert (busy.summary, busy.start.isoformat()) == ("dentist", "2026-12-01T12:00:00+01:00")
    assert request.preferences.long_run_days == ["sun"]
    assert request.preferences.time_of_day == {"tempo": "evening"}
    assert (request.rules.runs_per_day, request.rules.plyo_gap_hours,
            request.rules.weekly_contacts_cap) == (2, 72, 90)


def test_an_uploaded_calendar_is_kept_when_the_form_has_errors(client):
    page = client.post("/plans", data=form(name="Cleo", avail_mon="nope"),
                       files={"busy_file": ("choir.ics", CALENDAR, "text/calendar")})
    assert page.status_code == 422
    assert "Kept from before: <strong>choir.ics</strong>" in page.text
    kept = re.search(r'name="kept_calendar" value="([^"]*)"', page.text)
    assert kept and "SUMMARY:Choir" in kept.group(1).replace("&#13;", "\r")
    again = client.post("/plans", data=form(name="Cleo", week_start="2026-11-30",
                                            kept_calendar=CALENDAR,
                                            kept_calendar_name="choir.ics"))
    assert again.status_code == 303
    plan_id = again.headers["location"].split("/plans/")[1].split("?")[0]
    schedule = Schedule.model_validate(client.get(f"/api/plans/{plan_id}").json()["schedule"])
    assert_valid(schedule)
    assert schedule.request and [b.summary for b in schedule.request.busy] == ["Choir"]


def test_the_home_link_is_private_uncached_and_replaceable(client):
    body = create(client, example("beginner"))
    page = client.get(f"/plans/{body['id']}")
    home = re.search(r'href="(/r/[^"]+)" id="home-link"', page.text)
    assert home
    listed = client.get(home.group(1))
    assert listed.status_code == 200
    assert listed.headers["cache-control"] == "no-store"
    assert f'href="/plans/{body["id"]}"' in listed.text
    moved = client.post(home.group(1) + "/new-link")
    assert moved.status_code == 303 and moved.headers["location"] != home.group(1)
    assert client.get(home.group(1)).status_code == 404
    assert client.get(moved.headers["location"]).status_code == 200
