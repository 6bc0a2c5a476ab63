"""The README shows what its commands print; the commands must still print it."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from scheduler.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_shows_what_planning_the_office_worker_prints(capsys, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"The first prints:\n\n```\n(.*?)```", readme, re.S)
    assert shown, "the README's sample output block"
    monkeypatch.chdir(ROOT)
    assert main(["plan", "examples/office_worker.json"]) == 0
    assert capsys.readouterr().out == shown.group(1)


def test_the_readme_shows_what_replanning_the_office_workers_week_prints(
        tmp_path, capsys, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"planned with\n`plyoplan (plan [^`]+)`.*?```sh\nplyoplan (replan .*?)\n"
                      r"```\n\nprints\n\n```\n(.*?)```\n\nand, on stderr, `(.*?)`", readme, re.S)
    assert shown, "the README's re-plan example and its output"
    plan, replan, printed, said = shown.groups()
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)  # run as written; the files it writes land here
    assert main(shlex.split(plan)) == 0
    capsys.readouterr()
    assert main(shlex.split(replan.replace("\\\n", " "))) == 0
    out, err = capsys.readouterr()
    assert out == printed
    assert err == said + "\n"


def test_the_readme_shows_what_planning_the_race_week_prints(capsys, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"`plyoplan plan examples/race_week.json` \(a\n10 km A race on Sunday\) "
                      r"prints:\n\n```\n(.*?)```", readme, re.S)
    assert shown, "the README's race week and its output"
    monkeypatch.chdir(ROOT)
    assert main(["plan", "examples/race_week.json"]) == 0
    assert capsys.readouterr().out == shown.group(1)


def test_the_readme_shows_what_logging_sharp_pain_and_replanning_prints(
        tmp_path, capsys, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"### Pain, fatigue and strength work\n.*?```sh\n(plyoplan plan .*?)\n"
                      r"```\n\nprints\n\n```\n(.*?)```", readme, re.S)
    assert shown, "the README's pain example and its output"
    commands, printed = shown.groups()
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)  # run as written; the files it writes land here
    *before, replan = commands.replace("\\\n", " ").splitlines()
    for line in before:
        assert main(shlex.split(line)[1:]) == 0
    capsys.readouterr()
    assert main(shlex.split(replan)[1:]) == 0
    assert capsys.readouterr().out == printed


def test_the_readme_shows_the_squad_weeks_group_sessions(capsys, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"runner's week:\n\n```\n(.*?)```", readme, re.S)
    assert shown, "the README's squad example and its first lines"
    monkeypatch.chdir(ROOT)
    assert main(["squad", "examples/squad/track_night.json"]) == 0
    assert capsys.readouterr().out.startswith(shown.group(1))
