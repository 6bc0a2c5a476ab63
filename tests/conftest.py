"""Shared fixtures: a real plyoplan server per test module (uvicorn on 127.0.0.1 over a
fresh SQLite file) and an httpx client to it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import settings

from tests.live_server import LiveServer, serve_in_thread
from tests.radicale_server import Radicale, radicale_server

# The background calendar sync stays off in tests unless a test asks for it.
os.environ.setdefault("PLYOPLAN_SYNC_SECONDS", "0")

# No per-example time limit for property tests: speed is measured in benchmarks/, and a
# pause of a busy machine (an example that once took 350 ms of a 200 ms deadline) must
# not fail a property that holds.
settings.register_profile("plyoplan", deadline=None)
settings.load_profile("plyoplan")


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with serve_in_thread(folder / "plyoplan.db") as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    """A real CalDAV server (Radicale, authentication on) for the test module."""
    with radicale_server(tmp_path_factory.mktemp("radicale")) as dav:
        yield dav
