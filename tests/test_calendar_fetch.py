"""Fetching calendar URLs: a total deadline however slowly the bytes come, several
calendars at once, connections only to the address that was checked, and a sentence for
a webcal URL whose server speaks plain HTTP. Every server here is real, started by the
test on a loopback address; `fake_dns` stands in for a name server that changes its
answer, and 127.0.0.2 plays a public address (127.0.0.1 stays the private one)."""

from __future__ import annotations

import ipaddress
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.calendars import fetch as calendar_fetch
from scheduler.calendars.fetch import CalendarError, load_calendar_bytes, load_calendars
from tests.calendar_servers import calendar_with, fake_dns, serve_calendar

PUBLIC_STAND_IN = ipaddress.ip_address("127.0.0.2")


@pytest.fixture
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def public_stand_in(monkeypatch: pytest.MonkeyPatch, no_proxies: None) -> None:
    """127.0.0.2 counts as a public internet address; every other rule stays."""
    real = calendar_fetch.is_public_address
    monkeypatch.setattr(calendar_fetch, "is_public_address",
                        lambda ip: ip == PUBLIC_STAND_IN or real(ip))


def test_a_calendar_that_drips_a_byte_at_a_time_stops_at_the_deadline(
        monkeypatch: pytest.MonkeyPatch, no_proxies: None):
    monkeypatch.setattr(calendar_fetch, "FETCH_DEADLINE_SECONDS", 1.0)
    with serve_calendar() as slow:
        slow.drip_seconds = 0.2  # each byte well inside the per-read timeout
        url = f"http://127.0.0.1:{slow.port}/work.ics"
        began = time.monotonic()
        with pytest.raises(CalendarError) as caught:
            load_calendar_bytes(url)
        took = time.monotonic() - began
    assert str(caught.value) == (f"Calendar '{url}' could not be fetched: it did not "
                                 "arrive within 1 second.")
    assert took < 5


def test_calendars_are_fetched_at_the_same_time_so_the_deadline_holds_for_all(
        monkeypatch: pytest.MonkeyPatch, no_proxies: None):
    monkeypatch.setattr(calendar_fetch, "FETCH_DEADLINE_SECONDS", 1.0)
    with serve_calendar() as slow, serve_calendar() as quick:
        slow.drip_seconds = 0.2
        urls = [f"http://127.0.0.1:{slow.port}/{n}.ics" for n in range(5)]
        began = time.monotonic()
        with pytest.raises(CalendarError, match="did not arrive within 1 second"):
            load_calendars([f"http://127.0.0.1:{quick.port}/work.ics", *urls])
        took = time.monotonic() - began
        assert sorted(slow.hits) == [f"/{n}.ics" for n in range(5)]  # all were asked
    assert took < 4  # one after the other would take at least 5


def test_the_same_calendar_named_twice_is_fetched_once(no_proxies: None):
    with serve_calendar() as server:
        url = f"http://127.0.0.1:{server.port}/work.ics"
        data = load_calendars([url, url, url])
        assert server.hits == ["/work.ics"]
    assert data == {url: calendar_with("Board meeting")}


def test_a_name_that_changes_its_answer_is_connected_to_where_it_was_checked(
        monkeypatch: pytest.MonkeyPatch, public_stand_in: None):
    # DNS rebinding: the name answers a public address when it is checked and the
    # server's own address when the client connects.
    with serve_calendar("127.0.0.1") as internal, \
            serve_calendar("127.0.0.2", internal.port) as public:
        internal.calendar = calendar_with("Internal secret")
        public.calendar = calendar_with("Public meeting")
        answers = iter(["127.0.0.2"])
        asked = fake_dns(monkeypatch, {"calendar.example": lambda: next(answers, "127.0.0.1")})
        data = load_calendar_bytes(f"http://calendar.example:{internal.port}/work.ics",
                                   public_only=True)
        assert internal.hits == []
        assert public.hits == ["/work.ics"]
    assert b"Public meeting" in data
    assert asked == ["calendar.example"]  # looked up once, for the check


def test_a_redirect_to_a_private_address_is_refused_before_connecting(
        monkeypatch: pytest.MonkeyPatch, public_stand_in: None):
    with serve_calendar("127.0.0.1") as internal, \
            serve_calendar("127.0.0.2", internal.port) as public:
        public.redirect_to = f"http://127.0.0.1:{internal.port}/secret.ics"
        fake_dns(monkeypatch, {"calendar.example": lambda: "127.0.0.2"})
        url = f"http://calendar.example:{internal.port}/work.ics"
        with pytest.raises(CalendarError) as caught:
            load_calendar_bytes(url, public_only=True)
        assert public.hits == ["/work.ics"]
        assert internal.hits == []
    assert str(caught.value) == (
        f"Calendar '{url}' is on a local or private network address (127.0.0.1); "
        "this server only reads calendars from the public internet.")


def test_a_redirect_to_a_name_that_turns_private_is_refused(
        monkeypatch: pytest.MonkeyPatch, public_stand_in: None):
    with serve_calendar("127.0.0.1") as internal, \
            serve_calendar("127.0.0.2", internal.port) as public:
        public.redirect_to = f"http://intranet.example:{internal.port}/secret.ics"
        fake_dns(monkeypatch, {"calendar.example": lambda: "127.0.0.2",
                               "intranet.example": lambda: "127.0.0.1"})
        with pytest.raises(CalendarError, match=r"private network address \(127\.0\.0\.1\)"):
            load_calendar_bytes(f"http://calendar.example:{internal.port}/work.ics",
                                public_only=True)
        assert internal.hits == []


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make a certificate for the local HTTPS server")
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    return cert, key


@pytest.fixture
def https_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              public_stand_in: None) -> Iterator[object]:
    """An HTTPS calendar on 127.0.0.2 whose certificate names only `calendar.example`."""
    cert, key = _certificate(tmp_path, "calendar.example")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serve_calendar("127.0.0.2", tls=context) as server:
        yield server


def test_https_to_the_checked_address_verifies_the_certificate_for_the_name(
        monkeypatch: pytest.MonkeyPatch, https_for):
    # The certificate names calendar.example and no address: the connection goes to the
    # checked address, and TLS still asks for (and checks) the name.
    fake_dns(monkeypatch, {"calendar.example": lambda: "127.0.0.2",
                           "other.example": lambda: "127.0.0.2"})
    data = load_calendar_bytes(f"webcal://calendar.example:{https_for.port}/work.ics",
                               public_only=True)
    assert b"Board meeting" in data
    url = f"https://other.example:{https_for.port}/work.ics"
    with pytest.raises(CalendarError, match=f"Calendar '{url}' could not be fetched: "
                                            ".*certificate verify failed"):
        load_calendar_bytes(url, public_only=True)


def test_webcal_to_a_plain_http_server_says_so_in_a_sentence(no_proxies: None):
    with serve_calendar() as plain:
        url = f"webcal://127.0.0.1:{plain.port}/work.ics"
        with pytest.raises(CalendarError) as caught:
            load_calendar_bytes(url)
    assert str(caught.value) == (
        f"Calendar '{url}' could not be fetched over HTTPS: the server answers plain "
        f"HTTP only; use http://127.0.0.1:{plain.port}/work.ics instead if you trust it.")


def test_a_host_name_that_does_not_exist_is_named(no_proxies: None):
    url = "https://calendar.invalid/work.ics"
    for public_only in (False, True):
        with pytest.raises(CalendarError) as caught:
            load_calendar_bytes(url, public_only=public_only)
        assert str(caught.value).startswith(f"Calendar '{url}' could not be fetched: ")
