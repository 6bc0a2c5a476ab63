"""The web app on a public host, over HTTP against the real app (uvicorn on 127.0.0.1, a
real SQLite file): oversize bodies, requests from other sites, browser protections,
forged Host headers, secrets in the access log, and sessions marked done only when the
runner says so."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.live_server import LiveServer, checked, create, serve_in_process, serve_in_thread
from tests.weeks import example

MB = 1024 * 1024
FROM_ANOTHER_SITE = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
FROM_ITS_OWN_PAGE = {"Sec-Fetch-Site": "same-origin"}
BEFORE_THE_WEEK = "2026-11-29T12:00:00+01:00"  # the Sunday before the examples' week


def past_week() -> dict[str, Any]:
    """The office worker's week in December 2024: every session has happened."""
    return example("office_worker", week_start="2024-12-02", busy=[])


def sessions_by_start(body: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(body["schedule"]["sessions"], key=lambda s: s["start"])


def version_of(client: httpx.Client, plan_id: str) -> int:
    version: int = client.get(f"/api/plans/{plan_id}").json()["version"]
    return version


@pytest.fixture(scope="module")
def plan(server: LiveServer) -> dict[str, Any]:
    with server.client() as c:
        return create(c, example("office_worker"))


# Request bodies over 1 MB


def busy_json(intervals: int) -> bytes:
    """A valid request whose busy list makes it large (all of it long before the week)."""
    request = example("beginner")
    request["busy"] = [{"start": f"2020-01-01T{h % 24:02d}:00:00+00:00",
                        "end": f"2020-01-01T{h % 24:02d}:30:00+00:00", "summary": "x" * 40}
                       for h in range(intervals)]
    return json.dumps(request).encode()


def test_a_body_declared_over_1_mb_is_413_before_the_server_reads_it(server):
    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest("POST", "/api/plans")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(50 * MB))
        connection.endheaders()
        connection.send(busy_json(200)[:64 * 1024])  # the rest never comes
        response = connection.getresponse()  # times out if the server waits for 50 MB
        status, body = response.status, json.loads(response.read())
    finally:
        connection.close()
    assert status == 413
    assert body["detail"].startswith("The request body is over 1 MB")


