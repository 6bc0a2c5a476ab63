"""`plyoplan roll-week` on a real database of 200 runners with training logs and calendars
(served over loopback HTTP; one runner's calendar server is gone by Sunday night): every
runner gets exactly one next week, the very week the page's "Plan next week from my log"
plans for them (pressed on a copy of the same database), the runner whose calendar
cannot be read gets a week around last week's busy time and a note, and a second run
changes nothing."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from scheduler.cli import main
from scheduler.core.domain import PLAN_FOUND, Schedule
from tests.calendar_servers import WEEKLY, serve_calendar
from tests.live_server import create, serve_in_thread
from tests.oracle import assert_valid
from web.db import make_engine
from web.planning import plan_tag
from web.rollover import coming_monday

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RUNNERS = 200
KINDS_OF_WEEK = ("advanced_two_plyo", "beginner", "infeasible_week", "office_worker",
                 "parent_school_runs", "race_week", "shift_nurse")
WEEK, NEXT = "2026-11-30", "2026-12-07"
LOGGED = {"rpe": 8, "discomfort": 0, "note": "heavy legs"}


@dataclass
class Squad:
    database: Path
    twin: Path  # the same runners, for pressing the page's button
    plans: dict[str, str]  # first plan id -> runner name
    gone_url: str  # the calendar whose server stopped
    gone_plan: str  # the plan of the runner who reads it


def request_for(i: int, calendar: str | None) -> dict[str, Any]:
    path = EXAMPLES / f"{KINDS_OF_WEEK[i % len(KINDS_OF_WEEK)]}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["runner"]["name"] = f"Runner {i:03d}"
    data["week_start"] = WEEK
    if calendar:
        data["busy_calendars"] = [calendar]
    return data


@pytest.fixture(scope="module")
def squad(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Squad]:
    folder = tmp_path_factory.mktemp("roll_week")
    database = folder / "plyoplan.db"
    with ExitStack() as stack:
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setenv("PLYOPLAN_ALLOW_PRIVATE_CALENDAR_URLS", "true")  # loopback calendars
        good = stack.enter_context(serve_calendar())
        good.calendar = WEEKLY
        plans: dict[str, str] = {}
        with serve_calendar() as gone:
            gone.calendar = WEEKLY
            gone_url = f"http://127.0.0.1:{gone.port}/committee.ics"
            with serve_in_thread(database, allow_private_calendar_urls=True) as live, \
                    live.client() as client:
                for i in range(RUNNERS):
                    url = (gone_url if i == 7 else
                           f"http://127.0.0.1:{good.port}/r{i}.ics" if i % 4 == 0 else None)
                    body = create(client, request_for(i, url))
                    plans[body["id"]] = f"Runner {i:03d}"
                    if url == gone_url:
                        gone_plan = body["id"]
                    done = body["schedule"]["sessions"][:1 + i % 3]
                    for session in done if i % 2 else []:  # half the squad logged
                        answer = client.post(
                            f"/api/plans/{body['id']}/sessions/{session['id']}/log",
                            json={**LOGGED, "at": session["end"]})
                        assert answer.status_code == 201, answer.text
        twin = folder / "twin.db"
        shutil.copy(database, twin)
        yield Squad(database, twin, plans, gone_url, gone_plan)


def roll(database: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["roll-week", "--database", f"sqlite:///{database}", "--week", NEXT,
                 *extra])
    return code, capsys.readouterr().out


def rows(database: Path, sql: str) -> list[Any]:
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as db:
            return list(db.execute(text(sql)))
    finally:
        engine.dispose()


def next_weeks(database: Path) -> dict[str, tuple[Schedule, list[str]]]:
    """The week planned after each first plan: its schedule and what the runner is told."""
    found = rows(database, "SELECT n.after_plan_id, n.plan_id, p.schedule, n.adapted "
                           "FROM next_weeks n JOIN plans p ON p.id = n.plan_id")
    out = {}
    for after, plan_id, schedule, adapted in found:
        # Session ids carry a hash of their plan's id (calendar UIDs): the same elsewhere.
        same = json.dumps(json.loads(schedule)).replace(plan_tag(plan_id), "TAG")
        out[after] = (Schedule.model_validate_json(same), json.loads(adapted))
    return out


def everything(database: Path) -> str:
    """A fingerprint of every row the app keeps about plans."""
    dump = [rows(database, f"SELECT * FROM {table} ORDER BY 1, 2")
            for table in ("plans", "sessions", "next_weeks", "training_log", "runners")]
    return hashlib.sha256(repr(dump).encode()).hexdigest()


@pytest.fixture(scope="module")
def rolled(squad: Squad) -> Iterator[tuple[int, str]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLYOPLAN_ALLOW_PRIVATE_CALENDAR_URLS", "true")
        code = main(["roll-week", "--database", f"sqlite:///{squad.database}",
                     "--week", NEXT, "--workers", "2"])
    yield code, ""


def test_every_runner_gets_exactly_one_next_week(squad, rolled, capsys):
    code, _ = rolled
    assert code == 0
    per_runner = Counter(r for (r,) in rows(
        squad.database, f"SELECT runner_id FROM plans WHERE week_start = '{NEXT}'"))
    assert len(per_runner) == RUNNERS and set(per_runner.values()) == {1}
    weeks = next_weeks(squad.database)
    assert set(weeks) == set(squad.plans)
    impossible = set()
    for plan_id, (schedule, _) in weeks.items():
        assert schedule.week_start.isoformat() == NEXT
        if schedule.status in PLAN_FOUND:
            assert_valid(schedule)
        else:  # stored with its explanation, as the button stores it
            assert schedule.status == "infeasible" and schedule.explanation
            impossible.add(squad.plans[plan_id])
    assert {f"Runner {i:03d}" for i in range(2, RUNNERS, 7)} <= impossible
    assert len(impossible) < RUNNERS // 2


def test_each_week_is_what_the_pages_button_plans(squad, rolled):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLYOPLAN_ALLOW_PRIVATE_CALENDAR_URLS", "true")
        with serve_in_thread(squad.twin, allow_private_calendar_urls=True) as live, \
                live.client() as client:
            for plan_id in squad.plans:
                answer = client.post(f"/api/plans/{plan_id}/next-week")
                if plan_id == squad.gone_plan:  # the button cannot read the calendar
                    assert answer.status_code == 422, answer.text
                else:
                    assert answer.status_code == 201, answer.text
    rolled_weeks, pressed = next_weeks(squad.database), next_weeks(squad.twin)
    assert set(pressed) == set(squad.plans) - {squad.gone_plan}
    for plan_id, week in pressed.items():
        assert rolled_weeks[plan_id] == week, squad.plans[plan_id]
    assert any(adapted for _, adapted in pressed.values())  # the logs changed weeks


def test_a_calendar_that_cannot_be_read_gives_last_weeks_busy_time_and_a_note(squad, rolled):
    schedule, adapted = next_weeks(squad.database)[squad.gone_plan]
    assert schedule.request is not None
    busy = [b for b in schedule.request.busy if b.calendar == squad.gone_url]
    # last week's Tuesday committee, a week on: Tue 8 Dec 18:00-19:30 in Berlin
    assert [(b.start.isoformat(), b.end.isoformat()) for b in busy] == [
        ("2026-12-08T18:00:00+01:00", "2026-12-08T19:30:00+01:00")]
    for session in schedule.sessions:
        assert session.end <= busy[0].start or session.start >= busy[0].end
    assert re.fullmatch(
        rf"Your calendar {re.escape(squad.gone_url)} could not be read \(.+\) so this week "
        r"is planned around the 1 busy time\(s\) it showed for the week of 2026-11-30, a "
        r"week on; check the calendar's link\.", adapted[0])


def test_a_second_run_changes_nothing(squad, rolled, capsys):
    before = everything(squad.database)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLYOPLAN_ALLOW_PRIVATE_CALENDAR_URLS", "true")
        code, out = roll(squad.database, capsys, "--workers", "2")
    assert code == 0
    assert re.search(r"^planned +0$", out, re.M)
    assert everything(squad.database) == before


def test_the_coming_monday_is_the_week_a_sunday_night_plans():
    from datetime import date
    assert coming_monday(date(2026, 12, 6)) == date(2026, 12, 7)  # Sunday
    assert coming_monday(date(2026, 12, 7)) == date(2026, 12, 14)  # Monday: the next one
    assert coming_monday(date(2026, 12, 2)) == date(2026, 12, 7)  # Wednesday
