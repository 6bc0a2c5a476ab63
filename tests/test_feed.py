"""The calendar feed through the real app, parsed by the strict `ical` package and by
icalendar, compared event by event with the plan the API returns."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from scheduler.core.domain import Schedule
from tests.live_server import create, mark, serve_in_process
from tests.strict_ics import as_calendars_keep_it, extra_text, read_strictly
from tests.weeks import example
from web.db import make_engine
from web.feed import TokenLookup, render_feed

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BEFORE_THE_WEEK = "2026-11-29T12:00:00+01:00"


def strict_events(text: str) -> dict[str, Any]:
    """Events by UID, parsed by the strict `ical` package (raises on invalid input)."""
    calendar = IcsCalendarStream.calendar_from_ics(text)
    return {event.uid: event for event in calendar.events}


def test_the_feed_is_text_calendar_with_validators(client):
    body = create(client, example("office_worker"))
    response = client.get(body["feed_url"])  # in the second the plan was made
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["etag"].startswith('"')
    modified = parsedate_to_datetime(response.headers["last-modified"])
    assert modified <= parsedate_to_datetime(response.headers["date"])
    assert response.text.startswith("BEGIN:VCALENDAR\r\n")


@pytest.mark.parametrize("request_json", [
    example("office_worker"),
    example("shift_nurse"),
    example("advanced_two_plyo"),
    # A week across the end of daylight saving time in Berlin (Sun 25 Oct 2026).
    example("office_worker", week_start="2026-10-19", busy=[]),
], ids=["office_worker", "shift_nurse", "advanced_two_plyo", "dst_week"])
def test_the_feed_parses_strictly_and_every_event_matches_the_plan(client, request_json):
    body = create(client, request_json)
    schedule = Schedule.model_validate(body["schedule"])
    zone = request_json["runner"]["timezone"]
    text = client.get(body["feed_url"]).text

    strict = IcsCalendarStream.calendar_from_ics(text)
    assert strict.method is None
    assert strict.name == [f"plyoplan · {request_json['runner']['name']}"]
    assert strict.refresh_interval == timedelta(hours=1)
    assert [tz.tz_id for tz in strict.timezones] == [zone]
    events = {e.uid: e for e in strict.events}
    assert set(events) == {s.id for s in schedule.sessions}
    for session in schedule.sessions:
        event = events[session.id]
        assert event.dtstart == session.start and event.dtend == session.end
        assert str(event.dtstart.tzinfo) == zone  # a TZID, not a floating or UTC time
        assert event.sequence == session.sequence
        assert event.status.value == "CONFIRMED"
        assert event.dtstamp == event.last_modified

    loose = icalendar.Calendar.from_ical(text)
    assert "METHOD" not in loose
    assert [str(loose["X-WR-CALNAME"])] == strict.name
    assert str(loose["X-PUBLISHED-TTL"]) == "PT1H"
    assert loose["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text
    for event in loose.walk("VEVENT"):
        session = next(s for s in schedule.sessions if s.id == str(event["UID"]))
        assert event["DTSTART"].params["TZID"] == zone
        assert event.decoded("DTSTART") == session.start
        assert event.decoded("DTEND") == session.end


def test_a_replan_moves_the_event_with_the_same_uid_and_a_higher_sequence(client):
    body = create(client, example("office_worker"))
    before = strict_events(client.get(body["feed_url"]).text)
    tempo = next(s for s in body["schedule"]["sessions"] if s["kind"] == "tempo")
    time.sleep(1.1)  # so the change has its own LAST-MODIFIED second
    after_body = mark(client, body, tempo["id"], "missed", BEFORE_THE_WEEK)
    after = strict_events(client.get(body["feed_url"]).text)

    assert set(after) == set(before)
    moved_to = next(s for s in after_body["schedule"]["sessions"] if s["id"] == tempo["id"])
    old, new = before[tempo["id"]], after[tempo["id"]]
    assert new.dtstart != old.dtstart
    assert new.dtstart == datetime.fromisoformat(moved_to["start"])
    assert new.sequence > old.sequence
    assert new.last_modified > old.last_modified and new.dtstamp == new.last_modified
    changed = {c["session"] for c in after_body["changes"]}
    for uid in set(before) - changed:
        assert after[uid].dtstart == before[uid].dtstart
        assert after[uid].sequence == before[uid].sequence
        assert after[uid].last_modified == before[uid].last_modified


def test_stamps_are_the_sessions_last_change_not_the_request_time(client):
    body = create(client, example("beginner"))
    first = client.get(body["feed_url"])
    time.sleep(1.1)
    second = client.get(body["feed_url"])
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["last-modified"] == first.headers["last-modified"]


def test_a_repeated_conditional_get_is_304_until_the_plan_changes(client):
    body = create(client, example("office_worker"))
    time.sleep(2.1)  # a feed first read seconds after the change announces its true date
    first = client.get(body["feed_url"])
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(body["feed_url"], headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    weak_list = client.get(body["feed_url"], headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak_list.status_code == 304
    by_date = client.get(body["feed_url"], headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    head = client.head(body["feed_url"], headers={"If-None-Match": etag})
    assert head.status_code == 304

    easy = next(s for s in body["schedule"]["sessions"] if s["kind"] == "easy")
    mark(client, body, easy["id"], "missed", BEFORE_THE_WEEK)
    changed = client.get(body["feed_url"], headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    since = client.get(body["feed_url"], headers={"If-Modified-Since": modified})
    assert since.status_code == 200


def test_if_none_match_wins_over_if_modified_since(client):
    body = create(client, example("beginner"))
    first = client.get(body["feed_url"])
    time.sleep(1.1)
    response = client.get(body["feed_url"], headers={
        "If-None-Match": '"not-the-current-tag"',
        "If-Modified-Since": first.headers["last-modified"]})
    assert response.status_code == 200


def test_an_unknown_token_is_404(client):
    assert client.get("/feeds/not-a-token.ics").status_code == 404
    assert client.get("/feeds/" + "A" * 43 + ".ics").status_code == 404


def test_the_feed_of_a_week_that_cannot_fit_is_an_empty_valid_calendar(client):
    body = create(client, example("infeasible_week"))
    text = client.get(body["feed_url"]).text
    assert IcsCalendarStream.calendar_from_ics(text).events == []


def test_cancelled_sessions_stay_for_14_days_then_leave_the_feed(client, server):
    body = create(client, example("office_worker"))
    monday_after = datetime(2026, 12, 7, tzinfo=ZoneInfo("Europe/Berlin")).isoformat()
    long_run = next(s for s in body["schedule"]["sessions"] if s["kind"] == "long")
    result = mark(client, body, long_run["id"], "missed", monday_after)
    cancelled = {s["id"] for s in result["schedule"]["sessions"]
                 if s["status"] in ("missed", "dropped")}
    assert long_run["id"] in cancelled

    events = strict_events(client.get(body["feed_url"]).text)
    for uid in cancelled:
        assert events[uid].status.value == "CANCELLED"
        assert events[uid].sequence >= 1
    changed_at = events[long_run["id"]].last_modified

    # The same rendering code on the same database, asked at later moments.
    engine = make_engine(f"sqlite:///{server.database}")
    try:
        token = body["feed_url"].removeprefix("/feeds/").removesuffix(".ics")
        found = TokenLookup(engine)(token)
        assert found is not None

        def feed_at(moment: datetime) -> tuple[dict[str, Any], datetime]:
            feed = render_feed(engine, found, now=moment, cancelled_days=14,
                               refresh_minutes=60)
            return strict_events(feed.body.decode()), feed.last_modified

        kept, _ = feed_at(changed_at + timedelta(days=13, hours=23))
        assert cancelled <= set(kept)
        gone, last_modified = feed_at(changed_at + timedelta(days=14, seconds=1))
        assert cancelled.isdisjoint(gone)
        assert set(gone) == set(events) - cancelled
        assert last_modified == changed_at.astimezone(UTC) + timedelta(days=14)
    finally:
        engine.dispose()


def small_week(runner: str) -> dict[str, Any]:
    """A week that plans in milliseconds: two runs, two free evenings."""
    return {"runner": {"name": runner, "timezone": "Europe/Berlin"},
            "week_start": "2026-11-30",
            "availability": {"tue": [["18:00", "19:00"]], "thu": [["07:00", "08:00"]]},
            "sessions": [{"kind": "easy", "minutes": 30}, {"kind": "tempo", "minutes": 40}]}


def assert_feed_is_exactly_the_plan(data: bytes, body: dict[str, Any], runner: str) -> None:
    """The strict parser reads the feed; its events are the plan's sessions, no more, and
    the runner's name comes back as written (as far as a calendar can hold it)."""
    strict = read_strictly(data, "Europe/Berlin")
    name = f"plyoplan · {as_calendars_keep_it(runner)}"
    assert strict.name == [name]
    assert extra_text(strict, "X-WR-CALNAME") == [name]
    assert extra_text(strict, "X-WR-CALDESC") == [
        f"Training weeks planned by plyoplan for {as_calendars_keep_it(runner)}"]
    assert {e.uid: (e.dtstart, e.dtend) for e in strict.events} == {
        s["id"]: (datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]))
        for s in body["schedule"]["sessions"]}
    assert (strict.todos, strict.journal, strict.freebusy) == ([], [], [])
    loose = icalendar.Calendar.from_ical(data)
    assert [str(e["UID"]) for e in loose.walk("VEVENT")] == [e.uid for e in strict.events]


