"""Pain and fatigue act on the week they are logged in, and protect the weeks after.

Each test starts from a real plan of a real example and a log written the way `plyoplan
log` writes it; every schedule goes through the oracle.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.cli import main
from scheduler.core.domain import AREAS, Kind, PlannedSession, Request, Schedule
from scheduler.core.drills import INTENSITIES, drill_library, intensity_of
from scheduler.core.io import load_request
from scheduler.core.log import TrainingLog, entry_for
from scheduler.core.pain import PHYSIO_ADVICE
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.core.strength import strength_library
from scheduler.model.solve import plan_week
from scheduler.replan.after_pain import replan_with_log
from tests.oracle import assert_valid
from tests.strategies import requests

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def ana_request() -> Request:
    """Ana's week with free time that fixes its shape (examples/sore_achilles.json):
    tempo Wednesday evening, easy Friday morning, long run Saturday, easy run + plyo
    Sunday."""
    return load_request(EXAMPLES / "sore_achilles.json")


@pytest.fixture(scope="module")
def week() -> Schedule:
    schedule = plan_week(WeekProblem.of(ana_request()))
    assert_valid(schedule)
    assert [(s.start.strftime("%a"), s.kind.value) for s in schedule.sessions] == [
        ("Wed", "tempo"), ("Fri", "easy"), ("Sat", "long"), ("Sun", "easy"), ("Sun", "plyo")]
    return schedule


def session(schedule: Schedule, kind: str, number: int = 1) -> PlannedSession:
    of_kind = sorted((s for s in schedule.sessions if s.kind.value == kind),
                     key=lambda s: s.start)
    return of_kind[number - 1]


def by_id(schedule: Schedule) -> dict[str, PlannedSession]:
    return {s.id: s for s in schedule.sessions}


def loads(names: list[str]) -> set[str]:
    library = {**drill_library(), **strength_library()}
    return {area for name in names for area in library[name].loads}


def after(s: PlannedSession, minutes: int = 120) -> datetime:
    return s.start + timedelta(minutes=minutes)


def replanned(schedule: Schedule, log: TrainingLog, at: datetime) -> Schedule:
    result = replan_with_log(schedule, log, at=at, settings=get_settings())
    assert_valid(result)
    return result


# --- severe pain: this week, at once ---------------------------------------------------
def test_sharp_pain_takes_the_jumping_out_of_this_week_and_calms_the_next_48_hours(week):
    friday = session(week, "easy", 1)  # Fri 06:00
    log = TrainingLog().record(entry_for(friday, rpe=6, discomfort=8,
                                         note="sharp pain left Achilles"))
    result = replanned(week, log, after(friday))
    now = by_id(result)
    long_run, plyo = session(week, "long"), session(week, "plyo")
    # the long run on Saturday is within 48 h: an easy run of the same length, same time
    assert (now[long_run.id].kind, now[long_run.id].key) == (Kind.easy, False)
    assert now[long_run.id].minutes == long_run.minutes
    assert now[long_run.id].start == long_run.start
    # no jumping: Sunday's plyo session is strength work that spares the Achilles
    swapped = now[plyo.id]
    assert swapped.kind is Kind.strength and swapped.contacts == 0
    assert swapped.drills and "achilles" not in loads([d.name for d in swapped.drills])
    assert swapped.sequence == plyo.sequence + 1
    assert PHYSIO_ADVICE in swapped.note
    assert any(PHYSIO_ADVICE in line and "achilles" in line for line in result.advice)
    kinds = {c["session"]: c["change"] for c in result.changes}
    assert kinds == {long_run.id: "made_easy", plyo.id: "swapped"}
    # what happened before the re-plan did not move
    for s in week.sessions:
        if s.start < after(friday):
            assert (now[s.id].start, now[s.id].kind) == (s.start, s.kind)


def test_applying_the_same_log_twice_changes_nothing_the_second_time(week):
    friday = session(week, "easy", 1)
    log = TrainingLog().record(entry_for(friday, rpe=6, discomfort=8, note="sharp pain"))
    once = replanned(week, log, after(friday))
    twice = replanned(once, log, after(friday))
    assert twice.sessions == once.sessions
    assert twice.changes == [] and twice.advice == once.advice


def test_a_runners_words_alone_make_pain_severe():
    """'Knee pain from km 12, limped home' at 8/10 is severe without the word sharp."""
    schedule = plan_week(WeekProblem.of(ana_request()))
    tempo = session(schedule, "tempo")
    log = TrainingLog().record(entry_for(tempo, rpe=7, discomfort=3,
                                         note="Knee pain from km 12, limped home"))
    result = replanned(schedule, log, after(tempo))
    plyo = by_id(result)[session(schedule, "plyo").id]
    assert plyo.kind is Kind.strength
    assert "knee" not in loads([d.name for d in plyo.drills])
    assert any("knee" in line for line in result.advice)


# --- pain below severe: eased, without the sore area -------------------------------------
@pytest.mark.parametrize("note, area, expected_area", [
    ("achilles sore and stiff", None, "achilles"),
    ("shin splints flaring", None, "shin"),
    ("niggle", "knee", "knee"),
])
def test_pain_eases_this_weeks_plyo_session_without_the_sore_areas_drills(
        week, note, area, expected_area):
    tempo = session(week, "tempo")  # Wed evening
    log = TrainingLog().record(entry_for(tempo, rpe=6, discomfort=3, note=note, area=area))
    result = replanned(week, log, after(tempo))
    plyo_before = session(week, "plyo")
    eased = by_id(result)[plyo_before.id]
    assert eased.kind is Kind.plyo
    assert 0 < eased.contacts <= int(plyo_before.contacts * 0.7)
    assert eased.contacts == sum(d.sets * d.reps for d in eased.drills)
    names = [d.name for d in eased.drills]
    assert expected_area not in loads(names)
    before_class = intensity_of([d.name for d in plyo_before.drills])
    assert (INTENSITIES.index(intensity_of(names))
            <= max(0, INTENSITIES.index(before_class) - 1))
    [change] = result.changes
    assert change["change"] == "eased" and change["session"] == plyo_before.id
    assert expected_area in change["text"] and "eased" in change["text"]
    assert f"{eased.contacts} contacts instead of {plyo_before.contacts}" in change["text"]
    assert result.advice == []  # no physiotherapist for a niggle
    # the long run stays a long run: only severe pain calms the key runs
    assert by_id(result)[session(week, "long").id].kind is Kind.long


def test_pain_logged_after_a_run_counts_like_pain_after_plyometrics(week):
    """Runs are logged too: an easy run that hurt eases the plyo session after it."""
    friday = session(week, "easy", 1)
    log = TrainingLog().record(entry_for(friday, rpe=4, discomfort=5, area="calf"))
    result = replanned(week, log, after(friday))
    assert by_id(result)[session(week, "plyo").id].contacts < session(week, "plyo").contacts


# --- fatigue: any session's effort -------------------------------------------------------
def test_two_very_hard_runs_within_three_days_swap_the_next_plyo_for_strength(week):
    tempo, friday = session(week, "tempo"), session(week, "easy", 1)
    one = TrainingLog().record(entry_for(tempo, rpe=10, discomfort=0))
    assert replanned(week, one, after(tempo)).changes == []  # one hard run is training
    two = one.record(entry_for(friday, rpe=8, discomfort=0))
    result = replanned(week, two, after(friday))
    plyo = by_id(result)[session(week, "plyo").id]
    assert plyo.kind is Kind.strength and plyo.drills
    assert "Fatigue" in plyo.note and "RPE 10" in plyo.note and "very hard" in plyo.note
    assert [c["change"] for c in result.changes] == ["swapped"]
    assert result.advice == []


# --- the week after, from the CLI --------------------------------------------------------
def test_plan_with_a_log_after_severe_pain_has_no_jumping_and_an_easy_monday(tmp_path, capsys):
    data = json.loads((EXAMPLES / "office_worker.json").read_text())
    data.update(week_start="2026-12-07", context={"day_before": "easy", "day_after": None})
    data["availability"]["mon"] = [["18:30", "21:00"]]
    data["sessions"] = [{"kind": "easy", "minutes": 40}, {"kind": "easy", "minutes": 45},
                        {"kind": "tempo", "minutes": 50}, {"kind": "plyo", "minutes": 20}]
    data["preferences"] = {"time_of_day": {"tempo": "evening"}}
    data["busy"] = []
    for day in ("tue", "wed", "thu", "fri", "sat", "sun"):  # the tempo can only be Monday
        data["availability"][day] = [["06:00", "07:45"]]
    request = tmp_path / "next.json"
    request.write_text(json.dumps(data))
    log = tmp_path / "log.json"
    log.write_text(TrainingLog(entries=[entry_for(
        PlannedSession(id="ana-sun-long", kind=Kind.long, key=True,
                       start=datetime.fromisoformat("2026-12-06T08:00:00+01:00"),
                       end=datetime.fromisoformat("2026-12-06T09:40:00+01:00")),
        rpe=8, discomfort=8, note="Knee pain from km 12, limped home")]).model_dump_json())
    out = tmp_path / "week.json"
    assert main(["plan", str(request), "--log", str(log), "--json", str(out)]) == 0
    said = capsys.readouterr().out
    schedule = Schedule.model_validate_json(out.read_text())
    assert_valid(schedule)
    assert not [s for s in schedule.sessions if s.kind is Kind.plyo]
    assert [s.kind for s in schedule.sessions].count(Kind.strength) == 1
    monday = [s for s in schedule.sessions if s.start.date().isoformat() == "2026-12-07"]
    assert [s.kind for s in monday] == [Kind.easy]  # the tempo, calmed: within 48 h
    assert "easy run of the same length" in monday[0].note
    assert any(c["change"] == "made_easy" for c in schedule.changes)
    assert PHYSIO_ADVICE in said and "knee" in said


def test_replan_log_cli_prints_what_changed_and_the_advice(tmp_path, capsys):
    week_file, request = tmp_path / "week.json", tmp_path / "ana.json"
    request.write_text(ana_request().model_dump_json(exclude_defaults=True))
    assert main(["plan", str(request), "--json", str(week_file)]) == 0
    schedule = Schedule.model_validate_json(week_file.read_text())
    friday = session(schedule, "easy", 1)
    capsys.readouterr()
    assert main(["log", str(week_file), friday.id, "--rpe", "6", "--discomfort", "8",
                 "--area", "achilles", "--note", "sharp"]) == 0
    said = capsys.readouterr().out
    assert f"plyoplan replan {week_file} --log" in said and PHYSIO_ADVICE in said
    out = tmp_path / "after.json"
    at = after(friday).isoformat()
    assert main(["replan", str(week_file), "--log", str(tmp_path / "log.json"), "--at", at,
                 "--json", str(out)]) == 0
    said = capsys.readouterr().out
    assert "What changed:" in said and "→ strength session" in said and PHYSIO_ADVICE in said
    assert_valid(Schedule.model_validate_json(out.read_text()))


def test_log_rejects_an_unknown_area_with_a_sentence(tmp_path, capsys):
    week_file = tmp_path / "week.json"
    assert main(["plan", str(EXAMPLES / "office_worker.json"), "--json", str(week_file)]) == 0
    sid = Schedule.model_validate_json(week_file.read_text()).sessions[0].id
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(["log", str(week_file), sid, "--rpe", "5", "--discomfort", "5",
              "--area", "elbow"])
    assert stopped.value.code == 2
    assert "--area" in capsys.readouterr().err
    assert not (tmp_path / "log.json").exists()


# --- any week, any pain ------------------------------------------------------------------
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(), st.data())
def test_pain_logged_mid_week_never_leaves_a_sore_area_drill_or_a_heavier_dose(request, data):
    schedule = plan_week(WeekProblem.of(request))
    if schedule.status not in ("optimal", "feasible") or len(schedule.sessions) < 2:
        return
    ordered = sorted(schedule.sessions, key=lambda s: s.start)
    logged = data.draw(st.sampled_from(ordered[:-1]), label="logged")
    area = data.draw(st.sampled_from(AREAS), label="area")
    discomfort = data.draw(st.integers(4, 10), label="discomfort")
    log = TrainingLog().record(entry_for(logged, rpe=6, discomfort=discomfort, area=area))
    at = logged.end
    result = replanned(schedule, log, at)
    before = by_id(schedule)
    for s in result.sessions:
        was = before[s.id]
        if was.start < at:  # what already happened stays as it was
            assert (s.start, s.kind, s.contacts) == (was.start, was.kind, was.contacts)
            continue
        if s.kind is Kind.plyo and s.status == "planned":
            assert discomfort < 7  # severe pain leaves no jumping in the week
            assert area not in loads([d.name for d in s.drills])
            assert s.contacts <= int(was.contacts * 0.7)
        if discomfort >= 7 and was.kind in (Kind.tempo, Kind.hill, Kind.long) \
                and was.start < logged.start + timedelta(hours=48):
            assert s.kind is Kind.easy
    assert (result.advice != []) == (discomfort >= 7 and any(
        before[s.id].start >= at for s in result.sessions))
