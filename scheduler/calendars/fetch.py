"""Fetch the raw bytes of a busy calendar from a file or an http(s)/webcal URL.

Size: both paths stop at `MAX_CALENDAR_BYTES`: a busy calendar is a few hundred kilobytes
even after years of meetings, so anything far bigger is a mistake (a wrong URL, a media
file) or hostile, and reading it whole would only cost memory. URLs are streamed so that
a server that never stops sending cannot exhaust memory either.

Time: a server can keep every per-read timeout happy by sending one byte a second, so a
fetch (connecting, redirects and every byte) has a total deadline,
`FETCH_DEADLINE_SECONDS`, besides the `FETCH_TIMEOUT_SECONDS` any single wait may take.
The URLs of one reading are fetched at the same time, so ten calendars take as long as
the slowest of them, not ten times as long.

Addresses: a server that fetches URLs its visitors type must not become their way into
its own network. With `public_only` each connection (the first and each redirect) goes
to an address that was checked: the host name is resolved once, every address it
resolves to must be on the public internet (never loopback, private, link-local such as
cloud metadata, or reserved), and the connection is made to one of those addresses,
while TLS still asks for and verifies the certificate of the name. A name that answers
differently a moment later (DNS rebinding) therefore cannot lead anywhere unchecked.
Such fetches ignore HTTP(S)_PROXY settings, which would resolve the name again.

One client per reading: the URLs of one reading (and of one batch of a sync round, see
`scheduler.calendars.conditional`) share one event loop and one httpx client, because
setting those up costs more than a loopback answer. The client keeps no cookies, so one
runner's calendar server never sees what another runner's answer set; with `public_only`
it keeps no connection open either (see `_CheckedAddresses`).

webcal: webcal:// only says "subscribe to this"; plyoplan fetches it over HTTPS and never
falls back to plain HTTP by itself, because a calendar URL often carries its secret in
the path. A server that answers plain HTTP only gets a sentence saying so and naming
the http:// URL to use instead, for a runner who trusts it.
"""

from __future__ import annotations

import asyncio
import functools
import http.cookiejar
import ipaddress
import os
import re
import socket
import ssl
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

__all__ = ["FETCH_DEADLINE_SECONDS", "MAX_CALENDAR_BYTES", "URL_SCHEMES", "CalendarError",
           "calendar_label", "fetch_each", "is_public_address", "is_url",
           "load_calendar_bytes", "load_calendars"]

MAX_CALENDAR_BYTES = 10 * 1024 * 1024
FETCH_DEADLINE_SECONDS = 15.0  # the whole fetch of one calendar URL
FETCH_TIMEOUT_SECONDS = 10.0  # one wait within it: connecting, or the next bytes
URL_SCHEMES = ("http://", "https://", "webcal://")
# What OpenSSL reports when the "TLS" answer is plain HTTP text.
_PLAIN_HTTP_REASONS = frozenset({"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE",
                                 "HTTP_REQUEST"})
# The request extension that carries a calendar's label to `_CheckedAddresses`, whose
# sentences name the calendar as the runner gave it; it follows redirects.
LABEL_EXTENSION = "plyoplan_calendar_label"
_T = TypeVar("_T")


class CalendarError(ValueError):
    """Raised when a calendar cannot be used at all: missing file, unreachable or too slow
    URL, not a calendar, over the size cap. Message: one sentence naming the file/URL and
    what went wrong."""


def calendar_label(source: str) -> str:
    """How a calendar is named in messages: as the runner gave it, minus any password.

    A URL like https://user:secret@host/cal.ics must not leak its secret into a terminal,
    a log or a web page, so the user-info part is replaced by '***'.
    """
    if not is_url(source):
        return source
    parts = urlsplit(source)
    if parts.username is None and parts.password is None:
        return source
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def load_calendar_bytes(source: str, *, base_dir: Path | None = None,
                        public_only: bool = False) -> bytes:
    """The bytes of a calendar file (relative paths resolved against `base_dir`) or URL
    (with `public_only`, on a public internet address only).

    Raises CalendarError when the file is missing or unreadable, the URL cannot be
    fetched in time or is refused, or the calendar is larger than `MAX_CALENDAR_BYTES`.
    """
    return load_calendars([source], base_dir=base_dir, public_only=public_only)[source]


