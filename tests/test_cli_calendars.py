"""Busy calendars on the command line: a path typed at the shell is read from the current
directory, a path inside a request from the request's folder, a missing file names the
absolute path tried, and `plyoplan busy` shows the week asked for and nothing around it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.core.domain import Schedule
from tests.calendar_text import event, ics

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# Busy from morning to night on the Wednesday, when the office worker's tempo run is.
WEDNESDAY_BUSY = ics(event("w", "Offsite", "DTSTART;TZID=Europe/Berlin:20261202T060000",
                           "DTEND;TZID=Europe/Berlin:20261202T230000"))


def busy_summaries(schedule_file: Path) -> set[str]:
    schedule = Schedule.model_validate_json(schedule_file.read_text())
    assert schedule.request is not None
    return {b.summary for b in schedule.request.busy}


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A request in one folder, the shell in another (each with its own work.ics)."""
    requests, shell = tmp_path / "requests", tmp_path / "shell"
    requests.mkdir()
    shell.mkdir()
    (requests / "week.json").write_text((EXAMPLES / "office_worker.json").read_text())
    monkeypatch.chdir(shell)
    return requests, shell


def test_plan_reads_a_relative_busy_path_from_the_current_directory(folders, capsys):
    requests, shell = folders
    (shell / "work.ics").write_bytes(WEDNESDAY_BUSY)
    assert main(["plan", str(requests / "week.json"), "--busy", "work.ics",
                 "--json", "out.json"]) == 0
    assert "Offsite" in busy_summaries(shell / "out.json")
    assert "Wed 02 Dec  18:30" not in capsys.readouterr().out  # the tempo moved off Wed


def test_block_reads_a_relative_busy_path_from_the_current_directory(folders):
    requests, shell = folders
    (shell / "work.ics").write_bytes(WEDNESDAY_BUSY)
    assert main(["block", str(requests / "week.json"), "--weeks", "2", "--busy", "work.ics",
                 "--json", "block.json"]) == 0
    first = json.loads((shell / "block.json").read_text())["weeks"][0]
    assert "Offsite" in {b["summary"] for b in first["request"]["busy"]}


def test_replan_reads_a_relative_busy_path_from_the_current_directory(folders, capsys):
    requests, shell = folders
    assert main(["plan", str(requests / "week.json"), "--json",
                 str(requests / "planned.json")]) == 0
    (shell / "work.ics").write_bytes(WEDNESDAY_BUSY)
    assert main(["replan", str(requests / "planned.json"), "--at", "2026-11-30T00:00",
                 "--busy", "work.ics", "--json", "replanned.json"]) == 0
    assert "Offsite" in busy_summaries(shell / "replanned.json")


def test_busy_calendars_inside_a_request_are_read_from_the_requests_folder(folders):
    requests, shell = folders
    (requests / "work.ics").write_bytes(WEDNESDAY_BUSY)
    data = json.loads((requests / "week.json").read_text())
    (requests / "week.json").write_text(json.dumps({**data, "busy_calendars": ["work.ics"]}))
    assert main(["plan", str(requests / "week.json"), "--json", "out.json"]) == 0
    assert "Offsite" in busy_summaries(shell / "out.json")


def test_a_missing_busy_file_says_which_path_was_tried(folders, capsys):
    requests, shell = folders
    (requests / "work.ics").write_bytes(WEDNESDAY_BUSY)  # next to the request: not it
    assert main(["plan", str(requests / "week.json"), "--busy", "work.ics"]) == 2
    [said] = capsys.readouterr().err.splitlines()
    assert said.startswith("plyoplan: Calendar ") and said.endswith(" was not found.")
    assert str(shell / "work.ics") in said


def test_a_missing_calendar_in_a_request_says_which_path_was_tried(folders, capsys):
    requests, _shell = folders
    data = json.loads((requests / "week.json").read_text())
    (requests / "week.json").write_text(json.dumps({**data, "busy_calendars": ["work.ics"]}))
    assert main(["plan", str(requests / "week.json")]) == 2
    assert f"(looked for {requests / 'work.ics'})." in capsys.readouterr().err


def test_busy_lists_only_the_week_asked_for(tmp_path, capsys):
    calendar = tmp_path / "work.ics"
    calendar.write_bytes(ics(
        event("a", "Sunday before", "DTSTART;TZID=Europe/Berlin:20261129T100000",
              "DTEND;TZID=Europe/Berlin:20261129T110000"),
        event("b", "Monday standup", "DTSTART;TZID=Europe/Berlin:20261130T090000",
              "DTEND;TZID=Europe/Berlin:20261130T091500"),
        event("c", "Sunday brunch", "DTSTART;TZID=Europe/Berlin:20261206T100000",
              "DTEND;TZID=Europe/Berlin:20261206T120000"),
        event("d", "Monday after", "DTSTART;TZID=Europe/Berlin:20261207T100000",
              "DTEND;TZID=Europe/Berlin:20261207T110000"),
        event("e", "Night shift", "DTSTART;TZID=Europe/Berlin:20261206T220000",
              "DTEND;TZID=Europe/Berlin:20261207T060000"),
    ))
    assert main(["busy", str(calendar), "--week", "2026-11-30", "--tz", "Europe/Berlin"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Mon 30 Nov 09:00–09:15  Monday standup",
        "Sun 06 Dec 10:00–12:00  Sunday brunch",
        "Sun 06 Dec 22:00–24:00  Night shift",
    ]
