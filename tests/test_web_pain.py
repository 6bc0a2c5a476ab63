"""Logging pain in the web app re-plans the rest of the week at once, through the real
app over HTTP: what moved, the advice on the page, the feed's updated events."""

from __future__ import annotations

import re
from typing import Any

import httpx
import icalendar

from scheduler.core.pain import PHYSIO_ADVICE
from tests.live_server import checked, create
from tests.test_pain import ana_request


def ana(client: httpx.Client) -> dict[str, Any]:
    """Tempo Wed, easy Fri 06:00, long Sat, easy + plyo Sun (see tests.test_pain)."""
    return create(client, ana_request().model_dump(mode="json"))


def of_kind(body: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in body["schedule"]["sessions"] if s["kind"] == kind)


def friday_easy(body: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in body["schedule"]["sessions"]
                if s["kind"] == "easy" and s["start"].startswith("2026-12-04"))


def test_sharp_pain_re_plans_the_week_and_the_page_and_feed_say_so(client):
    body = ana(client)
    friday, plyo, long_run = friday_easy(body), of_kind(body, "plyo"), of_kind(body, "long")
    response = client.post(
        f"/api/plans/{body['id']}/sessions/{friday['id']}/log",
        json={"rpe": 6, "discomfort": 8, "note": "sharp pain left Achilles",
              "area": "achilles", "at": friday["end"]})
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["area"] == "achilles"
    replanned = entry["replanned"]
    assert replanned["version"] == body["version"] + 1
    schedule = checked(replanned)
    now = {s.id: s for s in schedule.sessions}
    assert now[plyo["id"]].kind.value == "strength"
    assert now[long_run["id"]].kind.value == "easy"
    assert {c["change"] for c in replanned["changes"]} == {"swapped", "made_easy"}
    assert any(PHYSIO_ADVICE in line for line in schedule.advice)
    page = client.get(f"/plans/{body['id']}").text
    advice = re.search(r'<section class="advice" id="advice" role="alert">(.*?)</section>',
                       page, re.S)
    assert advice and PHYSIO_ADVICE in advice.group(1)
    assert "→ strength session" in page
    feed = icalendar.Calendar.from_ical(client.get(body["feed_url"]).text)
    event = next(e for e in feed.walk("VEVENT") if str(e["UID"]).startswith(plyo["id"]))
    assert str(event["SUMMARY"]).startswith("Strength")
    assert PHYSIO_ADVICE in str(event["DESCRIPTION"])
    assert int(event["SEQUENCE"]) >= 1


def test_a_calm_entry_changes_nothing_and_keeps_the_version(client):
    body = ana(client)
    friday = friday_easy(body)
    response = client.post(f"/api/plans/{body['id']}/sessions/{friday['id']}/log",
                           json={"rpe": 4, "discomfort": 1, "note": "no pain, felt easy",
                                 "at": friday["end"]})
    assert response.status_code == 201
    assert response.json()["replanned"] is None
    assert client.get(f"/api/plans/{body['id']}").json()["version"] == body["version"]


def test_the_page_log_form_takes_the_area_and_shows_what_moved(client):
    body = ana(client)
    tempo = of_kind(body, "tempo")
    mark = client.post(f"/api/plans/{body['id']}/sessions/{tempo['id']}/done",
                       json={"version": body["version"], "at": tempo["end"]})
    assert mark.status_code == 200
    page = client.get(f"/plans/{body['id']}").text
    assert '<select name="area">' in page and '<option value="achilles"' in page
    posted = client.post(f"/plans/{body['id']}/sessions/{tempo['id']}/log",
                         data={"rpe": "6", "discomfort": "5", "note": "niggle",
                               "area": "knee"},
                         headers={"Origin": str(client.base_url).rstrip("/")})
    assert posted.status_code == 303
    page = client.get(f"/plans/{body['id']}").text
    assert "eased" in page and "knee" in page


def test_an_unknown_area_is_a_sentence_naming_the_field(client):
    body = ana(client)
    friday = friday_easy(body)
    response = client.post(f"/api/plans/{body['id']}/sessions/{friday['id']}/log",
                           json={"rpe": 4, "discomfort": 5, "area": "elbow"})
    assert response.status_code == 422
    assert any("area" in sentence for sentence in response.json()["detail"])