def load_calendars(sources: Sequence[str], *, base_dir: Path | None = None,
                   public_only: bool = False) -> dict[str, bytes]:
    """The bytes of each distinct calendar, as `load_calendar_bytes` reads one; the URLs
    are fetched at the same time. Raises the CalendarError of the first source (in the
    order given) that cannot be used."""
    distinct = list(dict.fromkeys(sources))
    urls = [source for source in distinct if is_url(source)]
    fetched = fetch_each(urls, public_only=public_only)
    out: dict[str, bytes] = {}
    for source in distinct:
        data = fetched[source] if is_url(source) else _read_file(source, base_dir)
        if isinstance(data, CalendarError):
            raise data
        out[source] = data
    return out


def fetch_each(urls: Sequence[str], *, public_only: bool = False
               ) -> dict[str, bytes | CalendarError]:
    """Each distinct URL's bytes, or the CalendarError that says why it could not be
    fetched, all fetched at the same time (as `load_calendars` fetches them)."""
    distinct = list(dict.fromkeys(urls))
    return _run(_fetch_all(distinct, public_only)) if distinct else {}


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is on the public internet (::ffff:127.0.0.1 is loopback too)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global


def is_url(source: str) -> bool:
    """Whether a calendar source is an http(s) or webcal URL (else a file path)."""
    return source.lower().startswith(URL_SCHEMES)


def _read_file(source: str, base_dir: Path | None) -> bytes:
    path = Path(source).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        with path.open("rb") as handle:
            # Read one byte past the cap instead of trusting stat(): the file may grow
            # (or be a FIFO) between a size check and the read.
            data = handle.read(MAX_CALENDAR_BYTES + 1)
    except FileNotFoundError:
        looked = path.absolute()  # a relative name alone does not say which folder was meant
        where = "" if str(looked) == source else f" (looked for {looked})"
        raise CalendarError(f"Calendar '{source}' was not found{where}.") from None
    except IsADirectoryError:
        raise CalendarError(f"Calendar '{source}' is a folder, not a file.") from None
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise CalendarError(f"Calendar '{source}' could not be read: {reason}.") from None
    if len(data) > MAX_CALENDAR_BYTES:
        raise _too_big(source)
    return data


def _run(work: Coroutine[Any, Any, _T]) -> _T:
    # Callers are plain threads (the CLI, the web app's worker threads), so each reading
    # runs its own event loop. loop.close(), unlike asyncio.run(), does not wait for a
    # name lookup still running in the loop's executor after a deadline has passed.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(work)
    finally:
        loop.close()


def _client(public_only: bool) -> httpx.AsyncClient:
    """The client one reading's fetches share (see the module doc)."""
    transport = _CheckedAddresses() if public_only else None
    return httpx.AsyncClient(
        timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=True, transport=transport,
        verify=_tls(),
        cookies=http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[])))


def https_for_webcal(url: str) -> str:
    """webcal:// is fetched over HTTPS, never plain HTTP (see the module doc)."""
    if url.lower().startswith("webcal://"):
        return "https://" + url[len("webcal://"):]
    return url


async def _fetch_all(urls: list[str], public_only: bool) -> dict[str, bytes | CalendarError]:
    async with _client(public_only) as client:
        results = await asyncio.gather(*(_fetch_in_time(client, url) for url in urls))
    return dict(zip(urls, results, strict=True))


async def _fetch_in_time(client: httpx.AsyncClient, source: str) -> bytes | CalendarError:
    label = calendar_label(source)
    deadline = FETCH_DEADLINE_SECONDS
    try:
        async with asyncio.timeout(deadline):
            return await _fetch(client, source, label)
    except TimeoutError:
        return CalendarError(f"Calendar '{label}' could not be fetched: it did not arrive "
                             f"within {_seconds(deadline)}.")
    except CalendarError as err:
        return err


def _tls() -> ssl.SSLContext:
    """httpx's own TLS context for the trust store the environment names."""
    return _tls_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _tls_for(_cert_file: str | None, _cert_dir: str | None) -> ssl.SSLContext:
    # Built once per trust store: loading the CA bundle takes about 0.1 s, which every
    # calendar fetched would pay again (a Sunday-night roll-over reads thousands).
    return httpx.create_ssl_context()


async def _fetch(client: httpx.AsyncClient, source: str, label: str) -> bytes:
    url = https_for_webcal(source)
    try:
        async with client.stream("GET", url, extensions={LABEL_EXTENSION: label}) as response:
            return await _body(response, label)
    except (httpx.HTTPError, httpx.InvalidURL) as err:
        raise _not_fetched(err, label, url) from None


