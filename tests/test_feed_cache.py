"""Rendered feeds kept in the database for every server process (web.feed_cache): a
stored body is served only while the plan versions it was rendered from are current, a
process that holds an older body in its own cache serves the new one after a change,
a stored body leaves when a cancelled session leaves the feed's window, and a marked
session's feed is stored rendered right after the answer, and the feed's own
PostgreSQL connections come back after the database dropped them. Two `Feeds` on one
database are two server processes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy import Engine, select, text

import web.feed_cache
from scheduler.core.domain import Request
from tests.live_server import create, mark, serve_in_thread
from tests.postgres_server import database_for_tests
from tests.weeks import example
from web.actions import mark_session, plan_new_week
from web.db import create_schema, make_engine
from web.feed_cache import FeedBody, Feeds
from web.store import StoredPlan

MONDAY_AFTER = "2026-12-07T00:00:00+01:00"


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    engine = make_engine(f"sqlite:///{tmp_path / 'plyoplan.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def process(engine: Engine) -> Feeds:
    """What one server process holds: its own cache, the shared database."""
    return Feeds(engine, cancelled_days=14, refresh_minutes=60)


def events(body: bytes) -> dict[str, Any]:
    return {e.uid: e for e in IcsCalendarStream.calendar_from_ics(body.decode()).events}


def feed_of(feeds: Feeds, stored: StoredPlan, now: datetime) -> bytes:
    found = feeds.lookup(stored.feed_token)
    assert found is not None
    cached = feeds.cached(found, now)
    return (cached or feeds.load_or_render(found, now)).body


def planned(engine: Engine) -> StoredPlan:
    stored, _ = plan_new_week(engine, Request.model_validate(example("office_worker")))
    return stored


def missed_long_run(engine: Engine, stored: StoredPlan) -> StoredPlan:
    long_run = next(s for s in stored.schedule.sessions if s.kind == "long")
    return mark_session(engine, stored.id, long_run.id, "missed", version=stored.version,
                        at=datetime.fromisoformat(MONDAY_AFTER))


def test_a_feed_one_process_rendered_is_served_by_another_without_a_render(
        engine, monkeypatch):
    first, second = process(engine), process(engine)
    stored = planned(engine)
    now = datetime.now(UTC)
    rendered = feed_of(first, stored, now)

    def no_render(*_: Any, **__: Any) -> Any:
        raise AssertionError("the second process rendered a feed the database holds")

    monkeypatch.setattr(web.feed_cache, "render_feed", no_render)
    assert feed_of(second, stored, now) == rendered


def test_after_a_change_every_process_serves_the_new_feed_not_the_body_it_kept(engine):
    first, second = process(engine), process(engine)
    stored = planned(engine)
    now = datetime.now(UTC)
    before = feed_of(first, stored, now)
    assert feed_of(second, stored, now) == before  # both now keep it in their caches

    changed = missed_long_run(engine, stored)
    long_run = next(s for s in changed.schedule.sessions if s.kind == "long")
    for feeds in (second, first, process(engine)):  # the second renders and stores it
        body = feed_of(feeds, stored, now)
        assert body != before
        assert events(body)[long_run.id].status.value == "CANCELLED"
    with engine.connect() as db:
        stored_body = db.scalar(select(FeedBody.body))
    assert stored_body == feed_of(first, stored, now)


def test_a_stored_feed_is_rendered_again_when_a_cancelled_session_leaves_it(engine):
    stored = planned(engine)
    changed = missed_long_run(engine, stored)
    long_run = next(s for s in changed.schedule.sessions if s.kind == "long")
    now = datetime.now(UTC)
    assert long_run.id in events(feed_of(process(engine), stored, now))

    later = now + timedelta(days=15)  # past the 14 days a cancelled session stays
    assert long_run.id not in events(feed_of(process(engine), stored, later))
    assert long_run.id not in events(feed_of(process(engine), stored, later))


def test_a_marked_sessions_feed_is_stored_rendered_after_the_answer(tmp_path):
    with serve_in_thread(tmp_path / "plyoplan.db") as live, live.client() as client:
        body = create(client, example("office_worker"))
        tempo = next(s for s in body["schedule"]["sessions"] if s["kind"] == "tempo")
        after = mark(client, body, tempo["id"], "missed", MONDAY_AFTER)
        engine = make_engine(f"sqlite:///{live.database}")
        try:
            feeds = process(engine)
            found = feeds.lookup(body["feed_url"].removeprefix("/feeds/")
                                 .removesuffix(".ics"))
            assert found is not None and dict(found.plans) == {body["id"]: after["version"]}
            deadline = time.monotonic() + 10  # rendered once the answer is sent
            while True:
                with engine.connect() as db:
                    key = db.scalar(select(FeedBody.key))
                if key == feeds.key(found) or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert key == feeds.key(found)
            served = client.get(body["feed_url"])
            with engine.connect() as db:
                assert served.content == db.scalar(select(FeedBody.body))
            assert events(served.content)[tempo["id"]].status.value == "CANCELLED"
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    yield from database_for_tests("plyoplan")


def test_feeds_are_served_after_postgresql_drops_the_feeds_own_connections(postgres_url):
    engine = make_engine(postgres_url)
    create_schema(engine)
    try:
        feeds = process(engine)
        stored = planned(engine)
        now = datetime.now(UTC)
        before = feed_of(feeds, stored, now)  # the feed's own connection is open now
        with engine.connect() as db:  # as a restarted server would: every other one goes
            db.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE pid <> pg_backend_pid() AND datname = current_database()"))
        other = process(engine)
        assert feed_of(other, stored, now) == before  # the stored body, looked up
        assert feed_of(feeds, stored, now) == before
        other.close()
        feeds.close()
    finally:
        engine.dispose()
