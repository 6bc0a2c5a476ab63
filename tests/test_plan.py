"""Planning the example weeks end to end: every plan passes the oracle, the JSON keeps the
DESIGN.md shape, the same request gives the same plan, and the CLI speaks in exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.core.domain import Schedule
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.model.solve import solve_request
from tests.oracle import assert_planned_all, assert_valid

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SOLVABLE = sorted(p for p in EXAMPLES.glob("*.json") if p.stem != "infeasible_week")


def test_there_are_at_least_five_solvable_examples():
    assert len(SOLVABLE) >= 5


@pytest.mark.parametrize("path", SOLVABLE, ids=lambda p: p.stem)
def test_example_is_planned_and_passes_every_check(path):
    request = load_request(path)
    solved = solve_request(WeekProblem.of(request))
    assert_planned_all(solved.schedule, request)
    assert_valid(solved.schedule)
    assert solved.objective == sum(solved.schedule.penalties.values())


@pytest.mark.parametrize("path", SOLVABLE[:2], ids=lambda p: p.stem)
def test_same_request_same_plan(path):
    request = load_request(path)
    first = solve_request(WeekProblem.of(request)).schedule.model_dump()
    second = solve_request(WeekProblem.of(request)).schedule.model_dump()
    assert first == second


def test_plan_command_writes_design_shaped_json_and_ics(tmp_path, capsys):
    out_json, out_ics = tmp_path / "week.json", tmp_path / "week.ics"
    code = main(["plan", str(EXAMPLES / "office_worker.json"), "--json", str(out_json),
                 "--ics", str(out_ics)])
    assert code == 0
    table = capsys.readouterr().out
    assert "Ana · week of Mon 30 Nov 2026 (Europe/Berlin)" in table
    assert "Plyometrics" in table and "Long run" in table
    data = json.loads(out_json.read_text())
    assert {"week_start", "timezone", "status", "sessions", "dropped", "explanation"} <= set(data)
    assert set(data["sessions"][0]) >= {"id", "kind", "key", "start", "end", "contacts",
                                        "drills", "status"}
    plyo = next(s for s in data["sessions"] if s["kind"] == "plyo")
    assert plyo["contacts"] == 80 == sum(d["sets"] * d["reps"] for d in plyo["drills"])
    assert plyo["start"].endswith("+01:00")
    schedule = Schedule.model_validate(data)
    assert_valid(schedule)
    assert out_ics.read_bytes().count(b"BEGIN:VEVENT") == len(data["sessions"])


def test_plan_command_exits_3_when_rules_cannot_all_be_met(tmp_path):
    assert main(["plan", str(EXAMPLES / "infeasible_week.json")]) == 3


def test_plan_command_exits_2_naming_the_field(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"week_start": "2026-12-01",
                               "sessions": [{"kind": "easy", "minutes": 30}]}))
    assert main(["plan", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "week_start" in err and "Tuesday" in err and "Traceback" not in err


def test_plan_with_a_painful_log_entry_lowers_this_weeks_plyo_dose(tmp_path, capsys):
    week = tmp_path / "week.json"
    assert main(["plan", str(EXAMPLES / "office_worker.json"), "--json", str(week)]) == 0
    before = next(s for s in json.loads(week.read_text())["sessions"] if s["kind"] == "plyo")
    log = tmp_path / "log.json"
    log.write_text(json.dumps({"entries": [{
        "session": "ana-2026-11-23-plyo-1", "kind": "plyo",
        "start": "2026-11-29T09:00:00+01:00", "contacts": 80, "intensity": "moderate",
        "rpe": 6, "discomfort": 5, "note": "calves tight",
        "logged_at": "2026-11-29T10:00:00+01:00"}]}))
    capsys.readouterr()
    out = tmp_path / "adapted.json"
    assert main(["plan", str(EXAMPLES / "office_worker.json"), "--log", str(log),
                 "--json", str(out)]) == 0
    assert "From your training log:" in capsys.readouterr().out
    schedule = Schedule.model_validate_json(out.read_text())
    assert_valid(schedule)
    after = next(s for s in schedule.sessions if s.kind == "plyo")
    assert after.contacts < before["contacts"]
