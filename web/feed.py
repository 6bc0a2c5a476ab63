"""The calendar feed a runner subscribes to: ``GET /feeds/<token>.ics``.

What makes it behave in Google, Apple and Outlook calendars:
- one VEVENT per session, UID = the session id, so a moved session moves in place;
- DTSTAMP and LAST-MODIFIED are the moment the session last changed (not the request
  time), and SEQUENCE rises with every change of time or status;
- missed and dropped sessions stay as STATUS:CANCELLED for `feed_cancelled_days`, long
  enough for every subscriber to see them go, then leave the feed;
- times carry a TZID with its VTIMEZONE; no METHOD (a feed is not a scheduling message);
- every text (the runner's name above all) is escaped as RFC 5545 TEXT, so no name can
  add a line, a property or an event to the feed;
- REFRESH-INTERVAL / X-PUBLISHED-TTL ask for an hourly refresh, and ETag/Last-Modified
  let a client's repeated fetch end in 304 Not Modified.

Rendering a calendar costs milliseconds, a lookup microseconds: rendered feeds are kept
in a small in-process cache keyed by the versions of the runner's plans, and in the
database for every server process (web.feed_cache), so a feed is rendered again only
when a plan changed or a cancelled session falls out of the window.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Timezone
from icalendar.prop import vDuration
from sqlalchemy import Engine, bindparam, create_engine, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from scheduler.core.domain import PlannedSession
from scheduler.export.ics import calendar_for, calendar_text, session_event
from web.db import FeedToken, Plan, Runner, SessionRow
from web.store import CANCELLED, token_hash

__all__ = ["RenderedFeed", "FeedCache", "FeedLookup", "TokenLookup", "FeedConnections",
           "render_feed",
           "feed_headers", "is_not_modified", "http_date", "FEED_MEDIA_TYPE", "FAR_FUTURE"]

FEED_MEDIA_TYPE = "text/calendar; charset=utf-8"
FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
# The server's Date header is refreshed about once a second, so it may lag the clock by
# a second or so; Last-Modified must never be later than Date (RFC 9110 8.8.2.1).
DATE_HEADER_LAG = timedelta(seconds=2)


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str
    last_modified: datetime  # the true moment of the last change; what 304 is judged on
    valid_until: datetime  # when a cancelled session leaves the window and the body changes
    headers: dict[str, str]  # validators and caching hints, sent with 200 and 304


def feed_headers(etag: str, last_modified: datetime, now: datetime,
             refresh_minutes: int) -> dict[str, str]:
    # A feed rendered right after a change announces a slightly earlier date; a client
    # that sends it back as If-Modified-Since then gets a full answer, never a wrong 304.
    announced = min(last_modified, now - DATE_HEADER_LAG)
    return {
        "ETag": etag,
        "Last-Modified": http_date(announced),
        # Revalidate every time: the answer is usually a cheap 304.
        "Cache-Control": f"private, max-age=0, must-revalidate, "
                         f"stale-if-error={refresh_minutes * 60}",
        "X-Robots-Tag": "noindex",
    }


@dataclass(frozen=True)
class FeedLookup:
    """What the token lookup tells: whose feed, and the versions of their plans."""

    runner_id: str
    plans: tuple[tuple[str, int], ...]


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


_LOOKUP = (
    select(FeedToken.token, FeedToken.runner_id, Plan.id, Plan.version)
    .outerjoin(Plan, Plan.runner_id == FeedToken.runner_id)
    .where(FeedToken.token_hash == bindparam("token_hash"))
    .order_by(Plan.id)
)


class FeedConnections:
    """The feed's own connections to a database over the network: an engine whose pool
    neither pings a connection when lending it nor rolls it back when it comes home, in
    autocommit, so a one-query lookup is one round trip (with the app's pool, the ping
    and the rollback were most of a lookup's time). At most `size` per process, so the
    server's connections stay countable; a query that finds its connection dropped (the
    database restarted) is tried once more on a new one."""

    def __init__(self, engine: Engine, size: int = 2) -> None:
        self.engine = create_engine(
            engine.url, pool_size=size, max_overflow=0, pool_pre_ping=False,
            pool_reset_on_return=None, isolation_level="AUTOCOMMIT")

    def rows(self, sql: str, params: Any) -> list[Any]:
        for attempt in (1, 2):
            try:
                with self.engine.connect() as connection:
                    return list(connection.exec_driver_sql(sql, params).fetchall())
            except DBAPIError as err:
                if not err.connection_invalidated or attempt == 2:
                    raise
        raise AssertionError("not reached")

    def close(self) -> None:
        self.engine.dispose()


class TokenLookup:
    """The one query of every feed request, compiled once for the engine's dialect and
    run as the driver's SQL: the feed's 304 path is mostly this query, and building a
    statement and a result object per request would cost more than the query itself.

    SQLite (a file on this machine) answers on the app's own pool; other databases on the
    feed's own connections (`FeedConnections`).
    """

    def __init__(self, engine: Engine) -> None:
        compiled = _LOOKUP.compile(dialect=engine.dialect)
        self.engine = engine
        self.sql = str(compiled)
        self.positional = bool(compiled.positional)
        self.connections = (None if engine.dialect.name == "sqlite"
                            else FeedConnections(engine))

    def rows(self, sql: str, params: Any) -> list[Any]:
        """The rows of a compiled query on the feed's connections."""
        if self.connections is None:
            with self.engine.connect() as connection:
                return list(connection.exec_driver_sql(sql, params).fetchall())
        return self.connections.rows(sql, params)

    def close(self) -> None:
        if self.connections is not None:
            self.connections.close()

    def __call__(self, token: str) -> FeedLookup | None:
        """The runner and plan versions behind a token; None for an unknown token.

        The row is found by the token's SHA-256 (an index lookup reveals nothing about
        the token) and the stored token is then compared in constant time.
        """
        digest = token_hash(token)
        params: Any = (digest,) if self.positional else {"token_hash": digest}
        rows = self.rows(self.sql, params)
        if not rows or not hmac.compare_digest(str(rows[0][0]).encode(), token.encode()):
            return None
        plans = tuple((str(r[2]), int(r[3])) for r in rows if r[2] is not None)
        return FeedLookup(str(rows[0][1]), plans)


