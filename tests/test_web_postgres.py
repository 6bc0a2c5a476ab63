"""The web app on a real PostgreSQL server (a throwaway one from Debian's binaries,
tests/postgres_server.py): uvicorn on 127.0.0.1, httpx over loopback.

The flows that lean on the database: versions and the 409 of a stale one, the feed's
SEQUENCE and 304, the training log and the week after, and racing writers, where
PostgreSQL's row locks and unique indexes decide who wins. Without Debian's PostgreSQL
these tests fail, they do not skip.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy import Engine, text

from tests.live_server import LiveServer, checked, create, mark, serve_in_thread, squad_week
from tests.postgres_server import (
    create_database,
    database_for_tests,
    held_then_released,
)
from tests.weeks import example
from web.db import Base, create_schema, make_engine

BEFORE_THE_WEEK = "2026-11-29T12:00:00+01:00"  # the Sunday before the examples' week
MONDAY_AFTER = "2026-12-07T00:00:00+01:00"  # too late to re-place a missed session
WRITERS = 10
SQUAD_WEEK = squad_week(WRITERS)


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """The URL of the server's `postgres` database."""
    yield from database_for_tests(None)


@pytest.fixture(scope="module")
def database_url(postgres: str) -> str:
    return create_database(postgres, "plyoplan")


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[LiveServer]:
    # No SQLite file is made: the database URL takes its place.
    unused = tmp_path_factory.mktemp("postgres") / "unused.db"
    with serve_in_thread(unused, database_url=database_url) as live:
        yield live
    assert not unused.exists()


@pytest.fixture(scope="module")
def engine(database_url: str, server: LiveServer) -> Iterator[Engine]:
    """A second way into the same database, to look at the rows the app wrote."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(sql), params))


def tables(engine: Engine) -> set[str]:
    return {r[0] for r in rows(engine, "SELECT table_name FROM information_schema.tables "
                                       "WHERE table_schema = 'public'")}


def feed_events(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    """The feed's events by UID, parsed by the strict `ical` package."""
    response = client.get(body["feed_url"])
    assert response.status_code == 200
    return {e.uid: e for e in IcsCalendarStream.calendar_from_ics(response.text).events}


def test_the_app_creates_its_tables_in_postgresql(engine):
    assert engine.dialect.name == "postgresql"
    [(version,)] = rows(engine, "SHOW server_version")
    assert int(version.split(".")[0]) >= 13
    assert {"runners", "plans", "sessions", "feed_tokens", "training_log",
            "next_weeks"} <= tables(engine)


def test_a_plan_is_stored_in_postgresql_and_read_back(client, engine):
    body = create(client, example("office_worker"))
    assert body["version"] == 1
    schedule = checked(body)
    assert schedule.status in ("optimal", "feasible")
    assert client.get(f"/api/plans/{body['id']}").json() == body
    [(version,)] = rows(engine, "SELECT version FROM plans WHERE id = :id", id=body["id"])
    assert version == 1
    stored = {r[0] for r in rows(engine, "SELECT session_id FROM sessions WHERE plan_id = :id",
                                 id=body["id"])}
    assert stored == {s.id for s in schedule.sessions}


def test_names_and_ids_at_their_longest_fit_the_columns(client, engine):
    # PostgreSQL enforces VARCHAR lengths (SQLite does not): the longest name and
    # session ids the request allows, with letters outside ASCII.
    request = example("beginner")
    request["runner"]["name"] = ("Zoë Ångström-Øre · " * 5)[:80]
    request["sessions"] = [{**s, "id": f"{i}-" + "x" * 118}
                           for i, s in enumerate(request["sessions"])]
    body = create(client, request)
    assert client.get(f"/api/plans/{body['id']}").json() == body
    assert set(feed_events(client, body)) == {s["id"] for s in request["sessions"]}
    [(name,)] = rows(engine, "SELECT r.name FROM runners r JOIN plans p "
                             "ON p.runner_id = r.id WHERE p.id = :id", id=body["id"])
    assert name == request["runner"]["name"]
    after = client.post(f"/api/plans/{body['id']}/next-week")
    assert after.status_code == 201, after.text
    assert all(len(s.id) <= 120 for s in checked(after.json()).sessions)


