"""POST /api/squads through the real app over HTTP: the squad week planned, each
runner's week stored as a plan with its own feed."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar

from scheduler.core.domain import Schedule
from tests.oracle import assert_valid

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_a_squad_week_becomes_a_plan_and_a_feed_per_runner(client):
    squad = json.loads((EXAMPLES / "squad" / "track_night.json").read_text())
    response = client.post("/api/squads", json=squad)
    assert response.status_code == 201, response.text
    body = response.json()
    [track] = body["group_sessions"]
    assert track["attending"] == ["Ana", "Tom", "Lea"]
    assert set(body["plans"]) == {"Ana", "Tom", "Lea"}
    for name, plan in body["plans"].items():
        stored = client.get(f"/api/plans/{plan['id']}").json()
        schedule = Schedule.model_validate(stored["schedule"])
        assert_valid(schedule)
        assert track["start"] in {s.start.isoformat() for s in schedule.sessions}
        feed = icalendar.Calendar.from_ical(client.get(plan["feed_url"]).text)
        assert len(list(feed.walk("VEVENT"))) == len(schedule.sessions), name


def test_a_squad_week_that_cannot_fit_answers_with_why_and_no_plans(client):
    squad = json.loads((EXAMPLES / "squad" / "track_night.json").read_text())
    squad["group_sessions"][0]["slots"] = {"tue": [["18:30", "20:30"]]}
    squad["group_sessions"][0]["min_attendance"] = 1.0
    body = client.post("/api/squads", json=squad).json()
    assert body["status"] == "infeasible" and body["plans"] == {}
    assert "suits 2 of 3" in body["explanation"][0] and len(body["fixes"]) == 3


def test_a_bad_squad_is_a_422_naming_the_field(client):
    squad = json.loads((EXAMPLES / "squad" / "track_night.json").read_text())
    squad["group_sessions"][0]["min_attendance"] = 2
    response = client.post("/api/squads", json=squad)
    assert response.status_code == 422
    assert any("min_attendance" in s for s in response.json()["detail"])
