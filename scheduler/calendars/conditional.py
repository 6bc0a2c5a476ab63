"""Fetch a calendar URL again only if it changed: a conditional GET with the ETag and
Last-Modified the last answer gave, so an unchanged calendar costs a 304 and no parsing.

The same limits as a first fetch hold (`scheduler.calendars.fetch`): the total deadline,
the size cap, webcal over HTTPS, and with `public_only` every connection to a checked
public address. `fetch_all_if_changed` asks many calendars at once on one event loop and
one client, as a sync round does for a batch of plans: for an unchanged calendar the
setting up would otherwise cost more than the 304 itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from scheduler.calendars.fetch import (
    FETCH_DEADLINE_SECONDS,
    LABEL_EXTENSION,
    CalendarError,
    _body,
    _client,
    _not_fetched,
    _run,
    _seconds,
    calendar_label,
    https_for_webcal,
)

__all__ = ["Ask", "Refetch", "fetch_if_changed", "fetch_all_if_changed"]

# Calendars asked at once by one call: enough to keep a batch's waits overlapping, few
# enough that no server sees a crowd from one process.
AT_ONCE = 32


@dataclass(frozen=True)
class Ask:
    """A calendar to fetch again, with what its last answer said."""

    url: str
    etag: str | None = None
    modified: str | None = None


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
    [got] = fetch_all_if_changed([Ask(url, etag, modified)], public_only=public_only)
    if isinstance(got, CalendarError):
        raise got
    return got


def fetch_all_if_changed(asks: Sequence[Ask], *, public_only: bool = False
                         ) -> list[Refetch | CalendarError]:
    """Each calendar as `fetch_if_changed` fetches it, in the order asked, with the
    CalendarError of one that failed in its place; at most AT_ONCE at a time."""
    if not asks:
        return []
    return _run(_fetch_all(asks, public_only))


async def _fetch_all(asks: Sequence[Ask], public_only: bool) -> list[Refetch | CalendarError]:
    slots = asyncio.Semaphore(AT_ONCE)

    async def one(ask: Ask) -> Refetch | CalendarError:
        async with slots:  # the deadline starts once the fetch may start
            try:
                return await _in_time(client, ask)
            except CalendarError as err:
                return err

    async with _client(public_only) as client:
        return list(await asyncio.gather(*(one(ask) for ask in asks)))


async def _in_time(client: httpx.AsyncClient, ask: Ask) -> Refetch:
    label = calendar_label(ask.url)
    try:
        async with asyncio.timeout(FETCH_DEADLINE_SECONDS):
            return await _fetch(client, ask, label)
    except TimeoutError:
        raise CalendarError(f"Calendar '{label}' could not be fetched: it did not arrive "
                            f"within {_seconds(FETCH_DEADLINE_SECONDS)}.") from None


async def _fetch(client: httpx.AsyncClient, ask: Ask, label: str) -> Refetch:
    headers = {}
    if ask.etag:
        headers["If-None-Match"] = ask.etag
    if ask.modified:
        headers["If-Modified-Since"] = ask.modified
    url = https_for_webcal(ask.url)
    try:
        async with client.stream("GET", url, headers=headers,
                                 extensions={LABEL_EXTENSION: label}) as response:
            if response.status_code == 304:
                return Refetch(None, ask.etag, ask.modified)
            return Refetch(await _body(response, label), response.headers.get("etag"),
                           response.headers.get("last-modified"))
    except (httpx.HTTPError, httpx.InvalidURL) as err:
        raise _not_fetched(err, label, url) from None
