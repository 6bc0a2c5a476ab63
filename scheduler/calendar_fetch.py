"""Fetch the raw bytes of a busy calendar from a file or an http(s)/webcal URL.

Both paths stop at `MAX_CALENDAR_BYTES`: a busy calendar is a few hundred kilobytes even
after years of meetings, so anything far bigger is a mistake (a wrong URL, a media file)
or hostile, and reading it whole would only cost memory. URLs are streamed so that a
server that never stops sending cannot exhaust memory either.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

__all__ = ["MAX_CALENDAR_BYTES", "CalendarError", "calendar_label", "load_calendar_bytes"]

MAX_CALENDAR_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 10.0
_URL_SCHEMES = ("http://", "https://", "webcal://")


class CalendarError(ValueError):
    """Raised when a calendar cannot be used at all: missing file, unreachable URL, not a
    calendar, over the size cap. Message: one sentence naming the file/URL and what went
    wrong."""


def calendar_label(source: str) -> str:
    """How a calendar is named in messages: as the runner gave it, minus any password.

    A URL like https://user:secret@host/cal.ics must not leak its secret into a terminal,
    a log or a web page, so the user-info part is replaced by '***'.
    """
    if not _is_url(source):
        return source
    parts = urlsplit(source)
    if parts.username is None and parts.password is None:
        return source
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def load_calendar_bytes(source: str, *, base_dir: Path | None = None) -> bytes:
    """The bytes of a calendar file (relative paths resolved against `base_dir`) or URL.

    Raises CalendarError when the file is missing or unreadable, the URL cannot be
    fetched, or the calendar is larger than `MAX_CALENDAR_BYTES`.
    """
    if _is_url(source):
        return _fetch_url(source)
    return _read_file(source, base_dir)


def _is_url(source: str) -> bool:
    return source.lower().startswith(_URL_SCHEMES)


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
        raise CalendarError(f"Calendar '{source}' was not found.") from None
    except IsADirectoryError:
        raise CalendarError(f"Calendar '{source}' is a folder, not a file.") from None
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise CalendarError(f"Calendar '{source}' could not be read: {reason}.") from None
    if len(data) > MAX_CALENDAR_BYTES:
        raise _too_big(source)
    return data


def _fetch_url(source: str) -> bytes:
    label = calendar_label(source)
    url = source
    if url.lower().startswith("webcal://"):
        # webcal:// only says "subscribe to this"; the feed itself is served over HTTPS.
        url = "https://" + url[len("webcal://"):]
    try:
        with httpx.Client(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=True) as client, \
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


def _too_big(label: str) -> CalendarError:
    return CalendarError(f"Calendar '{label}' is larger than the 10 MB limit.")


def _reason(err: Exception) -> str:
    """A short reason for a failed request, without httpx's multi-line detail."""
    text = str(err).strip().splitlines()
    first = text[0].rstrip(".") if text else ""
    # "[Errno 111] Connection refused" reads better without the errno.
    return re.sub(r"^\[Errno -?\d+\]\s*", "", first) or type(err).__name__
