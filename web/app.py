"""The plyoplan web app: JSON API under /api, pages, and the calendar feed.

Run it with ``plyoplan serve``, or ``uvicorn --factory web.app:create_app``. The database
schema is created on the first start; settings come from PLYOPLAN_* variables.
"""

from __future__ import annotations

import gc
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from scheduler.core.errors import BadRequest
from scheduler.core.messages import error_sentences
from web.actions import AlreadyMarked, SessionNotFound
from web.db import create_schema, make_engine
from web.feed_cache import Feeds
from web.planning import CalendarsBusy
from web.routes import edit, feeds, home, pages, plans, squads
from web.routes import sync as calendar_sync
from web.safety import (
    BodySizeLimit,
    BodyTooLarge,
    CrossSiteCheck,
    HostCheck,
    SecurityHeaders,
    too_large,
)
from web.settings import WebSettings
from web.store import PlanNotFound, StaleVersion
from web.week_after import WeekAlreadyPlanned

__all__ = ["create_app"]

HERE = Path(__file__).parent
# FastAPI's built-in OpenTelemetry hook looks up the global providers on every request;
# plyoplan exports no telemetry, so it is off (on FastAPI versions that have the hook).
_WITHOUT_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters else {}
)


def _without_body(error: dict) -> dict:
    # FastAPI prefixes the place of the error ('body', 'path', ...); a runner thinks in
    # field names of the request JSON.
    loc = tuple(error.get("loc", ()))
    if loc and loc[0] in ("body", "path", "query", "header"):
        loc = loc[1:]
    return {**error, "loc": loc}


def _missing_fields(request: Request, errors: list[dict]) -> list[dict]:
    """A request sent without any body names no field; say which fields it needs."""
    if [tuple(e.get("loc", ())) for e in errors] != [("body",)] or errors[0]["type"] != "missing":
        return errors
    body_field = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    fields = getattr(model, "model_fields", {})
    required = [name for name, field in fields.items() if field.is_required()]
    return [{**errors[0], "loc": ("body", name)} for name in required] or errors


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_input(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _missing_fields(request, list(exc.errors()))
        sentences = error_sentences([_without_body(e) for e in errors])
        return JSONResponse({"detail": sentences}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def unreadable_body(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc, BodyTooLarge):
            return too_large(request.url.path)
        # FastAPI answers 400 to a body it cannot even decode; to a client that is bad
        # input like any other, so it gets the same 422 and a sentence.
        if exc.status_code == 400 and request.url.path.startswith("/api/"):
            return JSONResponse({"detail": ["The request body is not readable JSON; send "
                                            "UTF-8 JSON as described at /docs."]},
                                status_code=422)
        return await http_exception_handler(request, exc)

    @app.exception_handler(BadRequest)
    async def bad_request(_: Request, exc: BadRequest) -> JSONResponse:
        return JSONResponse({"detail": [str(exc)]}, status_code=422)

    @app.exception_handler(CalendarsBusy)
    async def calendars_busy(_: Request, exc: CalendarsBusy) -> JSONResponse:
        return JSONResponse({"detail": [str(exc)]}, status_code=503,
                            headers={"Retry-After": str(exc.retry_after_seconds)})

    @app.exception_handler(PlanNotFound)
    async def plan_not_found(_: Request, exc: PlanNotFound) -> JSONResponse:
        return JSONResponse({"detail": "Plan not found."}, status_code=404)

    @app.exception_handler(SessionNotFound)
    async def session_not_found(_: Request, exc: SessionNotFound) -> JSONResponse:
        return JSONResponse({"detail": f"Session '{exc}' is not in this plan."},
                            status_code=404)

    @app.exception_handler(AlreadyMarked)
    async def already_marked(_: Request, exc: AlreadyMarked) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(StaleVersion)
    async def stale(_: Request, exc: StaleVersion) -> JSONResponse:
        return JSONResponse(
            {"detail": f"The plan was changed meanwhile and is now at version {exc.current}; "
                       f"read it again and retry with that version."},
            status_code=409,
        )

    @app.exception_handler(WeekAlreadyPlanned)
    async def week_taken(_: Request, exc: WeekAlreadyPlanned) -> JSONResponse:
        return JSONResponse(
            {"detail": f"The week of {exc.week_start} is planned already for this runner "
                       f"(plan {exc.plan_id}); change that plan instead."},
            status_code=409,
        )


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """A new app on the database the settings name (created on first start)."""
    settings = settings or WebSettings()
    engine = make_engine(settings.resolved_database_url())
    rendered_feeds = Feeds(engine, cancelled_days=settings.feed_cancelled_days,
                           refresh_minutes=settings.feed_refresh_minutes)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        create_schema(engine)
        loop = calendar_sync.start_loop(engine, settings)  # off when sync_seconds is 0
        # What the process holds once started (OR-Tools, the schemas, the app) lives as
        # long as the process: out of the collector's sight, a full collection no longer
        # walks it, and requests do not wait for it.
        gc.freeze()
        yield
        if loop is not None:
            loop.stop()
        rendered_feeds.close()
        engine.dispose()

    # The API docs load Swagger UI and ReDoc from files shipped in a package, so /docs
    # works on a laptop offline and on a server whose visitors block CDNs.
    app = FastAPIOffline(
        title="plyoplan",
        summary="Plans a runner's training week, plyometrics included, into their calendar.",
        version="0.1.0",
        lifespan=lifespan,
        **_WITHOUT_TELEMETRY,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.feeds = rendered_feeds
    app.state.inline_db = engine.dialect.name == "sqlite"
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # The last added runs first: every answer gets the security headers (refusals too),
    # the host is checked, cross-site changes and oversize bodies are refused, then the
    # feed (the hot path) is answered ahead of routing.
    app.add_middleware(feeds.FeedMiddleware, state=app.state)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(CrossSiteCheck, settings=settings)
    app.add_middleware(HostCheck, settings=settings)
    app.add_middleware(SecurityHeaders)
    app.include_router(plans.router)
    app.include_router(pages.router)
    app.include_router(edit.router)
    app.include_router(home.router)
    app.include_router(squads.router)
    calendar_sync.install(app, engine, settings)
    _install_error_handlers(app)
    _document_feed(app)
    return app


def _document_feed(app: FastAPI) -> None:
    """Add the feed (a plain Starlette route) to the OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            generate()["paths"].update(feeds.OPENAPI_PATHS)  # generate() caches the schema
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
