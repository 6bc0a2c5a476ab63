"""The database: runners, their planned weeks, the sessions of each week, feed tokens,
the training log, and which week was planned as the one after another.

A plan carries a version number; every change to it is one conditional UPDATE on that
number, so two writers racing on the same plan cannot both win (the loser gets 409).
Each session row keeps its calendar SEQUENCE and the moment it last changed, which the
feed uses for LAST-MODIFIED/DTSTAMP; a session that leaves a plan stays as a row with
status ``dropped`` so the feed can show it cancelled for a while.

Times are stored as naive UTC (SQLite has no time zones) and come back aware.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import StaticPool

__all__ = ["Base", "Runner", "Plan", "SessionRow", "FeedToken", "LogRow", "NextWeekRow",
           "HomeLink", "BlockWeekRow", "make_engine", "create_schema", "utcnow"]


def utcnow() -> datetime:
    """Now in UTC, to the second (calendar stamps and HTTP dates have no fractions)."""
    return datetime.now(UTC).replace(microsecond=0)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC, returned aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Runner(Base):
    """Who trains; owns the calendar feed, so one subscription shows all their weeks."""

    __tablename__ = "runners"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    level: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Plan(Base):
    """One planned week. `schedule` is the schedule JSON (with its request) as served."""

    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    runner_id: Mapped[str] = mapped_column(ForeignKey("runners.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionRow(Base):
    """A session as the calendar knows it: its last served form, SEQUENCE and last change."""

    __tablename__ = "sessions"

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10))
    sequence: Mapped[int] = mapped_column(Integer)
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class FeedToken(Base):
    """The runner's secret feed token. Looked up by its SHA-256; the token itself is kept
    (and compared in constant time) because the plan page shows the link again."""

    __tablename__ = "feed_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    runner_id: Mapped[str] = mapped_column(ForeignKey("runners.id"), unique=True)
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LogRow(Base):
    """How one session went: a training-log entry (`scheduler.block.training_log.LogEntry`).

    Kept per runner, because the next week reads every entry of the days before it,
    whichever of the runner's plans the session was in; logging a session again replaces
    its entry.
    """

    __tablename__ = "training_log"

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    runner_id: Mapped[str] = mapped_column(ForeignKey("runners.id"), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)


class HomeLink(Base):
    """The secret of the runner's home page (`/r/<secret>`, every week of theirs): no
    accounts, a private link instead. Kept like the feed token: looked up by its SHA-256,
    the secret itself shown again on the runner's pages, rotatable."""

    __tablename__ = "home_links"

    secret_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    runner_id: Mapped[str] = mapped_column(ForeignKey("runners.id"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BlockWeekRow(Base):
    """A week of a block the runner adopted: which block (its first week's plan), which
    week of it, and the week's target (`WeekTarget` JSON) as the block page shows it."""

    __tablename__ = "block_weeks"
    __table_args__ = (UniqueConstraint("first_plan_id", "week"),)

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    first_plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    runner_id: Mapped[str] = mapped_column(ForeignKey("runners.id"))
    week: Mapped[int] = mapped_column(Integer)
    weeks: Mapped[int] = mapped_column(Integer)
    target: Mapped[dict[str, Any]] = mapped_column(JSON)


class NextWeekRow(Base):
    """A week planned as the one after another plan of the same runner.

    `request` is what the week was planned from before the training log adjusted it, so
    the week after starts again from the runner's own sessions, not from an eased dose;
    `adapted` says why the log changed the week. A runner has at most one plan per week
    (the unique pair), so two clicks on "next week" cannot put a week twice in the feed.
    """

    __tablename__ = "next_weeks"
    __table_args__ = (UniqueConstraint("runner_id", "week_start"),)

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    after_plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    runner_id: Mapped[str] = mapped_column(ForeignKey("runners.id"))
    week_start: Mapped[date] = mapped_column(Date)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    adapted: Mapped[list[str]] = mapped_column(JSON)


class PlanCalendar(Base):
    """A calendar a plan's busy time comes from, as the background sync reads it again:
    an .ics URL (`username` None) or a CalDAV collection (`source` 'caldav:<URL>', the
    name its busy intervals carry; `secret` its password encrypted, see web.secrets).
    `etag`/`modified` make the next fetch conditional; `status`/`detail` are what the
    last reading found (the last good busy time is what the plan's request holds)."""

    __tablename__ = "plan_calendars"

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(2010))
    url: Mapped[str] = mapped_column(String(2000))
    username: Mapped[str | None] = mapped_column(String(200), nullable=True)
    secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    etag: Mapped[str | None] = mapped_column(String(300), nullable=True)
    modified: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="unchanged")
    detail: Mapped[str] = mapped_column(String(500), default="")
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PlanSync(Base):
    """When a plan's calendars are next due to be read. A server process claims due rows
    with SELECT ... FOR UPDATE SKIP LOCKED and moves `due_at` on in the same transaction,
    so with several processes each plan is synced by one of them per round."""

    __tablename__ = "plan_syncs"

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    week_ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rounds: Mapped[int] = mapped_column(Integer, default=0)


class CalDavLink(Base):
    """The CalDAV collection a plan's sessions are written to (password encrypted)."""

    __tablename__ = "caldav_links"

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    username: Mapped[str] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(Text)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10), default="pending")
    detail: Mapped[str] = mapped_column(String(500), default="")


class CalDavOutbox(Base):
    """A change still to reach the linked collection: the event's calendar text, or None
    to delete it. Written in the same transaction as the plan change, so no change is
    lost; `generation` rises when a newer change replaces one not yet sent."""

    __tablename__ = "caldav_outbox"

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets feed readers go on while a re-plan writes; the busy timeout makes a
    # second writer wait for the first instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=15000")
    # Turning WAL on needs the file to itself; processes opening a new file at once can be
    # told "locked" without the busy timeout being waited (SQLite refuses to wait where
    # waiting could deadlock), so it is tried again after a pause.
    for attempt in range(50):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or attempt == 49:
                raise
            time.sleep(0.1)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL mode and a busy timeout."""
    if url.startswith("sqlite"):
        if make_url(url).database in (None, "", ":memory:"):
            # One in-memory database shared by every thread of the process.
            engine = create_engine(url, connect_args={"check_same_thread": False},
                                   poolclass=StaticPool)
        else:
            engine = create_engine(url, connect_args={"check_same_thread": False},
                                   pool_size=10, max_overflow=20)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


# Any fixed number: the advisory lock that serializes creating the tables on PostgreSQL.
SCHEMA_LOCK = 0x706C796F


def create_schema(engine: Engine) -> None:
    """Create the tables that are missing (first start); existing data is kept."""
    if engine.dialect.name != "postgresql":
        # Server processes starting at once on a new SQLite file can each find a table
        # missing, and all but one fail on its CREATE TABLE; checking again finds it
        # there (more rounds: the other process may still be creating the next one).
        # Each lost race costs a round, so there is one round per table (and one more).
        rounds = len(Base.metadata.tables) + 1
        for attempt in range(rounds):
            try:
                Base.metadata.create_all(engine)
                return
            except OperationalError as err:
                if "already exists" not in str(err) or attempt == rounds - 1:
                    raise
        return
    # Several servers (or worker processes) starting at once on an empty database would
    # each find the tables missing and all but one fail on CREATE TABLE. The first to
    # take this lock creates them; the others wait for its commit and find them there.
    with engine.begin() as connection:
        connection.execute(select(func.pg_advisory_xact_lock(SCHEMA_LOCK)))
        Base.metadata.create_all(connection)