def _served_session(row: SessionRow) -> PlannedSession:
    """The session as the row last served it."""
    session = PlannedSession.model_validate(row.data)
    return session.model_copy(update={
        "start": row.start, "end": row.end, "status": row.status, "sequence": row.sequence,
    })


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, first: date, last: date) -> Timezone | None:
    """A zone's VTIMEZONE for the days from `first` to `last`, as icalendar's
    add_missing_timezones would add it (None for a zone it does not know). Working the
    rules out costs about half a render, and the runners of one week share them.
    Components written into feeds are only read, so one object serves every feed."""
    try:
        return Timezone.from_tzid(tzid, first_date=first, last_date=last)
    except ValueError:
        return None


def render_feed(engine: Engine, found: FeedLookup, *, now: datetime, cancelled_days: int,
                refresh_minutes: int) -> RenderedFeed:
    """Render the runner's feed as it stands at `now`."""
    plan_ids = [plan_id for plan_id, _ in found.plans]
    with Session(engine) as db:
        runner = db.get_one(Runner, found.runner_id)
        updated = db.scalar(select(func.max(Plan.updated_at))
                            .where(Plan.runner_id == found.runner_id))
        rows = db.execute(
            select(SessionRow, Plan.timezone)
            .join(Plan, Plan.id == SessionRow.plan_id)
            .where(SessionRow.plan_id.in_(plan_ids))
            .order_by(SessionRow.start, SessionRow.session_id)
        ).all() if plan_ids else []
    window = timedelta(days=cancelled_days)
    cal = calendar_for(f"plyoplan · {runner.name}")
    # Escaped by calendar_text: icalendar writes these unescaped, and a name with a line
    # break would otherwise end the line and start whatever follows it.
    cal.add("x-wr-caldesc", calendar_text(
        f"Training weeks planned by plyoplan for {runner.name}"))
    cal.add("x-wr-timezone", calendar_text(runner.timezone))
    refresh = timedelta(minutes=refresh_minutes)
    cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(refresh))
    last_change = updated or runner.created_at
    valid_until = FAR_FUTURE
    days = []
    for session_row, zone in rows:
        if session_row.status in CANCELLED:
            leaves = session_row.last_modified + window
            if leaves <= now:
                # Gone from the feed: the body changed at that moment.
                last_change = max(last_change, leaves)
                continue
            valid_until = min(valid_until, leaves)
        last_change = max(last_change, session_row.last_modified)
        session = _served_session(session_row)
        cal.add_component(session_event(session, session_row.last_modified, ZoneInfo(zone)))
        days.append(session.start.astimezone(ZoneInfo(zone)).date())
    if days:
        # VTIMEZONE rules for just the weeks the events use keep the feed small.
        first, last = min(days) - timedelta(days=7), max(days) + timedelta(days=7)
        for tzid in sorted(cal.get_missing_tzids()):
            vtimezone = _vtimezone(tzid, first, last)
            if vtimezone is not None:
                cal.subcomponents.insert(len(cal.timezones), vtimezone)
    body = cal.to_ical()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return RenderedFeed(body, etag, last_change, valid_until,
                        feed_headers(etag, last_change, now, refresh_minutes))


class FeedCache:
    """Rendered feeds by (runner, plan versions); bounded, thread-safe."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[tuple[object, ...], RenderedFeed] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: tuple[object, ...], now: datetime) -> RenderedFeed | None:
        with self._lock:
            feed = self._items.get(key)
            if feed is None or feed.valid_until <= now:
                return None
            self._items.move_to_end(key)
            return feed

    def put(self, key: tuple[object, ...], feed: RenderedFeed) -> None:
        with self._lock:
            self._items[key] = feed
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def is_not_modified(feed: RenderedFeed, if_none_match: str | None,
                    if_modified_since: str | None) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins; If-Modified-Since only without it,
    judged against the true moment of the last change (see `feed_headers`)."""
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or feed.etag in tags
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False  # an unreadable date is ignored, as the RFC says
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return feed.last_modified <= since
    return False