async def _body(response: httpx.Response, label: str) -> bytes:
    """The calendar an answer carries, read up to the size cap (CalendarError beyond it,
    or for an HTTP error status)."""
    if response.status_code >= 400:
        raise CalendarError(
            f"Calendar '{label}' could not be fetched: HTTP {response.status_code}.")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_CALENDAR_BYTES:
        raise _too_big(label)
    chunks: list[bytes] = []
    received = 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if received > MAX_CALENDAR_BYTES:
            raise _too_big(label)
        chunks.append(chunk)
    return b"".join(chunks)


def _not_fetched(err: Exception, label: str, url: str) -> CalendarError:
    """The sentence for a fetch of `url` that httpx gave up on."""
    if isinstance(err, httpx.TimeoutException):
        return CalendarError(f"Calendar '{label}' could not be fetched: no answer within "
                             f"{_seconds(FETCH_TIMEOUT_SECONDS)}.")
    if _answered_in_plain_http(err):
        plain = calendar_label("http://" + url.split("://", 1)[1])
        return CalendarError(
            f"Calendar '{label}' could not be fetched over HTTPS: the server answers "
            f"plain HTTP only; use {plain} instead if you trust it.")
    return CalendarError(f"Calendar '{label}' could not be fetched: {_reason(err)}.")


class _CheckedAddresses(httpx.AsyncBaseTransport):
    """Sends each request (the first and every redirect) to an address its host name was
    resolved to and checked against, never to what the name resolves to a moment later.

    The request goes to the address with the name kept in the Host header and as the TLS
    server name, so virtual hosting and certificate checks work as for the name. No
    connection is kept open: one made for a name must not carry another name's request
    (the pool knows it by its address only). Sentences name the calendar by the label in
    the request's LABEL_EXTENSION.
    """

    def __init__(self) -> None:
        self._transport = httpx.AsyncHTTPTransport(
            verify=_tls(), limits=httpx.Limits(max_keepalive_connections=0))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.raw_host.decode("ascii")
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        label = str(request.extensions.get(LABEL_EXTENSION) or host)
        addresses = await self._public_addresses(host, port, label)
        for address in addresses[:-1]:
            try:
                return await self._send(request, address, host)
            except httpx.ConnectError:
                continue  # the name's next address, as a client would try
        return await self._send(request, addresses[-1], host)

    async def _send(self, request: httpx.Request, address: str,
                    host: str) -> httpx.Response:
        to_address = httpx.Request(
            request.method, request.url.copy_with(host=address), headers=request.headers,
            stream=request.stream, extensions={**request.extensions, "sni_hostname": host})
        return await self._transport.handle_async_request(to_address)

    async def _public_addresses(self, host: str, port: int, label: str) -> list[str]:
        try:
            answers = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            answers = []
        addresses = list(dict.fromkeys(str(address[0]) for *_, address in answers))
        if not addresses:
            raise CalendarError(f"Calendar '{label}' could not be fetched: the host "
                                f"name '{host}' was not found.")
        for address in addresses:
            ip = ipaddress.ip_address(address)
            if not is_public_address(ip):
                shown = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
                raise CalendarError(
                    f"Calendar '{label}' is on a local or private network address "
                    f"({shown or ip}); this server only reads calendars from the public "
                    "internet.")
        return addresses

    async def aclose(self) -> None:
        await self._transport.aclose()


def _answered_in_plain_http(err: Exception) -> bool:
    """Whether a failed TLS handshake met a server that speaks plain HTTP there."""
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, ssl.SSLError) and cause.reason in _PLAIN_HTTP_REASONS:
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _seconds(value: float) -> str:
    return f"{value:g} second" + ("" if value == 1 else "s")


def _too_big(label: str) -> CalendarError:
    return CalendarError(f"Calendar '{label}' is larger than the 10 MB limit.")


def _reason(err: Exception) -> str:
    """A short reason for a failed request, without httpx's multi-line detail."""
    text = str(err).strip().splitlines()
    first = text[0].rstrip(".") if text else ""
    # "[Errno 111] Connection refused" reads better without the errno.
    return re.sub(r"^\[Errno -?\d+\]\s*", "", first) or type(err).__name__
