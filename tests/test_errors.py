"""Bad input everywhere: every mistake a user can make gives one sentence naming the file
or field and what is allowed, exit code 2, and never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scheduler.cli import build_parser, main
from scheduler.core.settings import get_settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GOOD = json.loads((EXAMPLES / "beginner.json").read_text())


def one_sentence(capsys) -> str:
    """The single line on stderr, checked for shape; stdout must stay empty."""
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("plyoplan: ") and line.endswith("."), line
    return line.removeprefix("plyoplan: ")


def run_plan(tmp_path: Path, text: str | bytes, capsys, *extra: str) -> str:
    path = tmp_path / "request.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    assert main(["plan", str(path), *extra]) == 2
    return one_sentence(capsys)


def changed(**fields: Any) -> str:
    data = json.loads(json.dumps(GOOD))
    for dotted, value in fields.items():
        *parents, last = dotted.split("__")
        target = data
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return json.dumps(data, indent=2)


# --- files ------------------------------------------------------------------------------

def test_missing_request_file_is_named(tmp_path, capsys):
    assert main(["plan", str(tmp_path / "nope.json")]) == 2
    assert one_sentence(capsys) == f"File '{tmp_path / 'nope.json'}' was not found."


def test_replanning_a_request_instead_of_a_planned_week_says_what_to_do(capsys):
    request = EXAMPLES / "office_worker.json"
    assert main(["replan", str(request), "--missed", "x"]) == 2
    assert one_sentence(capsys) == (
        f"{request} is a request (the sessions you want), not a planned week; plan it "
        f"first with 'plyoplan plan {request} --json week.json' and re-plan week.json.")


def test_a_folder_instead_of_a_file(tmp_path, capsys):
    assert main(["plan", str(tmp_path)]) == 2
    assert "is a folder; give a JSON file" in one_sentence(capsys)


def test_malformed_json_gives_line_and_column(tmp_path, capsys):
    text = ('{\n  "week_start": "2026-11-30",\n  "sessions": [\n'
            '    {"kind": "easy" "minutes": 30}\n  ]\n}\n')
    said = run_plan(tmp_path, text, capsys)
    assert "is not valid JSON" in said
    assert "line 4 column 21" in said


def test_empty_file_says_what_it_should_hold(tmp_path, capsys):
    assert "is empty; it should hold a JSON object" in run_plan(tmp_path, "  \n", capsys)


def test_not_utf8(tmp_path, capsys):
    assert "is not UTF-8 text" in run_plan(tmp_path, b'{"runner": "\xff\xfe"}', capsys)


def test_a_byte_order_mark_is_fine(tmp_path, capsys):
    path = tmp_path / "request.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    assert main(["plan", str(path)]) == 0
    assert "week of Mon 30 Nov 2026" in capsys.readouterr().out


def test_top_level_must_be_an_object(tmp_path, capsys):
    said = run_plan(tmp_path, "[1, 2]", capsys)
    assert said.endswith("The request must be a JSON object { ... }, not a list.")


def test_unwritable_output_is_named(tmp_path, capsys):
    (tmp_path / "request.json").write_text(json.dumps(GOOD))
    out = tmp_path / "no" / "such" / "dir" / "week.json"
    assert main(["plan", str(tmp_path / "request.json"), "--json", str(out)]) == 2
    assert one_sentence(capsys).startswith(f"Could not write '{out}'")


def test_missing_busy_calendar_is_named(tmp_path, capsys):
    (tmp_path / "request.json").write_text(json.dumps(GOOD))
    missing = tmp_path / "work.ics"
    assert main(["plan", str(tmp_path / "request.json"), "--busy", str(missing)]) == 2
    assert str(missing) in one_sentence(capsys)


# --- fields -----------------------------------------------------------------------------

FIELD_CASES = [
    (changed(week_start="2026-12-01"),
     "Field 'week_start': 2026-12-01 is a Tuesday; a week starts on a Monday."),
    (changed(week_start="2026-13-01"),
     "Field 'week_start' must be a date like 2026-11-30 (got \"2026-13-01\")."),
    (changed(runner__level="pro"),
     "Field 'runner.level' must be 'beginner', 'intermediate' or 'advanced' (got \"pro\")."),
    (changed(runner__timezone="Mars/Base"), "Field 'runner.timezone': 'Mars/Base' is not an "
                                            "IANA time zone; use a name like Europe/Berlin."),
    (changed(sessions=[{"kind": "swim", "minutes": 30}]),
     "Field 'sessions[0].kind' must be 'easy', 'tempo', 'hill', 'long', 'plyo', 'strength' "
     "or 'race' (got \"swim\")."),
    (changed(sessions=[{"kind": "easy", "minutes": 2}]),
     "Field 'sessions[0].minutes' must be at least 5 (got 2)."),
    (changed(sessions=[{"kind": "easy", "minutes": "forty"}]),
     "Field 'sessions[0].minutes' must be a whole number (got \"forty\")."),
    (changed(sessions=[]), "Field 'sessions' needs at least 1 item."),
    (changed(sessions=[{"kind": "plyo", "minutes": 20},
                       {"kind": "long", "minutes": 90, "contacts": 80}]),
     "Field 'sessions[1].contacts': a long run has no ground contacts; give contacts on "
     "plyo sessions only (got 80)."),
    (changed(sessions=[{"kind": "easy", "minutes": 30, "pace": "slow"}]),
     "Field 'sessions[0].pace' is not a known field; remove it or check its spelling."),
    (changed(availability={"monday": [["06:00", "07:00"]]}),
     "Field 'availability' has the key \"monday\"; use 'mon', 'tue', 'wed', 'thu', 'fri', "
     "'sat' or 'sun'."),
    (changed(availability={"mon": [["08:00", "07:00"]]}),
     "Field 'availability': on mon the window 08:00-07:00 ends before it starts."),
    (changed(availability={"mon": [["06:00", "07:00", "08:00"]]}),
     "Field 'availability.mon[0]' may hold at most 2 items."),
    (changed(availability={"mon": "06:00-07:00"}),
     "Field 'availability.mon' must be a list [ ... ] (got \"06:00-07:00\")."),
    (changed(busy=[{"start": "2026-12-01T12:00:00", "end": "2026-12-01T13:00:00"}]),
     "Field 'busy[0]': start and end need a UTC offset, e.g. 2026-12-01T12:00:00+01:00."),
    (changed(busy=[{"start": "tomorrow", "end": "2026-12-01T13:00:00+01:00"}]),
     "Field 'busy[0].start' must be a date and time with a UTC offset, like "
     "2026-12-01T12:00:00+01:00 (got \"tomorrow\")."),
    (changed(rules__off=["nap_time"]), "rules.off names unknown rule(s) nap_time; known: "
                                       "availability, one_run_per_day"),
    (changed(rules__buffer_minutes=-5), "Field 'rules.buffer_minutes' must be at least 0 "
                                        "(got -5)."),
    (changed(rules=5), "Field 'rules' must be an object { ... } (got 5)."),
    (changed(preferences__long_run_days=["saturday"]),
     "Field 'preferences.long_run_days[0]' must be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' "
     "or 'sun' (got \"saturday\")."),
    (changed(weather="sunny"), "Field 'weather' is not a known field; remove it or check "
                               "its spelling."),
    (changed(sessions=[{"kind": "easy", "minutes": 30, "id": "a"},
                       {"kind": "easy", "minutes": 30, "id": "a"}]),
     "Session ids must be unique."),
    (changed(sessions=[{"kind": "easy", "minutes": 30, "id": "sam-2026-11-30-easy-2"},
                       {"kind": "easy", "minutes": 30}, {"kind": "easy", "minutes": 30}]),
     "Field 'sessions': generated session ids collide with given ids; give every session "
     "an id."),
]


@pytest.mark.parametrize(("text", "sentence"), FIELD_CASES,
                         ids=[c[1][:40] for c in FIELD_CASES])
def test_each_field_error_is_one_sentence_naming_the_field(tmp_path, capsys, text, sentence):
    said = run_plan(tmp_path, text, capsys)
    assert said.startswith(f"{tmp_path / 'request.json'}: ")
    assert sentence in said


def test_many_errors_are_counted_not_all_listed(tmp_path, capsys):
    text = changed(sessions=[{"kind": "swim", "minutes": 1}] * 8)
    path = tmp_path / "request.json"
    path.write_text(text)
    assert main(["plan", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("Field '") == 5 and "And 11 more problems like these." in err
    assert "Traceback" not in err


# --- the command line itself ------------------------------------------------------------

@pytest.mark.parametrize(("argv", "sentence"), [
    ([], "'plyoplan' needs its COMMAND argument; see 'plyoplan --help'."),
    (["plot"], "'plot' is not a plyoplan command; use one of plan"),
    (["plan"], "'plyoplan plan' needs its request argument; see 'plyoplan plan --help'."),
    (["plan", "x.json", "--jsn", "out.json"],
     "'plyoplan plan' does not take --jsn out.json; see 'plyoplan plan --help'"),
    (["plan", "x.json", "--json"], "Option --json needs a value; see 'plyoplan plan --help'."),
])
def test_wrong_usage_is_one_sentence_and_exit_2(capsys, argv, sentence):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert sentence in one_sentence(capsys)


def _commands() -> list[str]:
    parser = build_parser()
    assert parser.commands is not None
    return sorted(parser.commands.choices)


@pytest.mark.parametrize("command", _commands())
def test_every_command_rejects_an_unknown_option_in_one_sentence(capsys, command):
    with pytest.raises(SystemExit) as exited:
        main([command, "--no-such-option"])
    assert exited.value.code == 2
    said = one_sentence(capsys)
    assert f"plyoplan {command}" in said


def test_a_bad_setting_names_its_environment_variable(tmp_path, capsys, monkeypatch):
    (tmp_path / "request.json").write_text(json.dumps(GOOD))
    monkeypatch.setenv("PLYOPLAN_SOLVER_TIME_LIMIT_SECONDS", "soon")
    get_settings.cache_clear()
    try:
        assert main(["plan", str(tmp_path / "request.json")]) == 2
    finally:
        monkeypatch.delenv("PLYOPLAN_SOLVER_TIME_LIMIT_SECONDS")
        get_settings.cache_clear()
    assert one_sentence(capsys) == ("Environment variable PLYOPLAN_SOLVER_TIME_LIMIT_SECONDS "
                                    "must be a number (got \"soon\").")


def test_the_installed_script_speaks_in_sentences_and_exit_codes(tmp_path):
    script = shutil.which("plyoplan", path=str(Path(sys.executable).parent))
    assert script, "the plyoplan script is installed next to the interpreter"
    bad = tmp_path / "request.json"
    bad.write_text('{"week_start": "2026-11-30", "sessions": [}')
    done = subprocess.run([script, "plan", str(bad)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (f"plyoplan: File '{bad}' is not valid JSON: expecting value at "
                           f"line 1 column 43.\n")
    conflict = subprocess.run([script, "plan", str(EXAMPLES / "infeasible_week.json")],
                              capture_output=True, text=True, timeout=120, check=False)
    assert conflict.returncode == 3
    assert "Traceback" not in conflict.stderr
    assert "What would fix it" in conflict.stdout
