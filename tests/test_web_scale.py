"""Several server processes (`plyoplan serve --workers 3`) on a real PostgreSQL server
(tests/postgres_server.py) under a burst of missed/done writes and feed reads while
`plyoplan roll-week` plans every runner's next week into the same database: no answer
is a 5xx, no write is lost (each plan's version counts exactly the writes it was told
succeeded, and every marked session stays marked), every process serves each feed as
the plan now stands (no rendered feed outlives a write), and every runner gets one
next week.
Without Debian's PostgreSQL this test fails, it does not skip."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import icalendar
import pytest
from sqlalchemy import text

from scheduler.core.domain import Schedule
from tests.live_server import ROOT, LiveServer, create, serve_in_process, squad_week
from tests.oracle import assert_valid
from tests.postgres_server import database_for_tests
from web.db import make_engine

RUNNERS = 40
WRITERS = 8  # threads, each marking the sessions of plans of its own
MONDAY_AFTER = "2026-12-07T00:00:00+01:00"  # every session is past: done or missed


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    yield from database_for_tests("plyoplan")


@pytest.fixture(scope="module")
def servers(database_url: str, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[LiveServer]:
    unused = tmp_path_factory.mktemp("scale") / "unused.db"
    with serve_in_process(unused, workers=3,
                          env={"PLYOPLAN_DATABASE_URL": database_url}) as live:
        yield live
    assert not unused.exists()


class Burst:
    """Writers and readers hammering the servers until told to stop; every answer kept."""

    def __init__(self, live: LiveServer, plans: list[dict[str, Any]]) -> None:
        self.live, self.plans = live, plans
        self.stop = threading.Event()
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self.written: dict[str, dict[str, str]] = {p["id"]: {} for p in plans}
        self.versions = {p["id"]: p["version"] for p in plans}
        self.lock = threading.Lock()

    def note(self, response: httpx.Response) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.failures.append(f"{response.request.url.path}: {response.text[:200]}")

    def write(self, mine: list[dict[str, Any]]) -> None:
        todo = [(p["id"], s["id"]) for p in mine for s in p["schedule"]["sessions"]]
        with self.live.client() as client:
            for n, (plan_id, session_id) in enumerate(todo):
                if self.stop.is_set():
                    return
                what = "missed" if n % 2 else "done"
                response = client.post(f"/api/plans/{plan_id}/sessions/{session_id}/{what}",
                                       json={"version": self.versions[plan_id],
                                             "at": MONDAY_AFTER})
                self.note(response)
                if response.status_code == 200:
                    self.versions[plan_id] = response.json()["version"]
                    self.written[plan_id][session_id] = what
                else:
                    self.failures.append(f"{what} {session_id}: {response.status_code} "
                                         f"{response.text[:200]}")

    def read(self) -> None:
        with self.live.client() as client:
            n = 0
            while not self.stop.is_set():
                plan = self.plans[n % len(self.plans)]
                self.note(client.get(plan["feed_url"]))
                n += 1


def assert_feed_shows(live: LiveServer, plan: dict[str, Any]) -> None:
    """Every process that answers shows the plan's sessions as they stand: a feed kept
    from before a write (in a process or in the database) would show an old time or a
    missed session still confirmed."""
    expected = {s["id"]: (datetime.fromisoformat(s["start"]),
                          "CANCELLED" if s["status"] in ("missed", "dropped") else "CONFIRMED")
                for s in plan["schedule"]["sessions"]}
    for _ in range(4):  # a new connection each time: the processes take turns
        with live.client() as client:
            feed = icalendar.Calendar.from_ical(client.get(plan["feed_url"]).content)
        shown = {str(e["UID"]): (e.decoded("DTSTART"), str(e["STATUS"]))
                 for e in feed.walk("VEVENT")}
        assert {uid: shown.get(uid) for uid in expected} == expected


def test_servers_answer_a_burst_while_roll_week_writes(servers, database_url):
    with servers.client() as client:
        plans = [create(client, {**squad_week(6), "runner": {
            "name": f"Runner {i}", "level": "intermediate", "timezone": "Europe/Berlin"}})
            for i in range(RUNNERS)]
    burst = Burst(servers, plans)
    threads = [threading.Thread(target=burst.write, args=(plans[i::WRITERS],))
               for i in range(WRITERS)]
    threads += [threading.Thread(target=burst.read) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        rolled = subprocess.run(
            [sys.executable, "-m", "scheduler.cli", "roll-week", "--database", database_url,
             "--week", "2026-12-07", "--workers", "2"],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
        writes_during_roll = sum(len(w) for w in burst.written.values())
    finally:
        time.sleep(0.5)
        burst.stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert re.search(rf"^planned +{RUNNERS}$", rolled.stdout, re.M), rolled.stdout
    assert writes_during_roll > 0 and burst.statuses[200] > RUNNERS
    assert not burst.failures and max(burst.statuses) < 500, (burst.failures,
                                                              burst.statuses)
    with servers.client() as client:
        for plan in plans:
            body = client.get(f"/api/plans/{plan['id']}").json()
            written = burst.written[plan["id"]]
            assert body["version"] == 1 + len(written)  # no write lost, none doubled
            statuses = {s["id"]: s["status"] for s in body["schedule"]["sessions"]}
            for session_id, what in written.items():
                assert statuses.get(session_id) == what
            assert_valid(Schedule.model_validate(body["schedule"]))
            assert_feed_shows(servers, body)
    engine = make_engine(database_url)
    try:
        with engine.connect() as db:
            weeks = Counter(r for (r,) in db.execute(text(
                "SELECT runner_id FROM plans WHERE week_start = '2026-12-07'")))
    finally:
        engine.dispose()
    assert len(weeks) == RUNNERS and set(weeks.values()) == {1}
