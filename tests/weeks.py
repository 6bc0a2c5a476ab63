"""Tiny hand-built weeks for rule tests: requests and schedules written out by hand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.core.domain import KEY_KINDS, Kind, PlannedSession, Request, Schedule
from scheduler.core.problem import WeekProblem
from scheduler.model.solve import solve_request
from tests.oracle import assert_valid

WEEK = "2026-11-30"  # Mon 30 Nov 2026
DAY = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
TZ = "Europe/Berlin"


def request(sessions: list[tuple[str, int]] | list[dict[str, Any]], **fields: Any) -> Request:
    """A Berlin week of 30 Nov 2026 with the given sessions, e.g. [("easy", 30)]."""
    wanted = [s if isinstance(s, dict) else {"kind": s[0], "minutes": s[1]} for s in sessions]
    data: dict[str, Any] = {
        "runner": {"name": "Test", "level": "intermediate", "timezone": TZ},
        "week_start": WEEK,
        "sessions": wanted,
        "rules": {"rest_days": 0},
    }
    for name, value in fields.items():
        if isinstance(value, dict) and isinstance(data.get(name), dict):
            data[name] = {**data[name], **value}
        else:
            data[name] = value
    return Request.model_validate(data)


def at(day: str, clock: str, tz: str = TZ) -> datetime:
    """Local datetime on a weekday of the test week, e.g. at('tue', '18:00')."""
    hour, minute = map(int, clock.split(":"))
    base = datetime(2026, 11, 30, hour, minute, tzinfo=ZoneInfo(tz))
    return base + timedelta(days=DAY[day])


def session(sid: str, kind: str, day: str, clock: str, minutes: int, contacts: int = 0,
            status: str = "planned") -> PlannedSession:
    start = at(day, clock)
    return PlannedSession(
        id=sid, kind=Kind(kind), key=Kind(kind) in KEY_KINDS, start=start,
        end=start + timedelta(minutes=minutes), contacts=contacts,
        status=status,  # type: ignore[arg-type]
    )


def schedule(req: Request, *sessions: PlannedSession) -> Schedule:
    return Schedule(week_start=req.week_start, timezone=req.runner.timezone, status="optimal",
                    sessions=list(sessions), request=req)


def solve(req: Request) -> Schedule:
    """Plan with the real solver; any plan goes through the oracle before a test sees it."""
    solved = solve_request(WeekProblem.of(req))
    if solved.schedule.sessions:
        assert_valid(solved.schedule)
        assert solved.objective == sum(solved.schedule.penalties.values())
    return solved.schedule


def placed(schedule: Schedule) -> dict[str, tuple[str, str]]:
    """{session id: (weekday, 'HH:MM')} in the runner's zone."""
    names = list(DAY)
    tz = ZoneInfo(schedule.timezone)
    return {
        s.id: (names[s.start.astimezone(tz).weekday()], f"{s.start.astimezone(tz):%H:%M}")
        for s in schedule.sessions
    }


def days_of(schedule: Schedule, kind: str) -> list[str]:
    return sorted(d for sid, (d, _) in placed(schedule).items() if f"-{kind}-" in sid)


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def example(name: str, **changes: Any) -> dict[str, Any]:
    """The JSON of examples/<name>.json, with top-level fields replaced by `changes`."""
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return {**data, **changes}
