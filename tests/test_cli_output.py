"""What the commands say around the plan: which files they wrote, footnotes only for what
is shown, and training-log sentences that match what changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
OFFICE_WORKER = str(EXAMPLES / "office_worker.json")
TEMPO = "ana-2026-11-30-tempo-1"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# --- which files were written -----------------------------------------------------------

def test_plan_says_which_files_it_wrote_on_stderr(capsys):
    assert main(["plan", OFFICE_WORKER]) == 0
    table = capsys.readouterr().out
    assert main(["plan", OFFICE_WORKER, "--json", "week.json", "--ics", "week.ics"]) == 0
    out, err = capsys.readouterr()
    assert out == table  # stdout stays the plan, as the README shows it
    assert err == "Wrote week.json (schedule) and week.ics (calendar).\n"
    assert Path("week.json").is_file() and Path("week.ics").is_file()


def test_plan_writing_nothing_says_nothing_about_files(capsys):
    assert main(["plan", OFFICE_WORKER]) == 0
    assert capsys.readouterr().err == ""


def test_a_week_that_cannot_fit_says_its_json_was_written_but_no_calendar(capsys):
    assert main(["plan", str(EXAMPLES / "infeasible_week.json"), "--json", "week.json",
                 "--ics", "week.ics"]) == 3
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "Wrote week.json (schedule)."
    assert err[1].startswith("plyoplan: The coaching rules cannot all be met")
    assert not Path("week.ics").exists()


def test_replan_says_which_files_it_wrote(capsys):
    assert main(["plan", OFFICE_WORKER, "--json", "week.json"]) == 0
    capsys.readouterr()
    assert main(["replan", "week.json", "--missed", TEMPO, "--at", "2026-12-03T20:00",
                 "--json", "week2.json", "--ics", "week2.ics"]) == 0
    assert capsys.readouterr().err == "Wrote week2.json (schedule) and week2.ics (calendar).\n"


def test_block_says_which_files_it_wrote(capsys):
    assert main(["block", OFFICE_WORKER, "--weeks", "2", "--json", "block.json",
                 "--ics", "block.ics"]) == 0
    assert capsys.readouterr().err == "Wrote block.json (2-week block) and block.ics (calendar).\n"


# --- the block's lighter-week footnote --------------------------------------------------

def test_block_without_a_lighter_week_has_no_lighter_week_footnote(capsys):
    assert main(["block", OFFICE_WORKER, "--weeks", "2"]) == 0
    out = capsys.readouterr().out
    assert "*" not in out
    assert "lighter week" not in out


def test_block_with_a_lighter_week_explains_its_star(capsys):
    assert main(["block", OFFICE_WORKER, "--weeks", "4"]) == 0
    out = capsys.readouterr().out
    assert "low*" in out
    assert "* lighter week: technique only" in out.splitlines()


# --- training-log sentences -------------------------------------------------------------

def painful_log(intensity: str) -> str:
    """A log with discomfort 5 after last Sunday's plyo session done at `intensity`."""
    Path("log.json").write_text(json.dumps({"entries": [{
        "session": "ana-2026-11-23-plyo-1", "kind": "plyo",
        "start": "2026-11-29T09:00:00+01:00", "contacts": 80, "intensity": intensity,
        "rpe": 6, "discomfort": 5, "note": "calves tight",
        "logged_at": "2026-11-29T10:00:00+01:00"}]}))
    return "log.json"


def log_sentences(capsys, request: str, log: str) -> str:
    assert main(["plan", request, "--log", log]) == 0
    out = capsys.readouterr().out
    return " ".join(out.split("From your training log:")[1].split())


def beginner() -> str:
    data = json.loads((EXAMPLES / "office_worker.json").read_text())
    data["runner"]["level"] = "beginner"  # plans low intensity from the start
    Path("beginner.json").write_text(json.dumps(data))
    return "beginner.json"


def moderate_week() -> str:
    """Ana's week with moderate drills asked for (a single week starts on low ones)."""
    data = json.loads((EXAMPLES / "office_worker.json").read_text())
    data["sessions"] = [{**s, "intensity": "moderate"} if s["kind"] == "plyo" else s
                        for s in data["sessions"]]
    Path("moderate.json").write_text(json.dumps(data))
    return "moderate.json"


def test_pain_after_moderate_plyo_drops_the_next_session_to_low(capsys):
    said = log_sentences(capsys, moderate_week(), painful_log("moderate"))
    assert ("The next plyo session drops to low intensity with 30% fewer contacts "
            "(56 instead of 80), without drills that load your calf.") in said


def test_pain_after_low_plyo_does_not_say_the_intensity_drops(capsys):
    said = log_sentences(capsys, moderate_week(), painful_log("low"))
    assert "drops" not in said
    assert ("The next plyo session stays at low intensity instead of stepping up to "
            "moderate, with 30% fewer contacts (56 instead of 80), without drills that load "
            "your calf.") in said


def test_pain_when_low_was_the_plan_only_the_contacts_fall(capsys):
    said = log_sentences(capsys, beginner(), painful_log("low"))
    assert "drops" not in said
    assert ("The next plyo session stays at low intensity, with 30% fewer contacts "
            "(42 instead of 60), without drills that load your calf.") in said
