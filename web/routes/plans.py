"""JSON API for plans: create a week, read it, mark a session missed/done, rotate the feed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, status

from scheduler.domain import Request
from web.actions import mark_session, plan_new_week
from web.deps import EngineDep
from web.planning import Mark
from web.schemas import InvalidInput, MarkIn, PlanOut, Problem, ReplanOut
from web.store import StoredPlan, load_plan, rotate_feed_token

__all__ = ["router", "plan_out"]

router = APIRouter(prefix="/api/plans", tags=["plans"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem,
                                                    "description": "No such plan or session."}}
INVALID: dict[int | str, dict[str, Any]] = {422: {"model": InvalidInput,
                                                  "description": "Invalid input."}}
STALE: dict[int | str, dict[str, Any]] = {409: {"model": Problem,
                                                "description": "The version is not current."}}


EXAMPLES: dict[str, Any] = {
    "office_worker": {
        "summary": "Four runs and a plyo session around a working week",
        "value": {
            "runner": {"name": "Ana", "level": "intermediate", "timezone": "Europe/Berlin"},
            "week_start": "2026-11-30",
            "availability": {"mon": [["06:00", "07:30"], ["18:00", "21:00"]],
                             "wed": [["18:00", "21:00"]], "thu": [["06:00", "07:30"]],
                             "sat": [["07:00", "12:00"]], "sun": [["08:00", "11:00"]]},
            "busy": [{"start": "2026-12-01T12:00:00+01:00",
                      "end": "2026-12-01T13:00:00+01:00", "summary": "dentist"}],
            "sessions": [{"kind": "easy", "minutes": 40}, {"kind": "tempo", "minutes": 50},
                         {"kind": "long", "minutes": 100}, {"kind": "plyo", "minutes": 20}],
        },
    },
}


def plan_out(stored: StoredPlan) -> dict[str, Any]:
    return {"id": stored.id, "version": stored.version,
            "schedule": stored.schedule.model_dump(mode="json"),
            "feed_url": f"/feeds/{stored.feed_token}.ics"}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PlanOut,
             responses={**INVALID}, summary="Plan a week")
def create_plan(request: Annotated[Request, Body(openapi_examples=EXAMPLES)],
                engine: EngineDep) -> dict[str, Any]:
    """Plan the week of a request (DESIGN.md's request JSON). A week that cannot fit is
    still created: its schedule has status `infeasible` and the explanation."""
    stored, _warnings = plan_new_week(engine, request)
    return plan_out(stored)


@router.get("/{plan_id}", response_model=PlanOut, responses={**NOT_FOUND, **INVALID},
            summary="Read a plan")
def read_plan(plan_id: str, engine: EngineDep) -> dict[str, Any]:
    return plan_out(load_plan(engine, plan_id))


def _mark(plan_id: str, session_id: str, mark: Mark, body: MarkIn,
          engine: EngineDep) -> dict[str, Any]:
    stored = mark_session(engine, plan_id, session_id, mark, version=body.version, at=body.at)
    return {**plan_out(stored), "changes": stored.schedule.changes}


@router.post("/{plan_id}/sessions/{session_id}/missed", response_model=ReplanOut,
             responses={**NOT_FOUND, **STALE, **INVALID}, summary="Mark a session missed")
def mark_missed(plan_id: str, session_id: str, body: MarkIn,
                engine: EngineDep) -> dict[str, Any]:
    """Re-plan the rest of the week around a missed session; the plan's version + 1."""
    return _mark(plan_id, session_id, "missed", body, engine)


@router.post("/{plan_id}/sessions/{session_id}/done", response_model=ReplanOut,
             responses={**NOT_FOUND, **STALE, **INVALID}, summary="Mark a session done")
def mark_done(plan_id: str, session_id: str, body: MarkIn,
              engine: EngineDep) -> dict[str, Any]:
    """Record a session as done (re-planning what follows); the plan's version + 1."""
    return _mark(plan_id, session_id, "done", body, engine)


@router.post("/{plan_id}/feed-token", response_model=PlanOut,
             responses={**NOT_FOUND, **INVALID}, summary="Rotate the feed URL")
def rotate_feed(plan_id: str, engine: EngineDep) -> dict[str, Any]:
    """Give the plan a new secret feed URL; the old URL answers 404 from now on."""
    return plan_out(rotate_feed_token(engine, plan_id))
