"""The training log: what gets logged, how the next plan reads it, and the `log` command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.block.plan import BlockPlan, solve_block
from scheduler.block.training_log import (
    LogEntry,
    TrainingLog,
    apply_log,
    is_pain_note,
    load_log,
    save_log,
    verdict,
)
from scheduler.cli import main
from scheduler.core.domain import LEVELS, Kind, Request
from scheduler.core.drills import INTENSITIES, LEVEL_INTENSITY, drill_library
from scheduler.core.errors import BadRequest
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import session_specs
from scheduler.core.settings import get_settings
from scheduler.core.week import Week
from scheduler.model.solve import plan_week
from tests.oracle import assert_valid
from tests.strategies import requests
from tests.test_block import assert_block_valid

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RANK = {name: i for i, name in enumerate(INTENSITIES)}


def entry(start: datetime, *, kind: str = "plyo", rpe: int = 5, discomfort: int = 0,
          note: str = "", intensity: str | None = "low", contacts: int = 80,
          area: str | None = None) -> LogEntry:
    return LogEntry(session=f"s-{start.isoformat()}", kind=Kind(kind), start=start,
                    drills=["pogo hops"], intensity=intensity if kind == "plyo" else None,
                    contacts=contacts if kind == "plyo" else 0, rpe=rpe,
                    discomfort=discomfort, note=note, area=area,
                    logged_at=start + timedelta(hours=2))


def verdict_for(log: TrainingLog, request: Request):
    return verdict(log, Week(request.week_start, request.tz).origin,
                   timezone=request.runner.timezone)


def the_week_before(request: Request, days_before: int = 3) -> datetime:
    return Week(request.week_start, request.tz).origin - timedelta(days=days_before)


def plyo_doses(request: Request) -> list[tuple[int, str]]:
    level = request.runner.level
    return [(LEVELS[level].contacts_low if w.contacts is None else w.contacts,
             w.intensity or LEVEL_INTENSITY[level])
            for w in request.sessions if w.kind is Kind.plyo]


# --- notes and verdicts ---------------------------------------------------------------
@pytest.mark.parametrize("note, pain", [
    ("calves tight", False), ("sharp pain in the left shin", True), ("no pain at all", False),
    ("pain-free today", False), ("knee hurts going downstairs", True),
    ("achilles a bit swollen", True), ("felt great, not painful", False),
    ("Ankle ACHE after bounding", True), ("headache from work", False), ("", False),
    ("Achilles sore and stiff", True), ("shin splints flaring", True),
    ("niggle in my knee", True), ("legs fresh, no soreness", False),
])
def test_a_pain_note_is_told_apart_from_an_ordinary_one(note, pain):
    assert is_pain_note(note) is pain


def test_old_pain_holds_until_two_pain_free_plyo_sessions_and_the_week_itself_does_not_count():
    request = load_request(EXAMPLES / "office_worker.json")
    origin = Week(request.week_start, request.tz).origin
    old = entry(origin - timedelta(days=12), discomfort=5)
    inside = entry(origin + timedelta(days=1), discomfort=8)  # in the week itself
    assert verdict_for(TrainingLog(entries=[old, inside]), request).action == "ease"
    free = [entry(origin - timedelta(days=d), discomfort=1) for d in (9, 6)]
    assert verdict_for(TrainingLog(entries=[old, *free, inside]), request) is None
    recent = entry(origin - timedelta(days=2), discomfort=8)
    assert verdict_for(TrainingLog(entries=[old, *free, recent]), request).action == "rest"


@pytest.mark.parametrize("fields, action", [
    ({"discomfort": 3}, None), ({"discomfort": 4}, "ease"), ({"discomfort": 6}, "ease"),
    ({"discomfort": 7}, "rest"), ({"discomfort": 1, "note": "sharp pain"}, "rest"),
    ({"discomfort": 2, "note": "niggle in my knee"}, "ease"),
    ({"rpe": 8}, "hold"), ({"rpe": 9, "discomfort": 5}, "ease"),
    ({"kind": "easy", "discomfort": 5}, "ease"), ({"kind": "easy", "rpe": 9}, None),
])
def test_the_verdict_follows_discomfort_pain_notes_and_effort(fields, action):
    request = load_request(EXAMPLES / "office_worker.json")
    log = TrainingLog(entries=[entry(the_week_before(request), **fields)])
    found = verdict_for(log, request)
    assert (found.action if found else None) == action


# --- apply_log ------------------------------------------------------------------------
def test_no_log_leaves_the_request_and_the_plan_unchanged():
    request = load_request(EXAMPLES / "office_worker.json")
    adjusted, reasons = apply_log(request, TrainingLog())
    assert adjusted == request and reasons == []
    calm = TrainingLog(entries=[entry(the_week_before(request), rpe=5, discomfort=1)])
    assert apply_log(request, calm) == (request, [])


def first_plyo(schedule):
    return min((s for s in schedule.sessions if s.kind is Kind.plyo), key=lambda s: s.start)


def test_logged_pain_lowers_the_next_plyo_session_and_says_why():
    request = load_request(EXAMPLES / "office_worker.json")
    log = TrainingLog(entries=[entry(the_week_before(request), discomfort=5,
                                     note="calves tight", intensity="moderate")])
    adjusted, reasons = apply_log(request, log)
    before, after = plan_week(WeekProblem.of(request)), plan_week(WeekProblem.of(adjusted))
    assert_valid(before)
    assert_valid(after)
    planned, eased = first_plyo(before), first_plyo(after)
    assert eased.contacts == int(planned.contacts * 0.7) < planned.contacts
    library = drill_library()
    assert {library[d.name].intensity for d in eased.drills} == {"low"}
    text = " ".join(reasons)
    assert "discomfort 5/10" in text and "calves tight" in text
    assert f"{eased.contacts} instead of {planned.contacts}" in text


def test_discomfort_of_seven_means_no_jumping_next_week_and_strength_work_instead():
    request = load_request(EXAMPLES / "advanced_two_plyo.json")
    log = TrainingLog(entries=[entry(the_week_before(request), discomfort=7, area="shin")])
    adjusted, reasons = apply_log(request, log)
    assert plyo_doses(adjusted) == []
    strength = [w for w in adjusted.sessions if w.kind is Kind.strength]
    assert len(strength) == len(plyo_doses(request)) == 2
    assert all(w.avoid == ["shin"] for w in strength)
    assert "see a physiotherapist before jumping again" in " ".join(reasons)
    schedule = plan_week(WeekProblem.of(adjusted))
    assert_valid(schedule)
    assert not [s for s in schedule.sessions if s.kind is Kind.plyo]
    # The sessions keep the ids they had, so calendars update rather than duplicate.
    assert sorted(s.id[-6:] for s in schedule.sessions if s.kind is Kind.strength) == [
        "plyo-1", "plyo-2"]


def test_a_very_hard_session_holds_the_dose_where_it_was():
    request = load_request(EXAMPLES / "office_worker.json")
    harder = request.model_copy(update={"sessions": [
        w.model_copy(update={"contacts": 110, "intensity": "high"}) if w.kind is Kind.plyo
        else w for w in request.sessions]})
    log = TrainingLog(entries=[entry(the_week_before(request), rpe=9, contacts=90,
                                     intensity="moderate")])
    adjusted, reasons = apply_log(harder, log)
    assert plyo_doses(adjusted) == [(90, "moderate")]
    text = " ".join(reasons)
    assert "RPE 9/10" in text and "instead of stepping up" in text


def test_giving_up_the_only_session_of_a_plyo_only_week_is_a_clear_error():
    data = json.loads((EXAMPLES / "beginner.json").read_text())
    data["sessions"] = [{"kind": "plyo", "minutes": 15, "contacts": 1}]
    request = Request.model_validate(data)
    log = TrainingLog(entries=[entry(the_week_before(request), discomfort=5)])
    with pytest.raises(BadRequest, match="nothing left to plan"):
        apply_log(request, log)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(), st.integers(0, 10), st.booleans(), st.sampled_from(INTENSITIES),
       st.integers(1, 6))
def test_logged_pain_always_lowers_every_plyo_dose_of_the_next_week(
        request, discomfort, pain_note, logged_class, days_before):
    if discomfort < 4 and not pain_note:
        discomfort = 4
    note = "twinge in the achilles" if pain_note else ""
    log = TrainingLog(entries=[entry(the_week_before(request, days_before),
                                     discomfort=discomfort, note=note,
                                     intensity=logged_class)])
    planned = plyo_by_id(request)
    try:
        adjusted, reasons = apply_log(request, log)
    except BadRequest:
        assert all(w.kind is Kind.plyo for w in request.sessions)
        return
    assert reasons
    if not planned:
        assert adjusted == request
        return
    after = plyo_by_id(adjusted)
    assert set(after) <= set(planned)
    if discomfort >= 7:  # no jumping: strength work in place of each plyo session
        assert after == {}
        assert sum(w.kind is Kind.strength for w in adjusted.sessions) == len(planned) + sum(
            w.kind is Kind.strength for w in request.sessions)
        return
    for w in adjusted.sessions:
        if w.kind is Kind.plyo and pain_note:
            assert "achilles" in w.avoid
    for sid, (contacts, cls) in after.items():
        was, was_cls = planned[sid]
        assert contacts < was
        assert RANK[cls] <= RANK[was_cls]
        assert RANK[cls] <= max(0, RANK[logged_class] - 1) or RANK[cls] == RANK[was_cls] == 0
    assert [w for w in adjusted.sessions if w.kind is not Kind.plyo] == [
        w for w in request.sessions if w.kind is not Kind.plyo]


def test_a_log_entry_knows_where_it_hurt():
    start = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert entry(start, area="knee").area == "knee"
    with pytest.raises(ValueError, match="area"):
        LogEntry.model_validate({**entry(start).model_dump(), "area": "elbow"})


def plyo_by_id(request: Request) -> dict[str, tuple[int, str]]:
    """Each plyo session's (contacts, class) by the id the planner gives it."""
    classes = [w.intensity or LEVEL_INTENSITY[request.runner.level]
               for w in request.sessions if w.kind is Kind.plyo]
    specs = [s for s in session_specs(request) if s.kind is Kind.plyo]
    return {s.id: (s.contacts, cls) for s, cls in zip(specs, classes, strict=True)}


