"""Storing plans: create, read, re-plan under a version check, rotate the feed token;
and the runner's training log (the week planned after another: `web.week_after`).

Every change to a plan is a conditional ``UPDATE plans SET version = N + 1 ... WHERE
version = N`` issued first in its transaction: the database, not a Python lock, decides
which of two racing writers wins, so this holds across threads, worker processes and
PostgreSQL as well as SQLite. The loser changes nothing and hears `StaleVersion`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.block.training_log import LogEntry, TrainingLog
from scheduler.core.domain import Schedule
from web.caldav_push import after_commit, queue_changes
from web.db import (
    CalDavLink,
    FeedToken,
    LogRow,
    Plan,
    Runner,
    SessionRow,
    utcnow,
)
from web.session_rows import sync_session_rows

__all__ = ["StoredPlan", "PlanNotFound", "StaleVersion", "new_id", "new_feed_token",
           "token_hash", "create_plan", "load_plan", "read_plan", "read_plans", "insert_new_plans",
           "save_replan", "rotate_feed_token", "CANCELLED", "save_log_entry", "runner_log",
           "read_runner_log", "read_runner_logs", "plan_log"]

CANCELLED = frozenset({"missed", "dropped"})


class PlanNotFound(LookupError):
    """Raised when no plan has the id asked for."""


class StaleVersion(Exception):
    """Raised when a write names a version that is no longer the plan's current one."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the plan is at version {current}")
        self.current = current


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


def insert_new_plans(db: Connection, plans: Sequence[tuple[str, str, Schedule]],
                     now: datetime) -> None:
    """New plans' rows, (plan id, runner id, schedule) each, and their session rows, each
    session as first served (a new plan has no earlier SEQUENCE to raise): one statement
    for all plans, one for all sessions, each schedule turned into JSON once for both."""
    plan_rows, session_rows = [], []
    for plan_id, runner_id, schedule in plans:
        dumped = _dump(schedule)
        plan_rows.append({
            "id": plan_id, "runner_id": runner_id, "week_start": schedule.week_start,
            "timezone": schedule.timezone, "version": 1, "schedule": dumped,
            "created_at": now, "updated_at": now})
        session_rows += [{"plan_id": plan_id, "session_id": s.id, "start": s.start,
                          "end": s.end, "status": s.status, "sequence": s.sequence,
                          "last_modified": now, "data": data}
                         for s, data in zip(schedule.sessions, dumped["sessions"], strict=True)]
    db.execute(_NEW[Plan], plan_rows)
    if session_rows:
        db.execute(_NEW[SessionRow], session_rows)


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
        insert_new_plans(db, [(plan_id, runner_id, schedule)], now)
    return StoredPlan(plan_id, runner_id, 1, schedule, token, now)


def load_plan(engine: Engine, plan_id: str) -> StoredPlan:
    with engine.connect() as db:
        return read_plan(db, plan_id)


# The reads of every page, feed and re-plan, built once: columns rather than ORM objects,
# and one statement object, cost less than building the query each time (which took
# longer than SQLite took to answer it).
_PLAN_ROW = (select(Plan.id, Plan.runner_id, Plan.version, Plan.schedule, FeedToken.token,
                    Plan.updated_at)
             .join(FeedToken, FeedToken.runner_id == Plan.runner_id))
_PLAN = _PLAN_ROW.where(Plan.id == bindparam("plan_id"))
_PLANS = _PLAN_ROW.where(Plan.id.in_(bindparam("plan_ids", expanding=True)))
_LOGS = (select(LogRow.runner_id, LogRow.entry)
         .where(LogRow.runner_id.in_(bindparam("runner_ids", expanding=True)))
         .order_by(LogRow.runner_id, LogRow.start, LogRow.session_id))
_BUMP = (update(Plan).where(Plan.id == bindparam("b_id"), Plan.version == bindparam("b_version"))
         .values(version=bindparam("b_next"), updated_at=bindparam("b_now")))
_VERSION = select(Plan.version).where(Plan.id == bindparam("plan_id"))
_SCHEDULE = (update(Plan).where(Plan.id == bindparam("b_id"))
             .values(schedule=bindparam("b_schedule")))
_LINKED = select(CalDavLink.plan_id).where(CalDavLink.plan_id == bindparam("plan_id"))
_RUNNER_AND_TOKEN = (select(Plan.runner_id, FeedToken.token)
                     .join(FeedToken, FeedToken.runner_id == Plan.runner_id)
                     .where(Plan.id == bindparam("plan_id")))
_NEW = {table: insert(table) for table in (Runner, FeedToken, Plan, SessionRow)}


def read_plan(db: Connection, plan_id: str) -> StoredPlan:
    """The plan, inside an open connection (PlanNotFound when there is none)."""
    row = db.execute(_PLAN, {"plan_id": plan_id}).first()
    if row is None:
        raise PlanNotFound(plan_id)
    return _stored(row)


def read_plans(db: Connection, plan_ids: Sequence[str]) -> dict[str, StoredPlan]:
    """The plans of those ids that exist, by id, in one statement."""
    return {row.id: _stored(row) for row in db.execute(_PLANS, {"plan_ids": list(plan_ids)})}


def _stored(row: Row[Any]) -> StoredPlan:
    return StoredPlan(row.id, row.runner_id, row.version,
                      Schedule.model_validate(row.schedule), row.token, row.updated_at)


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
        return read_runner_log(db, runner_id)


def read_runner_log(db: Connection, runner_id: str) -> TrainingLog:
    """`runner_log` inside an open connection."""
    return read_runner_logs(db, [runner_id])[runner_id]


def read_runner_logs(db: Connection, runner_ids: Sequence[str]) -> dict[str, TrainingLog]:
    """Each runner's log (empty for a runner who logged nothing), in one statement."""
    entries: dict[str, list[LogEntry]] = {runner_id: [] for runner_id in runner_ids}
    for runner_id, entry in db.execute(_LOGS, {"runner_ids": list(runner_ids)}):
        entries[runner_id].append(LogEntry.model_validate(entry))
    return {runner_id: TrainingLog(entries=logged) for runner_id, logged in entries.items()}


def plan_log(engine: Engine, plan_id: str) -> dict[str, LogEntry]:
    """The logged sessions of one plan, by session id."""
    with Session(engine) as db:
        entries = db.scalars(select(LogRow.entry).where(LogRow.plan_id == plan_id)).all()
    logged = [LogEntry.model_validate(e) for e in entries]
    return {e.session: e for e in logged}


