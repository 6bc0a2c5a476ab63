"""JSON API for plans: create a week, read it, mark a session missed/done, log how it
went, plan the next week from the log, rotate the feed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, status
from sqlalchemy import Engine

from scheduler.core.domain import Request
from web.actions import mark_session, plan_new_week
from web.db import utcnow
from web.deps import EngineDep, FeedsDep, SettingsDep
from web.feed_cache import Feeds
from web.planning import Mark
from web.schemas import (
    InvalidInput,
    LogIn,
    LogOut,
    MarkIn,
    NextWeekOut,
    PlanOut,
    Problem,
    ReplanOut,
)
from web.store import StoredPlan, load_plan, rotate_feed_token
from web.training import log_session, plan_next_week

__all__ = ["router", "plan_out"]

router = APIRouter(prefix="/api/plans", tags=["plans"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem,
                                                    "description": "No such plan or session."}}
INVALID: dict[int | str, dict[str, Any]] = {422: {"model": InvalidInput,
                                                  "description": "Invalid input."}}
STALE: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem,
          "description": "The version is not current, or the session is marked already."}}
TAKEN: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "The runner's following week is planned already."}}
# Every POST: web.safety refuses it before it reaches the route.
GUARDED: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "Sent by a browser from another site."},
    413: {"model": Problem, "description": "The request body is over 1 MB."}}


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
             responses={**INVALID, **GUARDED}, summary="Plan a week")
def create_plan(request: Annotated[Request, Body(openapi_examples=EXAMPLES)],
                engine: EngineDep, settings: SettingsDep) -> dict[str, Any]:
    """Plan the week of a request (DESIGN.md's request JSON). A week that cannot fit is
    still created: its schedule has status `infeasible` and the explanation."""
    stored, _warnings = plan_new_week(
        engine, request, private_calendars=settings.allow_private_calendar_urls)
    return plan_out(stored)


@router.get("/{plan_id}", response_model=PlanOut, responses={**NOT_FOUND, **INVALID},
            summary="Read a plan")
def read_plan(plan_id: str, engine: EngineDep) -> dict[str, Any]:
    return plan_out(load_plan(engine, plan_id))


def _mark(plan_id: str, session_id: str, mark: Mark, body: MarkIn, engine: Engine,
          feeds: Feeds, after: BackgroundTasks) -> dict[str, Any]:
    stored = mark_session(engine, plan_id, session_id, mark, version=body.version, at=body.at)
    # The runner's calendar apps poll the feed next: render it once, as soon as the
    # answer is sent, rather than in every server process a poll happens to reach.
    after.add_task(feeds.refresh, stored.feed_token, utcnow())
    return {**plan_out(stored), "changes": stored.schedule.changes}


@router.post("/{plan_id}/sessions/{session_id}/missed", response_model=ReplanOut,
             responses={**NOT_FOUND, **STALE, **INVALID, **GUARDED},
             summary="Mark a session missed")
def mark_missed(plan_id: str, session_id: str, body: MarkIn, engine: EngineDep,
                feeds: FeedsDep, after: BackgroundTasks) -> dict[str, Any]:
    """Re-plan the rest of the week around a missed session; the plan's version + 1.
    Earlier sessions nobody marked keep their times and stay `planned`; a session is
    marked once (a done or missed one again: 409)."""
    return _mark(plan_id, session_id, "missed", body, engine, feeds, after)


@router.post("/{plan_id}/sessions/{session_id}/done", response_model=ReplanOut,
             responses={**NOT_FOUND, **STALE, **INVALID, **GUARDED},
             summary="Mark a session done")
def mark_done(plan_id: str, session_id: str, body: MarkIn, engine: EngineDep,
              feeds: FeedsDep, after: BackgroundTasks) -> dict[str, Any]:
    """Record a session as done (re-planning what follows); the plan's version + 1. Only
    a session that has begun by `at` can be done (else 422); a session is marked once (a
    done or missed one again: 409)."""
    return _mark(plan_id, session_id, "done", body, engine, feeds, after)


@router.post("/{plan_id}/sessions/{session_id}/log", status_code=status.HTTP_201_CREATED,
             response_model=LogOut, responses={**NOT_FOUND, **STALE, **INVALID, **GUARDED},
             summary="Log how a session went")
def log_a_session(plan_id: str, session_id: str, body: LogIn,
                  engine: EngineDep) -> dict[str, Any]:
    """Record perceived effort (RPE 1-10), discomfort (0-10), where it hurt (`area`), a
    note and the drills done for a session, in the runner's training log. Pain or fatigue
    re-plans the rest of this week at once (`replanned`: eased plyometrics without drills
    loading the sore area; after severe pain no jumping, calm key runs for 48 h and the
    advice to see a physiotherapist; after fatigue strength work instead of the next plyo
    session), and the weeks planned after it read the log too. Logging a session again
    replaces its entry."""
    entry, replanned = log_session(engine, plan_id, session_id, body)
    return {**entry.model_dump(mode="json"),
            "replanned": None if replanned is None else {
                **plan_out(replanned), "changes": replanned.schedule.changes}}


@router.post("/{plan_id}/next-week", status_code=status.HTTP_201_CREATED,
             response_model=NextWeekOut,
             responses={**NOT_FOUND, **TAKEN, **INVALID, **GUARDED},
             summary="Plan the following week")
def next_week(plan_id: str, engine: EngineDep, settings: SettingsDep) -> dict[str, Any]:
    """Plan the week after this plan for the same runner: the same request moved on seven
    days (busy intervals of that week only), adapted to the runner's training log. The new
    plan joins the runner's calendar feed; `adapted` says why the log changed it."""
    stored, adapted = plan_next_week(
        engine, plan_id, private_calendars=settings.allow_private_calendar_urls)
    return {**plan_out(stored), "adapted": adapted}


@router.post("/{plan_id}/feed-token", response_model=PlanOut,
             responses={**NOT_FOUND, **INVALID, **GUARDED}, summary="Rotate the feed URL")
def rotate_feed(plan_id: str, engine: EngineDep) -> dict[str, Any]:
    """Give the plan a new secret feed URL; the old URL answers 404 from now on."""
    return plan_out(rotate_feed_token(engine, plan_id))