# --- the block reads the log ------------------------------------------------------------
def test_pain_logged_in_a_block_week_eases_the_following_week_only():
    request = load_request(EXAMPLES / "office_worker.json")
    plain = solve_block(request, 6, settings=get_settings()).block
    week_two = plain.weeks[1]
    logged = first_plyo(week_two)
    log = TrainingLog(entries=[entry(logged.start, discomfort=5, note="shin ache",
                                     intensity="low", contacts=logged.contacts)])
    solved = solve_block(request, 6, log=log, settings=get_settings())
    assert_block_valid(solved, request)
    eased = solved.block
    assert [t.contacts for t in eased.progression[:2]] == [
        t.contacts for t in plain.progression[:2]]
    assert eased.progression[2].adjusted == "ease"
    assert eased.progression[2].contacts < plain.progression[2].contacts
    assert all(d.intensity == "low" for d in eased.progression[2].doses)
    assert any("shin ache" in n for n in eased.progression[2].notes)
    assert solve_block(request, 6, log=TrainingLog(), settings=get_settings()).block == plain


# --- files and the CLI ------------------------------------------------------------------
def test_a_log_survives_a_round_trip_and_a_relogged_session_replaces_its_entry(tmp_path):
    start = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    log = TrainingLog().record(entry(start, rpe=6)).record(entry(start, rpe=8))
    assert [e.rpe for e in log.entries] == [8]
    path = tmp_path / "log.json"
    save_log(path, log)
    assert load_log(path) == log
    assert load_log(tmp_path / "new.json", missing_ok=True) == TrainingLog()
    with pytest.raises(BadRequest, match="not found"):
        load_log(tmp_path / "new.json")
    path.write_text('{"entries": [{"session": "x"}]}')
    with pytest.raises(BadRequest, match=str(path)):
        load_log(path)


