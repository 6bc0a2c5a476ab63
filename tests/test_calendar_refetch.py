"""Asking many calendars again at once (scheduler.calendars.conditional), as a sync round
does: the answers come back in the order asked, each failure in its own place and named
after its own calendar; a Refetcher's connections serve one calendar after another; no
cookie one runner's calendar server sets is ever sent with another runner's calendar.
Every server is real, on a loopback address."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from scheduler.calendars import conditional
from scheduler.calendars.conditional import (
    AT_ONCE,
    Ask,
    Refetch,
    Refetcher,
    fetch_all_if_changed,
    fetch_if_changed,
)
from scheduler.calendars.fetch import CalendarError
from tests.calendar_servers import calendar_with, serve_calendar


class Calendars(ThreadingHTTPServer):
    """Serves /<name>.ics (404 for /missing.ics) with an ETag, 304 to a matching
    If-None-Match; sets a cookie on /ana.ics; counts connections and notes each
    request's path with the Cookie header it carried. With `one_per_connection`, a
    connection's second request is met by closing it, as a server whose keep-alive
    time ran out just then does."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self.one_per_connection = False
        self.requests: list[tuple[str, str | None]] = []
        self.lock = threading.Lock()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{name}.ics"


class _Handler(BaseHTTPRequestHandler):
    server: Calendars
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.served = 0
        with self.server.lock:
            self.server.connections += 1

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.served += 1
        if self.server.one_per_connection and self.served > 1:
            self.close_connection = True
            return
        with self.server.lock:
            self.server.requests.append((self.path, self.headers.get("Cookie")))
        if self.path == "/missing.ics":
            return self._answer(404, b"", {})
        body = calendar_with(self.path)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag}
        if self.path == "/ana.ics":
            headers["Set-Cookie"] = "session=ana; Path=/"
        if self.headers.get("If-None-Match") == etag:
            return self._answer(304, b"", headers)
        self._answer(200, body, headers)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def calendars(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calendars]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = Calendars()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_answers_come_back_in_the_order_asked_each_failure_in_its_place(calendars):
    first = fetch_if_changed(calendars.url("tom"), etag=None, modified=None)
    assert first.data == calendar_with("/tom.ics") and first.etag
    got = fetch_all_if_changed([Ask(calendars.url("lea")), Ask(calendars.url("missing")),
                                Ask(calendars.url("tom"), first.etag)])
    lea, missing, tom = got
    assert isinstance(lea, Refetch) and lea.data == calendar_with("/lea.ics")
    assert isinstance(missing, CalendarError)
    assert str(missing) == (f"Calendar '{calendars.url('missing')}' could not be fetched: "
                            "HTTP 404.")
    assert tom == Refetch(None, first.etag, None)
    assert fetch_all_if_changed([]) == []


def test_one_refetcher_asks_calendar_after_calendar_over_a_few_kept_connections(calendars):
    names = [f"runner-{n}" for n in range(3 * AT_ONCE)]
    learnt = fetch_all_if_changed([Ask(calendars.url(name)) for name in names])
    asks = [Ask(calendars.url(name), got.etag) for name, got in zip(names, learnt,
                                                                    strict=True)
            if isinstance(got, Refetch)]
    assert len(asks) == len(names)
    before = calendars.connections
    with Refetcher() as refetcher:
        for _ in range(3):  # three batches of a round
            answers = refetcher.fetch_all(asks)
            assert all(isinstance(a, Refetch) and a.unchanged for a in answers)
    # Nine times as many 304s as there are clients: each connection served many.
    assert len(calendars.requests) == len(names) + 3 * len(names)
    assert calendars.connections - before <= AT_ONCE


def test_a_cookie_one_calendar_sets_is_never_sent_with_another(calendars):
    with Refetcher() as refetcher:
        refetcher.fetch_all([Ask(calendars.url("ana"))])
        refetcher.fetch_all([Ask(calendars.url(f"tom-{n}")) for n in range(AT_ONCE)]
                            + [Ask(calendars.url("ana"))])
    assert len(calendars.requests) == AT_ONCE + 2
    assert [cookie for _path, cookie in calendars.requests] == [None] * (AT_ONCE + 2)


def test_with_public_only_each_refused_calendar_is_named_in_its_own_sentence(calendars):
    urls = [calendars.url("ana"), "http://ana:s3cret@127.0.0.1:9/work.ics"]
    got = fetch_all_if_changed([Ask(url) for url in urls], public_only=True)
    assert [str(error) for error in got] == [
        f"Calendar '{urls[0]}' is on a local or private network address (127.0.0.1); "
        "this server only reads calendars from the public internet.",
        "Calendar 'http://***@127.0.0.1:9/work.ics' is on a local or private network "
        "address (127.0.0.1); this server only reads calendars from the public internet."]
    assert calendars.requests == []


def test_a_slow_calendar_misses_its_deadline_and_the_others_still_arrive(
        calendars, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(conditional, "FETCH_DEADLINE_SECONDS", 1.0)
    with serve_calendar() as slow:
        slow.drip_seconds = 0.2  # each byte well inside the per-read timeout
        slow_url = f"http://127.0.0.1:{slow.port}/work.ics"
        began = time.monotonic()
        got = fetch_all_if_changed([Ask(slow_url), Ask(calendars.url("lea"))])
        took = time.monotonic() - began
    assert [str(error) for error in got[:1]] == [
        f"Calendar '{slow_url}' could not be fetched: it did not arrive within 1 second."]
    assert isinstance(got[1], Refetch) and got[1].data == calendar_with("/lea.ics")
    assert took < 5


def test_a_kept_connection_the_server_closes_is_asked_again_on_a_new_one(calendars):
    calendars.one_per_connection = True
    with Refetcher() as refetcher:
        [first] = refetcher.fetch_all([Ask(calendars.url("tom"))])
        assert isinstance(first, Refetch)
        [again] = refetcher.fetch_all([Ask(calendars.url("tom"), first.etag)])
    assert again == Refetch(None, first.etag, None)
    assert calendars.connections == 2
