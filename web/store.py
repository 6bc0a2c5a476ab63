"""Storing plans: create, read, re-plan under a version check, rotate the feed token;
the runner's training log, and the week planned after another.

Every change to a plan is a conditional ``UPDATE plans SET version = N + 1 ... WHERE
version = N`` issued first in its transaction: the database, not a Python lock, decides
which of two racing writers wins, so this holds across threads, worker processes and
PostgreSQL as well as SQLite. The loser changes nothing and hears `StaleVersion`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    String,
    bindparam,
    delete,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.block.training_log import LogEntry, TrainingLog
from scheduler.core.domain import Request, Schedule
from web.caldav_push import after_commit, queue_changes
from web.db import (
    CalDavLink,
    FeedToken,
    LogRow,
    NextWeekRow,
    Plan,
    PlanCalendar,
    Runner,
    SessionRow,
    utcnow,
)
from web.session_rows import sync_session_rows

__all__ = ["StoredPlan", "PlanNotFound", "StaleVersion", "new_id", "new_feed_token",
           "token_hash", "create_plan", "load_plan", "save_replan", "rotate_feed_token",
           "CANCELLED", "WeekAlreadyPlanned", "NextWeek", "save_log_entry", "runner_log",
           "plan_log", "create_next_plan", "next_week_of", "planned_after",
           "load_week_before", "WeekBefore", "BusyCollection"]

CANCELLED = frozenset({"missed", "dropped"})


class PlanNotFound(LookupError):
    """Raised when no plan has the id asked for."""


class StaleVersion(Exception):
    """Raised when a write names a version that is no longer the plan's current one."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the plan is at version {current}")
        self.current = current


class WeekAlreadyPlanned(Exception):
    """Raised when the runner already has a plan for the week asked for."""

    def __init__(self, week_start: date, plan_id: str) -> None:
        super().__init__(f"the week of {week_start} is plan {plan_id}")
        self.week_start = week_start
        self.plan_id = plan_id


@dataclass(frozen=True)
class StoredPlan:
    id: str
    runner_id: str
    version: int
    schedule: Schedule
    feed_token: str
    updated_at: datetime


def new_id() -> str:
    """An unguessable id (128 random bits): a plan's id is what lets someone change it."""
    return secrets.token_hex(16)


