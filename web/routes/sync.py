"""Calendar sync and CalDAV write-back: `POST /api/plans/{id}/sync`, `POST` and `DELETE
/api/plans/{id}/caldav`, and the same three as forms on the plan page (web/templates/
_sync.html). Passwords go in and are never given back: answers name a collection by its
URL without user info, its user name and how its last push went."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field, SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from scheduler.core.errors import BadRequest
from web.caldav_push import link_collection, link_of, unlink_collection
from web.db import PlanCalendar
from web.deps import EngineDep, SettingsDep
from web.routes.plans import GUARDED, INVALID, NOT_FOUND, plan_out
from web.schemas import ReplanOut
from web.secrets import configure
from web.settings import WebSettings
from web.store import PlanNotFound, load_plan
from web.sync import SyncLoop, sync_plan

__all__ = ["router", "install", "start_loop"]

router = APIRouter(tags=["sync"])


class SourceOut(BaseModel):
    source: str = Field(description="The calendar, by its URL without user info.")
    status: str = Field(description="unchanged, changed or failed.")
    detail: str = Field(description="What the reading found, or why it failed (then the "
                                    "busy time it gave last time is kept).")


class SyncOut(ReplanOut):
    sources: list[SourceOut] = Field(description="Each calendar of the plan as read now.")


class CalDavIn(BaseModel):
    url: str = Field(max_length=2000, description="The CalDAV collection's http(s) URL.")
    username: str = Field("", max_length=200, description="The account's user name.")
    password: SecretStr = Field(SecretStr(""), description="The account's (app) password; "
                                "stored encrypted, never returned.")


class CalDavOut(BaseModel):
    url: str = Field(description="The linked collection (without user info).")
    username: str = Field(description="The account's user name.")
    status: str = Field(description="pending, ok or failed: how the last push went.")
    detail: str = Field(description="The last push's outcome, as a sentence.")
    waiting: int = Field(description="Changes not yet in the collection (retried).")


@router.post("/api/plans/{plan_id}/sync", response_model=SyncOut,
             responses={**NOT_FOUND, **INVALID, **GUARDED}, summary="Sync the calendars now")
def sync_now(plan_id: str, engine: EngineDep, settings: SettingsDep) -> dict[str, Any]:
    """Read every calendar of the plan again now. When a new busy interval collides with
    a session that has not started (outside the freeze window), the rest of the week is
    re-planned (version + 1; `changes` says what moved and why); otherwise nothing
    changes. A calendar that cannot be read keeps its last busy time and is reported."""
    result = sync_plan(engine, settings, plan_id)
    return {**plan_out(result.stored), "changes": result.changes, "sources": result.sources}


@router.post("/api/plans/{plan_id}/caldav", response_model=CalDavOut,
             responses={**NOT_FOUND, **INVALID, **GUARDED},
             summary="Write the plan to a CalDAV collection")
def link_caldav(plan_id: str, body: CalDavIn, engine: EngineDep,
                settings: SettingsDep) -> dict[str, Any]:
    """Every session becomes an event in the collection (UID = the feed's UID), updated
    on every change and removed when dropped or missed. The plan never waits on the
    server: pushes that fail are retried."""
    load_plan(engine, plan_id)
    return link_collection(engine, settings, plan_id, url=body.url.strip(),
                           username=body.username,
                           password=body.password.get_secret_value()).as_json()


@router.delete("/api/plans/{plan_id}/caldav", status_code=204,
               responses={**NOT_FOUND, **GUARDED}, summary="Stop writing to CalDAV")
def unlink_caldav(plan_id: str, engine: EngineDep) -> Response:
    load_plan(engine, plan_id)
    unlink_collection(engine, plan_id)
    return Response(status_code=204)


def _back(plan_id: str, anchor: str = "sync") -> Response:
    return RedirectResponse(f"/plans/{plan_id}#{anchor}", status_code=303)


def _page_error(request: Request, plan_id: str, message: str) -> Response:
    # The plan page belongs to web.routes.pages; the sentence rides along in the query.
    from urllib.parse import quote

    return RedirectResponse(f"/plans/{plan_id}?sync_error={quote(message[:300])}#sync",
                            status_code=303)


@router.post("/plans/{plan_id}/sync", include_in_schema=False)
async def sync_from_page(plan_id: str, request: Request, engine: EngineDep,
                         settings: SettingsDep) -> Response:
    try:
        await run_in_threadpool(sync_plan, engine, settings, plan_id)
    except PlanNotFound:
        return Response("Plan not found.", status_code=404)
    except BadRequest as err:
        return _page_error(request, plan_id, str(err))
    return _back(plan_id, "moved")


@router.post("/plans/{plan_id}/caldav", include_in_schema=False)
async def link_from_page(plan_id: str, request: Request, engine: EngineDep,
                         settings: SettingsDep) -> Response:
    async with request.form() as form:
        url, username = str(form.get("url", "")).strip(), str(form.get("username", ""))
        password = str(form.get("password", ""))
    try:
        load_plan(engine, plan_id)
        await run_in_threadpool(lambda: link_collection(
            engine, settings, plan_id, url=url, username=username[:200], password=password))
    except PlanNotFound:
        return Response("Plan not found.", status_code=404)
    except BadRequest as err:
        return _page_error(request, plan_id, str(err))
    return _back(plan_id)


@router.post("/plans/{plan_id}/caldav/unlink", include_in_schema=False)
def unlink_from_page(plan_id: str, engine: EngineDep) -> Response:
    try:
        load_plan(engine, plan_id)
    except PlanNotFound:
        return Response("Plan not found.", status_code=404)
    unlink_collection(engine, plan_id)
    return _back(plan_id)


def sync_panel(engine: Engine, plan_id: str) -> dict[str, Any]:
    """What the plan page's sync panel shows: each calendar's last reading and the link."""
    with Session(engine) as db:
        rows = db.execute(select(PlanCalendar.url, PlanCalendar.status, PlanCalendar.detail,
                                 PlanCalendar.checked_at)
                          .where(PlanCalendar.plan_id == plan_id)
                          .order_by(PlanCalendar.position)).all()
    from scheduler.calendars.fetch import calendar_label

    sources = [{"source": calendar_label(url), "status": status, "detail": detail,
                "checked": checked} for url, status, detail, checked in rows]
    return {"sources": sources, "link": link_of(engine, plan_id)}


def install(app: FastAPI, engine: Engine, settings: WebSettings) -> None:
    """The routes, the page panel's data and the engine's settings (for pushes)."""
    configure(engine, settings)
    app.include_router(router)
    app.state.templates.env.globals["sync_panel"] = lambda plan_id: sync_panel(engine, plan_id)


def start_loop(engine: Engine, settings: WebSettings) -> SyncLoop | None:
    """The background sync, unless PLYOPLAN_SYNC_SECONDS is 0."""
    if settings.sync_seconds <= 0:
        return None
    loop = SyncLoop(engine, settings)
    loop.start()
    return loop
