"""Busy calendars given to the web app as URLs: read into the plan, read again for the
next week, refused when they point into the server's own networks (unless the server is
set up to allow that), and bounded in number, size and time so that slow calendars
cannot stall the server. Real HTTP both ways: the app under uvicorn and calendars served
on 127.0.0.1 (127.0.0.2 plays a public address where a test says so)."""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from scheduler.calendars import fetch as calendar_fetch
from scheduler.calendars.fetch import CalendarError, load_calendar_bytes
from scheduler.core.domain import Schedule
from tests.calendar_servers import fake_dns, serve_calendar
from tests.live_server import LiveServer, create, serve_in_thread
from tests.oracle import assert_valid
from tests.weeks import example
from web.planning import CALENDAR_READINGS_AT_ONCE

# The examples plan the week of Monday 2026-11-30.
BOARD_MEETING = ("Board meeting", "20261202T170000Z", "20261202T200000Z")
NEXT_WEEK_OFFSITE = ("Offsite", "20261208T060000Z", "20261208T200000Z")


def calendar_text(*events: tuple[str, str, str]) -> str:
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{n}@example.org\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n"
        for n, (summary, start, end) in enumerate(events))
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//plyoplan tests//EN\r\n{body}"
            f"END:VCALENDAR\r\n")


class _Quiet(SimpleHTTPRequestHandler):
    """Serves the folder without logging, and notes each GET's path on the server."""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        super().do_GET()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def calendar_folder(tmp_path: Path) -> Iterator[tuple[Path, str, list[str]]]:
    """A folder served over HTTP on 127.0.0.1, its base URL, and the paths fetched."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_Quiet, directory=str(folder))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        hits: list[str] = []
        httpd.hits = hits  # type: ignore[attr-defined]
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield folder, f"http://127.0.0.1:{httpd.server_address[1]}", hits
        finally:
            httpd.shutdown()
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def trusting_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server set up for calendars on its own network (PLYOPLAN_ALLOW_PRIVATE_...)."""
    folder = tmp_path_factory.mktemp("trusting")
    with serve_in_thread(folder / "plyoplan.db", allow_private_calendar_urls=True) as live:
        yield live


def busy_summaries(body: dict[str, Any]) -> list[str]:
    return sorted(b["summary"] for b in body["schedule"]["request"]["busy"])


def test_a_calendar_url_is_read_into_the_plan(trusting_server, calendar_folder):
    folder, base, _ = calendar_folder
    (folder / "busy.ics").write_text(calendar_text(BOARD_MEETING), newline="")
    with trusting_server.client() as client:
        body = create(client, {**example("office_worker"),
                                "busy_calendars": [f"{base}/busy.ics"]})
    request = body["schedule"]["request"]
    assert request["busy_calendars"] == []  # read once, kept as busy intervals
    [meeting] = [b for b in request["busy"] if b["summary"] == "Board meeting"]
    assert meeting["calendar"] == f"{base}/busy.ics"
    assert meeting["start"].startswith("2026-12-02T18:00:00+01:00")


def test_the_next_week_reads_the_calendar_url_again(trusting_server, calendar_folder):
    folder, base, _ = calendar_folder
    url = f"{base}/busy.ics"
    (folder / "busy.ics").write_text(calendar_text(BOARD_MEETING), newline="")
    typed_in = {"start": "2026-12-09T07:00:00+01:00", "end": "2026-12-09T09:00:00+01:00",
                "summary": "Dentist"}
    first_week = {**example("office_worker"), "busy_calendars": [url],
                  "busy": [*example("office_worker").get("busy", []), typed_in]}
    with trusting_server.client() as client:
        first = create(client, first_week)
        # The calendar changes after the first week was planned.
        (folder / "busy.ics").write_text(calendar_text(BOARD_MEETING, NEXT_WEEK_OFFSITE),
                                         newline="")
        response = client.post(f"/api/plans/{first['id']}/next-week")
    assert response.status_code == 201, response.text
    second = response.json()
    schedule = Schedule.model_validate(second["schedule"])
    assert_valid(schedule)
    assert str(schedule.week_start) == "2026-12-07"
    from_calendar = [b for b in second["schedule"]["request"]["busy"] if b["calendar"] == url]
    assert [b["summary"] for b in from_calendar] == ["Offsite"]  # this week's, read anew
    assert "Dentist" in busy_summaries(second)  # typed in for that week: carried over
    offsite_day = [s for s in schedule.sessions if s.start.date().isoformat() == "2026-12-08"]
    assert all(s.end.hour < 7 or s.start.hour >= 21 for s in offsite_day)


