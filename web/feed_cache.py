"""Rendered feeds, kept where every server process finds them.

Rendering a runner's calendar costs 10 to 15 ms of CPU; looking a rendered one up, a
fraction of a millisecond. Each process keeps the feeds it served (`web.feed.FeedCache`),
and the database keeps the last rendered feed of each runner (`FeedBody`), so a change
to a plan is rendered once, not once by every process that is asked for the feed after
it. A write that changes a plan renders the runner's feed at once (`Feeds.refresh`), so
the calendar apps polling after it are answered from a stored body, not kept waiting
for a render. A stored feed is used only while the plan versions it was rendered from
(and the feed settings) are the current ones, and until a cancelled session in it
leaves the window (`valid_until`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, ForeignKey, LargeBinary, String, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from web.db import Base, UTCDateTime
from web.feed import (
    FAR_FUTURE,
    FeedCache,
    FeedLookup,
    RenderedFeed,
    TokenLookup,
    feed_headers,
    render_feed,
)

__all__ = ["FeedBody", "Feeds"]


class FeedBody(Base):
    """The last rendered feed of a runner, and what it was rendered from: `key` is a
    hash of the runner's plan versions and the feed settings."""

    __tablename__ = "feed_bodies"

    runner_id: Mapped[str] = mapped_column(ForeignKey("runners.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(40))
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime())
    # None: nothing in the feed leaves it with time
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


_STORED = select(FeedBody.body, FeedBody.etag, FeedBody.last_modified,
                 FeedBody.valid_until).where(FeedBody.runner_id == bindparam("runner_id"),
                                             FeedBody.key == bindparam("key"))


def _utc(value: datetime | str | None) -> datetime | None:
    """A stored UTC time as the driver gives it (SQLite: text) made aware."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC)


class Feeds:
    """A runner's feed as it stands: from this process's cache, else from the database's
    stored body, else rendered (and stored for the other processes)."""

    def __init__(self, engine: Engine, *, cancelled_days: int, refresh_minutes: int,
                 size: int = 512) -> None:
        self.engine = engine
        self.cancelled_days = cancelled_days
        self.refresh_minutes = refresh_minutes
        self.lookup = TokenLookup(engine)
        self.cache = FeedCache(size)
        # Run on the lookup's connections like the lookup: one round trip, no ORM.
        compiled = _STORED.compile(dialect=engine.dialect)
        self._stored_sql = str(compiled)
        self._stored_positional = bool(compiled.positional)

    def key(self, found: FeedLookup) -> str:
        """What a rendered feed depends on, besides time: the versions of the runner's
        plans and the feed settings."""
        versions = ",".join(f"{plan_id}:{version}" for plan_id, version in found.plans)
        what = f"{self.cancelled_days}|{self.refresh_minutes}|{versions}"
        return hashlib.sha256(what.encode()).hexdigest()

    def cached(self, found: FeedLookup, now: datetime) -> RenderedFeed | None:
        """The feed from this process's cache (no I/O), or None."""
        return self.cache.get((found.runner_id, found.plans), now)

    def load_or_render(self, found: FeedLookup, now: datetime) -> RenderedFeed:
        """The feed from the stored body when it is current, else rendered and stored
        (blocking: a database query, and the render when it comes to that)."""
        key = self.key(found)
        feed = self._stored(found.runner_id, key, now)
        if feed is None:
            feed = self._render(found, key, now)
        self.cache.put((found.runner_id, found.plans), feed)
        return feed

    def refresh(self, token: str, now: datetime) -> None:
        """Render the feed of `token` as it stands now and store it: called right after a
        write, so the polls that follow find it rendered in every process."""
        found = self.lookup(token)
        if found is not None:
            feed = self._render(found, self.key(found), now)
            self.cache.put((found.runner_id, found.plans), feed)

    def _render(self, found: FeedLookup, key: str, now: datetime) -> RenderedFeed:
        feed = render_feed(self.engine, found, now=now, cancelled_days=self.cancelled_days,
                           refresh_minutes=self.refresh_minutes)
        self._store(found.runner_id, key, feed)
        return feed

    def _stored(self, runner_id: str, key: str, now: datetime) -> RenderedFeed | None:
        params: Any = ((runner_id, key) if self._stored_positional
                       else {"runner_id": runner_id, "key": key})
        rows = self.lookup.rows(self._stored_sql, params)
        if not rows:
            return None
        body, etag, last_modified, valid_until = rows[0]
        last_modified, valid_until = _utc(last_modified), _utc(valid_until)
        assert last_modified is not None  # a stored feed has one
        if valid_until is not None and valid_until <= now:
            return None
        return RenderedFeed(bytes(body), etag, last_modified, valid_until or FAR_FUTURE,
                            feed_headers(etag, last_modified, now, self.refresh_minutes))

    def close(self) -> None:
        """Close the connections the feed keeps for itself."""
        self.lookup.close()

    def _store(self, runner_id: str, key: str, feed: RenderedFeed) -> None:
        values = {"runner_id": runner_id, "key": key, "body": feed.body, "etag": feed.etag,
                  "last_modified": feed.last_modified,
                  "valid_until": None if feed.valid_until == FAR_FUTURE else feed.valid_until}
        insert = (postgresql_insert if self.engine.dialect.name == "postgresql"
                  else sqlite_insert)(FeedBody).values(**values)
        # Two processes rendering the same change store the same body; the last one
        # written stays, and a body rendered from older versions is never used for newer.
        statement = insert.on_conflict_do_update(
            index_elements=[FeedBody.runner_id],
            set_={name: insert.excluded[name] for name in values if name != "runner_id"})
        with self.engine.begin() as connection:
            connection.execute(statement)

