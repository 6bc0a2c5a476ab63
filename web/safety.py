"""What keeps the web app safe on a public host, as pure ASGI middleware in front of the
framework (so each check also guards the feed, which is answered before routing), in the
order they run:

- `SecurityHeaders`: CSP with `frame-ancestors 'none'`, `nosniff`, no referrer, and
  `Cache-Control: no-store` on every response that does not set its own caching.
- `HostCheck`: only host names the operator allowed (`WebSettings.answers_to`); every
  absolute link the app builds comes from a checked name, never from whatever Host a
  request claims.
- `CrossSiteCheck`: a change (any POST) sent by a browser from another site is refused,
  so a page elsewhere cannot mark a session missed or rotate a feed link.
- `BodySizeLimit`: request bodies over 1 MB are refused while they arrive.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.settings import WebSettings

__all__ = ["HostCheck", "SecurityHeaders", "CrossSiteCheck", "BodySizeLimit",
           "BodyTooLarge", "MAX_BODY_BYTES", "refusal", "too_large"]

MAX_BODY_BYTES = 1024 * 1024
TOO_LARGE = ("The request body is over 1 MB, the most plyoplan accepts; send less (for a "
             "busy calendar, just the weeks around the plan, or give its address).")
CROSS_SITE = ("This change was sent from another site; plyoplan only takes changes from "
              "its own pages, so open the plan here and try again.")
UNKNOWN_HOST = ("This server does not answer to the host name in the request; its operator "
                "can add the name to PLYOPLAN_ALLOWED_HOSTS.")

# The pages load one stylesheet and one script from /static and nothing else. Styles may
# be inline: the week grid places each box with a style attribute computed on the server,
# and the block chart is an inline SVG carrying its own <style>. Scripts may not.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
# Swagger UI and ReDoc start from an inline script (and ReDoc from a blob: worker); the
# docs carry no plan id or feed token.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
# Fixed files anyone may fetch and keep; everything else may carry a plan id or feed link.
PUBLIC_FILES = ("/static/", "/static-offline-docs/")


def refusal(path: str, status: int, sentence: str) -> Response:
    """The answer to a refused request: JSON `{"detail": ...}` like every API error, and
    the bare sentence for pages."""
    if path.startswith(("/api/", "/feeds/")):
        return JSONResponse({"detail": sentence}, status_code=status)
    return PlainTextResponse(sentence, status_code=status)


def too_large(path: str) -> Response:
    return refusal(path, 413, TOO_LARGE)


class HostCheck:
    """Answers 400 to a request whose Host is not one the settings allow."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = Headers(scope=scope).get("host", "")
            if not self.settings.answers_to(host):
                await refusal(scope["path"], 400, UNKNOWN_HOST)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Adds the browser protections to every response (see the module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else PAGE_CSP
        public = path.startswith(PUBLIC_FILES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", csp)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")  # browsers before CSP 2
                headers.setdefault("Referrer-Policy", "no-referrer")
                # A response that sets its own caching keeps it. The feed does: its URL
                # carries the token, yet calendar apps poll it all day, so it is `private,
                # max-age=0, must-revalidate` (web/feed.py): the subscriber's own client
                # keeps a copy and revalidates it by ETag (a cheap 304), no shared cache
                # (proxy, CDN) may store it, and no-store would only force a full download
                # on every poll to a client that holds the token anyway.
                if not public:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CrossSiteCheck:
    """Answers 403 to a POST (or any unsafe method) a browser sent from another site.

    Browsers say where a request comes from: `Sec-Fetch-Site` (all current browsers) or,
    before it, `Origin`. A request with neither comes from a program, not from a page a
    visitor was lured to, and is let through, so the JSON API stays open to scripts.
    This covers the JSON API too: a page elsewhere cannot post `text/plain` to it.
    """

    SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.public_origin = _origin(settings.public_url) if settings.public_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] not in self.SAFE
                and self._from_another_site(Headers(scope=scope))):
            await refusal(scope["path"], 403, CROSS_SITE)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _from_another_site(self, headers: Headers) -> bool:
        site = headers.get("sec-fetch-site")
        if site is not None:
            return site not in ("same-origin", "none")  # "none": typed in by the user
        origin = headers.get("origin")
        if origin is None:
            return False
        if self.public_origin is not None and _origin(origin) == self.public_origin:
            return False
        return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class BodyTooLarge(HTTPException):
    """Raised while reading a request body that goes over `MAX_BODY_BYTES`.

    An HTTPException, so that the framework's body parsing passes it on as it is (any
    other error there becomes a 400) and the app answers it with `too_large`.
    """

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=TOO_LARGE)


class BodySizeLimit:
    """Refuses request bodies over `max_bytes` with 413, without reading them whole.

    A declared Content-Length over the limit is refused before the app runs; a body sent
    without one (chunked) is counted as it arrives and refused at the first byte over.
    (Starlette's own RequestBodyLimitMiddleware lets a declared oversize body into the
    app and answers it with a bare "Content Too Large".)
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await too_large(scope["path"])(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await too_large(scope["path"])(scope, receive, send)
