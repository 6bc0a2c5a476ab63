"""`GET /feeds/<token>.ics`: the subscribed calendar, with conditional GET.

Calendar apps poll this URL for as long as someone stays subscribed, so it is the hot
path of the app: one indexed query, a rendered feed from the process's cache (else one
more query for the body another process or a write stored, see web.feed_cache), usually
a 304. It is answered by a small ASGI middleware in front of the framework's routing and
dependency machinery, which would cost several times the rest of the work; its OpenAPI
entry is written out below. The embedded SQLite lookup takes microseconds and runs inline; a
network database's lookup runs in the thread pool.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from web.db import utcnow
from web.feed import FEED_MEDIA_TYPE, is_not_modified
from web.feed_cache import Feeds

__all__ = ["FeedMiddleware", "feed_response", "OPENAPI_PATHS"]

FEED_PATH = re.compile(r"^/feeds/(?P<token>[^/]+)\.ics$")


async def feed_response(state: State, token: str, if_none_match: str | None,
                        if_modified_since: str | None) -> Response:
    """The feed of `token` (200), a 304 when the client's copy is current, or 404."""
    feeds: Feeds = state.feeds
    lookup = feeds.lookup
    found = lookup(token) if state.inline_db else await run_in_threadpool(lookup, token)
    if found is None:
        return JSONResponse(
            {"detail": "Feed not found; the link may have been replaced by a new one."},
            status_code=404)
    now = utcnow()
    feed = feeds.cached(found, now)
    if feed is None:
        feed = await run_in_threadpool(feeds.load_or_render, found, now)
    if is_not_modified(feed, if_none_match, if_modified_since):
        return Response(status_code=304, headers=feed.headers)
    return Response(feed.body, media_type=FEED_MEDIA_TYPE, headers=feed.headers)


class FeedMiddleware:
    """Answers GET/HEAD /feeds/<token>.ics; passes every other request on."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = FEED_PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        conditions: dict[bytes, str] = {}
        for name, value in scope["headers"]:
            if name in (b"if-none-match", b"if-modified-since"):
                conditions[name] = value.decode("latin-1")
        response = await feed_response(self.state, match["token"],
                                       conditions.get(b"if-none-match"),
                                       conditions.get(b"if-modified-since"))
        await response(scope, receive, send)


_FEED_OPERATION: dict[str, Any] = {
    "tags": ["feed"],
    "summary": "Calendar feed",
    "operationId": "calendar_feed",
    "description": "The runner's sessions as iCalendar (RFC 5545) to subscribe to. "
                   "Send If-None-Match (the ETag) or If-Modified-Since to get 304 when "
                   "nothing changed.",
    "parameters": [
        {"name": "token", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "The secret feed token from the plan's feed_url."},
        {"name": "If-None-Match", "in": "header", "required": False,
         "schema": {"type": "string"}},
        {"name": "If-Modified-Since", "in": "header", "required": False,
         "schema": {"type": "string"}},
    ],
    "responses": {
        "200": {"description": "The iCalendar feed.",
                "content": {"text/calendar": {"schema": {"type": "string"}}}},
        "304": {"description": "Not modified since the ETag/date the client sent."},
        "404": {"description": "Unknown or replaced token.",
                "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Problem"}}}},
    },
}
OPENAPI_PATHS: dict[str, Any] = {"/feeds/{token}.ics": {"get": _FEED_OPERATION}}
