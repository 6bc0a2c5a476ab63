"""Why can't it fit, what would fix it, what to drop, and why is each session there.

Every claim is re-checked with the normal solver and the solver-free oracle: a reported
conflict must be infeasible on its own and feasible without any one member; a fix, applied
to the request, must give a week that passes every check; a dropped week must pass every
check and drop no more (and nothing more important) than brute force needs.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from constraints import HARD_KEYS
from scheduler.cli import main
from scheduler.core.domain import WEEKDAYS, Request
from scheduler.core.explanation import ConflictItem, ExplanationItem
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import session_specs
from scheduler.core.settings import get_settings
from scheduler.explain.drop import plan_with_drops
from scheduler.explain.fixes import apply_change
from scheduler.explain.infeasible import explain_infeasible
from scheduler.explain.why import day_verdicts, why_items
from scheduler.model.solve import build_week_model, enforce_rules, new_solver, solve_request
from tests.oracle import assert_valid
from tests.weeks import request as week_request

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
INFEASIBLE = EXAMPLES / "infeasible_week.json"


def with_only(request: Request, rules_on: set[str]) -> Request:
    """The request with exactly these hard rules on and every other one off."""
    off = sorted(set(HARD_KEYS) - rules_on)
    return request.model_copy(update={"rules": request.rules.model_copy(update={"off": off})})


def plan_checked(request: Request):
    """Plan with the normal solver; any plan found goes through the oracle."""
    solved = solve_request(WeekProblem.of(request))
    if solved.schedule.status in ("optimal", "feasible"):
        assert_valid(solved.schedule, request)
        assert solved.objective == sum(solved.schedule.penalties.values())
    return solved.schedule


def conflict_of(items: list[ExplanationItem]) -> ConflictItem:
    [conflict] = [i for i in items if isinstance(i, ConflictItem)]
    return conflict


# --- random weeks that often cannot fit -------------------------------------------------

def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


MINUTES = {"easy": (6, 12), "tempo": (8, 14), "hill": (8, 12), "long": (16, 30),
           "plyo": (3, 6)}


@st.composite
def tight_weeks(draw) -> Request:
    """Some windows, several sessions, random rule numbers, context and busy events; some
    rules may be off already. Windows are mostly long enough for any one session, so the
    conflicts are between rules, not just a session longer than every window."""
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=2, max_size=6, unique=True))
    availability = {}
    for day in days:
        start = draw(st.integers(5 * 6, 20 * 6)) * 10
        length = draw(st.sampled_from([50, 60, 80, 100, 120, 150, 180]))
        availability[day] = [[_clock(start), _clock(min(start + length, 1440))]]
    kinds = draw(st.lists(st.sampled_from(["easy", "easy", "tempo", "hill", "long", "plyo"]),
                          min_size=3, max_size=7))
    if "plyo" in kinds and "easy" not in kinds and draw(st.booleans()):
        kinds.append("easy")
    sessions = [{"kind": k, "minutes": draw(st.integers(*MINUTES[k])) * 5} for k in kinds]
    busy = []
    for day in draw(st.lists(st.sampled_from(days), max_size=2)):
        start = _clock(draw(st.integers(5 * 4, 21 * 4)) * 15)
        date = f"2026-12-0{WEEKDAYS.index(day)}" if WEEKDAYS.index(day) else "2026-11-30"
        end_min = min(int(start[:2]) * 60 + int(start[3:]) + 45, 1439)
        busy.append({"start": f"{date}T{start}:00+01:00",
                     "end": f"{date}T{_clock(end_min)}:00+01:00", "summary": "Meeting"})
    return Request.model_validate({
        "runner": {"name": "Prop", "timezone": "Europe/Berlin",
                   "level": draw(st.sampled_from(["beginner", "intermediate", "advanced"]))},
        "week_start": "2026-11-30", "availability": availability, "sessions": sessions,
        "busy": busy,
        "context": {"day_before": draw(st.sampled_from([None, "plyo", "long", "tempo"])),
                    "day_after": draw(st.sampled_from([None, "plyo", "tempo", "rest"]))},
        "rules": {"rest_days": draw(st.integers(0, 3)),
                  "plyo_gap_hours": draw(st.sampled_from([24, 48, 72])),
                  "buffer_minutes": draw(st.sampled_from([0, 15])),
                  "runs_per_day": draw(st.sampled_from([1, 1, 2])),
                  "weekly_contacts_cap": draw(st.sampled_from([None, None, None, 100])),
                  "off": draw(st.lists(st.sampled_from(HARD_KEYS), max_size=2, unique=True))},
    })


def infeasible(request: Request) -> bool:
    wm = build_week_model(WeekProblem.of(request))
    enforce_rules(wm, frozenset(request.rules.off))
    wm.model.clear_objective()
    return new_solver(get_settings()).solve(wm.model) == cp_model.INFEASIBLE


PROPERTY = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


@PROPERTY
@given(tight_weeks())
def test_reported_conflict_is_infeasible_alone_and_minimal(request):
    assume(infeasible(request))
    conflict = conflict_of(explain_infeasible(WeekProblem.of(request), with_fixes=False))
    rules = set(conflict.rules)
    assert not rules & set(request.rules.off), "a rule the runner turned off was blamed"
    assert plan_checked(with_only(request, rules)).status == "infeasible"
    for member in rules:
        relaxed = plan_checked(with_only(request, rules - {member}))
        assert relaxed.status in ("optimal", "feasible"), f"{member} is not needed"
    ids = {s.id for s in session_specs(request)}
    assert set(conflict.sessions) <= ids
    assert conflict.text


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(tight_weeks())
def test_every_suggested_fix_really_gives_a_week_that_passes_every_check(request):
    assume(infeasible(request))
    fixes = [i for i in explain_infeasible(WeekProblem.of(request)) if i.type == "fix"]
    for fix in fixes:
        changed = apply_change(WeekProblem.of(request), fix.change)
        week = plan_checked(changed)
        assert week.status in ("optimal", "feasible"), fix
        assert len(week.sessions) == len(changed.sessions)


# --- the example that cannot fit --------------------------------------------------------

def test_infeasible_example_names_its_four_colliding_rules_and_the_facts():
    request = load_request(INFEASIBLE)
    conflict = conflict_of(explain_infeasible(WeekProblem.of(request)))
    # Worked out by hand: the long run (100 min) fits only Fri; key days may not touch,
    # so the tempo is Tue or Wed; an easy run + plyo (60 min) fits Tue or Thu only (Wed has
    # 50 min, Fri is the long run's), and both are the day before a key workout.
    assert conflict.rules == ["availability", "no_plyo_before_key", "plyo_after_easy",
                                 "no_consecutive_key_days"]
    assert conflict.sessions == ["tom-2026-11-30-easy-1", "tom-2026-11-30-tempo-1",
                                    "tom-2026-11-30-long-1", "tom-2026-11-30-plyo-1"]
    text = conflict.text
    for fact in ("within 60 min after an easy run", "the day before a key workout",
                 "consecutive days", "Wed 18:00–18:50", "Fri 17:00–19:00",
                 "the long run (100 min) fits only on Fri",
                 "an easy run (40 min) with plyo after it (20 min) fits only on Tue, Thu or Fri"):
        assert fact in text, fact


def test_infeasible_example_fixes_come_best_first_and_each_one_works():
    request = load_request(INFEASIBLE)
    fixes = [i for i in explain_infeasible(WeekProblem.of(request)) if i.type == "fix"]
    changes = [f.change for f in fixes]
    # Ten more minutes on Wednesday let the easy run and plyo sit there: the smallest fix.
    assert set(changes[:2]) == {"availability.wed[0] = 17:50-18:50",
                                "availability.wed[0] = 18:00-19:00"}
    assert "drop tom-2026-11-30-plyo-1" in changes
    assert "drop tom-2026-11-30-easy-1" not in changes  # plyo would still need it
    for key in ("no_plyo_before_key", "plyo_after_easy", "no_consecutive_key_days"):
        assert f"rules.off += {key}" in changes
    assert changes[-1] == "rules.off += availability"  # training outside free time: last
    assert changes.index("drop tom-2026-11-30-plyo-1") < changes.index(
        "drop tom-2026-11-30-long-1")
    for fix in fixes:
        changed = apply_change(WeekProblem.of(request), fix.change)
        week = plan_checked(changed)
        assert week.status in ("optimal", "feasible"), fix.change
        assert len(week.sessions) == len(changed.sessions)


def test_rules_the_runner_turned_off_are_never_blamed():
    base = load_request(INFEASIBLE)
    # A zero contacts cap makes a second conflict; with availability off it is the only one.
    data = base.model_dump(mode="json")
    data["rules"].update({"weekly_contacts_cap": 0, "off": ["availability"]})
    conflict = conflict_of(explain_infeasible(WeekProblem.of(Request.model_validate(data))))
    assert conflict.rules == ["weekly_contacts"]
    assert "60 ground contacts" in conflict.text and "cap is 0" in conflict.text


def test_buffer_around_a_busy_event_is_named_and_reducing_it_is_a_fix():
    request = week_request(
        [("tempo", 55)], availability={"tue": [["18:00", "19:00"]]},
        busy=[{"start": "2026-12-01T17:00:00+01:00", "end": "2026-12-01T17:55:00+01:00",
               "summary": "Choir"}])
    items = explain_infeasible(WeekProblem.of(request))
    conflict = conflict_of(items)
    assert conflict.rules == ["availability"]
    assert "'Choir' Tue 17:00–17:55" in conflict.text
    assert "15 min kept free around it" in conflict.text
    changes = [i.change for i in items if i.type == "fix"]
    assert "rules.buffer_minutes = 10" in changes  # 17:55 + 10 min leaves 18:05-19:00
    assert "availability.tue[0] = 18:00-19:05" in changes
    week = plan_checked(apply_change(WeekProblem.of(request), "rules.buffer_minutes = 10"))
    assert week.status in ("optimal", "feasible")


def test_too_many_contacts_name_the_total_and_the_cap_and_capping_sessions_fixes_it():
    request = week_request(
        [("easy", 30), {"kind": "plyo", "minutes": 20, "contacts": 150}, ("easy", 30),
         {"kind": "plyo", "minutes": 20, "contacts": 90}],
        availability={d: [["07:00", "09:00"]] for d in WEEKDAYS})
    items = explain_infeasible(WeekProblem.of(request))
    conflict = conflict_of(items)
    assert conflict.rules == ["weekly_contacts"]
    assert ("The plyo sessions add up to 240 ground contacts (150 and 90); the intermediate "
            "weekly cap is 220.") in conflict.text
    changes = [i.change for i in items if i.type == "fix"]
    assert changes[0] == "plyo.contacts <= 110"
    capped = apply_change(WeekProblem.of(request), "plyo.contacts <= 110")
    assert [s.contacts for s in capped.sessions if s.kind.value == "plyo"] == [110, 90]
    week = plan_checked(capped)
    assert week.status in ("optimal", "feasible")


def test_plyo_without_any_easy_run_says_so_and_dropping_the_plyo_fixes_it():
    request = week_request([("tempo", 40), ("plyo", 20)],
                           availability={d: [["07:00", "09:00"]] for d in ("mon", "wed")})
    items = explain_infeasible(WeekProblem.of(request))
    conflict = conflict_of(items)
    assert conflict.rules == ["plyo_after_easy"]
    assert conflict.sessions == ["test-2026-11-30-plyo-1"]
    assert conflict.text.endswith("but this week has no easy run.")
    assert [i.change for i in items if i.type == "fix"] == [
        "drop test-2026-11-30-plyo-1", "rules.off += plyo_after_easy"]


def test_a_week_that_fits_has_nothing_to_explain():
    assert explain_infeasible(WeekProblem.of(load_request(EXAMPLES / "beginner.json"))) == []


# --- dropping sessions ------------------------------------------------------------------

def test_drop_if_needed_gives_up_only_the_plyo_session_of_the_example():
    request = load_request(INFEASIBLE)
    week = plan_with_drops(WeekProblem.of(request))
    assert week.status in ("optimal", "feasible")
    assert week.dropped == ["tom-2026-11-30-plyo-1"]
    assert_valid(week, request)
    assert {s.kind.value for s in week.sessions} == {"easy", "tempo", "long"}
    [dropped] = [i for i in week.explanation if i.type == "dropped"]
    assert dropped.session == "tom-2026-11-30-plyo-1"
    assert "plyo_after_easy" in dropped.rules
    assert any(i.type == "conflict" for i in week.explanation)


def test_the_second_plyo_session_goes_first():
    request = week_request(
        [("easy", 30), {"kind": "plyo", "minutes": 20, "contacts": 120}, ("easy", 30),
         {"kind": "plyo", "minutes": 20, "contacts": 120}],
        availability={d: [["07:00", "09:00"]] for d in WEEKDAYS})
    assert request.contacts_cap == 220  # two sessions of 120 are over it: one must go
    week = plan_with_drops(WeekProblem.of(request))
    assert week.dropped == ["test-2026-11-30-plyo-2"]
    assert_valid(week, request)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(tight_weeks())
def test_drops_are_as_few_and_as_unimportant_as_brute_force_finds(request):
    assume(infeasible(request))
    week = plan_with_drops(WeekProblem.of(request))
    assume(week.status == "optimal")
    assert_valid(week, request)
    specs = session_specs(request)
    priority = get_settings().drop_priority

    def worth(ids) -> int:
        return sum(priority[s.kind.value] for s in specs if s.id in ids)

    everyone = {s.id for s in specs}
    best = (len(specs), worth(everyone))  # an empty week always fits
    for k in range(1, len(specs)):
        fitting = [set(c) for c in combinations(sorted(everyone), k)
                   if not infeasible(_without(request, set(c)))]
        if fitting:
            best = (k, min(worth(c) for c in fitting))
            break
    assert (len(week.dropped), worth(set(week.dropped))) == best


def _without(request: Request, ids: set[str]) -> Request:
    data = request.model_dump(mode="json")
    for wanted, spec in zip(data["sessions"], session_specs(request), strict=True):
        wanted["id"] = spec.id
    data["sessions"] = [s for s in data["sessions"] if s["id"] not in ids]
    return Request.model_validate(data)


# --- why is it there? -------------------------------------------------------------------

def test_why_items_cover_every_session_and_their_penalties_add_up_to_the_objective():
    request = load_request(EXAMPLES / "office_worker.json")
    data = request.model_dump(mode="json")
    data["preferences"]["long_run_days"] = ["mon"]  # no room on Monday: a penalty is paid
    request = Request.model_validate(data)
    solved = solve_request(WeekProblem.of(request))
    assert_valid(solved.schedule, request)
    items = why_items(WeekProblem.of(request), solved.schedule)
    assert [i.session for i in items] == [s.id for s in solved.schedule.sessions]
    total = sum(v for i in items for v in i.penalty.values())
    assert solved.objective is not None and solved.objective > 0
    assert total == solved.objective
    [long_run] = [i for i in items if "-long-" in i.session]
    assert long_run.penalty == {"long_run_day": 10}
    assert "Penalties paid: long_run_day 10." in long_run.text


@pytest.mark.parametrize("name", ["beginner", "shift_nurse"])
def test_why_blocked_days_really_have_no_slot_and_open_days_really_have_one(name):
    request = load_request(EXAMPLES / f"{name}.json")
    schedule = plan_checked(request)
    specs = {s.id: s for s in session_specs(request)}
    for session in schedule.sessions:
        verdicts, _ = day_verdicts(WeekProblem.of(request), schedule, session.id)
        assert len(verdicts) == 6
        for day, verdict in verdicts.items():
            if verdict.verdict == "blocked":
                assert verdict.phrase
            assert _fits_on_day(request, schedule, specs, session.id, day) == (
                verdict.verdict != "blocked"), (session.id, day, verdict)


def _fits_on_day(request, schedule, specs, sid, day) -> bool:
    """An independent model: the others fixed where they are, this one forced to `day`."""
    wm = build_week_model(WeekProblem.of(request), list(specs.values()))
    enforce_rules(wm, frozenset(request.rules.off))
    v = wm.vars
    for other in schedule.sessions:
        if other.id != sid:
            wm.model.add(v.start[other.id] == v.week.minute(other.start))
    wm.model.add(v.on(specs[sid], day) == 1)
    wm.model.clear_objective()
    return new_solver(get_settings()).solve(wm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


# --- the command line -------------------------------------------------------------------

def test_plan_prints_the_conflict_and_fixes_writes_them_to_json_and_exits_3(tmp_path, capsys):
    out = tmp_path / "week.json"
    assert main(["plan", str(INFEASIBLE), "--json", str(out)]) == 3
    printed = capsys.readouterr()
    assert "rules in conflict: availability, no_plyo_before_key" in printed.out
    assert "What would fix it" in printed.out
    assert "change: availability.wed[0] = 18:00-19:00" in printed.out
    assert "cannot all be met" in printed.err
    written = json.loads(out.read_text())
    assert written["status"] == "infeasible"
    kinds = [i["type"] for i in written["explanation"]]
    assert kinds[0] == "conflict" and set(kinds[1:]) == {"fix"}
    assert set(written["explanation"][1]) == {"type", "change", "text"}


def test_plan_drop_if_needed_exits_0_and_says_what_was_dropped(tmp_path, capsys):
    out = tmp_path / "week.json"
    assert main(["plan", str(INFEASIBLE), "--drop-if-needed", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Dropped the plyo session (20 min, tom-2026-11-30-plyo-1)" in printed
    written = json.loads(out.read_text())
    assert written["dropped"] == ["tom-2026-11-30-plyo-1"]
    assert any(i["type"] == "dropped" for i in written["explanation"])


def test_plan_why_prints_a_reason_per_session_and_the_penalty_total(tmp_path, capsys):
    out = tmp_path / "week.json"
    assert main(["plan", str(EXAMPLES / "beginner.json"), "--why", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Why each session is where it is:" in printed
    assert "(the plan's objective)" in printed
    written = json.loads(out.read_text())
    whys = [i for i in written["explanation"] if i["type"] == "why"]
    assert [w["session"] for w in whys] == [s["id"] for s in written["sessions"]]
    assert all(set(w) == {"type", "session", "rules", "penalty", "text"} for w in whys)
    assert sum(sum(w["penalty"].values()) for w in whys) == sum(
        written["penalties"].values())

