"""A real CalDAV server for a test: Radicale (pip `radicale`) in its own process on a free
loopback port, authentication on (htpasswd, plain), storage in a temporary folder.

`radicale_server(folder)` yields a `Radicale` with the user `ana` (password `s3cret`)
and one collection made for her; `collection(name)` makes another. Failed logins are
not delayed (Radicale's default pause of a second would only slow the tests down).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import caldav

from tests.live_server import free_port

__all__ = ["Radicale", "radicale_server", "USER", "PASSWORD"]

USER, PASSWORD = "ana", "s3cret"


@dataclass
class Radicale:
    base: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]

    def collection(self, name: str, *events: str) -> str:
        """Make a calendar collection for ana holding `events` (iCalendar texts, one
        object per UID, as CalDAV stores them); its URL."""
        with caldav.DAVClient(url=f"{self.base}/{USER}/", username=USER,
                              password=PASSWORD) as client:
            calendar = client.principal().make_calendar(name=name, cal_id=name)
            for event in events:
                calendar.save_event(event)
            return str(calendar.url)

    def events(self, url: str) -> dict[str, str]:
        """The collection's events as ana reads them with the caldav client: by UID."""
        with caldav.DAVClient(url=url, username=USER, password=PASSWORD) as client:
            found = client.calendar(url=url).events()
            out = {}
            for event in found:
                component = event.icalendar_component
                out[str(component["uid"])] = str(event.data)
            return out


@contextmanager
def radicale_server(folder: Path) -> Iterator[Radicale]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users").write_text(f"{USER}:{PASSWORD}\n")
    port = free_port()
    (folder / "config").write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n"
        f"[auth]\ntype = htpasswd\nhtpasswd_filename = {folder / 'users'}\n"
        f"htpasswd_encryption = plain\ndelay = 0\n"
        f"[storage]\nfilesystem_folder = {folder / 'collections'}\n"
        f"[logging]\nlevel = error\n")
    process = subprocess.Popen([sys.executable, "-m", "radicale", "--config",
                                str(folder / "config")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Radicale did not start") from None
                time.sleep(0.05)
        yield Radicale(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        process.wait(timeout=15)
