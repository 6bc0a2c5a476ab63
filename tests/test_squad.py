"""A coach's squad week: tiny squads with exact outcomes, the explanation and its fixes,
equivalence with planning alone, the CLI, re-planning one runner, and a property over
random squads. Every week goes through the oracle."""

from __future__ import annotations

import json
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.cli import main
from scheduler.core.domain import PLAN_FOUND, Kind, Request
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.core.week import Week
from scheduler.model.solve import plan_week
from scheduler.replan.replan import replan
from scheduler.squad.model import slot_starts
from scheduler.squad.plan import SquadResult, plan_squad
from scheduler.squad.request import SquadRequest
from scheduler.squad.seats import runner_weeks
from scheduler.squad.why import week_with
from tests.oracle import assert_valid
from tests.strategies import requests

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MONDAY = date(2026, 11, 30)


def example() -> dict[str, Any]:
    """Ana (team dinner Tue evening), Tom ('Team meeting' Thu until 19:00) and Lea;
    Track night, a 60-minute tempo, Tue or Thu 18:30-20:30."""
    data: dict[str, Any] = json.loads((EXAMPLES / "squad" / "track_night.json").read_text())
    return data


def squad_of(data: dict[str, Any]) -> SquadRequest:
    return SquadRequest.model_validate(data)


def planned(data: dict[str, Any]) -> SquadResult:
    squad = squad_of(data)
    result = plan_squad(squad, get_settings())
    check(squad, result)
    return result


def check(squad: SquadRequest, result: SquadResult) -> None:
    """What every planned squad week must be: every week valid; each attending runner has
    the group session at its one start, inside its slots; attendance at least the share;
    each excused runner's week truly cannot take that start."""
    if result.status not in PLAN_FOUND:
        assert result.explanation
        return
    weeks = runner_weeks(squad, get_settings())
    for schedule in result.weeks.values():
        assert_valid(schedule)
    for g, (group, outcome) in enumerate(zip(squad.group_sessions, result.group_sessions,
                                             strict=True)):
        assert outcome.start is not None
        line = Week(squad.week_start, squad.tz)
        assert line.minute(outcome.start) in slot_starts(squad, g)
        for name in outcome.attending:
            seat = next(s for s in weeks[name].seats if s.group == g)
            held = {s.id: s for s in result.weeks[name].sessions}[seat.spec.id]
            assert held.start.astimezone(UTC) == outcome.start.astimezone(UTC)
            assert held.kind is group.kind and held.minutes == group.minutes
        assert len(outcome.attending) >= group.min_attendance * len(group.runners) - 1e-9
        assert sorted([*outcome.attending, *(e.runner for e in outcome.excused)]) == sorted(
            group.runners)
        for excused in outcome.excused:
            assert excused.why
            rw = weeks[excused.runner]
            others = {h: line.minute(o.start) for h, o in enumerate(result.group_sessions)
                      if h != g and o.start and excused.runner in o.attending}
            assert week_with(rw, {**others, g: line.minute(outcome.start)},
                             get_settings()) is None, f"{excused.runner} could have come"


# --- tiny squads, exact outcomes ----------------------------------------------------------
def test_the_group_session_goes_where_everyone_can_come():
    result = planned(example())
    [track] = result.group_sessions
    assert track.start is not None and f"{track.start:%a %H:%M}" == "Thu 19:15"
    assert track.attending == ["Ana", "Tom", "Lea"] and track.excused == []
    for week in result.weeks.values():  # the group tempo replaced each runner's tempo
        tempos = [s for s in week.sessions if s.kind is Kind.tempo]
        assert [(t.start, t.minutes) for t in tempos] == [(track.start, 60)]


def test_a_runner_who_cannot_come_at_either_time_is_excused_with_the_reason():
    data = example()
    lea = data["runners"][2]
    lea["busy"] = [{"start": "2026-12-01T17:00:00+01:00", "end": "2026-12-01T22:00:00+01:00",
                    "summary": "Choir"},
                   {"start": "2026-12-03T17:00:00+01:00", "end": "2026-12-03T22:00:00+01:00",
                    "summary": "Choir"}]
    result = planned(data)
    [track] = result.group_sessions
    assert track.attending == ["Ana", "Tom"]
    assert [(e.runner, e.why) for e in track.excused] == [("Lea", "'Choir' until 22:00")]
    lea_tempo = [s for s in result.weeks["Lea"].sessions if s.kind is Kind.tempo]
    assert [t.minutes for t in lea_tempo] == [45]  # her own tempo, at a time of her own


def test_too_few_can_come_says_who_and_why_and_the_fixes_work():
    data = example()
    data["group_sessions"][0]["slots"] = {"tue": [["18:30", "20:30"]]}  # Ana: team dinner
    data["group_sessions"][0]["min_attendance"] = 1.0
    result = planned(data)
    assert result.status == "infeasible" and result.group_sessions == []
    [sentence] = result.explanation
    assert "Track night" in sentence and "suits 2 of 3 (3 needed)" in sentence
    assert "Ana: 'Team dinner' until 22:00" in sentence
    lower, excuse, move = result.fixes
    assert lower == "Lower Track night's min_attendance to 0.66 (2 of 3)."
    assert excuse.startswith("Excuse Ana from Track night")
    assert move == "Move Track night's slots to Wed 18:30–20:30."  # Mon: after the long run
    fixed = json.loads(json.dumps(data))
    fixed["group_sessions"][0]["slots"] = {"wed": [["18:30", "20:30"]]}
    assert planned(fixed).status in PLAN_FOUND
    fixed = json.loads(json.dumps(data))
    fixed["group_sessions"][0]["min_attendance"] = 0.66
    assert planned(fixed).status in PLAN_FOUND
    fixed = json.loads(json.dumps(data))
    fixed["group_sessions"][0]["runners"] = ["Tom", "Lea"]
    assert planned(fixed).status in PLAN_FOUND


