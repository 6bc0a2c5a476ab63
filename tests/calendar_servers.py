"""Calendar servers started by a test: real HTTP on a loopback address, in a thread.

One server answers in one of four ways, set on it by the test: serve `calendar`, redirect
to `redirect_to`, drip the calendar one byte every `drip_seconds` (a slow server that
keeps every per-read timeout happy), or, with `tls`, the same over HTTPS. Each request's
path is noted in `hits`. `fake_dns` makes host names resolve as a test says.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

__all__ = ["CalendarServer", "serve_calendar", "fake_dns", "calendar_with", "WEEKLY"]


def calendar_with(summary: str, start: str = "20261202T170000Z",
                  end: str = "20261202T200000Z") -> bytes:
    """A calendar with one event (by default on Wed 2 Dec 2026, the examples' week)."""
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//plyoplan tests//EN\r\n"
            f"BEGIN:VEVENT\r\nUID:{summary.replace(' ', '-')}@example.org\r\n"
            f"DTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
            f"SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


# Every Tuesday 18:00-19:30 in Berlin: the runner's club committee, week after week.
WEEKLY = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//plyoplan tests//EN\r\n"
          b"BEGIN:VEVENT\r\nUID:committee@example.org\r\nDTSTAMP:20261101T000000Z\r\n"
          b"DTSTART:20261124T170000Z\r\nDTEND:20261124T183000Z\r\nRRULE:FREQ=WEEKLY\r\n"
          b"SUMMARY:Committee\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


class CalendarServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int) -> None:
        super().__init__((host, port), _Handler)
        self.calendar = calendar_with("Board meeting")
        self.redirect_to: str | None = None
        self.drip_seconds: float | None = None
        self.hits: list[str] = []
        self.stopping = threading.Event()  # ends every drip at once

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: CalendarServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.server.hits.append(self.path)
        if self.server.redirect_to is not None:
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.server.calendar
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.server.drip_seconds is None:
            self.wfile.write(body)
            return
        for byte in body:
            if self.server.stopping.wait(self.server.drip_seconds):
                self.close_connection = True
                return
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return  # the client gave up: that is the point

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_calendar(host: str = "127.0.0.1", port: int = 0,
                   tls: ssl.SSLContext | None = None) -> Iterator[CalendarServer]:
    server = CalendarServer(host, port)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def fake_dns(monkeypatch: pytest.MonkeyPatch,
             answers: dict[str, Callable[[], str]]) -> list[str]:
    """Resolve each named host to the address its function gives at that moment (other
    names as usual); returns the list of names looked up, in order."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in answers:
            return real(host, port, *args, **kwargs)
        asked.append(name)
        return real(answers[name](), port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked
