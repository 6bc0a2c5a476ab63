"""`plyoplan batch`: a squad planned at once. One bad or impossible request is reported and
never stops the others; every plan written passes the oracle; names are unique and safe."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from icalendar import Calendar

from scheduler.batch import collect_requests, plan_batch, safe_name
from scheduler.cli import main
from scheduler.commands.batch import Progress
from scheduler.core.domain import Schedule
from scheduler.core.io import load_request
from tests.oracle import assert_planned_all, assert_valid

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GOOD = ("office_worker", "beginner", "parent_school_runs")


@pytest.fixture
def squad(tmp_path: Path) -> Path:
    """Three solvable weeks, one that cannot fit and one file that is not JSON."""
    folder = tmp_path / "squad"
    folder.mkdir()
    for name in (*GOOD, "infeasible_week"):
        shutil.copy(EXAMPLES / f"{name}.json", folder / f"{name}.json")
    (folder / "broken.json").write_text('{"runner": {"name": "Kai"', encoding="utf-8")
    return folder


def read_plan(path: Path) -> Schedule:
    return Schedule.model_validate_json(path.read_text(encoding="utf-8"))


def test_squad_with_a_broken_file_and_an_impossible_week(squad, tmp_path, capsys):
    out = tmp_path / "plans"
    code = main(["batch", str(squad), "--out", str(out), "--workers", "2"])
    captured = capsys.readouterr()
    assert code == 2  # an input was unreadable; everything else was still planned
    for name in GOOD:
        schedule = read_plan(out / f"{name}.json")
        assert_planned_all(schedule, load_request(EXAMPLES / f"{name}.json"))
        assert_valid(schedule)
        events = Calendar.from_ical((out / f"{name}.ics").read_bytes()).walk("VEVENT")
        assert sorted(str(e["UID"]) for e in events) == sorted(s.id for s in schedule.sessions)
    impossible = read_plan(out / "infeasible_week.json")
    assert impossible.status == "infeasible" and not impossible.sessions
    assert not (out / "infeasible_week.ics").exists()
    assert not (out / "broken.json").exists()
    summary = captured.out
    assert re.search(r"^planned +3$", summary, re.M)
    assert re.search(r"^cannot fit +1$", summary, re.M)
    assert re.search(r"^bad input +1$", summary, re.M)
    broken_line = next(line for line in summary.splitlines() if line.strip().startswith("broken"))
    assert "is not valid JSON" in broken_line
    infeasible_line = next(line for line in summary.splitlines()
                           if line.strip().startswith("infeasible_week"))
    assert "cannot fit" in infeasible_line and len(infeasible_line.split("cannot fit")[1]) > 20


def test_impossible_week_alone_still_exits_zero_with_its_reason(tmp_path, capsys):
    folder = tmp_path / "squad"
    folder.mkdir()
    shutil.copy(EXAMPLES / "infeasible_week.json", folder / "tom.json")
    code = main(["batch", str(folder), "--out", str(tmp_path / "plans"), "--workers", "1"])
    assert code == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.strip().startswith("tom"))
    # The one-line reason says which rules collide with what; tom.json keeps the whole
    # explanation (the conflict's rules and its paragraph of facts).
    saved = read_plan(tmp_path / "plans" / "tom.json")
    conflict = next(item for item in saved.explanation if item.type == "conflict")
    assert set(conflict.rules) == {"availability", "plyo_after_easy", "no_plyo_before_key",
                                      "no_consecutive_key_days"}
    assert conflict.text.startswith("Plyometrics must start within 60 min")
    reason = line.split("cannot fit", 1)[1].strip()
    assert reason == ("Plyo within 60 min after an easy run, no plyo the day before a key "
                      "workout and no key workouts on consecutive days do not fit your "
                      "free time.")


def test_jsonl_names_come_from_runners_and_repeats_get_a_suffix(tmp_path, capsys):
    office = json.loads((EXAMPLES / "office_worker.json").read_text())
    beginner = json.loads((EXAMPLES / "beginner.json").read_text())
    beginner["runner"]["name"] = "Ana"  # a second Ana in the squad
    weird = json.loads((EXAMPLES / "beginner.json").read_text())
    weird["runner"]["name"] = "../Zoë O'Brien"
    lines = [json.dumps(office), "", json.dumps(beginner), "not json at all", json.dumps(weird)]
    squad = tmp_path / "squad.jsonl"
    squad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "plans"
    code = main(["batch", str(squad), "--out", str(out), "--workers", "2"])
    summary = capsys.readouterr().out
    assert code == 2
    written = sorted(p.name for p in out.iterdir())
    assert written == ["Ana-2.ics", "Ana-2.json", "Ana.ics", "Ana.json",
                       "Zoë-O-Brien.ics", "Zoë-O-Brien.json"]
    assert not list(tmp_path.glob("Zo*"))  # the name cannot climb out of --out
    assert read_plan(out / "Ana.json").request.runner.level == "intermediate"
    assert read_plan(out / "Ana-2.json").request.runner.level == "beginner"
    for name in ("Ana", "Ana-2", "Zoë-O-Brien"):
        assert_valid(read_plan(out / f"{name}.json"))
    bad = next(line for line in summary.splitlines() if line.strip().startswith("line-4"))
    assert "line 4 is not valid JSON" in bad


def test_names_are_safe_and_unique_ignoring_case(tmp_path):
    assert safe_name("Chloé O'Brien") == "Chloé-O-Brien"
    assert safe_name("Ana/Lee: 10k?") == "Ana-Lee-10k"
    assert safe_name("../../etc/passwd") == "etc-passwd"
    assert safe_name("...") == "runner"
    folder = tmp_path / "squad"
    folder.mkdir()
    for stem in ("ana", "ANA", "b c"):
        (folder / f"{stem}.json").write_text("{}", encoding="utf-8")
    names = [item.name for item in collect_requests(folder)]
    assert sorted(n.casefold() for n in names) == ["ana", "ana-2", "b-c"]


def test_one_worker_and_two_workers_write_the_same_plans(squad, tmp_path):
    items = collect_requests(squad)
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    first = {r.name: r.outcome for r in plan_batch(items, one, 1)}
    second = {r.name: r.outcome for r in plan_batch(items, two, 2)}
    assert first == second
    assert sorted(first.values()) == ["bad input", "infeasible", "planned", "planned",
                                      "planned"]
    for path in one.glob("*.json"):
        assert (path.read_text() == (two / path.name).read_text()), path.name


def test_a_week_that_no_longer_fits_loses_last_runs_calendar(tmp_path, capsys):
    folder, out = tmp_path / "squad", tmp_path / "plans"
    folder.mkdir()
    shutil.copy(EXAMPLES / "beginner.json", folder / "kim.json")
    assert main(["batch", str(folder), "--out", str(out), "--workers", "1"]) == 0
    assert (out / "kim.ics").exists()
    shutil.copy(EXAMPLES / "infeasible_week.json", folder / "kim.json")
    assert main(["batch", str(folder), "--out", str(out), "--workers", "1"]) == 0
    assert not (out / "kim.ics").exists()
    assert read_plan(out / "kim.json").status == "infeasible"
    capsys.readouterr()


def test_a_plan_that_cannot_be_written_is_reported_and_the_rest_are_planned(tmp_path, capsys):
    folder, out = tmp_path / "squad", tmp_path / "plans"
    folder.mkdir()
    for name in ("ana", "kim"):
        shutil.copy(EXAMPLES / "beginner.json", folder / f"{name}.json")
    (out / "ana.json").mkdir(parents=True)  # a folder where ana's plan should go
    assert main(["batch", str(folder), "--out", str(out), "--workers", "1"]) == 2
    line = next(x for x in capsys.readouterr().out.splitlines() if x.strip().startswith("ana"))
    assert "failed" in line and "Could not write" in line
    assert_valid(read_plan(out / "kim.json"))
    assert (out / "kim.ics").exists()


def exit_code(argv: list[str]) -> int:
    """The CLI's exit code, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code or 0)


