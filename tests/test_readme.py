"""The README shows what the first command prints; the command must still print it."""

from __future__ import annotations

import re
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
