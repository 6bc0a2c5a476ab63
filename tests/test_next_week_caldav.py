"""A week planned after one whose busy time came from a CalDAV collection reads that
collection again for the new week (a real Radicale, authentication on), through the
page's button and the Sunday-night roll-over alike, and the new week is followed by the
sync as the first was, and a block's later weeks read it for each week; the password
stays encrypted throughout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import caldav
import pytest

from scheduler.core.domain import Schedule
from tests.live_server import LiveServer, create, serve_in_thread
from tests.oracle import assert_valid
from tests.radicale_server import PASSWORD, USER, Radicale
from tests.weeks import example
from web.db import make_engine
from web.rollover import roll_week
from web.secrets import configure
from web.settings import WebSettings
from web.sync import sources_of
from web.training import block_for_plan

BERLIN = ZoneInfo("Europe/Berlin")
# Choir every Wednesday 18:00-19:30 Berlin, and a one-off board meeting in the second week
# only (Tuesday 8 December 17:00-20:00): a reading of the first week cannot know it.


def event(uid: str, start: str, end: str, summary: str, extra: str = "") -> str:
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//plyoplan tests//EN", "BEGIN:VEVENT",
        f"UID:{uid}", "DTSTAMP:20261101T000000Z", f"DTSTART;TZID=Europe/Berlin:{start}",
        f"DTEND;TZID=Europe/Berlin:{end}", *([extra] if extra else []),
        f"SUMMARY:{summary}", "END:VEVENT", "END:VCALENDAR", ""])


EVENTS = [event("choir@x", "20261104T180000", "20261104T193000", "Choir",
                "RRULE:FREQ=WEEKLY;BYDAY=WE"),
          event("board@x", "20261208T170000", "20261208T200000", "Board meeting")]
SECOND_MONDAY = date(2026, 12, 7)


@pytest.fixture(scope="module")
def collection(radicale: Radicale) -> str:
    return radicale.collection("evenings", *EVENTS)


@pytest.fixture
def server(tmp_path) -> Iterator[LiveServer]:
    with serve_in_thread(tmp_path / "plyoplan.db", data_dir=tmp_path,
                         allow_private_calendar_urls=True) as live:
        yield live


def first_week(server: LiveServer, url: str) -> dict:
    with server.client() as client:
        return create(client, {**example("office_worker"), "busy_calendars": [
            {"caldav": url, "username": USER, "password": PASSWORD}]})


def busy_from(schedule: Schedule, url: str) -> set[tuple[datetime, datetime, str]]:
    assert schedule.request is not None
    return {(b.start.astimezone(BERLIN).replace(tzinfo=None),
             b.end.astimezone(BERLIN).replace(tzinfo=None), b.summary)
            for b in schedule.request.busy if b.calendar == f"caldav:{url}"}


EXPECTED = {
    (datetime(2026, 12, 8, 17), datetime(2026, 12, 8, 20), "Board meeting"),
    (datetime(2026, 12, 9, 18), datetime(2026, 12, 9, 19, 30), "Choir"),
}


def test_the_button_reads_the_collection_again_for_the_new_week(server, collection):
    first = first_week(server, collection)
    with server.client() as client:
        answer = client.post(f"/api/plans/{first['id']}/next-week")
    assert answer.status_code == 201, answer.text
    assert PASSWORD not in answer.text
    second = Schedule.model_validate(answer.json()["schedule"])
    assert second.week_start == SECOND_MONDAY
    assert busy_from(second, collection) == EXPECTED
    assert_valid(second)  # no session on the board meeting or the choir
    # the new week is remembered with the collection, so the background sync follows it
    rows = sources_of(make_engine(f"sqlite:///{server.database}"), answer.json()["id"], None)
    assert [(r.url, r.username, r.secret is not None) for r in rows] == [
        (collection, USER, True)]
    assert PASSWORD.encode() not in server.database.read_bytes()


def test_the_roll_over_reads_the_collection_again_too(server, collection):
    first = first_week(server, collection)
    settings = WebSettings(data_dir=server.database.parent, allow_private_calendar_urls=True)
    rolled = list(roll_week(f"sqlite:///{server.database}", SECOND_MONDAY,
                            private_calendars=True, settings=settings))
    assert [(r.after_plan_id, r.outcome, r.notes, r.reason) for r in rolled] == [
        (first["id"], "planned", (), "")]
    with server.client() as client:
        second = Schedule.model_validate(
            client.get(f"/api/plans/{rolled[0].plan_id}").json()["schedule"])
    assert busy_from(second, collection) == EXPECTED
    assert_valid(second)


def test_a_collection_gone_by_sunday_gives_last_weeks_busy_time_a_week_on(server, radicale):
    url = radicale.collection("gone", *EVENTS)
    first = first_week(server, url)
    with caldav.DAVClient(url=url, username=USER, password=PASSWORD) as client:
        client.calendar(url=url).delete()
    settings = WebSettings(data_dir=server.database.parent, allow_private_calendar_urls=True)
    [rolled] = roll_week(f"sqlite:///{server.database}", SECOND_MONDAY,
                         private_calendars=True, settings=settings)
    assert (rolled.after_plan_id, rolled.outcome) == (first["id"], "planned")
    [note] = rolled.notes
    assert note.startswith(f"Your calendar {url} could not be read")
    assert "1 busy time(s) it showed for the week of 2026-11-30" in note
    with server.client() as client:
        second = Schedule.model_validate(
            client.get(f"/api/plans/{rolled.plan_id}").json()["schedule"])
    # the choir of the first week, a week on; the board meeting was never read
    assert busy_from(second, url) == {
        (datetime(2026, 12, 9, 18), datetime(2026, 12, 9, 19, 30), "Choir")}
    assert_valid(second)


def test_a_blocks_later_weeks_read_the_collection_for_each_week(server, collection):
    first = first_week(server, collection)
    engine = make_engine(f"sqlite:///{server.database}")
    configure(engine, WebSettings(data_dir=server.database.parent,
                                  allow_private_calendar_urls=True))
    _stored, block = block_for_plan(engine, first["id"], 3, private_calendars=True)
    second, third = block.weeks[1:]
    assert second.week_start == SECOND_MONDAY
    assert busy_from(second, collection) == EXPECTED
    assert busy_from(third, collection) == {  # the board met once; the choir sings on
        (datetime(2026, 12, 16, 18), datetime(2026, 12, 16, 19, 30), "Choir")}
    for week in block.weeks:
        assert_valid(week)
