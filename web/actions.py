"""What a runner can do with a plan, shared by the JSON API and the pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from scheduler.domain import Request
from web.planning import Mark, plan_request, prepare_request, replan_after
from web.store import (
    StaleVersion,
    StoredPlan,
    create_plan,
    load_plan,
    new_id,
    save_replan,
)

__all__ = ["plan_new_week", "mark_session", "SessionNotFound"]


class SessionNotFound(LookupError):
    """Raised when a plan has no session with the id asked for."""


def plan_new_week(engine: Engine, request: Request, *, private_calendars: bool = False
                  ) -> tuple[StoredPlan, list[str]]:
    """Plan a week and store it (also when it cannot fit: then it carries the explanation);
    `private_calendars` lets calendar URLs point at local networks."""
    plan_id = new_id()
    request, warnings = prepare_request(request, plan_id, private_calendars=private_calendars)
    schedule = plan_request(request)
    return create_plan(engine, plan_id, schedule), warnings


def mark_session(engine: Engine, plan_id: str, session_id: str, mark: Mark, *,
                 version: int, at: datetime | None) -> StoredPlan:
    """Mark a session missed or done and store the re-planned week as version + 1.

    The version is checked before solving (a stale client hears 409 at once) and again,
    atomically, when the result is written (two clients racing: one wins, one hears 409).
    """
    stored = load_plan(engine, plan_id)
    if session_id not in {s.id for s in stored.schedule.sessions}:
        raise SessionNotFound(session_id)
    if stored.version != version:
        raise StaleVersion(stored.version)
    schedule = replan_after(stored.schedule, session_id, mark, at)
    return save_replan(engine, plan_id, version, schedule)
