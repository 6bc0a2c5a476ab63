"""High-intensity dosing, whole sets, session order and session minutes: the plyo dose
a runner reads is one a coach would write, and `plan` and `block` start a runner alike."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.block.plan import solve_block
from scheduler.block.progression import get_progression_settings, plan_progression
from scheduler.core.domain import LEVELS, Kind
from scheduler.core.dosing import HIGH_WEEK_SHARE, high_week_cap, plyo_minutes
from scheduler.core.drills import (
    HIGH_CONTACTS,
    INTENSITIES,
    LEVEL_INTENSITY,
    block_intensities,
    choose_drills,
    drill_library,
    intensity_of,
    plyo_drills,
)
from scheduler.core.errors import RulesConflict
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from tests.oracle import assert_valid
from tests.test_block import runners
from tests.weeks import request, solve

MONDAY = date(2026, 11, 30)
WEEKS = [MONDAY + timedelta(days=7 * i) for i in range(12)]
EVERY_EVENING = {day: [["17:00", "21:00"]]
                 for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def high_contacts(drills) -> int:
    library = drill_library()
    return sum(d.sets * d.reps for d in drills if library[d.name].intensity == "high")


def assert_whole_sets(drills) -> None:
    """One line per drill, every set between the drill's smallest and its full set."""
    library = drill_library()
    names = [d.name for d in drills]
    assert len(names) == len(set(names)), f"a drill twice: {names}"
    for d in drills:
        known = library[d.name]
        assert known.smallest_set <= d.reps <= known.set_contacts, f"{d.name} {d.sets}x{d.reps}"
        assert d.reps % known.contacts_per_rep == 0


# --- whole sets -------------------------------------------------------------------------
@pytest.mark.parametrize("cls", INTENSITIES)
def test_no_drill_ends_in_a_short_tail_set(cls):
    # e.g. "box jumps 3x6, box jumps 1x2" or "weighted pogo 1x1" before
    for week in WEEKS:
        for contacts in range(12, 161):
            drills = plyo_drills("advanced", contacts, cls, week)
            assert_whole_sets(drills)
            assert sum(d.sets * d.reps for d in drills) == contacts


def test_a_dose_whole_sets_cannot_hold_is_rounded_down_never_up():
    assert plyo_drills("intermediate", 3, "low", MONDAY) == []
    drills = plyo_drills("intermediate", 11, "low", MONDAY)
    assert sum(d.sets * d.reps for d in drills) == 10
    req = request([("easy", 30), {"kind": "plyo", "minutes": 20, "contacts": 11}])
    [plyo] = [s for s in WeekProblem.of(req).specs if s.kind is Kind.plyo]
    assert plyo.contacts == 10 == sum(d.sets * d.reps for d in plyo.drills)


# --- order: a primer, then the hardest drills while fresh -------------------------------
def test_high_drills_come_right_after_the_primer_and_depth_jumps_before_weighted_pogo():
    for rotation in range(12):
        chosen = choose_drills("high", rotation)
        assert [d.intensity for d in chosen] == ["low", "high", "high", "moderate"]
        names = [d.name for d in chosen]
        if {"depth jumps", "weighted pogo"} <= set(names):
            assert names.index("depth jumps") < names.index("weighted pogo")
    for week in WEEKS:
        names = [d.name for d in plyo_drills("intermediate", 110, "high", week)]
        assert names[-1] != "depth jumps"
        assert drill_library()[names[0]].intensity == "low"
        assert [drill_library()[n].intensity for n in names[1:3]] == ["high", "high"]


# --- high intensity dosed as such -------------------------------------------------------
@pytest.mark.parametrize("level", ["intermediate", "advanced"])
def test_a_sessions_high_contacts_stay_within_the_levels_dose(level):
    most = HIGH_CONTACTS[level]
    assert most == {"intermediate": 40, "advanced": 60}[level]
    for week in WEEKS:
        for contacts in (80, 110, 120, 140):
            drills = plyo_drills(level, contacts, "high", week)
            assert 0 < high_contacts(drills) <= most
            assert sum(d.sets * d.reps for d in drills) == contacts  # the rest: lighter drills


def test_an_intermediate_high_week_holds_at_most_80_percent_of_the_cap():
    # before: 2 x 110 at high intensity, 42 weighted pogo and 20 depth jumps per session
    assert high_week_cap(220) == 176 and HIGH_WEEK_SHARE == 0.8
    targets = plan_progression("intermediate", 8, 220)
    highs = [t for t in targets if t.intensity == "high"]
    assert highs
    for target in highs:
        assert target.contacts <= 0.8 * 220
        assert any("80% of the weekly cap" in note for note in target.notes)
    assert max(t.contacts for t in targets if t.intensity != "high") == 220


