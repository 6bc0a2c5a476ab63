"""Fetch the raw bytes of a busy calendar from a file or an http(s)/webcal URL.

Both paths stop at `MAX_CALENDAR_BYTES`: a busy calendar is a few hundred kilobytes even
after years of meetings, so anything far bigger is a mistake (a wrong URL, a media file)
or hostile, and reading it whole would only cost memory. URLs are streamed so that a
server that never stops sending cannot exhaust memory either.

A server that fetches URLs its visitors type must not become their way into its own
network: with `public_only` every request (the first and each redirect) is refused unless
its host resolves to public internet addresses only — never loopback, private, link-local
(cloud metadata) or reserved ones. The name is resolved again when httpx connects, so a
host that changes its answer in between (DNS rebinding) is not covered; a deployment that
needs that guarantee puts the app behind an egress proxy.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

__all__ = ["MAX_CALENDAR_BYTES", "URL_SCHEMES", "CalendarError", "calendar_label", "is_url",
           "load_calendar_bytes"]

MAX_CALENDAR_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 10.0
URL_SCHEMES = ("http://", "https://", "webcal://")


class CalendarError(ValueError):
    """Raised when a calendar cannot be used at all: missing file, unreachable URL, not a
    calendar, over the size cap. Message: one sentence naming the file/URL and what went
    wrong."""


def calendar_label(source: str) -> str:
    """How a calendar is named in messages: as the runner gave it, minus any password.

    A URL like https://user:secret@host/cal.ics must not leak its secret into a terminal,
    a log or a web page, so the user-info part is replaced by '***'.
    """
    if not is_url(source):
        return source
    parts = urlsplit(source)
    if parts.username is None and parts.password is None:
        return source
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def load_calendar_bytes(source: str, *, base_dir: Path | None = None,
                        public_only: bool = False) -> bytes:
    """The bytes of a calendar file (relative paths resolved against `base_dir`) or URL
    (with `public_only`, on a public internet address only).

    Raises CalendarError when the file is missing or unreadable, the URL cannot be
    fetched or is refused, or the calendar is larger than `MAX_CALENDAR_BYTES`.
    """
    if is_url(source):
        return _fetch_url(source, public_only)
    return _read_file(source, base_dir)


def is_url(source: str) -> bool:
    """Whether a calendar source is an http(s) or webcal URL (else a file path)."""
    return source.lower().startswith(URL_SCHEMES)


def _read_file(source: str, base_dir: Path | None) -> bytes:
    path = Path(source).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        with path.open("rb") as handle:
            # Read one byte past the cap instead of trusting stat(): the file may grow
            # (or be a FIFO) between a size check and the read.
            data = handle.read(MAX_CALENDAR_BYTES + 1)
    except FileNotFoundError:
        looked = path.absolute()  # a relative name alone does not say which folder was meant
        where = "" if str(looked) == source else f" (looked for {looked})"
        raise CalendarError(f"Calendar '{source}' was not found{where}.") from None
    except IsADirectoryError:
        raise CalendarError(f"Calendar '{source}' is a folder, not a file.") from None
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise CalendarError(f"Calendar '{source}' could not be read: {reason}.") from None
    if len(data) > MAX_CALENDAR_BYTES:
        raise _too_big(source)
    return data


def _fetch_url(source: str, public_only: bool = False) -> bytes:
    label = calendar_label(source)
    hooks = {"request": [_refuse_non_public_hosts(label)]} if public_only else {}
    url = source
    if url.lower().startswith("webcal://"):
        # webcal:// only says "subscribe to this"; the feed itself is served over HTTPS.
        url = "https://" + url[len("webcal://"):]
    try:
        with httpx.Client(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=True,
                          event_hooks=hooks) as client, \
                client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise CalendarError(
                    f"Calendar '{label}' could not be fetched: HTTP {response.status_code}.")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_CALENDAR_BYTES:
                raise _too_big(label)
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > MAX_CALENDAR_BYTES:
                    raise _too_big(label)
                chunks.append(chunk)
    except httpx.TimeoutException:
        raise CalendarError(
            f"Calendar '{label}' could not be fetched: no answer within "
            f"{FETCH_TIMEOUT_SECONDS:.0f} seconds.") from None
    except (httpx.HTTPError, httpx.InvalidURL) as err:
        raise CalendarError(
            f"Calendar '{label}' could not be fetched: {_reason(err)}.") from None
    return b"".join(chunks)


def _refuse_non_public_hosts(label: str) -> Callable[[httpx.Request], None]:
    """An httpx request hook (it runs for every redirect too) that raises CalendarError
    when the request's host resolves to any address outside the public internet."""

    def check(request: httpx.Request) -> None:
        host = request.url.host
        try:
            answers = socket.getaddrinfo(host, request.url.port or 443,
                                         type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            return  # unknown host: the connection attempt reports it in its own words
        for *_, address in answers:
            ip = ipaddress.ip_address(address[0])
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
                ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
            if not ip.is_global:
                raise CalendarError(
                    f"Calendar '{label}' is on a local or private network address ({ip}); "
                    f"this server only reads calendars from the public internet.")

    return check


def _too_big(label: str) -> CalendarError:
    return CalendarError(f"Calendar '{label}' is larger than the 10 MB limit.")


def _reason(err: Exception) -> str:
    """A short reason for a failed request, without httpx's multi-line detail."""
    text = str(err).strip().splitlines()
    first = text[0].rstrip(".") if text else ""
    # "[Errno 111] Connection refused" reads better without the errno.
    return re.sub(r"^\[Errno -?\d+\]\s*", "", first) or type(err).__name__