@pytest.mark.parametrize("args, message", [
    (["{tmp}/missing", "--out", "{tmp}/plans"], "was not found"),
    (["{tmp}/empty", "--out", "{tmp}/plans"], "holds no requests"),
    (["{tmp}/squad", "--out", "{tmp}/plans", "--workers", "0"],
     "--workers must be a whole number of 1 or more"),
    (["{tmp}/squad", "--out", "{tmp}/squad"], "is the input folder"),
    (["{tmp}/squad", "--out", "{tmp}/squad/kim.json"], "is a file"),
])
def test_unusable_arguments_are_one_sentence_and_exit_2(tmp_path, capsys, args, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "squad").mkdir()
    shutil.copy(EXAMPLES / "beginner.json", tmp_path / "squad" / "kim.json")
    code = exit_code(["batch", *(a.format(tmp=tmp_path) for a in args)])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "plans").exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _results(count: int, tmp_path: Path):
    """`count` real batch results: the beginner week planned under different names."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(count):
        shutil.copy(EXAMPLES / "beginner.json", folder / f"r{i:02d}.json")
    out = tmp_path / "out"
    out.mkdir()
    return list(plan_batch(collect_requests(folder), out, 2))


def test_progress_prints_a_line_every_ten_percent_when_not_a_terminal(tmp_path):
    results = _results(25, tmp_path)
    stream = io.StringIO()
    progress = Progress(len(results), stream)
    for result in results:
        progress.advance(result)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[-1].startswith("[" + "#" * 30 + "] 25/25 100%")
    assert "\r" not in stream.getvalue()


def test_progress_redraws_one_line_on_a_terminal(tmp_path):
    results = _results(3, tmp_path)
    stream = _Terminal()
    progress = Progress(len(results), stream)
    for result in results:
        progress.advance(result)
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.count("\n") == 1
    assert text.rstrip("\n").split("\r")[-1].startswith("[" + "#" * 30 + "] 3/3 100%")