def test_the_coach_leads_one_group_session_at_a_time_and_at_most_the_cap_a_day():
    data = example()
    second = {**data["group_sessions"][0], "name": "Hills", "kind": "hill", "minutes": 45,
              "slots": {"thu": [["18:30", "20:30"]]}, "min_attendance": 0.0}
    data["group_sessions"].append(second)
    data["group_sessions"][0]["slots"] = {"thu": [["18:30", "20:30"]]}
    assert planned(data).status == "infeasible"  # one a day, both only on Thursday
    data["coach"]["max_sessions_per_day"] = 2
    result = planned(data)
    assert result.status in PLAN_FOUND
    a, b = result.group_sessions
    assert a.end is not None and b.end is not None and a.start and b.start
    assert a.end <= b.start or b.end <= a.start


def test_a_squad_without_group_sessions_plans_everyone_as_plan_does():
    data = example()
    data["group_sessions"] = []
    result = planned(data)
    for request in squad_of(data).runners:
        alone = plan_week(WeekProblem.of(request))
        week = result.weeks[request.runner.name]
        assert [(s.id, s.start) for s in week.sessions] == [
            (s.id, s.start) for s in alone.sessions]


def test_bad_input_names_the_field():
    data = example()
    data["group_sessions"][0]["runners"] = ["Ana", "Zed"]
    with pytest.raises(ValueError, match=r"group_sessions\[0\].runners names Zed"):
        squad_of(data)
    data = example()
    data["runners"][1]["week_start"] = "2026-12-07"
    with pytest.raises(ValueError, match=r"runners\[1\].week_start"):
        squad_of(data)


# --- the CLI, and one runner re-planned ---------------------------------------------------
def test_cli_prints_the_group_session_and_writes_each_runners_calendar(tmp_path, capsys):
    out, folder = tmp_path / "squad.json", tmp_path / "ics"
    assert main(["squad", str(EXAMPLES / "squad" / "track_night.json"), "--json", str(out),
                 "--ics-dir", str(folder)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("Track night · Thu 03 Dec 19:15–20:15 · 3 attending: Ana, Tom, Lea")
    assert sorted(p.name for p in folder.iterdir()) == ["ana.ics", "lea.ics", "tom.ics"]
    assert set(json.loads(out.read_text())["weeks"]) == {"Ana", "Tom", "Lea"}


def test_cli_exit_3_with_the_reason_when_the_squad_week_cannot_fit(tmp_path, capsys):
    data = example()
    data["group_sessions"][0]["slots"] = {"tue": [["18:30", "20:30"]]}
    data["group_sessions"][0]["min_attendance"] = 1.0
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(data))
    assert main(["squad", str(path)]) == 3
    said = capsys.readouterr().out
    assert "suits 2 of 3" in said and "What would fix it" in said


def test_a_runner_missing_the_group_session_re_plans_only_their_week():
    result = planned(example())
    tom = result.weeks["Tom"]
    group = next(s for s in tom.sessions if s.kind is Kind.tempo)
    after = replan(tom, missed=[group.id], at=group.end, settings=get_settings())
    assert_valid(after)
    assert {s.id: s.status for s in after.sessions}[group.id] in ("missed", "planned")
    assert result.group_sessions[0].start == group.start  # the group's time stays


# --- any squad ----------------------------------------------------------------------------
@st.composite
def squads(draw: Any) -> dict[str, Any]:
    runners: list[Request] = draw(st.lists(requests(), min_size=2, max_size=3))
    named = []
    for i, request in enumerate(runners):
        data = request.model_dump(mode="json", exclude_none=True)
        data["runner"]["name"] = f"R{i}"
        data["week_start"] = MONDAY.isoformat()
        shift = (MONDAY - request.week_start).days
        for b in data.get("busy", []):
            for end in ("start", "end"):
                moved = request.busy[data["busy"].index(b)]
                b[end] = (getattr(moved, end) + timedelta(days=shift)).isoformat()
        data.pop("races", None)
        named.append(data)
    days = draw(st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
                         min_size=1, max_size=3, unique=True))
    begin = draw(st.integers(6, 19))
    group = {"name": "Group", "kind": draw(st.sampled_from(["easy", "tempo", "long"])),
             "minutes": draw(st.sampled_from([30, 45, 60])),
             "slots": {d: [[f"{begin:02d}:00", f"{begin + 2:02d}:00"]] for d in days},
             "runners": [r["runner"]["name"] for r in named],
             "min_attendance": draw(st.sampled_from([0.0, 0.5, 1.0]))}
    return {"week_start": MONDAY.isoformat(), "timezone": "Europe/Berlin", "runners": named,
            "group_sessions": [group]}


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(squads())
def test_any_squad_week_keeps_every_rule_and_every_promise(data):
    try:
        squad = squad_of(data)
    except ValueError:
        return  # a shifted week the strategy cannot express
    check(squad, plan_squad(squad, get_settings()))
