"""Every page at a phone's size (390 x 844) and a laptop's (1280 x 800) in real headless
Chromium: nothing wider than the screen, every Done and Missed button wholly on screen
when scrolled to, buttons and fields at least 44 px high on the phone, and no serious or
critical accessibility violation found by axe-core run in the page. Screenshots of each
page at both sizes are saved to tests/artifacts/ (ignored by git). Then the flows a
runner lives in: plan, bookmark, come back from another browser, change a window and see
the right session move; adopt a block and find week 2 in the calendar feed; apply a
suggested fix to a week that cannot fit and get a plan."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect, sync_playwright

from scheduler.core.domain import Schedule
from tests.live_server import LiveServer, serve_in_thread
from tests.oracle import assert_valid
from tests.weeks import example

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SIZES = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}
AXE = Axe()


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
    with serve_in_thread(tmp_path_factory.mktemp("phone") / "plyoplan.db") as live:
        yield live


def new_page(browser: Browser, size: str) -> Page:
    context = browser.new_context(viewport=SIZES[size], timezone_id="Europe/Berlin")
    page = context.new_page()
    page.set_default_timeout(60_000)  # planning a week is a real solve
    return page


def this_monday() -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday())


def create(server: LiveServer, request: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{server.url}/api/plans", json=request, timeout=120)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    if body["schedule"]["sessions"]:
        assert_valid(Schedule.model_validate(body["schedule"]))
    return body


def plan_json(server: LiveServer, plan_id: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{server.url}/api/plans/{plan_id}").json()
    if body["schedule"]["sessions"]:
        assert_valid(Schedule.model_validate(body["schedule"]))
    return body


def check_page(page: Page, name: str, size: str) -> None:
    """What every page must hold at every size (see the module doc)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"{name} at {size} is {wide[0]} px wide in {wide[1]} px"
    viewport = SIZES[size]
    for button in page.locator("button.done:visible, button.missed:visible").all():
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box is not None
        # (sub-pixel layout: a button flush with the edge may end a fraction past it)
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, name
        assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] + 0.5, name
    if size == "phone":
        for control in page.locator(
                "button:visible, .button:visible, select:visible, "
                "input:visible:not([type=checkbox]):not([type=hidden])").all():
            box = control.bounding_box()
            assert box is not None and box["height"] >= 44, (
                f"{name}: a control is {box and box['height']} px high")
    results = AXE.run(page)
    serious = [v for v in results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert serious == [], f"{name} at {size}: " + "; ".join(
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in serious)


@pytest.fixture(scope="module")
def pages(server: LiveServer) -> dict[str, str]:
    """One of each page, by name: its path."""
    week = create(server, example("office_worker", week_start=this_monday().isoformat(),
                                  busy=[]))
    infeasible = create(server, example("infeasible_week"))
    adopted = create(server, example("beginner"))
    adopt = httpx.post(f"{server.url}/plans/{adopted['id']}/adopt", data={"weeks": "3"},
                       headers={"Origin": server.url})
    assert adopt.status_code == 303, adopt.text
    home = re.search(r'href="(/r/[^"]+)" id="home-link"',
                     httpx.get(f"{server.url}/plans/{week['id']}").text)
    assert home
    return {
        "new-week": "/",
        "week": f"/plans/{week['id']}?welcome=1",
        "edit": f"/plans/{week['id']}/edit",
        "block": f"/plans/{week['id']}/block?weeks=8",
        "adopted-block": f"/plans/{adopted['id']}/block",
        "cannot-fit": f"/plans/{infeasible['id']}",
        "home": home.group(1),
        "not-found": "/plans/no-such-plan",
    }


@pytest.mark.parametrize("size", SIZES)
def test_every_page_fits_the_screen_and_passes_axe(browser, server, pages, size):
    page = new_page(browser, size)
    try:
        for name, path in pages.items():
            page.goto(server.url + path)
            check_page(page, name, size)
        page.goto(server.url + "/")
        page.fill("input[name=avail_tue]", "6-7")  # a form with errors
        page.fill("input[name=week_start]", "2026-12-01")
        page.click("button.primary")
        expect(page.locator("#form-errors li")).to_have_count(2)
        check_page(page, "form-errors", size)
    finally:
        page.context.close()


def test_a_phone_shows_the_week_as_an_agenda_and_a_laptop_the_grid(browser, server, pages):
    phone, laptop = new_page(browser, "phone"), new_page(browser, "laptop")
    try:
        for page in (phone, laptop):
            page.goto(server.url + pages["week"])
        expect(phone.locator(".grid-wrap")).to_be_hidden()
        expect(laptop.locator(".grid-wrap")).to_be_visible()
        expect(laptop.locator("#legend")).to_contain_text("free time")
        expect(phone.locator(".day-card")).to_have_count(7)
        first = phone.locator(".day-card .session-item").first
        expect(first.locator(".when")).to_have_text(re.compile(r"^\d\d:\d\d–\d\d:\d\d$"))
        expect(first.locator("button.missed")).to_be_visible()
    finally:
        phone.context.close()
        laptop.context.close()


def test_plan_bookmark_come_back_elsewhere_edit_a_window_and_the_right_session_moves(
        browser, server):
    page = new_page(browser, "phone")
    page.goto(server.url + "/")
    page.fill("input[name=name]", "Ana")
    page.fill("input[name=avail_tue]", "18:00-21:00")
    page.fill("input[name=avail_thu]", "06:00-07:30")
    for day in ("mon", "wed", "fri"):
        page.fill(f"input[name=avail_{day}]", "")
    page.fill("input[name=count_easy]", "1")
    page.fill("input[name=count_plyo]", "0")
    page.click("button.primary")
    page.wait_for_url("**/plans/*?welcome=1")
    plan_id = page.url.split("/plans/")[1].split("?")[0]
    expect(page.locator("#bookmark")).to_contain_text("Bookmark this link")
    link = page.locator("#bookmark-link").get_attribute("href")
    assert link and link.startswith("/r/")
    page.context.close()
    before = plan_json(server, plan_id)["schedule"]
    on_tuesday = [s for s in before["sessions"] if s["start"][:10] == before["week_start"][:8]
                  + f"{int(before['week_start'][8:]) + 1:02d}"]
    assert len(on_tuesday) == 1

    elsewhere = new_page(browser, "laptop")  # another browser: nothing shared but the link
    try:
        elsewhere.goto(server.url + link)
        expect(elsewhere.locator("#weeks li")).to_have_count(1)
        elsewhere.click(f"#weeks a[href='/plans/{plan_id}']")
        elsewhere.click("#edit-link")
        expect(elsewhere.locator("input[name=avail_tue]")).to_have_value("18:00-21:00")
        elsewhere.fill("input[name=avail_tue]", "06:00-07:30")
        elsewhere.click("#edit-form button.primary")
        elsewhere.wait_for_url(f"**/plans/{plan_id}#moved")
        moved_id = on_tuesday[0]["id"]
        after = plan_json(server, plan_id)["schedule"]
        moved = next(s for s in after["sessions"] if s["id"] == moved_id)
        assert moved["start"][:10] == on_tuesday[0]["start"][:10]  # the same day ...
        assert moved["start"][11:16] >= "06:00" and moved["end"][11:16] <= "07:30"  # new window
        others = {s["id"]: s["start"] for s in before["sessions"] if s["id"] != moved_id}
        assert others == {s["id"]: s["start"] for s in after["sessions"] if s["id"] in others}
        expect(elsewhere.locator("#moved")).to_contain_text("no longer in your free time")
    finally:
        elsewhere.context.close()


def test_an_adopted_block_puts_week_two_in_the_feed_after_week_one(browser, server):
    body = create(server, example("beginner"))
    page = new_page(browser, "phone")
    try:
        page.goto(f"{server.url}/plans/{body['id']}/block?weeks=3")
        page.click("#adopt")
        page.wait_for_url(f"**/plans/{body['id']}/block")
        expect(page.locator("#block-position")).to_contain_text("This block is your plan")
        expect(page.locator("#block-weeks tbody tr")).to_have_count(3)
        week_two_id = page.locator("#block-weeks tbody tr[data-week='2'] a").get_attribute(
            "href")
        assert week_two_id
        page.goto(server.url + week_two_id)
        expect(page.locator("#block-note")).to_contain_text("Week 2 of your 3-week")
        feed_url = page.locator("#feed-url").get_attribute("value")
    finally:
        page.context.close()
    assert feed_url
    week_two = plan_json(server, week_two_id.rsplit("/", 1)[1])["schedule"]
    first = plan_json(server, body["id"])["schedule"]
    calendar = Calendar.from_ical(httpx.get(feed_url).content)
    events = {str(e["UID"]): e.decoded("DTSTART") for e in calendar.walk("VEVENT")}
    week_one_ends = datetime.fromisoformat(first["week_start"]).date() + timedelta(days=7)
    assert week_two["sessions"]
    for s in week_two["sessions"]:
        assert s["id"] in events
        assert events[s["id"]].date() >= week_one_ends  # after week 1 ends
    for s in first["sessions"]:
        assert s["id"] in events


def test_a_fix_button_on_a_week_that_cannot_fit_gives_a_plan(browser, server):
    body = create(server, example("infeasible_week"))
    assert body["schedule"]["status"] == "infeasible"
    page = new_page(browser, "phone")
    try:
        page.goto(f"{server.url}/plans/{body['id']}")
        text = page.locator("main").inner_text()
        request = body["schedule"]["request"]
        for wanted in request["sessions"]:
            assert not wanted.get("id") or wanted["id"] not in text
        for item in body["schedule"]["explanation"]:
            for key in item.get("rules", []):
                assert key not in text, f"the rule key {key} is on the page"
        expect(page.locator("#subscribe")).to_have_count(0)
        expect(page.locator("#block-link")).to_have_count(0)
        page.locator("#fixes button.fix").first.click()
        page.wait_for_url(f"**/plans/{body['id']}")
        expect(page.locator(".day-card .session-item").first).to_be_visible()
    finally:
        page.context.close()
    after = plan_json(server, body["id"])
    assert after["version"] == 2 and after["schedule"]["status"] in ("optimal", "feasible")