def test_a_chunked_body_over_1_mb_is_413_as_it_arrives(client):
    payload = busy_json(12_000)
    assert len(payload) > MB

    def chunks() -> Iterator[bytes]:  # no length: httpx sends it chunked
        for i in range(0, len(payload), 64 * 1024):
            yield payload[i:i + 64 * 1024]

    response = client.post("/api/plans", content=chunks(),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "over 1 MB" in response.json()["detail"]


def test_a_calendar_upload_over_1_mb_on_the_page_is_413_with_a_sentence(client):
    calendar = b"BEGIN:VCALENDAR\r\n" + b"X-FILLER:" + b"x" * (3 * MB // 2) + b"\r\n"
    response = client.post("/plans", data={"name": "Ana"},
                           files={"busy_file": ("work.ics", calendar, "text/calendar")})
    assert response.status_code == 413
    assert response.text.startswith("The request body is over 1 MB")


def test_a_body_under_1_mb_is_planned_as_before(client):
    payload = busy_json(1_000)
    assert 100 * 1024 < len(payload) < MB
    response = client.post("/api/plans", content=payload,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text


# Changes sent from another site


def page_forms(plan_id: str, session_id: str) -> list[tuple[str, dict[str, str]]]:
    """Every form of the pages that changes something, with the fields it sends."""
    return [
        (f"/plans/{plan_id}/sessions/{session_id}/missed", {"version": "1"}),
        (f"/plans/{plan_id}/sessions/{session_id}/done", {"version": "1"}),
        (f"/plans/{plan_id}/sessions/{session_id}/log", {"rpe": "5", "discomfort": "0"}),
        (f"/plans/{plan_id}/feed-token", {}),
        (f"/plans/{plan_id}/next-week", {}),
        ("/plans", {"name": "Eve"}),
    ]


@pytest.mark.parametrize("headers", [FROM_ANOTHER_SITE, {"Origin": "https://evil.example"},
                                     {"Sec-Fetch-Site": "same-site"}, {"Origin": "null"}],
                         ids=["cross-site", "origin-only", "same-site", "opaque-origin"])
def test_a_form_posted_from_another_site_is_403_and_changes_nothing(client, plan, headers):
    before = client.get(f"/api/plans/{plan['id']}").json()
    session_id = sessions_by_start(plan)[0]["id"]
    for path, fields in page_forms(plan["id"], session_id):
        response = client.post(path, data=fields, headers=headers)
        assert response.status_code == 403, path
        assert "sent from another site" in response.text
    assert client.get(f"/api/plans/{plan['id']}").json() == before
    assert client.get(plan["feed_url"]).status_code == 200  # the feed link still works


def test_the_json_api_refuses_a_text_plain_post_from_another_site(client, plan):
    session_id = sessions_by_start(plan)[-1]["id"]
    body = json.dumps({"version": 1, "at": BEFORE_THE_WEEK})
    response = client.post(f"/api/plans/{plan['id']}/sessions/{session_id}/missed",
                           content=body, headers={"Content-Type": "text/plain",
                                                  **FROM_ANOTHER_SITE})
    assert response.status_code == 403
    assert "sent from another site" in response.json()["detail"]
    assert version_of(client, plan["id"]) == 1


def test_the_runners_own_pages_and_programs_still_change_plans(client):
    body = create(client, example("office_worker"))
    same_origin = {"Origin": client.base_url.scheme + "://" + client.base_url.netloc.decode()}
    for headers in (FROM_ITS_OWN_PAGE, same_origin):
        response = client.post(f"/plans/{body['id']}/feed-token", headers=headers)
        assert response.status_code == 303
    session_id = sessions_by_start(body)[-1]["id"]
    marked = client.post(f"/api/plans/{body['id']}/sessions/{session_id}/missed",
                         json={"version": 1, "at": BEFORE_THE_WEEK})  # a script: no Origin
    assert marked.status_code == 200, marked.text


# Browser protections and caching


def csp_directives(response: httpx.Response) -> dict[str, str]:
    policy = response.headers.get("content-security-policy", "")
    pairs = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name: value for name, _, value in pairs}


def test_every_page_sends_csp_nosniff_and_no_referrer(client, plan):
    for path in ("/", f"/plans/{plan['id']}", f"/plans/{plan['id']}/block?weeks=6",
                 "/plans/no-such-plan", "/docs"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        csp = csp_directives(response)
        assert csp["frame-ancestors"] == "'none'", path
        assert "'unsafe-inline'" not in csp.get("script-src", "'unsafe-inline'") or path == "/docs"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_pages_carry_no_inline_script_for_the_policy_to_block(client, plan):
    for path in ("/", f"/plans/{plan['id']}", f"/plans/{plan['id']}/block?weeks=6"):
        html = client.get(path).text
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all(" src=" in tag for tag in scripts), path
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert client.get("/static/pages.js").status_code == 200


def test_responses_that_carry_a_plan_id_or_feed_token_are_never_stored(client):
    body = create(client, example("office_worker"))
    plan_id, session_id = body["id"], sessions_by_start(body)[-1]["id"]
    created = client.post("/api/plans", json=example("beginner"))
    answers = [
        created,
        client.get(f"/api/plans/{plan_id}"),
        client.get(f"/plans/{plan_id}"),
        client.get(f"/plans/{plan_id}/block?weeks=6"),
        client.post(f"/api/plans/{plan_id}/sessions/{session_id}/missed",
                    json={"version": 1, "at": BEFORE_THE_WEEK}),
        client.post(f"/plans/{plan_id}/feed-token"),  # 303 to the page
        client.post(f"/api/plans/{plan_id}/feed-token"),
    ]
    for response in answers:
        assert response.status_code in (200, 201, 303), response.request.url
        assert response.headers["cache-control"] == "no-store", response.request.url


def test_the_feed_stays_cacheable_by_its_subscriber_and_no_one_else(client, plan):
    feed = client.get(plan["feed_url"])
    assert feed.status_code == 200
    caching = {part.strip() for part in feed.headers["cache-control"].split(",")}
    assert "private" in caching and "no-store" not in caching
    assert feed.headers["x-content-type-options"] == "nosniff"
    again = client.get(plan["feed_url"], headers={"If-None-Match": feed.headers["etag"]})
    assert again.status_code == 304


# Host headers and links


def page_links(html: str) -> tuple[str, str, str]:
    """The stylesheet's href, the webcal link and the feed link to copy, of a plan page."""
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    webcal = re.search(r'id="webcal-link" href="([^"]+)"', html)
    copy = re.search(r'id="feed-url" readonly value="([^"]+)"', html)
    assert stylesheet and webcal and copy
    return stylesheet[1], webcal[1], copy[1]


def test_a_forged_host_header_is_refused_and_never_becomes_a_link(server, client, plan):
    for path in ("/", f"/plans/{plan['id']}", plan["feed_url"]):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert "PLYOPLAN_ALLOWED_HOSTS" in response.text
        assert "evil.example" not in response.text
        assert response.headers["x-content-type-options"] == "nosniff"
    page = client.get(f"/plans/{plan['id']}").text
    stylesheet, webcal, copy = page_links(page)
    assert stylesheet == "/static/style.css"
    assert copy == server.url + plan["feed_url"]
    assert webcal == "webcal://" + copy.removeprefix("http://")


def test_links_are_built_from_the_public_url(tmp_path):
    public = "https://plan.example.org"
    with serve_in_thread(tmp_path / "plyoplan.db", public_url=public) as live, \
            live.client() as c:
        body = create(c, example("beginner"))
        for host in (urlsplit(live.url).netloc, "plan.example.org"):
            page = c.get(f"/plans/{body['id']}", headers={"Host": host})
            assert page.status_code == 200
            stylesheet, webcal, copy = page_links(page.text)
            assert stylesheet == "/static/style.css"
            assert copy == public + body["feed_url"]
            assert webcal == "webcal://plan.example.org" + body["feed_url"]
        assert c.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_links_use_the_request_host_only_when_it_is_an_allowed_host(tmp_path):
    with serve_in_thread(tmp_path / "plyoplan.db",
                         allowed_hosts="plan.test, 127.0.0.1") as live, live.client() as c:
        body = create(c, example("beginner"))
        port = urlsplit(live.url).port
        page = c.get(f"/plans/{body['id']}", headers={"Host": f"plan.test:{port}"})
        assert page.status_code == 200
        assert page_links(page.text)[2] == f"http://plan.test:{port}{body['feed_url']}"
        assert c.get("/", headers={"Host": "localhost"}).status_code == 400


# The access log


def test_the_access_log_never_shows_plan_ids_session_ids_or_feed_tokens(tmp_path):
    database = tmp_path / "plyoplan.db"
    with serve_in_process(database, access_log=True) as live, live.client() as c:
        body = create(c, past_week())
        session_id = sessions_by_start(body)[-1]["id"]
        secrets = [body["id"], session_id, body["feed_url"]]
        assert c.get(f"/plans/{body['id']}").status_code == 200
        assert c.get(f"/api/plans/{body['id']}").status_code == 200
        assert c.get(body["feed_url"]).status_code == 200
        c.post(f"/api/plans/{body['id']}/sessions/{session_id}/missed", json={"version": 1})
        rotated = c.post(f"/api/plans/{body['id']}/feed-token").json()
        secrets.append(rotated["feed_url"])
    log = database.with_suffix(".log").read_text()
    for secret in secrets:
        assert secret.removeprefix("/feeds/").removesuffix(".ics") not in log
    assert '"GET /plans/<redacted> HTTP/1.1" 200' in log
    assert '"GET /feeds/<redacted>.ics HTTP/1.1" 200' in log
    assert '"POST /api/plans/<redacted>/sessions/<redacted>/missed HTTP/1.1" 200' in log
    assert '"POST /api/plans HTTP/1.1" 201' in log


# Sessions are done only when the runner says so


def test_marking_a_session_missed_leaves_earlier_unmarked_sessions_planned(client):
    body = create(client, example("office_worker"))
    sessions = sessions_by_start(body)
    third = sessions[2]
    response = client.post(f"/api/plans/{body['id']}/sessions/{third['id']}/missed",
                           json={"version": 1, "at": third["end"]})
    assert response.status_code == 200, response.text
    after = {s.id: s for s in checked(response.json()).sessions}
    for earlier in sessions[:2]:
        now = after[earlier["id"]]
        assert (now.status, now.start.isoformat()) == ("planned", earlier["start"])
    assert after[third["id"]].status in ("missed", "planned")
    assert not [c for c in response.json()["changes"] if c["change"] == "done"]


def test_the_page_shows_unmarked_past_sessions_as_not_logged_with_their_buttons(client):
    body = create(client, past_week())
    sessions = sessions_by_start(body)
    last = sessions[-1]
    marked = client.post(f"/plans/{body['id']}/sessions/{last['id']}/missed",
                         data={"version": "1"}, headers=FROM_ITS_OWN_PAGE)
    assert marked.status_code == 303
    after = client.get(f"/api/plans/{body['id']}").json()
    assert [s["status"] for s in sessions_by_start(after)] == ["planned"] * (
        len(sessions) - 1) + ["missed"]
    page = client.get(f"/plans/{body['id']}").text
    for s in sessions[:-1]:
        item = re.search(rf'<li id="s-{re.escape(s["id"])}".*?(?=<li id="s-|</ol>)', page,
                         re.S)
        assert item, s["id"]
        assert '<span class="badge">not logged</span>' in item[0]
        assert f'/sessions/{s["id"]}/done"' in item[0]
        assert f'/sessions/{s["id"]}/missed"' in item[0]
    again = client.post(f"/plans/{body['id']}/sessions/{last['id']}/missed",
                        data={"version": "2"}, headers=FROM_ITS_OWN_PAGE)
    assert again.status_code == 409
    assert "text/html" in again.headers["content-type"]
    assert f"Session &#39;{last['id']}&#39; is marked missed already" in again.text


def test_marking_a_done_or_missed_session_again_is_409(client):
    body = create(client, past_week())
    first, last = sessions_by_start(body)[0], sessions_by_start(body)[-1]
    url = f"/api/plans/{body['id']}/sessions"
    done = client.post(f"{url}/{first['id']}/done", json={"version": 1, "at": first["end"]})
    assert done.status_code == 200, done.text
    missed = client.post(f"{url}/{last['id']}/missed", json={"version": 2})  # after the week
    assert missed.status_code == 200, missed.text
    assert next(s for s in missed.json()["schedule"]["sessions"]
                if s["id"] == last["id"])["status"] == "missed"
    for session, status in ((first, "done"), (last, "missed")):
        for again in ("done", "missed"):
            response = client.post(f"{url}/{session['id']}/{again}", json={"version": 3})
            assert response.status_code == 409, response.text
            assert response.json()["detail"] == (
                f"Session '{session['id']}' is marked {status} already; a session is "
                f"marked once.")
    assert version_of(client, body["id"]) == 3


def test_marking_a_future_session_done_is_422_with_one_sentence(client):
    body = create(client, example("office_worker"))
    session = sessions_by_start(body)[1]
    response = client.post(f"/api/plans/{body['id']}/sessions/{session['id']}/done",
                           json={"version": 1, "at": BEFORE_THE_WEEK})
    assert response.status_code == 422
    [sentence] = response.json()["detail"]
    assert sentence.startswith(f"Session '{session['id']}' starts ")
    assert "'at' (Sun 29 Nov 12:00)" in sentence and sentence.endswith("once it has begun.")
    assert version_of(client, body["id"]) == 1


def test_marking_missed_without_a_body_says_version_is_required(client, plan):
    session_id = sessions_by_start(plan)[0]["id"]
    for what in ("missed", "done"):
        response = client.post(f"/api/plans/{plan['id']}/sessions/{session_id}/{what}")
        assert response.status_code == 422
        assert response.json()["detail"] == ["Field 'version' is required."]



def test_a_name_with_a_lone_surrogate_is_422_with_a_sentence_not_500(client):
    request = example("office_worker")
    request["runner"]["name"] = "\ud800Ana"  # valid JSON text once escaped; no UTF-8 string
    response = client.post("/api/plans", content=json.dumps(request),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0].startswith("Field 'runner.name': input should be")
