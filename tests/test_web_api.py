"""The JSON API through the real app: uvicorn on 127.0.0.1, a real SQLite file, httpx."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from tests.live_server import checked, create, serve_in_thread
from tests.weeks import example
from web.settings import WebSettings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BEFORE_THE_WEEK = "2026-11-29T12:00:00+01:00"  # the Sunday before the examples' week


def test_creating_a_plan_answers_201_with_id_version_schedule_and_feed_url(client):
    body = create(client, example("office_worker"))
    assert set(body) == {"id", "version", "schedule", "feed_url"}
    assert body["version"] == 1
    assert body["feed_url"].startswith("/feeds/") and body["feed_url"].endswith(".ics")
    schedule = checked(body)
    assert schedule.status in ("optimal", "feasible")
    assert sorted(s.kind.value for s in schedule.sessions) == sorted(
        s["kind"] for s in example("office_worker")["sessions"])


def test_reading_a_plan_gives_back_what_was_create(client):
    body = create(client, example("beginner"))
    again = client.get(f"/api/plans/{body['id']}")
    assert again.status_code == 200
    assert again.json() == body


def test_two_runners_planning_the_same_week_get_different_session_ids(client):
    first = create(client, example("office_worker"))
    second = create(client, example("office_worker"))
    ids = {s["id"] for s in first["schedule"]["sessions"]}
    assert ids.isdisjoint(s["id"] for s in second["schedule"]["sessions"])
    assert first["feed_url"] != second["feed_url"]


def test_session_ids_given_in_the_request_are_kept(client):
    request = example("beginner")
    request["sessions"] = [{**s, "id": f"mine-{i}"} for i, s in enumerate(request["sessions"])]
    body = create(client, request)
    assert sorted(s["id"] for s in body["schedule"]["sessions"]) == sorted(
        f"mine-{i}" for i in range(len(request["sessions"])))


def test_bad_input_is_422_with_sentences_naming_each_field(client):
    request = example("office_worker")
    request["week_start"] = "2026-12-01"
    request["sessions"][0]["minutes"] = 2
    request["colour"] = "blue"
    response = client.post("/api/plans", json=request)
    assert response.status_code == 422
    sentences = response.json()["detail"]
    assert any("'week_start'" in s and "Monday" in s for s in sentences), sentences
    assert any("'sessions[0].minutes'" in s and "5" in s for s in sentences), sentences
    assert any("'colour'" in s and "not a known field" in s for s in sentences), sentences
    assert all(s.endswith(".") for s in sentences)


def test_a_request_that_is_not_json_is_422_with_a_sentence(client):
    response = client.post("/api/plans", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert all(isinstance(s, str) and s.startswith("Field") for s in response.json()["detail"])


def test_a_busy_calendar_given_as_a_server_path_is_refused(client):
    request = {**example("beginner"), "busy_calendars": ["/etc/passwd"]}
    response = client.post("/api/plans", json=request)
    assert response.status_code == 422
    [sentence] = response.json()["detail"]
    assert "busy_calendars[0]" in sentence and "URL" in sentence


def test_a_week_that_cannot_fit_is_created_with_its_explanation(client):
    body = create(client, example("infeasible_week"))
    schedule = body["schedule"]
    assert schedule["status"] == "infeasible"
    assert schedule["sessions"] == []
    conflicts = [e for e in schedule["explanation"] if e["type"] == "conflict"]
    assert conflicts and conflicts[0]["text"]
    assert set(conflicts[0]["rules"]) <= {
        "availability", "one_run_per_day", "no_plyo_before_key", "plyo_after_easy",
        "weekly_contacts", "plyo_gap", "no_consecutive_key_days", "rest_days"}


def test_a_plan_stored_with_plain_explanation_objects_reads_and_shows_the_same(client, server):
    # Plans stored before the items were typed hold plain JSON objects in the database.
    body = create(client, example("infeasible_week"))
    stored = [{"type": "conflict", "rules": ["rest_days"], "sessions": [],
               "text": "Seven rest days leave no day to train."},
              {"type": "fix", "change": "rules.rest_days = 1", "text": "Rest one day."},
              {"type": "dropped", "session": "x-plyo-1", "kind": "plyo", "rules": [],
               "text": "Dropped the plyo session."}]
    schedule = {**body["schedule"], "explanation": stored}
    with sqlite3.connect(server.database) as db:
        db.execute("UPDATE plans SET schedule = ? WHERE id = ?",
                   (json.dumps(schedule), body["id"]))
    assert client.get(f"/api/plans/{body['id']}").json() == {**body, "schedule": schedule}
    page = client.get(f"/plans/{body['id']}")
    assert page.status_code == 200
    # The headline is read from the stored conflict and fix, the items from their fields.
    assert ("Tom&#39;s week cannot fit: 1 full rest day cannot hold. Quickest fix: take 1 "
            "rest day.") in page.text
    assert '<p class="explain-conflict">Seven rest days leave no day to train.' in page.text
    # the page names rules in words, never by key (the fix's hidden change aside)
    assert "rest_days" not in re.sub(r"<[^>]*>", "", page.text)
    assert '<p class="explain-dropped">Dropped the plyo session.' in page.text
    assert '<button type="submit" class="fix">Rest one day.</button>' in page.text


def test_unknown_plan_and_session_ids_are_404(client):
    body = create(client, example("beginner"))
    assert client.get("/api/plans/no-such-plan").status_code == 404
    assert client.get("/api/plans/no-such-plan").json() == {"detail": "Plan not found."}
    missed = client.post("/api/plans/no-such-plan/sessions/x/missed", json={"version": 1})
    assert missed.status_code == 404
    unknown = client.post(f"/api/plans/{body['id']}/sessions/no-such-session/done",
                          json={"version": 1})
    assert unknown.status_code == 404
    assert "no-such-session" in unknown.json()["detail"]
    assert client.post("/api/plans/no-such-plan/feed-token").status_code == 404


def test_a_missed_session_is_replanned_keeping_its_id_with_version_plus_one(client):
    body = create(client, example("office_worker"))
    before = checked(body)
    tempo = next(s for s in before.sessions if s.kind.value == "tempo")
    response = client.post(f"/api/plans/{body['id']}/sessions/{tempo.id}/missed",
                           json={"version": 1, "at": BEFORE_THE_WEEK})
    assert response.status_code == 200, response.text
    after_body = response.json()
    assert after_body["version"] == 2
    assert after_body["feed_url"] == body["feed_url"]
    after = checked(after_body)
    assert {s.id for s in after.sessions} == {s.id for s in before.sessions}
    moved = next(s for s in after.sessions if s.id == tempo.id)
    assert moved.start != tempo.start and moved.status == "planned"
    assert moved.sequence > tempo.sequence
    assert any(c["session"] == tempo.id for c in after_body["changes"])
    assert after_body["changes"] == after_body["schedule"]["changes"]
    assert client.get(f"/api/plans/{body['id']}").json()["version"] == 2


def test_a_done_session_is_recorded_as_done(client):
    body = create(client, example("beginner"))
    first = checked(body).sessions[0]
    response = client.post(f"/api/plans/{body['id']}/sessions/{first.id}/done",
                           json={"version": 1, "at": first.end.isoformat()})
    assert response.status_code == 200, response.text
    after = checked(response.json())
    assert next(s for s in after.sessions if s.id == first.id).status == "done"


def test_a_stale_version_is_409_and_changes_nothing(client):
    body = create(client, example("office_worker"))
    sessions = checked(body).sessions
    url = f"/api/plans/{body['id']}/sessions"
    first = client.post(f"{url}/{sessions[0].id}/missed",
                        json={"version": 1, "at": BEFORE_THE_WEEK})
    assert first.status_code == 200
    current = client.get(f"/api/plans/{body['id']}").json()
    stale = client.post(f"{url}/{sessions[1].id}/missed",
                        json={"version": 1, "at": BEFORE_THE_WEEK})
    assert stale.status_code == 409
    assert "version 2" in stale.json()["detail"]
    assert client.get(f"/api/plans/{body['id']}").json() == current


@pytest.mark.parametrize(("payload", "field"), [
    ({}, "version"),
    ({"version": 0}, "version"),
    ({"version": 1, "at": "yesterday"}, "at"),
    ({"version": 1, "when": "now"}, "when"),
])
def test_a_bad_mark_body_is_422_naming_the_field(client, payload, field):
    body = create(client, example("beginner"))
    sid = body["schedule"]["sessions"][0]["id"]
    response = client.post(f"/api/plans/{body['id']}/sessions/{sid}/missed", json=payload)
    assert response.status_code == 422
    assert any(f"'{field}'" in s for s in response.json()["detail"]), response.json()


def test_rotating_the_feed_token_gives_a_new_url_and_the_old_one_stops(client):
    body = create(client, example("beginner"))
    assert client.get(body["feed_url"]).status_code == 200
    rotated = client.post(f"/api/plans/{body['id']}/feed-token")
    assert rotated.status_code == 200
    new_url = rotated.json()["feed_url"]
    assert new_url != body["feed_url"]
    assert client.get(body["feed_url"]).status_code == 404
    assert client.get(new_url).status_code == 200
    assert client.get(f"/api/plans/{body['id']}").json()["feed_url"] == new_url


def test_feed_tokens_are_long_random_and_stored_with_their_hash(client, server):
    body = create(client, example("beginner"))
    token = body["feed_url"].removeprefix("/feeds/").removesuffix(".ics")
    assert len(token) >= 43  # 256 bits in URL-safe base64
    with sqlite3.connect(server.database) as db:
        hashes = [row[0] for row in db.execute("SELECT token_hash FROM feed_tokens")]
    import hashlib
    assert hashlib.sha256(token.encode()).hexdigest() in hashes


def test_the_schema_is_created_on_first_start_and_plans_survive_a_restart(tmp_path):
    database = tmp_path / "fresh" / "plans.db"
    database.parent.mkdir()
    assert not database.exists()
    with serve_in_thread(database) as live, live.client() as c:
        body = create(c, example("beginner"))
    with sqlite3.connect(database) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runners", "plans", "sessions", "feed_tokens"} <= tables
    with serve_in_thread(database) as live, live.client() as c:
        assert c.get(f"/api/plans/{body['id']}").json() == body
        assert c.get(body["feed_url"]).status_code == 200


def test_the_default_database_is_a_sqlite_file_in_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("PLYOPLAN_DATABASE_URL", raising=False)
    monkeypatch.setenv("PLYOPLAN_DATA_DIR", str(tmp_path / "data"))
    url = WebSettings().resolved_database_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'plyoplan.db'}"
    assert (tmp_path / "data").is_dir()


def test_the_openapi_document_lists_every_operation(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {
        "/api/plans", "/api/plans/{plan_id}", "/api/plans/{plan_id}/sessions/{session_id}/missed",
        "/api/plans/{plan_id}/sessions/{session_id}/done", "/api/plans/{plan_id}/feed-token",
        "/api/plans/{plan_id}/sessions/{session_id}/log", "/api/plans/{plan_id}/next-week",
        "/api/squads", "/feeds/{token}.ics",
        "/api/plans/{plan_id}/sync", "/api/plans/{plan_id}/caldav"}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_docs_load_nothing_from_outside_the_app(client, page):
    import re

    html = client.get(page)
    assert html.status_code == 200
    links = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", html.text)
    urls = [u for pair in links for u in pair if u]
    assert urls, "the page names its scripts"
    assert not [u for u in urls if "://" in u or u.startswith("//")]
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_page_form_sent_from_a_stale_page_answers_409_with_the_latest_week(client):
    body = create(client, example("office_worker"))
    first, second = (s["id"] for s in body["schedule"]["sessions"][:2])
    url = f"/plans/{body['id']}/sessions"
    missed = client.post(f"{url}/{first}/missed", data={"version": "1"})
    assert missed.status_code == 303
    assert missed.headers["location"] == f"/plans/{body['id']}#moved"
    stale = client.post(f"{url}/{second}/missed", data={"version": "1"})
    assert stale.status_code == 409
    assert "changed in another window" in stale.text
    assert "version 2" in stale.text
    assert client.get(f"/api/plans/{body['id']}").json()["version"] == 2


def test_pages_of_unknown_plans_are_404(client):
    response = client.get("/plans/no-such-plan")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert client.post("/plans/no-such-plan/feed-token").status_code == 404


def test_what_a_runner_typed_is_escaped_on_the_page(client):
    request = example("beginner")
    request["runner"]["name"] = "<script>alert(1)</script>"
    body = create(client, request)
    html = client.get(f"/plans/{body['id']}").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
