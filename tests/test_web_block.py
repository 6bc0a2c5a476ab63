"""The block page through the real app (uvicorn on 127.0.0.1, a real SQLite file): the
chart of weekly contacts, read as SVG with xml.etree, against the block's progression
computed here independently with `scheduler.block.plan`, and the checks on `weeks`."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from scheduler.block.plan import BlockPlan, solve_block
from scheduler.block.progression import WeekTarget
from scheduler.block.training_log import LogEntry, TrainingLog
from scheduler.core.domain import Kind, Schedule
from scheduler.core.settings import get_settings
from tests.live_server import create
from tests.test_block import assert_block_valid
from tests.weeks import example
from web.training import following_week

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SVG = "{http://www.w3.org/2000/svg}"


def expected_block(body: dict[str, Any], weeks: int, log: TrainingLog | None = None
                   ) -> BlockPlan:
    """The block the page shows: week 1 is the plan's own week as planned, the weeks after
    it the block of the plan's request moved on a week, solved here; every solved week
    through the oracle."""
    first = Schedule.model_validate(body["schedule"])
    assert first.request is not None
    plyo = [s.contacts for s in first.sessions if s.kind is Kind.plyo]
    week_one = WeekTarget(week=1, sessions=len(plyo), contacts=sum(plyo), intensity="low",
                          deload=False, cap=first.request.contacts_cap, notes=[])
    request = following_week(first.request, body["id"], first)
    solved = solve_block(request, weeks - 1, log=log, settings=get_settings())
    assert_block_valid(solved, request)
    later = [t.model_copy(update={"week": t.week + 1}) for t in solved.block.progression]
    return BlockPlan(weeks=[first, *solved.block.weeks], progression=[week_one, *later])


def chart(html: str) -> ET.Element:
    """The page's chart, parsed as XML."""
    found = re.search(r"<svg\b.*?</svg>", html, re.DOTALL)
    assert found, "the page has no SVG chart"
    return ET.fromstring(found.group(0))


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.get("class") in ("build", "deload")]


def bar_labels(svg: ET.Element) -> list[int]:
    """The number drawn above each bar, in order."""
    labels = []
    for week in svg.iter(f"{SVG}g"):
        texts = [t.text or "" for t in week.iter(f"{SVG}text")]
        labels.append(int(texts[0]))
    return labels


@pytest.mark.parametrize(("name", "weeks"), [("office_worker", 8), ("beginner", 6)])
def test_the_chart_has_one_bar_per_week_and_marks_the_lighter_weeks(client, name, weeks):
    body = create(client, example(name))
    response = client.get(f"/plans/{body['id']}/block", params={"weeks": weeks})
    assert response.status_code == 200, response.text
    svg = chart(response.text)
    block = expected_block(body, weeks)
    deloads = [t.deload for t in block.progression]
    assert any(deloads), "a block of 6 weeks or more has a lighter week"

    drawn = bars(svg)
    assert len(drawn) == weeks
    assert [r.get("class") == "deload" for r in drawn] == deloads
    lighter = [t for t in svg.iter(f"{SVG}text") if t.text == "lighter"]
    assert len(lighter) == sum(deloads)
    assert bar_labels(svg) == [t.contacts for t in block.progression]
    heights = [float(r.get("height", "0")) for r in drawn]
    for (a, ta), (b, tb) in zip(zip(heights, block.progression, strict=True),
                                zip(heights[1:], block.progression[1:], strict=True),
                                strict=False):
        assert (a < b) == (ta.contacts < tb.contacts)  # bars are drawn to scale


def test_the_table_has_a_row_per_week_with_its_dose_and_notes(client):
    body = create(client, example("office_worker"))
    html = client.get(f"/plans/{body['id']}/block?weeks=8").text
    block = expected_block(body, 8)
    rows = re.findall(r'<tr class="(\w+)[^"]*"\s+data-week="(\d+)">(.*?)</tr>', html, re.DOTALL)
    assert [int(week) for _, week, _ in rows] == list(range(1, 9))
    for (css, _, cells), target in zip(rows, block.progression, strict=True):
        assert css == ("deload" if target.deload else "build")
        numbers = re.findall(r"<td>(\d+)", cells)
        assert [int(n) for n in numbers[:1]] == [target.week]
        assert f"<td>{target.contacts}</td>" in cells
        assert f"<td>{target.intensity}" in cells
        assert ('<span class="badge">lighter week</span>' in cells) == target.deload
        for note in target.notes if target.week > 1 else ():
            assert note.replace("'", "&#39;") in cells


def test_the_block_reads_the_runners_training_log(client):
    body = create(client, example("office_worker"))
    plyo = next(s for s in body["schedule"]["sessions"] if s["kind"] == "plyo")
    logged = client.post(f"/api/plans/{body['id']}/sessions/{plyo['id']}/log",
                         json={"rpe": 6, "discomfort": 5, "note": "aching shin"})
    assert logged.status_code == 201
    html = client.get(f"/plans/{body['id']}/block?weeks=8").text
    entry = {k: v for k, v in logged.json().items() if k != "replanned"}
    with_log = expected_block(body, 8, TrainingLog(entries=[LogEntry(**entry)]))
    without = expected_block(body, 8)
    assert with_log.progression[1].adjusted == "ease"
    assert with_log.progression[1].contacts < without.progression[1].contacts
    assert bar_labels(chart(html)) == [t.contacts for t in with_log.progression]
    assert "discomfort 5/10" in html


def test_the_plan_page_links_to_the_block(client):
    body = create(client, example("beginner"))
    page = client.get(f"/plans/{body['id']}").text
    assert f'href="/plans/{body["id"]}/block?weeks=8"' in page


@pytest.mark.parametrize("weeks", ["0", "13", "-1", "abc", "", "6.5"])
def test_weeks_outside_one_to_twelve_are_422_with_a_sentence(client, weeks):
    body = create(client, example("beginner"))
    response = client.get(f"/plans/{body['id']}/block", params={"weeks": weeks})
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]
    [sentence] = re.findall(r'id="block-error">(.*?)</div>', response.text)
    assert sentence.startswith("Field &#39;weeks&#39; must be a whole number from 1 to 12")
    assert "<svg" not in response.text


def test_a_block_that_cannot_be_planned_says_why(client):
    request = example("beginner")
    request["sessions"] = [s for s in request["sessions"] if s["kind"] != "easy"]
    body = create(client, request)
    assert body["schedule"]["status"] == "infeasible"  # plyometrics need an easy run
    response = client.get(f"/plans/{body['id']}/block?weeks=6")
    assert response.status_code == 422
    assert "This week has no plan yet, so no block can start from it" in response.text
    assert "<svg" not in response.text


def test_the_block_page_of_an_unknown_plan_is_404(client):
    response = client.get("/plans/no-such-plan/block?weeks=8")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
