"""One WeekProblem per request: its week, sessions and free time are worked out once and
every part of the planner reads them from there, and the settings a plan is made under
come in with it — the engine never reads the environment's settings itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scheduler.core.problem import WeekProblem
from scheduler.core.settings import Settings
from scheduler.core.week import Week
from scheduler.explain.drop import plan_with_drops
from scheduler.explain.headline import headline
from scheduler.explain.infeasible import explain_infeasible
from scheduler.explain.why import why_items
from scheduler.model.solve import plan_week
from tests.oracle import assert_valid
from tests.weeks import request

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ("constraints", "scheduler/model", "scheduler/explain", "scheduler/replan",
          "scheduler/block")


def test_the_engine_never_reads_the_environments_settings():
    readers = []
    for folder in ENGINE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                named = (node.id if isinstance(node, ast.Name)
                         else node.attr if isinstance(node, ast.Attribute)
                         else None)
                imported = ([a.name for a in node.names]
                            if isinstance(node, ast.ImportFrom) else [])
                if named == "get_settings" or "get_settings" in imported:
                    readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == []


def _long_run_on_a_weekday():
    # Saturday and Sunday have no free time: the long run pays for a weekday.
    return request([("long", 90)], availability={"tue": [["07:00", "09:00"]]})


def test_soft_rules_are_weighed_with_the_problems_settings():
    week = _long_run_on_a_weekday()
    for weight in (3, 17):
        schedule = plan_week(WeekProblem.of(week, Settings(weight_long_run_day=weight)))
        assert schedule.penalties["long_run_day"] == weight


def test_the_sessions_given_up_first_come_from_the_problems_settings():
    # Only one of the two sessions fits on the one free morning.
    week = request([("tempo", 50), ("hill", 50)], availability={"tue": [["07:00", "08:00"]]})
    for keep, lose in (("tempo", "hill"), ("hill", "tempo")):
        settings = Settings(drop_priority={keep: 9, lose: 1})
        schedule = plan_with_drops(WeekProblem.of(week, settings))
        assert [s.kind.value for s in schedule.sessions] == [keep]
        assert schedule.dropped == [f"test-2026-11-30-{lose}-1"]


@pytest.fixture
def weeks_built(monkeypatch) -> list[Week]:
    """Every Week constructed while the fixture is in use."""
    built: list[Week] = []
    original = Week.__init__

    def counting(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(Week, "__init__", counting)
    return built


def test_planning_and_explaining_a_week_reuse_its_problem(weeks_built):
    week = request([("easy", 30), ("plyo", 20), ("long", 60)],
                   availability={"tue": [["07:00", "09:00"]], "sat": [["07:00", "09:00"]]})
    problem = WeekProblem.of(week)
    assert len(weeks_built) == 1
    schedule = plan_week(problem)
    assert_valid(schedule)
    why_items(problem, schedule)
    assert len(weeks_built) == 1 + 1  # the oracle builds its own


def test_a_conflicts_words_come_from_its_problem(weeks_built):
    week = request([("long", 100)], availability={"tue": [["07:00", "08:00"]]})
    problem = WeekProblem.of(week)
    items = explain_infeasible(problem, with_fixes=False)
    assert headline(problem, items).startswith("Test's week cannot fit")
    assert len(weeks_built) == 1
