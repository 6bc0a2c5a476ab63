"""The drill library and the week-by-week progression of a block (no solver needed)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from scheduler.block.progression import (
    Adjustment,
    LevelProgression,
    ProgressionSettings,
    WeekTarget,
    plan_progression,
)
from scheduler.core.drills import (
    INTENSITIES,
    LEVEL_INTENSITY,
    choose_drills,
    default_drills,
    drill_library,
    drills_of,
    intensity_of,
    plyo_description,
    plyo_drills,
)
from scheduler.core.pain import PainSettings

RANK = {name: i for i, name in enumerate(INTENSITIES)}
LEVELS = ["beginner", "intermediate", "advanced"]
CAPS = {"beginner": 120, "intermediate": 220, "advanced": 280}


# --- the drill library ----------------------------------------------------------------
def test_the_library_holds_the_drills_of_each_intensity_class():
    names = {cls: {d.name for d in drills_of(cls)} for cls in INTENSITIES}
    assert names["low"] == {"pogo hops", "ankle hops", "skipping", "line hops"}
    assert names["moderate"] == {"bounding", "hurdle hops", "split jumps", "box jumps",
                                 "single-leg hops in place"}
    assert names["high"] == {"depth jumps", "single-leg bounding", "weighted pogo"}
    for drill in drill_library().values():
        assert drill.cues and drill.surface
        assert drill.set_contacts % drill.contacts_per_rep == 0


@given(st.sampled_from(LEVELS), st.integers(0, 400),
       st.sampled_from([None, *INTENSITIES]), st.integers(0, 3000))
def test_drill_sets_add_up_to_exactly_the_sessions_contacts(level, contacts, cls, weeks):
    # whole sets only: a dose of a few sets is met exactly, a tiny or huge one rounded down
    monday = date(2001, 1, 1) + timedelta(weeks=weeks)
    drills = plyo_drills(level, contacts, cls, monday)
    dealt = sum(d.sets * d.reps for d in drills)
    assert dealt == contacts if 12 <= contacts <= 300 else dealt <= contacts
    library = drill_library()
    for d in drills:
        per_rep = library[d.name].contacts_per_rep
        assert d.reps % per_rep == 0, f"{d.name}: {d.reps} is not whole reps of {per_rep}"
    wanted = cls or LEVEL_INTENSITY[level]
    if contacts >= 12:
        assert intensity_of([d.name for d in drills]) == wanted


@given(st.sampled_from(INTENSITIES), st.integers(0, 3000), st.integers(10, 400))
def test_consecutive_weeks_never_get_the_same_drill_list(cls, weeks, contacts):
    # From one full set (10 contacts at most) the week's rotating first drill gets a set.
    monday = date(2001, 1, 1) + timedelta(weeks=weeks)
    this_week = [d.name for d in plyo_drills("advanced", contacts, cls, monday)]
    next_week = [d.name for d in plyo_drills("advanced", contacts, cls,
                                             monday + timedelta(days=7))]
    assert this_week != next_week


def test_default_drills_keep_their_signature_and_start_every_level_on_low_drills():
    drills = default_drills("beginner", 60)
    assert sum(d.sets * d.reps for d in drills) == 60
    assert all(drill_library()[d.name].intensity == "low" for d in drills)
    assert intensity_of([d.name for d in default_drills("intermediate", 80)]) == "low"


def test_harder_sessions_open_with_a_low_primer_then_their_hardest_drills():
    assert [d.intensity for d in choose_drills("high")] == ["low", "high", "high", "moderate"]
    assert [d.intensity for d in choose_drills("moderate")] == ["low", "moderate", "moderate"]


def test_the_session_text_has_warm_up_cues_surface_and_strides():
    drills = plyo_drills("advanced", 90, "high", date(2026, 11, 30))
    text = plyo_description(drills, strides=5, stride_seconds=20)
    assert text.startswith("Warm-up")
    assert "5 x 20 s strides" in text
    for d in drills:
        assert drill_library()[d.name].cues in text
        assert f"Surface ({d.name})" in text
    assert "strides:" not in plyo_description(drills).lower()


# --- the progression ------------------------------------------------------------------
@st.composite
def shapes(draw) -> tuple[str, int, int, ProgressionSettings]:
    level = draw(st.sampled_from(LEVELS))
    weeks = draw(st.integers(1, 16))
    cap = draw(st.one_of(st.just(CAPS[level]), st.integers(20, 400)))
    s = ProgressionSettings(
        weekly_rise=draw(st.sampled_from([0.05, 0.1, 0.15])),
        deload_volume=draw(st.sampled_from([0.5, 0.6, 0.7])),
        round_to=draw(st.sampled_from([1, 5])),
    )
    if draw(st.booleans()):  # another deload rhythm for this level
        shape = s.levels[level].model_copy(update={"deload_every": draw(st.sampled_from([3, 4]))})
        s.levels[level] = shape
    return level, weeks, cap, s


def assert_sound(targets: list[WeekTarget], level: str, cap: int, s: ProgressionSettings,
                 max_sessions: int | None = None) -> None:
    shape = s.levels[level]
    last_build: int | None = None
    run = 0
    for t in targets:
        assert t.contacts == sum(d.contacts for d in t.doses) <= cap
        assert t.sessions + t.strength == len(t.doses) <= (max_sessions or shape.sessions_full)
        assert t.sessions == sum(not d.strength for d in t.doses)
        assert all(d.contacts <= shape.session_max for d in t.doses)
        if level == "beginner":
            assert all(d.intensity != "high" for d in t.doses)
        if t.deload:
            run = 0
            assert all(d.intensity == "low" for d in t.doses)
            assert last_build is not None
            assert t.contacts <= last_build * s.deload_volume + 1e-6
        else:
            run += 1
            assert run < shape.deload_every
            if last_build is not None:  # exactly the full rise is allowed
                assert t.contacts <= last_build * (1 + s.weekly_rise) + 1e-6
            if t.adjusted != "rest":  # a week without jumping is not a base to ramp from
                last_build = t.contacts


@settings(max_examples=200, deadline=None)
@given(shapes())
def test_any_progression_keeps_the_coaching_limits(shape):
    level, weeks, cap, s = shape
    targets = plan_progression(level, weeks, cap, settings=s)
    assert [t.week for t in targets] == list(range(1, weeks + 1))
    assert_sound(targets, level, cap, s)
    builds = [t for t in targets if not t.deload]
    ranks = [RANK[t.intensity] for t in builds]
    assert ranks == sorted(ranks)
    assert all(b - a <= 1 for a, b in zip(ranks, ranks[1:], strict=False))
    sessions = [t.sessions for t in targets if t.contacts]
    assert sessions == sorted(sessions)


def test_the_default_blocks_follow_the_design_table():
    beginner = plan_progression("beginner", 8, 120)
    assert beginner[0].sessions == 1 and beginner[0].contacts == 60
    assert beginner[-1].sessions == 2
    assert [t.deload for t in beginner] == [False, False, True] * 2 + [False, False]
    intermediate = plan_progression("intermediate", 8, 220)
    assert [t.deload for t in intermediate] == [False, False, False, True] * 2
    assert intermediate[0].contacts == 160 and max(t.contacts for t in intermediate) == 220
    assert [t.intensity for t in intermediate if not t.deload] == [
        "low", "low", "moderate", "moderate", "high", "high"]
    assert all(t.strides == 0 for t in intermediate[:4])
    assert all(4 <= t.strides <= 6 for t in intermediate[4:])


def test_every_week_says_why_it_looks_as_it_does():
    for t in plan_progression("intermediate", 8, 220):
        assert t.notes
        if t.deload:
            assert "Lighter week" in t.notes[0]


def test_no_log_means_the_same_progression():
    plain = plan_progression("advanced", 8, 280)
    assert plan_progression("advanced", 8, 280, adjustments={}) == plain


@settings(max_examples=100, deadline=None)
@given(shapes(), st.integers(0, 15), st.sampled_from(["ease", "rest"]),
       st.sampled_from([None, *INTENSITIES]))
def test_logged_pain_always_lowers_that_weeks_plyo_dose(shape, at, action, logged):
    level, weeks, cap, s = shape
    at %= weeks
    plain = plan_progression(level, weeks, cap, settings=s)
    eased = plan_progression(level, weeks, cap, settings=s, adjustments={
        at: Adjustment(action, "You logged pain.", logged, None)})
    assert eased[:at] == plain[:at]
    before, after = plain[at], eased[at]
    if before.contacts:
        assert after.contacts < before.contacts
        assert after.adjusted == action and "You logged pain." in after.notes
        for dose in after.doses:
            assert dose.contacts < before.doses[0].contacts
            assert RANK[dose.intensity] <= RANK[before.intensity]
        if action == "rest":  # no jumping: strength work in place of every plyo session
            assert (after.sessions, after.contacts) == (0, 0)
            assert after.strength == before.sessions
    assert_sound(eased, level, cap, s)


def test_high_effort_holds_the_next_week_instead_of_stepping_up():
    plain = plan_progression("intermediate", 8, 220)
    held = plan_progression("intermediate", 8, 220, adjustments={
        2: Adjustment("hold", "It felt very hard.", "low", 90)})
    assert plain[2].contacts > plain[1].contacts
    assert held[2].contacts == plain[1].contacts
    assert held[2].intensity == plain[1].intensity == "low"
    assert held[2].adjusted == "hold"


def test_after_an_eased_week_the_ramp_builds_on_what_was_prescribed():
    eased = plan_progression("intermediate", 3, 220, adjustments={
        1: Adjustment("ease", "Pain.", "low", 80)})
    assert eased[1].contacts == 2 * int(90 * 0.7)
    assert eased[2].contacts <= eased[1].contacts * 1.15


def test_progression_settings_reject_a_falling_intensity_order():
    with pytest.raises(ValidationError, match="rise"):
        LevelProgression(start_contacts=60, session_max=80, sessions_first=1, sessions_full=2,
                         deload_every=3, intensities=["moderate", "low"])
    with pytest.raises(ValidationError):
        ProgressionSettings(weekly_rise=0.3)
    with pytest.raises(ValidationError, match="advanced"):
        ProgressionSettings(levels={"beginner": ProgressionSettings().levels["beginner"],
                                    "intermediate": ProgressionSettings().levels["beginner"]})
    with pytest.raises(ValidationError, match="severe_discomfort"):
        PainSettings(pain_discomfort=6, severe_discomfort=5)


def test_progression_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PLYOPLAN_BLOCK_DELOAD_VOLUME", "0.5")
    s = ProgressionSettings()
    deload = plan_progression("intermediate", 4, 220, settings=s)[3]
    # 50% of week 3's 175 contacts (a high-intensity week: 80% of the 220 cap), in 5s
    assert deload.contacts == 85