def test_a_calendar_url_on_the_servers_own_network_is_refused_by_default(
        client, calendar_folder):
    folder, base, _ = calendar_folder
    (folder / "busy.ics").write_text(calendar_text(BOARD_MEETING), newline="")
    response = client.post("/api/plans", json={**example("office_worker"),
                                               "busy_calendars": [f"{base}/busy.ics"]})
    assert response.status_code == 422
    [sentence] = response.json()["detail"]
    assert "local or private network address (127.0.0.1)" in sentence
    assert f"{base}/busy.ics" in sentence


@pytest.mark.parametrize("url", [
    "http://localhost:9/cal.ics",
    "http://10.1.2.3/cal.ics",
    "http://192.168.0.10/cal.ics",
    "http://169.254.169.254/latest/meta-data",  # cloud metadata
    "http://[::1]:9/cal.ics",
    "http://[::ffff:127.0.0.1]:9/cal.ics",
    "webcal://127.0.0.1:9/cal.ics",
])
def test_public_only_refuses_every_non_public_address_before_connecting(url):
    with pytest.raises(CalendarError, match="local or private network address"):
        load_calendar_bytes(url, public_only=True)


def test_without_public_only_a_local_calendar_is_fetched(calendar_folder):
    folder, base, _ = calendar_folder
    (folder / "busy.ics").write_text(calendar_text(BOARD_MEETING), newline="")
    assert b"Board meeting" in load_calendar_bytes(f"{base}/busy.ics")


def test_the_block_reads_each_week_from_the_calendar_url(trusting_server, calendar_folder):
    from web.db import make_engine
    from web.training import block_for_plan

    folder, base, hits = calendar_folder
    url = f"{base}/busy.ics"
    # A whole-day offsite in the block's third week (Mon 14 Dec 2026), after the first
    # week was planned: only a fresh reading for that week can know it.
    (folder / "busy.ics").write_text(calendar_text(BOARD_MEETING), newline="")
    with trusting_server.client() as client:
        first = create(client, {**example("office_worker"), "busy_calendars": [url]})
        (folder / "busy.ics").write_text(
            calendar_text(BOARD_MEETING, ("Offsite", "20261215T050000Z", "20261215T220000Z")),
            newline="")
        page = client.get(f"/plans/{first['id']}/block", params={"weeks": "3"})
    assert page.status_code == 200, page.text
    engine = make_engine(f"sqlite:///{trusting_server.database}")
    hits.clear()
    try:
        _stored, block = block_for_plan(engine, first["id"], 3, private_calendars=True)
    finally:
        engine.dispose()
    third = block.weeks[2]
    assert third.request is not None
    assert [b.summary for b in third.request.busy if b.calendar == url] == ["Offsite"]
    for week in block.weeks:
        assert_valid(week)  # the oracle checks no session sits in the offsite
    assert all(s.start.date().isoformat() != "2026-12-15" for s in third.sessions)
    assert hits == ["/busy.ics"]  # read once for the three weeks


# --- what calendars may cost a server ---------------------------------------------------

def test_a_calendar_url_named_500_times_is_refused_before_any_fetch(
        trusting_server, calendar_folder):
    folder, base, hits = calendar_folder
    (folder / "busy.ics").write_text(calendar_text(BOARD_MEETING), newline="")
    with trusting_server.client() as client:
        response = client.post("/api/plans", json={
            **example("office_worker"), "busy_calendars": [f"{base}/busy.ics"] * 500})
    assert response.status_code == 422
    assert response.json()["detail"] == ["Field 'busy_calendars' may hold at most 10 items."]
    assert hits == []


def test_a_calendar_url_named_three_times_is_fetched_once(trusting_server, calendar_folder):
    folder, base, hits = calendar_folder
    (folder / "busy.ics").write_text(calendar_text(BOARD_MEETING), newline="")
    with trusting_server.client() as client:
        body = create(client, {**example("office_worker"),
                               "busy_calendars": [f"{base}/busy.ics"] * 3})
    assert hits == ["/busy.ics"]
    assert busy_summaries(body).count("Board meeting") == 1


