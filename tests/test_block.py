"""A multi-week block: one CP-SAT model over all weeks, checked week by week and across
the week boundaries by a plain-Python checker, plus its calendar, chart and CLI."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from constraints.base import hours_between
from scheduler.block.plan import BlockPlan, solve_block
from scheduler.block.progression import get_progression_settings
from scheduler.cli import main
from scheduler.core.domain import (
    KEY_KINDS,
    WEEKDAYS,
    Context,
    Kind,
    PlannedSession,
    Request,
    Schedule,
)
from scheduler.core.drills import drill_library
from scheduler.core.errors import BadRequest, RulesConflict
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.export.block import block_to_ics, contacts_chart_svg
from scheduler.export.svg import weekly_contacts_svg
from scheduler.model.solve import plan_week
from tests.oracle import assert_valid

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RANK = {"low": 0, "moderate": 1, "high": 2}


# --- the block-level oracle ---------------------------------------------------------
def _on_day(schedule: Schedule, day: date) -> list[PlannedSession]:
    tz = ZoneInfo(schedule.timezone)
    return [s for s in schedule.sessions
            if s.status in ("planned", "done") and s.start.astimezone(tz).date() == day]


def _kind_of_day(sessions: list[PlannedSession]) -> str:
    """What a neighbouring day holds for `context`: key workout, else plyo, strength (a
    rule reads it), easy, rest."""
    kinds = [s.kind for s in sorted(sessions, key=lambda s: s.start)]
    keys = [k for k in kinds if k in KEY_KINDS]
    if keys:
        return keys[0].value
    for kind in (Kind.plyo, Kind.strength, Kind.easy):
        if kind in kinds:
            return kind.value
    return "rest"


def boundary_violations(block: BlockPlan, runner_request: Request) -> list[str]:
    """The rules across week boundaries, decided on the finished block alone."""
    out = []
    weeks = block.weeks
    off = set(runner_request.rules.off)
    if weeks[0].request.context.day_before != runner_request.context.day_before:
        out.append("week 1 lost the runner's day_before")
    if weeks[-1].request.context.day_after != runner_request.context.day_after:
        out.append("the last week lost the runner's day_after")
    for i, (a, b) in enumerate(pairwise(weeks), start=1):
        sunday = _on_day(a, b.week_start - timedelta(days=1))
        monday = _on_day(b, b.week_start)
        if b.request.context.day_before != _kind_of_day(sunday):
            out.append(f"week {i + 1} day_before {b.request.context.day_before} but "
                       f"Sunday holds {_kind_of_day(sunday)}")
        if a.request.context.day_after != _kind_of_day(monday):
            out.append(f"week {i} day_after {a.request.context.day_after} but "
                       f"Monday holds {_kind_of_day(monday)}")
        sunday_kinds = {s.kind for s in sunday}
        monday_kinds = {s.kind for s in monday}
        if ("no_plyo_before_key" not in off and Kind.plyo in sunday_kinds
                and monday_kinds & KEY_KINDS):
            out.append(f"plyo on the Sunday before week {i + 1}'s Monday key workout")
        if ("no_consecutive_key_days" not in off and sunday_kinds & KEY_KINDS
                and monday_kinds & KEY_KINDS):
            out.append(f"key workouts on both sides of the boundary into week {i + 1}")
    if "plyo_gap" not in off:
        hours = runner_request.rules.plyo_gap_hours
        plyos = sorted((s for w in weeks for s in w.sessions
                        if s.kind is Kind.plyo and s.status in ("planned", "done")),
                       key=lambda s: s.start)
        for x, y in pairwise(plyos):
            apart = hours_between(x.end, y.start)
            if apart < hours:
                out.append(f"{x.id} and {y.id} are {apart:.1f} h apart; {hours} h needed")
    return out


def assert_block_valid(solved, runner_request: Request) -> None:
    """Every week through the oracle, the boundaries through the block checker."""
    block = solved.block
    for schedule in block.weeks:
        assert_valid(schedule)
    broken = boundary_violations(block, runner_request)
    assert not broken, "\n".join(broken)
    ids = [s.id for w in block.weeks for s in w.sessions]
    assert len(ids) == len(set(ids)), "session ids repeat across weeks"
    if block.weeks[0].status == "optimal":
        assert solved.objective == sum(sum(w.penalties.values()) for w in block.weeks)
    for schedule, target in zip(block.weeks, block.progression, strict=True):
        plyos = [s for s in schedule.sessions if s.kind is Kind.plyo]
        assert len(plyos) == target.sessions
        assert sum(s.contacts for s in plyos) == target.contacts
        for s in plyos:
            assert sum(d.sets * d.reps for d in s.drills) == s.contacts


def assert_progression_sound(block: BlockPlan, level: str, cap: int) -> None:
    """The coaching properties, read off the planned sessions themselves."""
    shape = get_progression_settings().levels[level]
    rise = get_progression_settings().weekly_rise
    library = drill_library()
    last_build = None
    since_deload = 0
    previous_drills = None
    for schedule, target in zip(block.weeks, block.progression, strict=True):
        plyos = [s for s in schedule.sessions if s.kind is Kind.plyo]
        contacts = sum(s.contacts for s in plyos)
        assert contacts <= cap
        if target.deload:
            since_deload = 0
        else:
            since_deload += 1
            assert since_deload < shape.deload_every, "no lighter week for too long"
            if last_build is not None:
                assert contacts <= last_build * (1 + rise) + 1e-9
            last_build = contacts
        drills = [d.name for s in plyos for d in s.drills]
        if level == "beginner":
            assert all(library[name].intensity != "high" for name in drills)
        if target.deload:
            assert all(library[name].intensity == "low" for name in drills)
        if previous_drills is not None and drills:
            assert drills != previous_drills, "the same drill list two weeks running"
        previous_drills = drills


# --- examples -----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["office_worker", "beginner", "parent_school_runs",
                                  "shift_nurse"])
def test_an_eight_week_block_of_each_example_passes_every_check(name):
    request = load_request(EXAMPLES / f"{name}.json")
    solved = solve_block(request, 8, settings=get_settings())
    assert_block_valid(solved, request)
    assert_progression_sound(solved.block, request.runner.level, request.contacts_cap)
    assert [w.week_start for w in solved.block.weeks] == [
        request.week_start + timedelta(days=7 * i) for i in range(8)]


def test_two_sessions_that_cannot_fit_back_to_back_fall_back_to_one_and_say_why():
    # Three key workouts a week leave about one plyo-friendly day a week over a block.
    request = load_request(EXAMPLES / "advanced_two_plyo.json")
    solved = solve_block(request, 4, settings=get_settings())
    assert_block_valid(solved, request)
    assert {t.sessions for t in solved.block.progression} == {1}
    assert any("do not fit" in note for note in solved.block.progression[0].notes)


def test_a_week_that_cannot_fit_names_the_week_and_the_rules():
    request = load_request(EXAMPLES / "infeasible_week.json")
    with pytest.raises(RulesConflict) as err:
        solve_block(request, 3, settings=get_settings())
    assert f"{request.week_start:%d %b %Y}" in str(err.value)
    assert "easy run" in str(err.value)
    assert_conflict_is_true(str(err.value), request, 3)


def test_one_off_busy_time_only_touches_its_own_week():
    request = load_request(EXAMPLES / "office_worker.json")
    solved = solve_block(request, 3, settings=get_settings())
    assert_block_valid(solved, request)
    for schedule in solved.block.weeks:
        assert schedule.request.busy == request.busy
    busy = request.busy[0]
    first = solved.block.weeks[0].sessions
    assert all(s.end <= busy.start or s.start >= busy.end for s in first)


def test_runner_given_ids_stay_unique_across_weeks():
    data = json.loads((EXAMPLES / "beginner.json").read_text())
    data["sessions"][0]["id"] = "sam-easy-a"
    request = Request.model_validate(data)
    solved = solve_block(request, 3, settings=get_settings())
    assert_block_valid(solved, request)
    ids = [s.id for w in solved.block.weeks for s in w.sessions if s.id.startswith("sam-easy-a")]
    assert len(ids) == 3 and ids[0] == "sam-easy-a"


def test_a_block_without_an_easy_run_is_a_clear_bad_request():
    data = json.loads((EXAMPLES / "beginner.json").read_text())
    data["sessions"] = [s for s in data["sessions"] if s["kind"] != "easy"]
    with pytest.raises(BadRequest, match="easy run"):
        solve_block(Request.model_validate(data), 4, settings=get_settings())


# --- property: random runners and blocks ----------------------------------------------
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
# Blocks starting around clock changes in these zones, and plain ones.
MONDAYS = [date(2026, 3, 16), date(2026, 3, 23), date(2026, 9, 21), date(2026, 10, 12),
           date(2026, 10, 19), date(2026, 6, 1), date(2026, 11, 30)]


@st.composite
def runners(draw) -> Request:
    morning = draw(st.integers(5 * 12, 7 * 12)) * 5
    evening = draw(st.integers(16 * 12, 19 * 12)) * 5
    days = {}
    for day in WEEKDAYS:
        windows = []
        if draw(st.booleans()) or day in ("sat", "sun"):
            windows.append([f"{morning // 60:02d}:{morning % 60:02d}",
                            f"{morning // 60 + 3:02d}:{morning % 60:02d}"])
        if draw(st.integers(0, 4)) > 0:
            windows.append([f"{evening // 60:02d}:{evening % 60:02d}",
                            f"{evening // 60 + 2:02d}:{evening % 60:02d}"])
        if windows:
            days[day] = windows
    keys = draw(st.lists(st.sampled_from(["tempo", "hill", "long"]), max_size=2, unique=True))
    sessions = [{"kind": "easy", "minutes": draw(st.sampled_from([30, 40, 45]))}
                for _ in range(draw(st.integers(1, 3)))]
    sessions += [{"kind": k, "minutes": 90 if k == "long" else 50} for k in keys]
    sessions.append({"kind": "plyo", "minutes": draw(st.sampled_from([15, 20, 25]))})
    context = st.sampled_from([None, "easy", "tempo", "plyo", "rest"])
    return Request.model_validate({
        "runner": {"name": "Prop", "level": draw(st.sampled_from(
            ["beginner", "intermediate", "advanced"])), "timezone": draw(st.sampled_from(ZONES))},
        "week_start": draw(st.sampled_from(MONDAYS)).isoformat(),
        "availability": days,
        "sessions": sessions,
        "context": {"day_before": draw(context), "day_after": draw(context)},
        "rules": {"plyo_gap_hours": draw(st.sampled_from([48, 60, 72])),
                  "rest_days": draw(st.integers(0, 1))},
    })


def assert_conflict_is_true(text: str, request: Request, weeks: int) -> None:
    """A block refused must be one a plain week-by-week solve also refuses."""
    found = re.search(r"The week of (\w{3} \d{2} \w{3} \d{4}) cannot fit", text)
    if found is None:
        assert "not back to back" in text, text
        return
    monday = datetime.strptime(found.group(1), "%a %d %b %Y").date()
    index = (monday - request.week_start).days // 7
    assert 0 <= index < weeks
    runs = [w for w in request.sessions if w.kind is not Kind.plyo]
    plyo = next(w for w in request.sessions if w.kind is Kind.plyo)
    # The week with its lightest ask (one plyo session) and only the block's outer context.
    week = request.model_copy(update={
        "week_start": monday,
        "sessions": [*runs, plyo.model_copy(update={"contacts": 1})],
        "context": Context(
            day_before=request.context.day_before if index == 0 else None,
            day_after=request.context.day_after if index == weeks - 1 else None),
    })
    assert plan_week(WeekProblem.of(week)).status == "infeasible", text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runners(), st.integers(2, 8))
def test_any_block_passes_every_check_within_and_across_weeks(request, weeks):
    try:
        solved = solve_block(request, weeks, settings=get_settings())
    except RulesConflict as err:
        event("the rules cannot all hold")
        assert_conflict_is_true(str(err), request, weeks)
        return
    event(f"{max(t.sessions for t in solved.block.progression)} plyo session(s) a week")
    assert len(solved.block.weeks) == weeks
    assert_block_valid(solved, request)
    assert_progression_sound(solved.block, request.runner.level, request.contacts_cap)


# --- calendar, chart, CLI --------------------------------------------------------------
@pytest.fixture(scope="module")
def office_block():
    request = load_request(EXAMPLES / "office_worker.json")
    return solve_block(request, 8, settings=get_settings()).block


def test_the_block_calendar_holds_every_session_with_coaching_notes(office_block):
    cal = Calendar.from_ical(block_to_ics(office_block))
    events = list(cal.walk("VEVENT"))
    sessions = [s for w in office_block.weeks for s in w.sessions]
    assert sorted(str(e["UID"]) for e in events) == sorted(s.id for s in sessions)
    plyo = {str(e["UID"]): str(e["DESCRIPTION"]) for e in events
            if str(e["UID"]).split("-")[-2] == "plyo"}
    strides = {s.id: t.strides
               for w, t in zip(office_block.weeks, office_block.progression, strict=True)
               for s in w.sessions if s.kind is Kind.plyo}
    assert plyo and any(strides.values()) and not all(strides.values())
    for uid, text in plyo.items():
        assert text.startswith("Warm-up") and "Surface" in text
        assert ("s strides" in text) == bool(strides[uid])
        if strides[uid]:
            assert f"{strides[uid]} x 20 s strides" in text
    assert any(c.name == "VTIMEZONE" for c in cal.subcomponents)


def test_the_chart_draws_one_bar_per_week_and_shows_the_lighter_weeks(office_block):
    svg = contacts_chart_svg(office_block)
    root = ET.fromstring(svg)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    bars = root.findall(".//svg:rect", ns)
    assert len(bars) == len(office_block.progression)
    deloads = [t.deload for t in office_block.progression]
    assert [b.get("class") == "deload" for b in bars] == deloads
    heights = [float(b.get("height")) for b in bars]
    contacts = [t.contacts for t in office_block.progression]
    top = contacts.index(max(contacts))
    for h, c in zip(heights, contacts, strict=True):
        assert h == pytest.approx(heights[top] * c / contacts[top], abs=0.2)
    assert "script" not in svg and svg.count("lighter") >= sum(deloads)
    assert contacts_chart_svg(json.loads(office_block.model_dump_json())) == svg


@dataclass(frozen=True)
class _Shown:
    week: int
    week_start: date | None
    contacts: int
    intensity: str
    deload: bool
    cap: int


def test_the_chart_draws_any_weeks_with_the_numbers_it_shows_not_only_a_blocks():
    svg = weekly_contacts_svg([_Shown(1, date(2026, 11, 30), 160, "low", False, 220),
                               _Shown(2, None, 95, "low", True, 220)])
    titles = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}title")]
    assert titles[1:] == ["Week 1 from 30 Nov: 160 contacts, low intensity",
                          "Week 2: 95 contacts, lighter week"]
    assert "cap 220" in svg


def test_cli_block_writes_json_and_ics_and_prints_the_weeks(tmp_path, capsys):
    source = EXAMPLES / "beginner.json"
    out_json, out_ics = tmp_path / "block.json", tmp_path / "block.ics"
    code = main(["block", str(source), "--weeks", "6", "--json", str(out_json),
                 "--ics", str(out_ics)])
    printed = capsys.readouterr().out
    assert code == 0
    block = BlockPlan.model_validate_json(out_json.read_text())
    assert len(block.weeks) == 6 and len(block.progression) == 6
    for schedule in block.weeks:
        assert_valid(schedule)
    assert boundary_violations(block, load_request(source)) == []
    assert Calendar.from_ical(out_ics.read_bytes()).walk("VEVENT")
    assert "6-week plyometric block" in printed and "Lighter week" in printed


@pytest.mark.parametrize("args, field", [(["--weeks", "0"], "--weeks"),
                                         (["--weeks", "40"], "--weeks")])
def test_cli_block_rejects_bad_options_with_a_sentence(args, field, capsys):
    code = main(["block", str(EXAMPLES / "beginner.json"), *args])
    assert code == 2
    assert field in capsys.readouterr().err


def test_cli_block_on_rules_that_cannot_hold_exits_3(capsys):
    assert main(["block", str(EXAMPLES / "infeasible_week.json"), "--weeks", "2"]) == 3
    assert "cannot fit" in capsys.readouterr().err


def test_intensity_rises_across_an_advanced_block_and_beginners_stay_below_high():
    for name, top in (("office_worker", "high"), ("beginner", "moderate")):
        request = load_request(EXAMPLES / f"{name}.json")
        block = solve_block(request, 8, settings=get_settings()).block
        ranks = [RANK[t.intensity] for t in block.progression if not t.deload]
        assert ranks == sorted(ranks) and ranks[0] == 0
        assert max(ranks) == RANK[top]
