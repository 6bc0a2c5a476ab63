"""Two server processes sync the same plans on a real PostgreSQL server (a throwaway one,
tests/postgres_server.py): each runs the server's own sync rounds (web.sync.sync_round,
which claims plans with FOR UPDATE SKIP LOCKED) in lockstep with the other. Over ten
rounds no plan is synced twice in a round and none is skipped."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scheduler.core.domain import Request
from tests.postgres_server import database_for_tests
from tests.test_sync import EditableCalendar
from tests.weeks import example
from web.actions import plan_new_week
from web.db import create_schema, make_engine
from web.secrets import configure
from web.settings import WebSettings

PLANS = 24
ROUNDS = 10
START = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)  # the Sunday before the examples' week
INTERVAL = 900


def one_process(url: str, data_dir: str, barrier: Any, out: Any) -> None:
    """A server process's sync: ROUNDS rounds, each started with the other process."""
    from web.sync import sync_round

    settings = WebSettings(database_url=url, data_dir=Path(data_dir),
                           allow_private_calendar_urls=True, sync_seconds=INTERVAL)
    engine = make_engine(url)
    configure(engine, settings)
    for number in range(ROUNDS):
        barrier.wait(timeout=120)
        now = START + timedelta(seconds=INTERVAL * number)
        # Claims of 4: 24 plans are then shared, as a server's thousands are in claims of
        # its default size.
        out.put((number, sorted(sync_round(engine, settings, now=now, threads=3,
                                           batch=4))))
    engine.dispose()


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from database_for_tests("plyoplan_sync")


def test_two_processes_sync_every_plan_once_per_round(database_url, tmp_path):
    server = EditableCalendar()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings = WebSettings(database_url=database_url, data_dir=tmp_path,
                           allow_private_calendar_urls=True, sync_seconds=INTERVAL)
    engine = make_engine(database_url)
    create_schema(engine)
    configure(engine, settings)
    request = Request.model_validate({**example("office_worker"),
                                      "busy_calendars": [server.url]})
    plans = {plan_new_week(engine, request, private_calendars=True)[0].id
             for _ in range(PLANS)}
    engine.dispose()
    spawn = multiprocessing.get_context("spawn")
    barrier, out = spawn.Barrier(2), spawn.Queue()
    workers = [spawn.Process(target=one_process, args=(database_url, str(tmp_path), barrier,
                                                       out)) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=300) for _ in range(2 * ROUNDS)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    server.shutdown()
    server.server_close()
    per_round: dict[int, Counter[str]] = {n: Counter() for n in range(ROUNDS)}
    both_worked = Counter[int]()
    for number, synced in results:
        per_round[number].update(synced)
        both_worked[number] += bool(synced)
    for number in range(ROUNDS):
        assert set(per_round[number]) == plans, f"round {number} skipped a plan"
        assert max(per_round[number].values()) == 1, f"round {number} synced one twice"
    assert any(count == 2 for count in both_worked.values()), "both processes took plans"