def test_more_than_2000_busy_intervals_are_refused(client):
    one = {"start": "2026-12-01T12:00:00+01:00", "end": "2026-12-01T13:00:00+01:00"}
    response = client.post("/api/plans", json={**example("office_worker"),
                                               "busy": [one] * 2001})
    assert response.status_code == 422
    assert response.json()["detail"] == ["Field 'busy' may hold at most 2,000 items."]


def test_a_calendar_that_drips_a_byte_a_second_is_cut_off_at_the_deadline(
        trusting_server, monkeypatch):
    monkeypatch.setattr(calendar_fetch, "FETCH_DEADLINE_SECONDS", 1.0)
    with serve_calendar() as slow, \
            httpx.Client(base_url=trusting_server.url, timeout=10.0) as client:
        slow.drip_seconds = 1.0
        url = f"http://127.0.0.1:{slow.port}/work.ics"
        began = time.monotonic()
        response = client.post("/api/plans", json={**example("office_worker"),
                                                   "busy_calendars": [url]})
        took = time.monotonic() - began
    assert response.status_code == 422
    assert response.json()["detail"] == [
        f"Calendar '{url}' could not be fetched: it did not arrive within 1 second."]
    assert took < 5


def _answer_time(client: httpx.Client, path: str) -> float:
    began = time.monotonic()
    try:
        response = client.get(path)
    except httpx.TimeoutException:
        return float("inf")
    assert response.status_code == 200, response.text
    return time.monotonic() - began


def test_pages_and_feeds_answer_while_many_plans_wait_on_slow_calendars(
        trusting_server, monkeypatch):
    # 45 plans whose calendar drips a byte a second once took every one of the 40 worker
    # threads, and the home page took 39 s.
    monkeypatch.setattr(calendar_fetch, "FETCH_DEADLINE_SECONDS", 3.0)
    with trusting_server.client() as client:
        feed_url = create(client, example("office_worker"))["feed_url"]
    with serve_calendar() as slow, ThreadPoolExecutor(max_workers=45) as pool, \
            httpx.Client(base_url=trusting_server.url, timeout=5.0) as client:
        slow.drip_seconds = 1.0
        week = {**example("office_worker"),
                "busy_calendars": [f"http://127.0.0.1:{slow.port}/work.ics"]}
        pending = [pool.submit(httpx.post, f"{trusting_server.url}/api/plans", json=week,
                               timeout=30.0) for _ in range(45)]
        waited = time.monotonic()
        while len(slow.hits) < CALENDAR_READINGS_AT_ONCE and time.monotonic() - waited < 5:
            time.sleep(0.05)
        home, feed = _answer_time(client, "/"), _answer_time(client, feed_url)
        slow.stopping.set()
        answers = [future.result() for future in pending]
    assert home < 2 and feed < 2
    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) <= {422, 503} and statuses[503] >= 1, statuses
    busy = next(a for a in answers if a.status_code == 503)
    assert busy.json()["detail"] == [
        "Field 'busy_calendars': the server is reading calendars for many plans right now; "
        "try again in 30 seconds."]
    assert busy.headers["retry-after"] == "30"


def test_a_calendar_that_redirects_into_the_servers_network_is_refused(client, monkeypatch):
    real = calendar_fetch.is_public_address
    monkeypatch.setattr(calendar_fetch, "is_public_address",
                        lambda ip: str(ip) == "127.0.0.2" or real(ip))
    with serve_calendar("127.0.0.1") as internal, \
            serve_calendar("127.0.0.2", internal.port) as public:
        public.redirect_to = f"http://127.0.0.1:{internal.port}/secret.ics"
        fake_dns(monkeypatch, {"calendar.example": lambda: "127.0.0.2"})
        url = f"http://calendar.example:{internal.port}/work.ics"
        response = client.post("/api/plans", json={**example("office_worker"),
                                                   "busy_calendars": [url]})
        assert (public.hits, internal.hits) == (["/work.ics"], [])
    assert response.status_code == 422
    assert response.json()["detail"] == [
        f"Calendar '{url}' is on a local or private network address (127.0.0.1); this "
        "server only reads calendars from the public internet."]
