"""What a runner can do with a plan, shared by the JSON API and the pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from scheduler.core.domain import Request
from web.planning import Mark, plan_request, prepare_request, replan_after
from web.store import (
    StaleVersion,
    StoredPlan,
    create_plan,
    load_plan,
    new_id,
    save_replan,
)
from web.sync import remember_calendars

__all__ = ["plan_new_week", "mark_session", "SessionNotFound", "AlreadyMarked"]


class SessionNotFound(LookupError):
    """Raised when a plan has no session with the id asked for."""


class AlreadyMarked(Exception):
    """Raised when a session the runner marked done or missed is marked again."""

    def __init__(self, session_id: str, status: str) -> None:
        super().__init__(f"Session '{session_id}' is marked {status} already; a session is "
                         f"marked once.")
        self.session_id = session_id
        self.status = status


def plan_new_week(engine: Engine, request: Request, *, private_calendars: bool = False
                  ) -> tuple[StoredPlan, list[str]]:
    """Plan a week and store it (also when it cannot fit: then it carries the explanation);
    `private_calendars` lets calendar URLs point at local networks."""
    plan_id = new_id()
    calendars = list(request.busy_calendars)
    request, warnings = prepare_request(request, plan_id, private_calendars=private_calendars)
    schedule = plan_request(request)
    stored = create_plan(engine, plan_id, schedule)
    if calendars:  # read again by the sync (web.sync)
        remember_calendars(engine, plan_id, calendars)
    return stored, warnings


def mark_session(engine: Engine, plan_id: str, session_id: str, mark: Mark, *,
                 version: int, at: datetime | None) -> StoredPlan:
    """Mark a session missed or done and store the re-planned week as version + 1.

    A session is marked once: marking a done or missed one again raises AlreadyMarked
    (one that was missed and re-placed is planned again, and may be marked). The version
    is checked before solving (a stale client hears 409 at once) and again,
    atomically, when the result is written (two clients racing: one wins, one hears 409).
    """
    stored = load_plan(engine, plan_id)
    session = next((s for s in stored.schedule.sessions if s.id == session_id), None)
    if session is None:
        raise SessionNotFound(session_id)
    if stored.version != version:
        raise StaleVersion(stored.version)
    if session.status in ("done", "missed"):
        raise AlreadyMarked(session_id, session.status)
    schedule = replan_after(stored.schedule, session_id, mark, at)
    return save_replan(engine, plan_id, version, schedule)
