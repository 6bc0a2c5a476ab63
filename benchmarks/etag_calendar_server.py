"""The calendar server bench_sync.py reads, run as a process of its own so that it does
not share the measured process's interpreter:

    python benchmarks/etag_calendar_server.py FOLDER

serves FOLDER/<name>.ics with an ETag (a hash of the file as it is now), answers 304 to
a matching If-None-Match, counts its answers by status (GET /answers), and prints the
port it listens on (127.0.0.1) as its first line.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a real server's backlog, not http.server's 5

    def __init__(self, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.folder = folder
        self.answers: Counter[str] = Counter()


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        if self.path == "/answers":
            return self.answer(200, json.dumps(self.server.answers).encode(), None,
                               count=False)
        try:
            body = (self.server.folder / self.path.lstrip("/")).read_bytes()
        except OSError:
            return self.answer(404, b"", None)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            return self.answer(304, b"", etag)
        self.answer(200, body, etag)

    def answer(self, status: int, body: bytes, etag: str | None, count: bool = True) -> None:
        if count:
            self.server.answers[str(status)] += 1
        self.send_response(status)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


if __name__ == "__main__":
    server = Server(Path(sys.argv[1]))
    print(server.server_address[1], flush=True)
    server.serve_forever()
