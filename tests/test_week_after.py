"""The week after another, read and stored for a chunk of runners at once (the roll-over's
way): the same weeks before as one runner's reading, the same rows as storing each week
alone, and a runner whose week appeared meanwhile (they pressed the button) told apart
while the others' weeks are stored."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from scheduler.core.domain import Request
from tests.calendar_servers import WEEKLY, serve_calendar
from tests.oracle import assert_valid
from web.actions import plan_new_week
from web.db import create_schema, make_engine
from web.rollover import roll_runners
from web.store import StoredPlan, load_plan
from web.training import plan_next_week, plan_week_after
from web.week_after import (
    WeekAlreadyPlanned,
    create_next_plans,
    load_week_before,
    load_weeks_before,
    next_week_of,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
WEEK, NEXT = "2026-11-30", date(2026, 12, 7)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'plyoplan.db'}")
    create_schema(engine)
    return engine


def first_weeks(engine: Engine, count: int, calendars: list[str] | None = None
                ) -> list[StoredPlan]:
    data = json.loads((EXAMPLES / "office_worker.json").read_text(encoding="utf-8"))
    data["week_start"] = WEEK
    stored = []
    for i in range(count):
        data["runner"]["name"] = f"Runner {i}"
        data["busy_calendars"] = [calendars[i]] if calendars and calendars[i] else []
        stored.append(plan_new_week(engine, Request.model_validate(data),
                                    private_calendars=True)[0])
    return stored


def plans_of_next_week(engine: Engine) -> dict[str, int]:
    with engine.connect() as db:
        rows = db.execute(text("SELECT runner_id, count(*) FROM plans WHERE week_start = :w "
                               "GROUP BY runner_id"), {"w": NEXT}).all()
    return {runner_id: count for runner_id, count in rows}


def test_the_weeks_before_of_a_chunk_are_each_runners_own(engine: Engine) -> None:
    firsts = first_weeks(engine, 3)
    second, _ = plan_next_week(engine, firsts[0].id)  # planned after another week
    plans = [*firsts, second]
    read = load_weeks_before(engine, [p.id for p in plans] + ["no-such-plan"])
    assert set(read) == {p.id for p in plans}  # a plan that is gone is simply absent
    for plan in plans:
        assert read[plan.id] == load_week_before(engine, plan.id)
        assert read[plan.id].plan.runner_id == plan.runner_id
    origin = read[second.id].origin
    assert origin is not None and origin.after_plan_id == firsts[0].id
    assert [read[p.id].origin for p in firsts] == [None, None, None]


def test_a_chunk_stores_every_week_but_the_one_its_runner_planned_meanwhile(
        engine: Engine) -> None:
    firsts = first_weeks(engine, 3)
    before = load_weeks_before(engine, [p.id for p in firsts])
    weeks = [plan_week_after(engine, before[p.id]) for p in firsts]
    clicked, _ = plan_next_week(engine, firsts[1].id)  # the runner pressed the button

    stored = create_next_plans(engine, weeks)

    assert isinstance(stored[1], WeekAlreadyPlanned) and stored[1].plan_id == clicked.id
    for i in (0, 2):
        saved = stored[i]
        assert isinstance(saved, StoredPlan) and saved.id == weeks[i].plan_id
        assert load_plan(engine, saved.id).schedule == weeks[i].schedule
        assert_valid(saved.schedule)
        origin = next_week_of(engine, saved.id)
        assert origin is not None and origin.after_plan_id == firsts[i].id
        assert origin.request == weeks[i].request
    assert next_week_of(engine, weeks[1].plan_id) is None  # nothing of it was stored
    assert plans_of_next_week(engine) == {p.runner_id: 1 for p in firsts}

    again = create_next_plans(engine, weeks)  # a second roll-over: nothing new
    assert all(isinstance(result, WeekAlreadyPlanned) for result in again)
    assert [result.plan_id for result in again if isinstance(result, WeekAlreadyPlanned)] == [
        weeks[0].plan_id, clicked.id, weeks[2].plan_id]
    assert plans_of_next_week(engine) == {p.runner_id: 1 for p in firsts}


def test_a_chunk_fetches_each_calendar_once_even_one_that_fails(engine: Engine) -> None:
    # Two runners share a club calendar; a third's calendar server redirects to nowhere
    # by Sunday night; two read no calendar (planned while the calendars arrive). The
    # chunk asks each server once; the third runner's week is planned around last week's
    # busy time, with a note, without a second try; each outcome is its own runner's.
    with serve_calendar() as club, serve_calendar() as own:
        club.calendar = own.calendar = WEEKLY
        shared, lost = (f"http://127.0.0.1:{club.port}/club.ics",
                        f"http://127.0.0.1:{own.port}/mine.ics")
        firsts = first_weeks(engine, 5, calendars=[shared, "", shared, lost, ""])
        club.hits.clear()
        own.hits.clear()
        own.redirect_to = "http://127.0.0.1:9/gone.ics"  # nothing listens on port 9

        rolled = roll_runners(engine, [(p.runner_id, p.id) for p in firsts],
                              private_calendars=True)

        assert club.hits == ["/club.ics"] and own.hits == ["/mine.ics"]
    assert [(r.runner_id, r.after_plan_id) for r in rolled] == [
        (p.runner_id, p.id) for p in firsts]
    assert [r.outcome for r in rolled] == ["planned"] * 5
    assert [len(r.notes) for r in rolled] == [0, 0, 0, 1, 0]
    assert rolled[3].notes[0].startswith(f"Your calendar {lost} could not be read")
    for result, calendar in zip(rolled, [shared, "", shared, lost, ""], strict=True):
        schedule = load_plan(engine, result.plan_id).schedule
        assert schedule.request is not None
        assert load_plan(engine, result.plan_id).runner_id == result.runner_id
        assert [b.start.isoformat() for b in schedule.request.busy] == (
            ["2026-12-08T18:00:00+01:00"] if calendar else [])  # the Tuesday committee