# Names a runner may type, and names made to break a feed: line breaks of every kind,
# TEXT's own escapes, control characters, lines that look like properties.
RUNNER_NAMES = st.one_of(
    st.text(min_size=1, max_size=80),
    st.lists(st.sampled_from(["\\", ";", ",", ":", '"', "\n", "\r", "\r\n", "\\n", "\\N",
                              "BEGIN:VEVENT", "END:VCALENDAR", "UID:x", "\x00", "\x1c",
                              "\u2028", "é", "😀", " ", "Ana"]),
             min_size=1, max_size=10).map("".join).filter(lambda name: len(name) <= 80),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runner=RUNNER_NAMES)
def test_any_runner_name_gives_a_valid_feed_of_exactly_the_plans_events(server, runner):
    with server.client() as client:
        body = create(client, small_week(runner))
        response = client.get(body["feed_url"])
    assert response.status_code == 200
    assert_feed_is_exactly_the_plan(response.content, body, runner)


# 80 characters that, written unescaped, close the name's line and add an event.
INJECTED = "\nBEGIN:VEVENT\nUID:x\nDTSTAMP:20261201T000000Z\nDTSTART:20261202T100000Z\nEND:VEVENT"


def test_a_name_that_spells_an_event_adds_none_even_with_assertions_off(tmp_path):
    # `python -O` strips the assertion in icalendar that otherwise turns such a feed
    # into a 500; the feed must be safe by its escaping alone.
    assert len(INJECTED) <= 80
    with serve_in_process(tmp_path / "plyoplan.db", env={"PYTHONOPTIMIZE": "1"}) as live, \
            live.client() as client:
        body = create(client, small_week(INJECTED))
        response = client.get(body["feed_url"])
    assert response.status_code == 200
    assert_feed_is_exactly_the_plan(response.content, body, INJECTED)
    assert "\r\nUID:x\r\n" not in response.text


def pieces_of(plan_id: str, length: int = 6) -> set[str]:
    return {plan_id[i:i + length] for i in range(len(plan_id) - length + 1)}


def test_calendar_uids_carry_no_part_of_the_plan_id_and_stay_across_replans(client):
    first = create(client, example("office_worker"))
    tempo = next(s for s in first["schedule"]["sessions"] if s["kind"] == "tempo")
    moved = mark(client, first, tempo["id"], "missed", BEFORE_THE_WEEK)
    response = client.post(f"/api/plans/{first['id']}/next-week")
    assert response.status_code == 201, response.text
    second = response.json()
    uids = set(strict_events(client.get(first["feed_url"]).text))

    assert uids == ({s["id"] for s in moved["schedule"]["sessions"]}
                    | {s["id"] for s in second["schedule"]["sessions"]})
    assert {s["id"] for s in moved["schedule"]["sessions"]} == {
        s["id"] for s in first["schedule"]["sessions"]}  # a moved session keeps its UID
    secrets = pieces_of(first["id"]) | pieces_of(second["id"])
    for uid in uids:
        assert not [piece for piece in secrets if piece in uid], uid
