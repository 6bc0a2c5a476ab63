"""CalDAV against a real Radicale server (tests/radicale_server.py, authentication on):
busy time read with a time-range query the way an .ics file is read; write-back creates,
moves and removes events, read back with the caldav client; a re-plan after a missed
session reaches the collection within a second; a server that is down is retried;
passwords never leave encrypted storage. The CLI: `plyoplan sync` reads a CalDAV busy
calendar again with the password from PLYOPLAN_CALDAV_PASSWORD (a sentence when it is
missing), and `plyoplan push` writes a week into a collection."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import caldav
import pytest
from sqlalchemy import text

from scheduler.calendars.busy_import import with_calendars
from scheduler.calendars.read import busy_from_ics
from scheduler.cli import main
from scheduler.commands.push import PASSWORD_VARIABLE
from scheduler.core.domain import Request, Schedule
from scheduler.core.errors import BadRequest
from tests.live_server import LiveServer, create, serve_in_thread
from tests.oracle import assert_valid
from tests.radicale_server import PASSWORD, USER, Radicale, radicale_server
from tests.weeks import example
from web.caldav_push import push_pending
from web.db import make_engine
from web.settings import WebSettings

# Weekly on Wednesdays 18:00 Berlin, with one week moved to Thursday: the recurrence and
# the override must be read as for an .ics file.
SERIES = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//plyoplan tests//EN\r
BEGIN:VEVENT\r
UID:choir@x\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=Europe/Berlin:20261104T180000\r
DTEND;TZID=Europe/Berlin:20261104T193000\r
RRULE:FREQ=WEEKLY;BYDAY=WE\r
SUMMARY:Choir\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:choir@x\r
DTSTAMP:20261101T000000Z\r
RECURRENCE-ID;TZID=Europe/Berlin:20261202T180000\r
DTSTART;TZID=Europe/Berlin:20261203T180000\r
DTEND;TZID=Europe/Berlin:20261203T193000\r
SUMMARY:Choir (moved)\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture(scope="module")
def work(radicale: Radicale) -> str:
    return radicale.collection("work", SERIES)


def caldav_request(url: str, password: str = PASSWORD) -> Request:
    return Request.model_validate({**example("office_worker"), "busy_calendars": [
        {"caldav": url, "username": USER, "password": password}]})


def test_busy_time_is_read_from_a_caldav_collection_as_from_the_same_ics_file(work):
    request, _ = with_calendars(caldav_request(work))
    from_caldav = [(b.start, b.end, b.summary) for b in request.busy if b.calendar]
    file_reading = busy_from_ics(SERIES.encode(), label="choir.ics",
                                 week_start=request.week_start, tz=ZoneInfo("Europe/Berlin"))
    assert from_caldav == [(e.start, e.end, e.summary) for e in file_reading.events]
    assert ("Choir (moved)") in [s for _, _, s in from_caldav]
    assert {b.calendar for b in request.busy if b.calendar} == {f"caldav:{work}"}
    assert request.busy_calendars == []


def test_a_wrong_password_is_a_sentence_that_never_shows_it(work):
    with pytest.raises(BadRequest) as refused:
        with_calendars(caldav_request(work, password="not-the-password"))
    assert str(refused.value) == (f"CalDAV collection '{work}' refused the user name or "
                                  "password.")


def test_a_caldav_collection_on_a_private_address_is_refused_on_a_public_server(work):
    with pytest.raises(BadRequest) as refused:
        with_calendars(caldav_request(work), public_only=True)
    assert "local or private network address (127.0.0.1)" in str(refused.value)


def test_a_requests_dump_never_carries_the_password(work):
    assert PASSWORD not in caldav_request(work).model_dump_json()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("caldav_web")
    with serve_in_thread(folder / "plyoplan.db", data_dir=folder,
                         allow_private_calendar_urls=True) as live:
        yield live


def wait_for(check: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def test_a_plan_with_caldav_busy_time_stores_and_shows_no_password(server, work):
    with server.client() as client:
        body = create(client, {**example("office_worker"), "busy_calendars": [
            {"caldav": work, "username": USER, "password": PASSWORD}]})
        page = client.get(f"/plans/{body['id']}").text
        synced = client.post(f"/api/plans/{body['id']}/sync")
    assert "Choir (moved)" in {b["summary"] for b in body["schedule"]["request"]["busy"]}
    assert PASSWORD not in str(body) and PASSWORD not in page
    assert synced.status_code == 200, synced.text
    assert synced.json()["sources"][0]["source"] == work
    assert PASSWORD not in synced.text
    database = server.database.read_bytes()
    assert PASSWORD.encode() not in database
    assert PASSWORD.encode() not in (server.database.parent / "plyoplan.db-wal").read_bytes() \
        if (server.database.parent / "plyoplan.db-wal").exists() else True


def test_write_back_creates_moves_and_removes_events(server, radicale):
    url = radicale.collection("training")
    with server.client() as client:
        body = create(client, example("office_worker"))
        plan_id = body["id"]
        linked = client.post(f"/api/plans/{plan_id}/caldav",
                             json={"url": url, "username": USER, "password": PASSWORD})
        assert linked.status_code == 200, linked.text
        assert PASSWORD not in linked.text
        ids = {s["id"] for s in body["schedule"]["sessions"]}
        assert wait_for(lambda: set(radicale.events(url)) == ids, 5)
        for sid, data in radicale.events(url).items():
            assert "SEQUENCE:0" in data, sid
        # A missed session: the re-plan reaches the collection within a second.
        first = min(body["schedule"]["sessions"], key=lambda s: s["start"])
        missed = client.post(f"/api/plans/{plan_id}/sessions/{first['id']}/missed",
                             json={"version": body["version"],
                                   "at": "2026-12-01T09:00:00+01:00"})
        assert missed.status_code == 200, missed.text
        started = time.monotonic()
        schedule = Schedule.model_validate(missed.json()["schedule"])
        assert_valid(schedule)
        expected = {s.id: s for s in schedule.sessions if s.status in ("planned", "done")}

        def arrived() -> bool:
            events = radicale.events(url)
            return set(events) == set(expected) and all(
                f"SEQUENCE:{s.sequence}" in events[sid] for sid, s in expected.items())

        assert wait_for(arrived, 1.0), radicale.events(url).keys()
        assert time.monotonic() - started <= 1.0
        moved = [s for s in expected.values() if s.sequence > 0]
        assert moved, "the re-plan moved or re-placed something"
        gone = {s.id for s in schedule.sessions if s.status in ("missed", "dropped")}
        assert not gone & set(radicale.events(url))
        assert client.delete(f"/api/plans/{plan_id}/caldav").status_code == 204
        page = client.get(f"/plans/{plan_id}").text
        assert "caldav-form" in page


def test_a_server_that_is_down_is_retried_and_no_change_is_lost(tmp_path: Path, monkeypatch):
    folder = tmp_path / "down"
    settings = WebSettings(data_dir=tmp_path, allow_private_calendar_urls=True)
    with serve_in_thread(tmp_path / "p.db", data_dir=tmp_path,
                         allow_private_calendar_urls=True) as live, live.client() as client:
        body = create(client, example("office_worker"))
        with radicale_server(folder) as first:
            url = first.collection("training")
            port_url = url
        # The server is gone: linking still answers at once, the changes wait.
        linked = client.post(f"/api/plans/{body['id']}/caldav",
                             json={"url": port_url, "username": USER, "password": PASSWORD})
        assert linked.status_code == 200
        engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
        waiting = wait_for(lambda: _link_state(engine, body["id"]) == "failed", 10)
        assert waiting
        with engine.connect() as db:
            queued = db.execute(text("SELECT count(*) FROM caldav_outbox")).scalar_one()
        assert queued == len(body["schedule"]["sessions"])
        # Back on the same port and folder: the retry sends everything.
        port = int(port_url.split(":")[2].split("/")[0])
        with _radicale_on(folder, port, monkeypatch) as again:
            sent = push_pending(engine, settings, now=_far_later())
            assert sent == len(body["schedule"]["sessions"])
            assert set(again.events(url)) == {s["id"] for s in body["schedule"]["sessions"]}
        engine.dispose()


def _link_state(engine: Any, plan_id: str) -> str:
    with engine.connect() as db:
        return str(db.execute(text("SELECT status FROM caldav_links WHERE plan_id = :p"),
                              {"p": plan_id}).scalar_one())


def _far_later() -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) + timedelta(hours=2)


@contextmanager
def _radicale_on(folder: Path, port: int, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[Radicale]:
    """Radicale again on the port and storage it had before."""
    import tests.radicale_server as started

    with monkeypatch.context() as patched:
        patched.setattr(started, "free_port", lambda: port)
        with radicale_server(folder) as server:
            yield server


def _event(uid: str, summary: str, start: str, end: str) -> str:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//plyoplan tests//EN\r\n"
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\n"
            f"DTEND:{end}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_the_sync_command_reads_a_caldav_calendar_with_the_password_from_the_environment(
        radicale, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]):
    url = radicale.collection("cli-busy")
    with caldav.DAVClient(url=url, username=USER, password=PASSWORD) as client:
        client.calendar(url=url).save_event(SERIES)
    (tmp_path / "week.json").write_text(json.dumps({**example("office_worker"),
                                                    "busy_calendars": [{
                                                        "caldav": url, "username": USER,
                                                        "password": PASSWORD}]}))
    plan = tmp_path / "plan.json"
    assert main(["plan", str(tmp_path / "week.json"), "--json", str(plan)]) == 0
    assert PASSWORD not in plan.read_text()
    # Wednesday 03:00-04:00 Berlin: new busy time that lands on no session, so what the
    # sync finds does not depend on today's date.
    with caldav.DAVClient(url=url, username=USER, password=PASSWORD) as client:
        client.calendar(url=url).save_event(_event("night@x", "Night shift",
                                                   "20261202T020000Z", "20261202T030000Z"))
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    capsys.readouterr()

    assert main(["sync", str(plan), "--username", USER, "--json",
                 str(tmp_path / "kept.json")]) == 0
    said = capsys.readouterr().out
    assert f"{url}: failed (a CalDAV collection's password is not in the schedule file; " \
           f"set {PASSWORD_VARIABLE} (and --username) to read it again)" in said
    kept = json.loads((tmp_path / "kept.json").read_text())
    assert kept["request"]["busy"] == json.loads(plan.read_text())["request"]["busy"]

    monkeypatch.setenv(PASSWORD_VARIABLE, "not-the-password")
    assert main(["sync", str(plan), "--username", USER]) == 0
    said = capsys.readouterr().out
    assert f"{url}: failed (CalDAV collection '{url}' refused the user name or password.)" \
        in said
    assert "not-the-password" not in said

    monkeypatch.setenv(PASSWORD_VARIABLE, PASSWORD)
    assert main(["sync", str(plan), "--username", USER, "--json",
                 str(tmp_path / "synced.json")]) == 0
    said = capsys.readouterr().out
    assert f"{url}: changed (" in said and PASSWORD not in said
    synced = Schedule.model_validate_json((tmp_path / "synced.json").read_text())
    assert synced.request is not None
    summaries = {b.summary for b in synced.request.busy if b.calendar == f"caldav:{url}"}
    assert {"Night shift", "Choir (moved)"} <= summaries
    before = Schedule.model_validate_json(plan.read_text())
    assert [(s.id, s.start) for s in synced.sessions] == \
        [(s.id, s.start) for s in before.sessions]


def test_the_push_command_writes_the_week_into_a_collection(
        radicale, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]):
    url = radicale.collection("cli-push")
    plan = tmp_path / "plan.json"
    (tmp_path / "week.json").write_text(json.dumps(example("office_worker")))
    assert main(["plan", str(tmp_path / "week.json"), "--json", str(plan)]) == 0
    schedule = Schedule.model_validate_json(plan.read_text())
    monkeypatch.setenv(PASSWORD_VARIABLE, PASSWORD)
    capsys.readouterr()
    assert main(["push", str(plan), "--caldav", url, "--username", USER]) == 0
    count = len(schedule.sessions)
    assert capsys.readouterr().out == f"Wrote {count} sessions to {url}.\n"
    assert set(radicale.events(url)) == {s.id for s in schedule.sessions}
