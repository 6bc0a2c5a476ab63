"""The pages in a real headless Chromium (Debian's package), driven by Playwright:
plan a week through the form, see it in the grid, mark a session missed, see it move,
get the subscription links, and see a block's chart of weekly contacts; the pages keep to
their own Content-Security-Policy, and a page on another site cannot change a plan.
Without /usr/bin/chromium these tests fail, not skip."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from scheduler.core.domain import Schedule
from scheduler.core.problem import WeekProblem
from scheduler.explain.why import why_items
from tests.live_server import LiveServer, serve_in_thread
from tests.oracle import assert_valid
from tests.test_web_block import expected_block

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("The browser tests need Debian's Chromium at /usr/bin/chromium "
                    "(apt-get install chromium).")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_in_thread(tmp_path_factory.mktemp("browser") / "plyoplan.db") as live:
        yield live


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                  timezone_id="Europe/Berlin")
    page = context.new_page()
    page.set_default_timeout(60_000)  # planning a week is a real solve
    yield page
    context.close()


def plan_json(server: LiveServer, plan_id: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{server.url}/api/plans/{plan_id}").json()
    assert_valid(Schedule.model_validate(body["schedule"]))
    return body


def grid_boxes(page: Page) -> dict[str, tuple[str, str]]:
    """Session id -> (date of its day column, its top offset) as drawn in the grid."""
    boxes = {}
    for box in page.locator(".grid .session").all():
        day = box.locator("xpath=ancestor::div[@data-date][1]")
        boxes[box.get_attribute("data-session") or ""] = (
            day.get_attribute("data-date") or "", box.evaluate("b => b.style.top"))
    return boxes


def test_plan_a_week_in_the_form_mark_one_missed_and_see_it_move(server, page, tmp_path):
    page.goto(server.url + "/")
    page.fill("input[name=name]", "Ana")
    expect(page.locator("input[name=timezone]")).to_have_value("Europe/Berlin")
    page.fill("input[name=avail_tue]", "06:00-07:30, 18:00-21:00")
    page.click("button[type=submit]")
    page.wait_for_url("**/plans/*")
    plan_id = page.url.rstrip("/").split("/")[-1].split("?")[0]

    body = plan_json(server, plan_id)
    sessions = body["schedule"]["sessions"]
    assert body["schedule"]["request"]["runner"]["name"] == "Ana"
    assert len(sessions) == 5  # the form's default week: 2 easy, tempo, long, plyo
    expect(page.locator(".grid .session")).to_have_count(5)
    drawn = grid_boxes(page)
    assert set(drawn) == {s["id"] for s in sessions}
    for s in sessions:
        assert drawn[s["id"]][0] == s["start"][:10]  # in the column of its local date
    schedule = Schedule.model_validate(body["schedule"])
    assert schedule.request is not None
    reasons = why_items(WeekProblem.of(schedule.request), schedule)
    assert {item.session for item in reasons} == set(drawn)
    for item in reasons:
        why = page.locator(f"li[data-session='{item.session}'] details.why")
        why.locator("summary").click()
        expect(why).to_contain_text(item.text)

    tempo = next(s for s in sessions if s["kind"] == "tempo")
    page.locator(f"li[data-session='{tempo['id']}'] button.missed").click()
    page.wait_for_url(f"**/plans/{plan_id}#moved")
    expect(page.locator("#moved")).to_contain_text("Tempo")

    after = plan_json(server, plan_id)
    assert after["version"] == 2
    moved = next(s for s in after["schedule"]["sessions"] if s["id"] == tempo["id"])
    assert moved["start"] != tempo["start"] and moved["status"] == "planned"
    redrawn = grid_boxes(page)
    assert redrawn[tempo["id"]] != drawn[tempo["id"]]
    assert redrawn[tempo["id"]][0] == moved["start"][:10]
    page.screenshot(path=str(tmp_path / "week.png"), full_page=True)


def test_subscribe_gives_a_webcal_link_a_link_to_copy_and_instructions(server, page):
    request = {"runner": {"name": "Bo", "timezone": "Europe/Berlin"},
               "week_start": "2026-11-30",
               "availability": {"tue": [["18:00", "20:00"]], "sat": [["08:00", "11:00"]]},
               "sessions": [{"kind": "easy", "minutes": 40}, {"kind": "long", "minutes": 90}]}
    body = httpx.post(f"{server.url}/api/plans", json=request, timeout=60).json()
    page.goto(f"{server.url}/plans/{body['id']}")
    link = page.locator("#webcal-link")
    expect(link).not_to_be_visible()
    page.click("#subscribe summary")
    expect(link).to_be_visible()
    host = server.url.removeprefix("http://")
    assert link.get_attribute("href") == f"webcal://{host}{body['feed_url']}"
    copy = page.locator("#feed-url").input_value()
    assert copy == server.url + body["feed_url"]
    for app in ("Google Calendar", "Apple Calendar", "Outlook"):
        expect(page.locator(".howto")).to_contain_text(app)
    feed = httpx.get(copy)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")

    page.click("text=Make a new link")
    page.wait_for_url("**#subscribe")
    new_copy = page.locator("#feed-url").input_value()
    assert new_copy != copy
    assert httpx.get(copy).status_code == 404
    assert httpx.get(new_copy).status_code == 200


def test_a_form_mistake_is_shown_as_a_sentence_naming_the_field(server, page):
    page.goto(server.url + "/")
    page.fill("input[name=avail_mon]", "6-7")
    page.click("button[type=submit]")
    expect(page.locator("#form-errors")).to_contain_text("Monday free time")
    expect(page.locator("input[name=avail_mon]")).to_have_value("6-7")


def test_a_week_that_cannot_fit_shows_the_explanation(server, page):
    request = {"runner": {"name": "Tom", "level": "beginner", "timezone": "Europe/Paris"},
               "week_start": "2026-11-30",
               "availability": {"tue": [["18:00", "19:00"]], "wed": [["18:00", "18:50"]],
                                "thu": [["18:00", "19:00"]], "fri": [["17:00", "19:00"]]},
               "sessions": [{"kind": "easy", "minutes": 40}, {"kind": "tempo", "minutes": 50},
                            {"kind": "long", "minutes": 100}, {"kind": "plyo", "minutes": 20}]}
    body = httpx.post(f"{server.url}/api/plans", json=request, timeout=120).json()
    page.goto(f"{server.url}/plans/{body['id']}")
    explanation = page.locator("#explanation")
    expect(explanation).to_contain_text("cannot fit")
    first = body["schedule"]["explanation"][0]["text"]
    expect(explanation).to_contain_text(first[:60])
    # The same week as examples/infeasible_week.json: its reason and best fixes lead.
    expect(page.locator("#headline")).to_have_text(
        "Tom's week cannot fit: plyo within 60 min after an easy run, no plyo the day before "
        "a key workout and no key workouts on consecutive days do not fit your free time. "
        "Quickest fixes: widen Wed's free time to 17:50–18:50, or drop the plyo session.")


CHOIR_ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//plyoplan tests//EN\r
BEGIN:VEVENT\r
UID:choir-morning@example.org\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261201T050000Z\r
DTEND:20261201T063000Z\r
SUMMARY:Choir warm-up\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:choir-evening@example.org\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261201T170000Z\r
DTEND:20261201T193000Z\r
SUMMARY:Choir\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_an_uploaded_busy_calendar_is_shaded_and_planned_around(server, page, tmp_path):
    calendar = tmp_path / "choir.ics"
    calendar.write_text(CHOIR_ICS, newline="")
    page.goto(server.url + "/")
    page.fill("input[name=name]", "Cleo")
    page.fill("input[name=week_start]", "2026-11-30")
    page.set_input_files("input[name=busy_file]", str(calendar))
    page.click("button[type=submit]")
    page.wait_for_url("**/plans/*")
    plan_id = page.url.rstrip("/").split("/")[-1]

    body = plan_json(server, plan_id)  # the oracle checks availability, busy time included
    busy = body["schedule"]["request"]["busy"]
    assert sorted(b["summary"] for b in busy) == ["Choir", "Choir warm-up"]
    tuesday = page.locator(".day[data-date='2026-12-01']")
    expect(tuesday.locator(".busy")).to_have_count(2)
    expect(tuesday.locator(".busy").first).to_contain_text("Choir")
    # Both of Tuesday's free windows are covered, so nothing is planned that day.
    expect(tuesday.locator(".session")).to_have_count(0)
    assert not [s for s in body["schedule"]["sessions"] if s["start"].startswith("2026-12-01")]


def test_the_block_page_shows_the_weekly_contacts_chart_with_its_lighter_weeks(
        server, page, tmp_path):
    request = {"runner": {"name": "Dee", "level": "intermediate", "timezone": "Europe/Berlin"},
               "week_start": "2026-11-30",
               "availability": {"tue": [["18:00", "21:00"]], "thu": [["18:00", "21:00"]],
                                "sat": [["08:00", "12:00"]], "sun": [["08:00", "12:00"]]},
               "sessions": [{"kind": "easy", "minutes": 40}, {"kind": "easy", "minutes": 40},
                            {"kind": "long", "minutes": 90}, {"kind": "plyo", "minutes": 20}]}
    body = httpx.post(f"{server.url}/api/plans", json=request, timeout=60).json()
    planned = plan_json(server, body["id"])
    block = expected_block(planned, 8)  # week 1 is the planned week; every week checked
    for week in block.weeks:
        assert_valid(week)

    page.goto(f"{server.url}/plans/{body['id']}")
    page.click("#block-link")
    page.wait_for_url(f"**/plans/{body['id']}/block?weeks=8")
    chart = page.locator("#contacts-chart svg")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.build, rect.deload")).to_have_count(8)
    expect(chart.locator("rect.deload")).to_have_count(sum(t.deload for t in block.progression))
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    expect(page.locator("#block-weeks tbody tr")).to_have_count(8)
    page.screenshot(path=str(tmp_path / "block.png"), full_page=True)


def test_the_api_docs_render_with_every_request_outside_the_app_blocked(server, page):
    outside: list[str] = []

    def only_the_app(route: Any) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.goto(f"{server.url}/docs")
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    assert "/api/plans" in [t.strip() for t in operations.all_inner_texts()]
    assert outside == []


def test_a_short_session_shows_its_title_and_start_on_one_line(server, page):
    body = httpx.post(f"{server.url}/api/plans", json=json.loads(
        (ROOT / "examples" / "office_worker.json").read_text()), timeout=120).json()
    schedule = plan_json(server, body["id"])["schedule"]
    plyo = next(s for s in schedule["sessions"] if s["kind"] == "plyo")  # 20 min: a short box
    page.goto(f"{server.url}/plans/{body['id']}")
    box = page.locator(f".grid .session[data-session='{plyo['id']}']")
    expect(box).to_have_class(re.compile(r"\bshort\b"))
    start = plyo["start"][11:16]
    end = plyo["end"][11:16]
    expect(box).to_have_text(re.compile(rf"^\s*Plyometrics\s+{start}\s*$"))
    assert box.get_attribute("title") == f"Plyometrics {start}–{end}"
    line = box.locator("span").bounding_box()
    title = box.locator("strong").bounding_box()
    assert line and title and abs(line["y"] - title["y"]) < 4  # side by side, not below


def test_the_pages_break_no_rule_of_their_own_content_security_policy(server, page):
    body = httpx.post(f"{server.url}/api/plans", json=json.loads(
        (ROOT / "examples" / "office_worker.json").read_text()), timeout=60).json()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(server.url + "/")
    expect(page.locator("input[name=timezone]")).to_have_value("Europe/Berlin")  # the script ran
    page.goto(f"{server.url}/plans/{body['id']}")
    expect(page.locator(".grid .session").first).to_be_visible()
    page.goto(f"{server.url}/plans/{body['id']}/block?weeks=6")
    expect(page.locator("#contacts-chart svg")).to_be_visible()
    assert refused == []


@pytest.fixture
def other_site() -> Iterator[tuple[str, dict[str, str]]]:
    """A web server on another site (localhost, not 127.0.0.1) serving the page set in
    the returned dict's "html"."""
    served = {"html": ""}

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            data = served["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Page) as site:
        thread = threading.Thread(target=site.serve_forever, daemon=True)
        thread.start()
        yield f"http://localhost:{site.server_address[1]}", served
        site.shutdown()


def test_a_page_on_another_site_cannot_mark_a_session_missed(server, page, other_site):
    body = httpx.post(f"{server.url}/api/plans", json=json.loads(
        (ROOT / "examples" / "office_worker.json").read_text()), timeout=60).json()
    session_id = body["schedule"]["sessions"][-1]["id"]
    site, served = other_site
    served["html"] = (
        f'<form method="post" action="{server.url}/plans/{body["id"]}/sessions/{session_id}'
        f'/missed"><input type="hidden" name="version" value="1"></form>'
        f"<script>document.forms[0].submit()</script>")
    page.goto(site)
    page.wait_for_url(f"{server.url}/plans/**")
    expect(page.locator("body")).to_contain_text("sent from another site")
    assert plan_json(server, body["id"])["version"] == 1