def test_a_missed_session_moves_and_a_stale_version_is_409_changing_nothing(client):
    body = create(client, example("office_worker"))
    before = checked(body)
    tempo = next(s for s in before.sessions if s.kind.value == "tempo")
    after = mark(client, body, tempo.id, "missed", BEFORE_THE_WEEK)
    assert after["version"] == 2 and after["feed_url"] == body["feed_url"]
    moved = next(s for s in checked(after).sessions if s.id == tempo.id)
    assert moved.start != tempo.start and moved.status == "planned"
    assert moved.sequence > tempo.sequence

    current = client.get(f"/api/plans/{body['id']}").json()
    assert current["version"] == 2
    other = next(s for s in before.sessions if s.id != tempo.id)
    stale = client.post(f"/api/plans/{body['id']}/sessions/{other.id}/missed",
                        json={"version": 1, "at": BEFORE_THE_WEEK})
    assert stale.status_code == 409
    assert "version 2" in stale.json()["detail"]
    assert client.get(f"/api/plans/{body['id']}").json() == current


def test_the_feed_answers_304_and_raises_sequence_of_moved_and_cancelled_events(client):
    body = create(client, example("office_worker"))
    first = client.get(body["feed_url"])
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    etag = first.headers["etag"]
    assert etag.startswith('"')
    again = client.get(body["feed_url"], headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    before = feed_events(client, body)
    assert set(before) == {s["id"] for s in body["schedule"]["sessions"]}

    tempo = next(s for s in body["schedule"]["sessions"] if s["kind"] == "tempo")
    moved_body = mark(client, body, tempo["id"], "missed", BEFORE_THE_WEEK)
    changed = client.get(body["feed_url"], headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    after = feed_events(client, body)
    assert set(after) == set(before)
    touched = {c["session"] for c in moved_body["changes"]}
    assert tempo["id"] in touched
    for uid in before:
        if uid in touched:
            assert after[uid].sequence > before[uid].sequence
        else:
            assert after[uid].sequence == before[uid].sequence
            assert after[uid].dtstart == before[uid].dtstart

    long_run = next(s for s in body["schedule"]["sessions"] if s["kind"] == "long")
    mark(client, moved_body, long_run["id"], "missed", MONDAY_AFTER)
    cancelled = feed_events(client, body)[long_run["id"]]
    assert cancelled.status.value == "CANCELLED"
    assert cancelled.sequence > after[long_run["id"]].sequence


def test_a_logged_session_shapes_the_next_week_in_the_same_feed(client, engine):
    body = create(client, example("office_worker"))
    plyo = next(s for s in body["schedule"]["sessions"] if s["kind"] == "plyo")
    body = mark(client, body, plyo["id"], "done", plyo["end"])
    url = f"/api/plans/{body['id']}/sessions/{plyo['id']}/log"
    assert client.post(url, json={"rpe": 5, "discomfort": 1}).status_code == 201
    pain = {"rpe": 6, "discomfort": 5, "note": "sharp pain in the left shin"}
    again = client.post(url, json=pain)
    assert again.status_code == 201, again.text
    entries = rows(engine, "SELECT entry FROM training_log WHERE plan_id = :id", id=body["id"])
    assert [(e[0]["rpe"], e[0]["note"]) for e in entries] == [(6, pain["note"])]

    response = client.post(f"/api/plans/{body['id']}/next-week")
    assert response.status_code == 201, response.text
    after = response.json()
    checked(after)
    monday = date.fromisoformat(body["schedule"]["week_start"]) + timedelta(days=7)
    assert after["schedule"]["week_start"] == monday.isoformat()
    assert after["feed_url"] == body["feed_url"] and after["version"] == 1
    assert "discomfort 5/10" in " ".join(after["adapted"])
    uids = set(feed_events(client, body))
    assert {s["id"] for s in after["schedule"]["sessions"]} <= uids
    assert {s["id"] for s in body["schedule"]["sessions"]} <= uids

    twice = client.post(f"/api/plans/{body['id']}/next-week")
    assert twice.status_code == 409 and after["id"] in twice.json()["detail"]


def test_ten_writers_on_the_same_version_one_wins_the_rest_hear_409(server, engine):
    with server.client() as c:
        plan = create(c, SQUAD_WEEK)
    assert len(plan["schedule"]["sessions"]) == WRITERS
    url = f"/api/plans/{plan['id']}"
    before = {s["id"]: s for s in plan["schedule"]["sessions"]}

    def mark_missed(session_id: str) -> tuple[str, int]:
        with server.client() as c:
            response = c.post(f"{url}/sessions/{session_id}/missed",
                              json={"version": 1, "at": BEFORE_THE_WEEK})
        return session_id, response.status_code

    outcomes = held_then_released(engine, "plans", mark_missed, list(before))

    assert sorted(code for _, code in outcomes) == [200] + [409] * (WRITERS - 1)
    [winner] = [sid for sid, code in outcomes if code == 200]
    with server.client() as c:
        final = c.get(url).json()
    assert final["version"] == 2
    schedule = checked(final)
    touched = {c["session"] for c in schedule.changes}
    assert winner in touched
    for session in schedule.sessions:
        if session.id not in touched:
            assert session.start.isoformat() == before[session.id]["start"]
            assert session.status == "planned" and session.sequence == 0


def test_racing_next_week_clicks_plan_the_week_once(server, engine):
    with server.client() as c:
        plan = create(c, example("beginner"))

    def next_week(_: int) -> httpx.Response:
        with server.client() as c:
            return c.post(f"/api/plans/{plan['id']}/next-week")

    answers = held_then_released(engine, "next_weeks", next_week, list(range(4)))

    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409], [
        a.text for a in answers]
    [made] = [a.json() for a in answers if a.status_code == 201]
    checked(made)
    assert all(made["id"] in a.json()["detail"] for a in answers if a.status_code == 409)
    plans = rows(engine, "SELECT id FROM plans WHERE runner_id = "
                         "(SELECT runner_id FROM plans WHERE id = :id)", id=plan["id"])
    assert {r[0] for r in plans} == {plan["id"], made["id"]}


def test_servers_starting_at_once_on_an_empty_database_all_create_the_schema(postgres):
    # What each server and worker process does on start, four at the same moment.
    fresh = create_database(postgres, "empty")
    engines = [make_engine(fresh) for _ in range(4)]
    ready = threading.Barrier(len(engines))

    def start(engine: Engine) -> str:
        engine.connect().close()  # connected already, so the starts line up
        ready.wait(timeout=30)
        try:
            create_schema(engine)
        except Exception as error:  # the failure is the finding, not a crash
            return f"{type(error).__name__}: {error}"
        return "ok"

    try:
        with ThreadPoolExecutor(max_workers=len(engines)) as pool:
            assert list(pool.map(start, engines)) == ["ok"] * len(engines)
        assert set(Base.metadata.tables) <= tables(engines[0])
    finally:
        for engine in engines:
            engine.dispose()


def test_first_entries_of_a_session_sent_at_once_are_all_stored(server, client, engine):
    body = create(client, example("beginner"))
    plyo = next(s for s in body["schedule"]["sessions"] if s["kind"] == "plyo")
    mark(client, body, plyo["id"], "done", plyo["end"])
    url = f"/api/plans/{body['id']}/sessions/{plyo['id']}/log"

    def log_once(discomfort: int) -> int:
        with server.client() as c:
            return c.post(url, json={"rpe": 5, "discomfort": discomfort}).status_code

    codes = held_then_released(engine, "training_log", log_once, list(range(WRITERS)))
    assert codes == [201] * WRITERS  # each replaced the one before it, none failed
    [(entry,)] = rows(engine, "SELECT entry FROM training_log WHERE plan_id = :id",
                      id=body["id"])
    assert entry["session"] == plyo["id"] and entry["discomfort"] in range(WRITERS)
