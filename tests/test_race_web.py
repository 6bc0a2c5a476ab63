"""Races through the real app over HTTP: the API plans around a race and says what the
taper cut, the week grid shows the race, the feed carries it as an event, the form takes
a race, a race asked for as a session is 422 with a sentence, and the block page's chart
flags the race's week."""

from __future__ import annotations

import re

from icalendar import Calendar

from tests.live_server import checked, create
from tests.test_web_block import chart
from tests.weeks import example

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
SVG = "{http://www.w3.org/2000/svg}"


def test_the_api_plans_around_the_race_and_says_what_the_taper_cut(client):
    body = create(client, example("race_week"))
    schedule = checked(body)  # every hard check, race_taper included
    [race] = [s for s in schedule.sessions if s.kind == "race"]
    assert race.id == "ana-2026-12-07-race-1"
    assert race.start.isoformat() == "2026-12-13T09:30:00+01:00" and race.key
    texts = [c["text"] for c in body["schedule"]["changes"]]
    assert texts[0] == "Long run 100 → 60 min: race week"


def test_the_week_page_shows_the_race_and_the_feed_carries_it(client):
    body = create(client, example("race_week"))
    html = client.get(f"/plans/{body['id']}").text
    assert "Race: City 10k" in html and "kind-race" in html
    assert "What the plan changed from what you asked" in html
    assert "Long run 100 → 60 min: race week" in html
    feed = client.get(body["feed_url"])
    assert feed.status_code == 200
    events = {str(e["UID"]): e for e in Calendar.from_ical(feed.content).walk("VEVENT")}
    race = events["ana-2026-12-07-race-1"]
    assert str(race["SUMMARY"]) == "Race · 50 min"
    assert race.decoded("DTSTART").isoformat() == "2026-12-13T09:30:00+01:00"


def test_a_race_asked_for_as_a_session_is_422_pointing_to_races(client):
    data = example("office_worker")
    data["sessions"] = [*data["sessions"], {"kind": "race", "minutes": 50}]
    response = client.post("/api/plans", json=data)
    assert response.status_code == 422
    assert ("Field 'sessions[5].kind': a race is not a session to place; give it in 'races'"
            in response.text)
    far = example("office_worker", races=[{"date": "2027-02-01", "start": "09:00",
                                           "minutes": 60}])
    response = client.post("/api/plans", json=far)
    assert response.status_code == 422 and "races[0].date 2027-02-01 is outside" in response.text


def test_the_form_takes_a_race(client):
    form = {"name": "Ana", "level": "intermediate", "timezone": "Europe/Berlin",
            "week_start": "2026-12-07", "rest_days": "1", "buffer_minutes": "15",
            "count_easy": "2", "minutes_easy": "40", "count_tempo": "1", "minutes_tempo": "50",
            "count_long": "1", "minutes_long": "90", "count_plyo": "0", "minutes_plyo": "20",
            "race_name": "Parkrun", "race_date": "2026-12-12", "race_start": "09:00",
            "race_minutes": "25", "race_priority": "C"}
    form |= {f"avail_{d}": "06:00-08:00, 18:00-21:00" for d in
             ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    page = client.get("/").text
    assert 'name="race_date"' in page and 'name="count_race"' not in page
    response = client.post("/plans", data=form, headers=SAME_SITE)
    assert response.status_code == 303, response.text
    html = client.get(response.headers["location"]).text
    assert "Race: Parkrun" in html
    bad = client.post("/plans", data=form | {"race_start": "9am"}, headers=SAME_SITE)
    assert bad.status_code == 422 and "races[0].start" in bad.text


def test_the_block_page_flags_the_race_week(client):
    body = create(client, example("race_week", week_start="2026-11-23"))  # race in week 3
    html = client.get(f"/plans/{body['id']}/block", params={"weeks": 4}).text
    svg = chart(html)
    flags = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "race"]
    assert [t.text for g in flags for t in g.iter(f"{SVG}text")] == ["City 10k"]
    assert re.search(r"Race week \(City 10k on Sun 13 Dec\)", html)
    assert "Taper before City 10k" in html