def new_feed_token() -> str:
    """A feed token with 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _dump(schedule: Schedule) -> dict[str, Any]:
    return schedule.model_dump(mode="json")


def _insert_new_plan(db: Connection, plan_id: str, runner_id: str, schedule: Schedule,
                     now: datetime) -> None:
    """A new plan's row and its session rows, each session as first served (a new plan
    has no earlier SEQUENCE to raise), the schedule turned into JSON once for both."""
    dumped = _dump(schedule)
    db.execute(_NEW[Plan], [{
        "id": plan_id, "runner_id": runner_id, "week_start": schedule.week_start,
        "timezone": schedule.timezone, "version": 1, "schedule": dumped,
        "created_at": now, "updated_at": now}])
    rows = [{"plan_id": plan_id, "session_id": s.id, "start": s.start, "end": s.end,
             "status": s.status, "sequence": s.sequence, "last_modified": now, "data": data}
            for s, data in zip(schedule.sessions, dumped["sessions"], strict=True)]
    if rows:
        db.execute(_NEW[SessionRow], rows)


def create_plan(engine: Engine, plan_id: str, schedule: Schedule) -> StoredPlan:
    """Store a new plan at version 1 for a new runner, with a fresh feed token."""
    request = schedule.request
    assert request is not None, "a stored plan carries its request"
    now = utcnow()
    token = new_feed_token()
    runner_id = new_id()
    with engine.begin() as db:  # parent rows first: the tables have no ORM relationships
        db.execute(_NEW[Runner], [{
            "id": runner_id, "name": request.runner.name, "level": request.runner.level,
            "timezone": request.runner.timezone, "created_at": now}])
        db.execute(_NEW[FeedToken], [{
            "token_hash": token_hash(token), "runner_id": runner_id, "token": token,
            "created_at": now}])
        _insert_new_plan(db, plan_id, runner_id, schedule, now)
    return StoredPlan(plan_id, runner_id, 1, schedule, token, now)


def load_plan(engine: Engine, plan_id: str) -> StoredPlan:
    with engine.connect() as db:
        return _load_plan(db, plan_id)


# The reads of every page, feed and re-plan, built once: columns rather than ORM objects,
# and one statement object, cost less than building the query each time (which took
# longer than SQLite took to answer it).
_PLAN = (select(Plan.id, Plan.runner_id, Plan.version, Plan.schedule, FeedToken.token,
                Plan.updated_at)
         .join(FeedToken, FeedToken.runner_id == Plan.runner_id)
         .where(Plan.id == bindparam("plan_id")))
_LOG = (select(LogRow.entry).where(LogRow.runner_id == bindparam("runner_id"))
        .order_by(LogRow.start, LogRow.session_id))
_ORIGIN = (select(NextWeekRow.plan_id, NextWeekRow.after_plan_id, NextWeekRow.request,
                  NextWeekRow.adapted)
           .where(NextWeekRow.plan_id == bindparam("plan_id")))  # how a plan was planned
_PLAN_OF_WEEK = select(Plan.id).where(Plan.runner_id == bindparam("runner_id"),
                                      Plan.week_start == bindparam("week_start"),
                                      Plan.id != bindparam("but"))
_COLLECTIONS = (select(PlanCalendar.url, PlanCalendar.username, PlanCalendar.secret)
                .where(PlanCalendar.plan_id == bindparam("plan_id"),
                       PlanCalendar.secret.is_not(None))
                .order_by(PlanCalendar.position))
# A week planned after another reads the same calendars: their rows, passwords as stored.
_SAME_CALENDARS = insert(PlanCalendar).from_select(
    ["plan_id", "position", "source", "url", "username", "secret", "status", "detail"],
    select(bindparam("new_plan_id", type_=String), PlanCalendar.position, PlanCalendar.source,
           PlanCalendar.url, PlanCalendar.username, PlanCalendar.secret,
           literal("unchanged"), literal(""))
    .where(PlanCalendar.plan_id == bindparam("plan_id")))
_BUMP = (update(Plan).where(Plan.id == bindparam("b_id"), Plan.version == bindparam("b_version"))
         .values(version=bindparam("b_next"), updated_at=bindparam("b_now")))
_VERSION = select(Plan.version).where(Plan.id == bindparam("plan_id"))
_SCHEDULE = (update(Plan).where(Plan.id == bindparam("b_id"))
             .values(schedule=bindparam("b_schedule")))
_LINKED = select(CalDavLink.plan_id).where(CalDavLink.plan_id == bindparam("plan_id"))
_RUNNER_AND_TOKEN = (select(Plan.runner_id, FeedToken.token)
                     .join(FeedToken, FeedToken.runner_id == Plan.runner_id)
                     .where(Plan.id == bindparam("plan_id")))
_NEW = {table: insert(table) for table in (Runner, FeedToken, Plan, SessionRow, NextWeekRow)}


def _load_plan(db: Connection, plan_id: str) -> StoredPlan:
    row = db.execute(_PLAN, {"plan_id": plan_id}).first()
    if row is None:
        raise PlanNotFound(plan_id)
    return StoredPlan(row.id, row.runner_id, row.version,
                      Schedule.model_validate(row.schedule), row.token, row.updated_at)


@dataclass(frozen=True)
class BusyCollection:
    """A CalDAV collection a plan's busy time was read from, its password as stored
    (encrypted: `web.secrets`)."""

    url: str
    username: str
    secret: str


@dataclass(frozen=True)
class WeekBefore:
    """What planning the week after a plan reads: the plan, how it was itself planned
    after another week (None for a runner's first), the runner's log, and the CalDAV
    collections its busy time came from."""

    plan: StoredPlan
    origin: NextWeek | None
    log: TrainingLog
    collections: list[BusyCollection]


def load_week_before(engine: Engine, plan_id: str) -> WeekBefore:
    """Everything `WeekBefore` holds, read in one go."""
    with engine.connect() as db:
        stored = _load_plan(db, plan_id)
        collections = [BusyCollection(r.url, r.username or "", r.secret)
                       for r in db.execute(_COLLECTIONS, {"plan_id": plan_id})]
        return WeekBefore(stored, _next_week_of(db, plan_id),
                          _runner_log(db, stored.runner_id), collections)


def save_replan(engine: Engine, plan_id: str, version: int, schedule: Schedule) -> StoredPlan:
    """Store a re-planned week if the plan is still at `version`; it becomes version + 1."""
    now = utcnow()
    with engine.begin() as db:
        # The conditional bump comes first so this transaction holds the write lock
        # before it reads the session rows it is about to change.
        bumped = db.execute(_BUMP, {"b_id": plan_id, "b_version": version,
                                    "b_next": version + 1, "b_now": now})
        if not bumped.rowcount:
            current = db.scalar(_VERSION, {"plan_id": plan_id})
            if current is None:
                raise PlanNotFound(plan_id)
            raise StaleVersion(current)
        schedule = sync_session_rows(db, plan_id, schedule, now)
        db.execute(_SCHEDULE, {"b_id": plan_id, "b_schedule": _dump(schedule)})
        # A linked CalDAV collection hears of the change through the outbox, written in
        # this transaction so the change cannot be stored without it.
        queued = False
        if db.scalar(_LINKED, {"plan_id": plan_id}) is not None:
            with Session(bind=db) as linked:  # joins this transaction, commits nothing
                queued = queue_changes(linked, plan_id, now)
                linked.flush()
        runner_id, token = db.execute(_RUNNER_AND_TOKEN, {"plan_id": plan_id}).one()
    if queued:
        after_commit(engine, plan_id)
    return StoredPlan(plan_id, runner_id, version + 1, schedule, token, now)


def rotate_feed_token(engine: Engine, plan_id: str) -> StoredPlan:
    """Give the plan's runner a new feed token; the old feed URL stops working at once."""
    token = new_feed_token()
    with Session(engine) as db, db.begin():
        runner_id = db.scalar(select(Plan.runner_id).where(Plan.id == plan_id))
        if runner_id is None:
            raise PlanNotFound(plan_id)
        db.execute(delete(FeedToken).where(FeedToken.runner_id == runner_id))
        db.add(FeedToken(token_hash=token_hash(token), runner_id=runner_id, token=token,
                         created_at=utcnow()))
    return load_plan(engine, plan_id)


def save_log_entry(engine: Engine, plan_id: str, entry: LogEntry) -> None:
    """Store how a session of the plan went; a session logged again replaces its entry."""
    try:
        _save_log_entry(engine, plan_id, entry)
    except IntegrityError:
        # Another request stored the session's first entry between our look and our
        # insert; its row is there now, so this entry replaces it as any later one would.
        _save_log_entry(engine, plan_id, entry)


def _save_log_entry(engine: Engine, plan_id: str, entry: LogEntry) -> None:
    with Session(engine) as db, db.begin():
        runner_id = db.scalar(select(Plan.runner_id).where(Plan.id == plan_id))
        if runner_id is None:
            raise PlanNotFound(plan_id)
        row = db.get(LogRow, (plan_id, entry.session))
        if row is None:
            row = LogRow(plan_id=plan_id, session_id=entry.session, runner_id=runner_id)
            db.add(row)
        row.start, row.logged_at = entry.start, entry.logged_at
        row.entry = entry.model_dump(mode="json")


def runner_log(engine: Engine, runner_id: str) -> TrainingLog:
    """Every entry the runner logged, across their plans, oldest session first."""
    with engine.connect() as db:
        return _runner_log(db, runner_id)


def _runner_log(db: Connection, runner_id: str) -> TrainingLog:
    entries = db.scalars(_LOG, {"runner_id": runner_id}).all()
    return TrainingLog(entries=[LogEntry.model_validate(e) for e in entries])


def plan_log(engine: Engine, plan_id: str) -> dict[str, LogEntry]:
    """The logged sessions of one plan, by session id."""
    with Session(engine) as db:
        entries = db.scalars(select(LogRow.entry).where(LogRow.plan_id == plan_id)).all()
    logged = [LogEntry.model_validate(e) for e in entries]
    return {e.session: e for e in logged}


@dataclass(frozen=True)
class NextWeek:
    """How a week came to be planned after another (see `web.db.NextWeekRow`)."""

    plan_id: str
    after_plan_id: str
    request: Request
    adapted: list[str]


def _plan_of_week(db: Connection, runner_id: str, week_start: date, *, but: str = ""
                  ) -> str | None:
    return db.scalar(_PLAN_OF_WEEK, {"runner_id": runner_id, "week_start": week_start,
                                     "but": but})


def create_next_plan(engine: Engine, plan_id: str, after: StoredPlan, schedule: Schedule, *,
                     request: Request, adapted: list[str]) -> StoredPlan:
    """Store `schedule` at version 1 as the week after `after`, for the same runner (so it
    joins their feed); `request` is what it was planned from before the log adjusted it.
    The new week keeps `after`'s calendars (`plan_calendars`), for the sync to follow.

    Raises WeekAlreadyPlanned when the runner has a plan for that week already, also when
    two requests race to create it (the database's unique pair decides).
    """
    now = utcnow()
    try:
        with engine.begin() as db:
            # The insert comes first so this transaction holds the write lock before it
            # looks for another plan of the week (as in save_replan).
            _insert_new_plan(db, plan_id, after.runner_id, schedule, now)
            existing = _plan_of_week(db, after.runner_id, schedule.week_start, but=plan_id)
            if existing is not None:
                raise WeekAlreadyPlanned(schedule.week_start, existing)
            db.execute(_NEW[NextWeekRow], [{
                "plan_id": plan_id, "after_plan_id": after.id, "runner_id": after.runner_id,
                "week_start": schedule.week_start, "request": request.model_dump(mode="json"),
                "adapted": adapted}])
            db.execute(_SAME_CALENDARS, {"new_plan_id": plan_id, "plan_id": after.id})
    except IntegrityError:
        with engine.connect() as db:
            existing = _plan_of_week(db, after.runner_id, schedule.week_start)
        if existing is None:
            raise
        raise WeekAlreadyPlanned(schedule.week_start, existing) from None
    # The runner's feed token is the one `after` was read with (one token per runner).
    return StoredPlan(plan_id, after.runner_id, 1, schedule, after.feed_token, now)


def next_week_of(engine: Engine, plan_id: str) -> NextWeek | None:
    """How the plan was planned after another week; None for a runner's first plan."""
    with engine.connect() as db:
        return _next_week_of(db, plan_id)


def _next_week_of(db: Connection, plan_id: str) -> NextWeek | None:
    row = db.execute(_ORIGIN, {"plan_id": plan_id}).first()
    if row is None:
        return None
    return NextWeek(row.plan_id, row.after_plan_id, Request.model_validate(row.request),
                    list(row.adapted))


def planned_after(engine: Engine, plan_id: str) -> str | None:
    """The id of the week planned after this plan, if there is one."""
    with Session(engine) as db:
        found: str | None = db.scalar(select(NextWeekRow.plan_id)
                                      .where(NextWeekRow.after_plan_id == plan_id))
        return found
