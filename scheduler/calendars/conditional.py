"""Fetch a calendar URL again only if it changed: a conditional GET with the ETag and
Last-Modified the last answer gave, so an unchanged calendar costs a 304 and no parsing.

The same limits as a first fetch hold (`scheduler.calendars.fetch`): the total deadline,
the size cap, webcal over HTTPS, and with `public_only` every connection to a checked
public address.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from scheduler.calendars.fetch import (
    FETCH_DEADLINE_SECONDS,
    FETCH_TIMEOUT_SECONDS,
    MAX_CALENDAR_BYTES,
    CalendarError,
    _CheckedAddresses,
    _reason,
    _run,
    _seconds,
    _tls,
    _too_big,
    calendar_label,
)

__all__ = ["Refetch", "fetch_if_changed"]


@dataclass(frozen=True)
class Refetch:
    """What a conditional fetch found: `data` None when the server said 304."""

    data: bytes | None
    etag: str | None
    modified: str | None

    @property
    def unchanged(self) -> bool:
        return self.data is None


def fetch_if_changed(url: str, *, etag: str | None, modified: str | None,
                     public_only: bool = False) -> Refetch:
    """The calendar at `url` unless it is unchanged since the answer that gave `etag` /
    `modified`. Raises CalendarError with a sentence naming the URL (without secrets)."""
    return _run(_in_time(url, etag, modified, public_only))


async def _in_time(url: str, etag: str | None, modified: str | None,
                   public_only: bool) -> Refetch:
    label = calendar_label(url)
    try:
        async with asyncio.timeout(FETCH_DEADLINE_SECONDS):
            return await _fetch(url, label, etag, modified, public_only)
    except TimeoutError:
        raise CalendarError(f"Calendar '{label}' could not be fetched: it did not arrive "
                            f"within {_seconds(FETCH_DEADLINE_SECONDS)}.") from None


async def _fetch(source: str, label: str, etag: str | None, modified: str | None,
                 public_only: bool) -> Refetch:
    url = source
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    transport = _CheckedAddresses(label) if public_only else None
    try:
        # The shared TLS context: loading the CA bundle again for each client would cost
        # more than a whole 304 answer, and a sync round asks every plan's calendars.
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=True,
                                     transport=transport, verify=_tls()) as client, \
                client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return Refetch(None, etag, modified)
            if response.status_code >= 400:
                raise CalendarError(
                    f"Calendar '{label}' could not be fetched: HTTP {response.status_code}.")
            chunks: list[bytes] = []
            received = 0
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > MAX_CALENDAR_BYTES:
                    raise _too_big(label)
                chunks.append(chunk)
            return Refetch(b"".join(chunks), response.headers.get("etag"),
                           response.headers.get("last-modified"))
    except httpx.TimeoutException:
        raise CalendarError(f"Calendar '{label}' could not be fetched: no answer within "
                            f"{_seconds(FETCH_TIMEOUT_SECONDS)}.") from None
    except (httpx.HTTPError, httpx.InvalidURL) as err:
        raise CalendarError(f"Calendar '{label}' could not be fetched: {_reason(err)}.") \
            from None
