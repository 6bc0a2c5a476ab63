"""Fetch a calendar URL again only if it changed: a conditional GET with the ETag and
Last-Modified the last answer gave, so an unchanged calendar costs a 304 and no parsing.

The same limits as a first fetch hold (`scheduler.calendars.fetch`): the total deadline,
the size cap, webcal over HTTPS, and with `public_only` every connection to a checked
public address. `fetch_all_if_changed` asks many calendars at once on one event loop and
one client, and a `Refetcher` keeps that loop and client for many such calls, as a sync
round does for its batches of plans: for an unchanged calendar, setting up a client and
a connection costs more than the 304 itself, so a calendar host's connections serve one
plan after another (with `public_only` every fetch still connects anew).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

import httpx

from scheduler.calendars.fetch import (
    FETCH_DEADLINE_SECONDS,
    LABEL_EXTENSION,
    CalendarError,
    _body,
    _client,
    _not_fetched,
    _seconds,
    calendar_label,
    https_for_webcal,
)

__all__ = ["Ask", "Refetch", "Refetcher", "fetch_if_changed", "fetch_all_if_changed"]

# Calendars asked at once: enough to keep a batch's waits overlapping, few enough that no
# server sees a crowd from one process. Each of them has a client of its own: httpx's
# pool looks at every connection it holds whenever a request starts or ends, so one
# client carrying them all would spend more time on its pool than on the 304s.
AT_ONCE = 16


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
    with Refetcher(public_only=public_only) as refetcher:
        return refetcher.fetch_all(asks)


class Refetcher:
    """One event loop and AT_ONCE clients for the conditional fetches of one thread, until
    closed (a `with` block)."""

    def __init__(self, *, public_only: bool = False) -> None:
        self._loop = asyncio.new_event_loop()
        self._public_only = public_only
        self._clients: list[httpx.AsyncClient] = []

    def fetch_all(self, asks: Sequence[Ask]) -> list[Refetch | CalendarError]:
        """As `fetch_all_if_changed`, on this loop and client."""
        return self._loop.run_until_complete(self._fetch_all(asks))

    async def _fetch_all(self, asks: Sequence[Ask]) -> list[Refetch | CalendarError]:
        found: list[Refetch | CalendarError] = [CalendarError("not fetched")] * len(asks)
        todo = iter(enumerate(asks))  # shared: each client takes the next calendar

        async def fetch_with(client: httpx.AsyncClient) -> None:
            for number, ask in todo:
                try:  # the deadline starts once a client takes the calendar
                    found[number] = await _in_time(client, ask)
                except CalendarError as err:
                    found[number] = err

        while len(self._clients) < min(AT_ONCE, len(asks)):
            self._clients.append(_client(self._public_only))
        await asyncio.gather(*map(fetch_with, self._clients[:len(asks)]))
        return found

    def close(self) -> None:
        # loop.close(), unlike asyncio.run(), does not wait for a name lookup still
        # running in the loop's executor after a deadline has passed.
        try:
            for client in self._clients:
                self._loop.run_until_complete(client.aclose())
        finally:
            self._loop.close()

    def __enter__(self) -> Refetcher:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


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
        try:
            return await _get(client, url, headers, ask, label)
        except _DROPPED:
            # A kept connection the server closed as the request went out: a GET may go
            # again, once, on a new connection.
            return await _get(client, url, headers, ask, label)
    except (httpx.HTTPError, httpx.InvalidURL) as err:
        raise _not_fetched(err, label, url) from None


_DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


async def _get(client: httpx.AsyncClient, url: str, headers: dict[str, str], ask: Ask,
               label: str) -> Refetch:
    async with client.stream("GET", url, headers=headers,
                             extensions={LABEL_EXTENSION: label}) as response:
        if response.status_code == 304:
            # Read to its (empty) end, so the connection may serve the next calendar.
            await response.aread()
            return Refetch(None, ask.etag, ask.modified)
        return Refetch(await _body(response, label), response.headers.get("etag"),
                       response.headers.get("last-modified"))
