"""Concurrent writers on one plan: the version check loses no update.

The server runs as `plyoplan serve --workers 2` (two processes on one SQLite file), so the
guarantee tested is the database's conditional UPDATE, not a lock inside one process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from scheduler.core.domain import Schedule
from tests.live_server import LiveServer, serve_in_process, squad_week
from tests.oracle import assert_valid

WRITERS = 20
BEFORE_THE_WEEK = "2026-11-29T12:00:00+01:00"
AFTER_THE_WEEK = "2026-12-07T12:00:00+01:00"  # every session has begun: each can be done
SQUAD_WEEK = squad_week(WRITERS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_in_process(tmp_path_factory.mktemp("race") / "plyoplan.db", workers=2) as live:
        yield live


def new_plan(server: LiveServer) -> dict[str, Any]:
    with server.client() as c:
        response = c.post("/api/plans", json=SQUAD_WEEK)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert_valid(Schedule.model_validate(body["schedule"]))
    assert len(body["schedule"]["sessions"]) == WRITERS
    return body


def all_at_once(work: Any, items: list[Any]) -> list[Any]:
    """Run `work(item)` for every item in its own thread, released together."""
    start = threading.Barrier(len(items))

    def run(item: Any) -> Any:
        start.wait(timeout=30)
        return work(item)

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(run, items))


def test_twenty_writers_retrying_on_409_lose_no_update(server):
    plan = new_plan(server)
    url = f"/api/plans/{plan['id']}"
    session_ids = [s["id"] for s in plan["schedule"]["sessions"]]

    def mark_done(session_id: str) -> int:
        conflicts, version = 0, 1
        with server.client() as c:
            for _ in range(4 * WRITERS):  # bounded: at most one writer wins per version
                response = c.post(f"{url}/sessions/{session_id}/done",
                                  json={"version": version, "at": AFTER_THE_WEEK})
                if response.status_code == 200:
                    return conflicts
                assert response.status_code == 409, response.text
                conflicts += 1
                version = c.get(url).json()["version"]
        raise AssertionError(f"{session_id} never got its update in")

    conflicts = all_at_once(mark_done, session_ids)

    with server.client() as c:
        final = c.get(url).json()
    assert final["version"] == 1 + WRITERS
    schedule = Schedule.model_validate(final["schedule"])
    assert_valid(schedule)
    assert {s.id: s.status for s in schedule.sessions} == dict.fromkeys(session_ids, "done")
    # Each session changed exactly once: no write was applied twice or over another.
    assert all(s.sequence == 1 for s in schedule.sessions)
    # All twenty first tried version 1 together, so at least nineteen heard 409.
    assert sum(conflicts) >= WRITERS - 1


def test_twenty_writers_on_the_same_version_one_wins_the_rest_hear_409(server):
    plan = new_plan(server)
    url = f"/api/plans/{plan['id']}"
    before = {s["id"]: s for s in plan["schedule"]["sessions"]}

    def mark_missed(session_id: str) -> tuple[str, int]:
        with server.client() as c:
            response = c.post(f"{url}/sessions/{session_id}/missed",
                              json={"version": 1, "at": BEFORE_THE_WEEK})
        return session_id, response.status_code

    outcomes = all_at_once(mark_missed, list(before))

    codes = sorted(code for _, code in outcomes)
    assert codes == [200] + [409] * (WRITERS - 1)
    [winner] = [sid for sid, code in outcomes if code == 200]
    with server.client() as c:
        final = c.get(url).json()
    assert final["version"] == 2
    schedule = Schedule.model_validate(final["schedule"])
    assert_valid(schedule)
    touched = {c["session"] for c in schedule.changes}
    assert winner in touched
    for session in schedule.sessions:
        if session.id not in touched:
            assert session.start.isoformat() == before[session.id]["start"]
            assert session.status == "planned" and session.sequence == 0