@pytest.fixture()
def block_file(tmp_path):
    out = tmp_path / "block.json"
    assert main(["block", str(EXAMPLES / "office_worker.json"), "--weeks", "3",
                 "--json", str(out)]) == 0
    return out


def test_cli_log_then_plan_and_block_adapt(block_file, capsys):
    block = BlockPlan.model_validate_json(block_file.read_text())
    session = first_plyo(block.weeks[0])
    code = main(["log", str(block_file), session.id, "--rpe", "7", "--discomfort", "5",
                 "--note", "calves tight"])
    printed = capsys.readouterr().out
    assert code == 0
    log_path = block_file.parent / "log.json"
    log = load_log(log_path)
    assert [(e.session, e.rpe, e.discomfort, e.note) for e in log.entries] == [
        (session.id, 7, 5, "calves tight")]
    assert log.entries[0].drills == list(dict.fromkeys(d.name for d in session.drills))
    assert "eases next week's plyo sessions" in printed
    # The next week's plan, read through apply_log, is lighter than the block's week 2.
    next_week = block.weeks[1].request
    adjusted, reasons = apply_log(next_week, log)
    assert reasons and plyo_doses(adjusted) != plyo_doses(next_week)
    out = block_file.parent / "again.json"
    assert main(["block", str(EXAMPLES / "office_worker.json"), "--weeks", "3",
                 "--log", str(log_path), "--json", str(out)]) == 0
    again = BlockPlan.model_validate_json(out.read_text())
    assert again.progression[1].contacts < block.progression[1].contacts


@pytest.mark.parametrize("args, said", [
    (["--rpe", "0", "--discomfort", "2"], "--rpe"),
    (["--rpe", "5", "--discomfort", "11"], "--discomfort"),
    (["--rpe", "5", "--discomfort", "1", "--drill", "moon jumps"], "--drill"),
])
def test_cli_log_rejects_out_of_range_values_with_a_sentence(block_file, args, said, capsys):
    block = BlockPlan.model_validate_json(block_file.read_text())
    sid = block.weeks[0].sessions[0].id
    assert main(["log", str(block_file), sid, *args]) == 2
    assert said in capsys.readouterr().err
    assert not (block_file.parent / "log.json").exists()


def test_cli_log_names_the_sessions_when_the_id_is_unknown(block_file, capsys):
    assert main(["log", str(block_file), "no-such-session", "--rpe", "5",
                 "--discomfort", "0"]) == 2
    err = capsys.readouterr().err
    assert "no-such-session" in err and "its sessions include" in err


def test_cli_log_accepts_a_single_week_schedule_and_an_explicit_log_path(tmp_path):
    week = tmp_path / "week.json"
    assert main(["plan", str(EXAMPLES / "beginner.json"), "--json", str(week)]) == 0
    sid = json.loads(week.read_text())["sessions"][0]["id"]
    log_path = tmp_path / "mine" / "training.json"
    log_path.parent.mkdir()
    assert main(["log", str(week), sid, "--rpe", "4", "--discomfort", "0",
                 "--log", str(log_path)]) == 0
    assert load_log(log_path).entries[0].session == sid
