"""The web app served for real on 127.0.0.1, for tests that speak HTTP to it.

`serve_in_thread` runs uvicorn in a background thread of the test process (fast to
start; the test can also open the same SQLite file); `serve_in_process` starts
`plyoplan serve` as a child process (optionally with several worker processes), its
output in a .log file beside the database.
Both listen on a free loopback port, use a real SQLite file, and stop when the
context exits.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from scheduler.core.domain import Schedule
from tests.oracle import assert_valid
from web.app import create_app
from web.settings import WebSettings

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class LiveServer:
    url: str
    database: Path

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60.0, **kwargs)


def create(client: httpx.Client, request: dict[str, Any]) -> dict[str, Any]:
    """POST a request to /api/plans: 201, and any plan in it passes the oracle."""
    response = client.post("/api/plans", json=request)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    if body["schedule"]["sessions"]:
        assert_valid(Schedule.model_validate(body["schedule"]))
    return body


def checked(body: dict[str, Any]) -> Schedule:
    """The schedule of an API answer, through the independent oracle."""
    schedule = Schedule.model_validate(body["schedule"])
    assert_valid(schedule)
    return schedule


def mark(client: httpx.Client, body: dict[str, Any], session_id: str, what: str,
         at: str) -> dict[str, Any]:
    """Mark a session of a created plan missed or done at `at`: 200, and the re-planned
    week passes the oracle."""
    response = client.post(f"/api/plans/{body['id']}/sessions/{session_id}/{what}",
                           json={"version": body["version"], "at": at})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    assert_valid(Schedule.model_validate(result["schedule"]))
    return result


def squad_week(sessions: int) -> dict[str, Any]:
    """A request with `sessions` easy runs and room for all: for racing writers."""
    return {
        "runner": {"name": "Squad", "level": "intermediate", "timezone": "Europe/Berlin"},
        "week_start": "2026-11-30",
        "availability": {d: [["06:00", "21:00"]]
                         for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "sessions": [{"kind": "easy", "minutes": 30}] * sessions,
        "rules": {"runs_per_day": 3, "rest_days": 0},
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, alive: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("the server stopped while starting")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server at {url} did not come up within {timeout} s")


@contextmanager
def serve_in_thread(database: Path, **settings: Any) -> Iterator[LiveServer]:
    # A `database_url` among the settings (PostgreSQL, say) takes the SQLite file's place.
    settings.setdefault("database_url", f"sqlite:///{database}")
    app = create_app(WebSettings(**settings))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, thread.is_alive)
        yield LiveServer(url, database)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def serve_in_process(database: Path, *, workers: int = 1, access_log: bool = False,
                     env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    port = free_port()
    child_env = {**os.environ, "PLYOPLAN_DATABASE_URL": f"sqlite:///{database}",
                 "PYTHONUNBUFFERED": "1", **(env or {})}
    log = database.with_suffix(".log").open("wb")  # the server's own words, if it fails
    quiet = [] if access_log else ["--no-access-log"]
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler.cli", "serve", "--port", str(port),
         "--workers", str(workers), *quiet],
        cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, lambda: process.poll() is None)
        yield LiveServer(url, database)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
