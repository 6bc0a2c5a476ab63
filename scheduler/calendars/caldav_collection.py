"""A CalDAV collection (Nextcloud, iCloud, Fastmail, Radicale, Baïkal...) as a busy
calendar and as the place a plan writes its sessions to, through the `caldav` library.

Reading: a time-range REPORT for the local week plus a day on each side returns every
event that touches it, masters of repeating series included; their iCalendar text goes
through the same reading as an .ics file (`busy_from_ics`), so RRULE/EXDATE/RECURRENCE-ID,
time zones, TRANSP, tentative and all-day events mean exactly what they mean there.

Writing: each session is one resource named after its UID (``<uid>.ics``) in the
collection, PUT again whenever it changes and DELETEd when it leaves the plan; the UID is
the feed's, so a runner who both subscribes and links sees one event, not two.

Addresses: as for calendar URLs (`scheduler.calendars.fetch`), with `public_only` the host
must resolve to public internet addresses only. The `caldav` library makes its own
connections, so the name is checked just before them rather than pinned for them.

Secrets: a password is handed to the library and nowhere else; every message names the
collection by its URL without user info, and a library error is reduced to its kind.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import caldav
from caldav.lib import error as dav_error

from scheduler.calendars.events import BusyReading, Window
from scheduler.calendars.fetch import (
    FETCH_DEADLINE_SECONDS,
    MAX_CALENDAR_BYTES,
    CalendarError,
    calendar_label,
    is_public_address,
)
from scheduler.calendars.read import BusyOptions, busy_from_ics
from scheduler.core.domain import CalDavCalendar

__all__ = ["CalDavTarget", "caldav_name", "read_caldav_busy", "check_address", "put_events",
           "CALDAV_PREFIX"]

# A busy interval read from a collection remembers it as "caldav:<URL>", so it is never
# taken for an .ics URL to fetch (the week after reads its .ics URLs again by name).
CALDAV_PREFIX = "caldav:"


@dataclass(frozen=True)
class CalDavTarget:
    """A collection and the account to reach it with."""

    url: str
    username: str
    password: str

    @classmethod
    def of(cls, entry: CalDavCalendar) -> CalDavTarget:
        return cls(entry.caldav, entry.username, entry.password.get_secret_value())

    @property
    def label(self) -> str:
        return calendar_label(self.url)


def caldav_name(url: str) -> str:
    """The calendar name busy intervals read from the collection carry."""
    return CALDAV_PREFIX + calendar_label(url)


def check_address(url: str, label: str) -> None:
    """CalendarError unless every address the URL's host resolves to is public."""
    host = urlsplit(url).hostname or ""
    try:
        answers = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        answers = []
    addresses = {str(a[4][0]) for a in answers}
    if not addresses:
        raise CalendarError(f"CalDAV collection '{label}' could not be reached: the host "
                            f"name '{host}' was not found.")
    for address in sorted(addresses):
        ip = ipaddress.ip_address(address.split("%")[0])
        if not is_public_address(ip):
            raise CalendarError(
                f"CalDAV collection '{label}' is on a local or private network address "
                f"({ip}); this server only reads calendars from the public internet.")


@contextmanager
def _collection(target: CalDavTarget, public_only: bool) -> Iterator[Any]:
    if public_only:
        check_address(target.url, target.label)
    try:
        with caldav.DAVClient(url=target.url, username=target.username or None,
                              password=target.password or None,
                              timeout=int(FETCH_DEADLINE_SECONDS)) as client:
            yield client, client.calendar(url=target.url)
    except CalendarError:
        raise
    except dav_error.AuthorizationError:
        raise CalendarError(f"CalDAV collection '{target.label}' refused the user name or "
                            "password.") from None
    except dav_error.NotFoundError:
        raise CalendarError(f"CalDAV collection '{target.label}' was not found (HTTP 404); "
                            "check the collection's URL.") from None
    except dav_error.DAVError as err:
        raise CalendarError(f"CalDAV collection '{target.label}' answered with an error "
                            f"({type(err).__name__}).") from None
    except Exception as err:  # the transport's own errors: refused, reset, timed out...
        raise CalendarError(f"CalDAV collection '{target.label}' could not be reached "
                            f"({type(err).__name__}).") from None


def read_caldav_busy(target: CalDavTarget, *, week_start: date, tz: ZoneInfo,
                     options: BusyOptions, public_only: bool = False) -> BusyReading:
    """Busy time of the week from the collection (a time-range query for the week and a
    day each side), read as an .ics file would be. Raises CalendarError with a sentence."""
    window = Window.around(week_start, tz)
    with _collection(target, public_only) as (_client, collection):
        found = collection.search(start=window.start - timedelta(hours=1),
                                  end=window.end + timedelta(hours=1), event=True)
        texts = [str(item.data) for item in found]
    data = "".join(texts).encode()
    if len(data) > MAX_CALENDAR_BYTES:
        raise CalendarError(f"CalDAV collection '{target.label}' holds over 10 MB of events "
                            "for one week.")
    if not texts:
        return BusyReading(events=[], warnings=[])
    return busy_from_ics(data, label=target.label, week_start=week_start, tz=tz,
                         options=options)


def _resource(target: CalDavTarget, uid: str) -> str:
    return target.url.rstrip("/") + "/" + quote(uid, safe="") + ".ics"


def put_events(target: CalDavTarget, changes: Sequence[tuple[str, bytes | None]], *,
               public_only: bool = False) -> None:
    """Write each (uid, calendar bytes) to the collection, or delete the uid's event when
    the bytes are None (an event already gone counts as deleted). Raises CalendarError."""
    with _collection(target, public_only) as (client, _collection_):
        for uid, body in changes:
            url = _resource(target, uid)
            if body is None:
                answer = client.delete(url)
                ok = answer.status in (200, 204, 404)
            else:
                answer = client.put(url, body, {"Content-Type": "text/calendar; charset=utf-8"})
                ok = answer.status in (200, 201, 204)
            if not ok:
                raise CalendarError(f"CalDAV collection '{target.label}' did not store event "
                                    f"'{uid}' (HTTP {answer.status}).")