def test_a_planned_block_keeps_high_weeks_and_sessions_within_their_doses():
    solved = solve_block(request([("easy", 40), ("easy", 40), ("tempo", 50), ("long", 100),
                                  ("plyo", 20)], availability=EVERY_EVENING),
                         8, settings=get_settings())
    seen_high = False
    for week, target in zip(solved.block.weeks, solved.block.progression, strict=True):
        assert_valid(week)
        plyos = [s for s in week.sessions if s.kind is Kind.plyo]
        if target.intensity == "high":
            seen_high = True
            assert sum(s.contacts for s in plyos) <= 0.8 * 220
        for s in plyos:
            assert high_contacts(s.drills) <= 40
            assert_whole_sets(s.drills)
    assert seen_high


# --- minutes that grow with the work ----------------------------------------------------
def test_a_110_contact_session_with_strides_takes_more_than_25_minutes():
    drills = plyo_drills("intermediate", 110, "moderate", MONDAY)
    assert plyo_minutes(drills, strides=6) > 25
    assert plyo_minutes(drills, strides=6) > plyo_minutes(drills) > plyo_minutes(drills[:1])


def test_a_blocks_plyo_sessions_last_what_their_work_needs():
    solved = solve_block(request([("easy", 40), ("easy", 40), ("tempo", 50), ("long", 100),
                                  ("plyo", 20)], availability=EVERY_EVENING),
                         8, settings=get_settings())
    stride_seconds = get_progression_settings().stride_seconds
    for week, target in zip(solved.block.weeks, solved.block.progression, strict=True):
        for s in week.sessions:
            if s.kind is Kind.plyo:
                need = plyo_minutes(s.drills, strides=target.strides,
                                    stride_seconds=stride_seconds)
                assert s.minutes == max(20, need)
                if s.contacts >= 110 and target.strides:
                    assert s.minutes > 25


def test_the_requested_minutes_are_a_floor():
    long_ask = solve(request([("easy", 30), {"kind": "plyo", "minutes": 45}],
                             availability=EVERY_EVENING))
    assert [s.minutes for s in long_ask.sessions if s.kind is Kind.plyo] == [45]
    short_ask = request([("easy", 30), {"kind": "plyo", "minutes": 10, "contacts": 110,
                                        "intensity": "moderate"}], availability=EVERY_EVENING)
    [plyo] = [s for s in WeekProblem.of(short_ask).specs if s.kind is Kind.plyo]
    assert plyo.minutes == plyo_minutes(list(plyo.drills)) > 10
    week = solve(short_ask)
    assert [s.minutes for s in week.sessions if s.kind is Kind.plyo] == [plyo.minutes]


# --- one starting intensity -------------------------------------------------------------
@pytest.mark.parametrize("level", ["beginner", "intermediate", "advanced"])
def test_plan_and_block_start_a_runner_on_the_same_drills(level):
    # before: `plan` started an intermediate on moderate drills, `block` on low
    runner = {"name": "Same", "level": level, "timezone": "Europe/Berlin"}
    single = solve(request([("easy", 40), ("plyo", 20)], runner=runner,
                           availability=EVERY_EVENING))
    [plyo] = [s for s in single.sessions if s.kind is Kind.plyo]
    first = plan_progression(level, 6, LEVELS[level].weekly_cap)[0]
    assert intensity_of([d.name for d in plyo.drills]) == first.intensity == "low"
    assert LEVEL_INTENSITY[level] == block_intensities(level)[0] == first.intensity


# --- property over random blocks --------------------------------------------------------
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runners(), st.integers(2, 6))
def test_every_block_session_is_whole_sets_within_its_high_dose(runner, weeks):
    try:
        solved = solve_block(runner, weeks, settings=get_settings())
    except RulesConflict:
        return
    most = HIGH_CONTACTS[runner.runner.level]
    for week, target in zip(solved.block.weeks, solved.block.progression, strict=True):
        assert_valid(week)
        plyos = [s for s in week.sessions if s.kind is Kind.plyo]
        assert sum(s.contacts for s in plyos) == target.contacts <= runner.contacts_cap
        if target.intensity == "high":
            assert target.contacts <= high_week_cap(runner.contacts_cap)
        for s in plyos:
            assert sum(d.sets * d.reps for d in s.drills) == s.contacts
            assert_whole_sets(s.drills)
            assert high_contacts(s.drills) <= most
