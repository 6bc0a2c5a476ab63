"""The jobs the command line, the web app and a batch share: plan a week and say why it
cannot fit, re-plan after a missed session or refuse with the reason."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import scheduler.jobs
from scheduler.core.errors import RulesConflict
from scheduler.core.explanation import ExplanationItem
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.jobs import UNEXPLAINED, is_planned, plan_and_explain, replan_or_refuse
from tests.oracle import assert_valid

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def problem(name: str) -> WeekProblem:
    return WeekProblem.of(load_request(EXAMPLES / f"{name}.json"), get_settings())


def kinds(items: list[ExplanationItem]) -> list[str]:
    return [item.type for item in items]


def test_a_week_that_cannot_fit_says_the_conflict_then_the_fixes():
    schedule = plan_and_explain(problem("infeasible_week"))
    assert schedule.status == "infeasible" and schedule.sessions == []
    assert kinds(schedule.explanation)[0] == "conflict"
    assert set(kinds(schedule.explanation)[1:]) == {"fix"}
    assert schedule.explanation[0].rules


def test_without_fixes_only_the_conflict_is_said():
    schedule = plan_and_explain(problem("infeasible_week"), fixes=False)
    assert kinds(schedule.explanation) == ["conflict"]


def test_drop_if_needed_plans_the_week_without_the_fewest_sessions_and_says_which():
    schedule = plan_and_explain(problem("infeasible_week"), drop_if_needed=True)
    assert is_planned(schedule) and schedule.dropped
    assert "dropped" in kinds(schedule.explanation)
    assert_valid(schedule)


def test_why_says_for_each_planned_session_what_keeps_it_there():
    schedule = plan_and_explain(problem("office_worker"), why=True)
    assert is_planned(schedule)
    assert sorted(i.session for i in schedule.explanation if i.type == "why") == sorted(
        s.id for s in schedule.sessions)


def test_why_is_not_asked_of_a_week_without_a_plan():
    schedule = plan_and_explain(problem("infeasible_week"), why=True, fixes=False)
    assert "why" not in kinds(schedule.explanation)


def test_a_week_the_conflict_search_finds_fitting_after_all_says_so_without_naming_rules(
        monkeypatch):
    monkeypatch.setattr(scheduler.jobs, "explain_infeasible", lambda *_a, **_k: [])
    schedule = plan_and_explain(problem("infeasible_week"))
    assert schedule.explanation == [UNEXPLAINED]


def test_a_replan_that_finds_a_plan_says_what_moved():
    plan = plan_and_explain(problem("office_worker"))
    missed = plan.sessions[0]
    result = replan_or_refuse(plan, missed=[missed.id], at=missed.end,
                              settings=get_settings())
    assert is_planned(result)
    assert [c["session"] for c in result.changes if c["change"] in ("re-placed", "missed")] \
        == [missed.id]


def test_a_replan_that_finds_no_plan_is_refused_with_the_reason():
    plan = plan_and_explain(problem("office_worker"))
    stricter = plan.request.model_copy(update={"rules": plan.request.rules.model_copy(
        update={"rest_days": 7})})
    with pytest.raises(RulesConflict, match="What already happened this week breaks a rule"):
        replan_or_refuse(plan, at=plan.sessions[0].end + timedelta(minutes=1),
                         settings=get_settings(), request=stricter)
