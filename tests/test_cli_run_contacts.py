"""Ground contacts belong to plyo sessions: a run given `contacts` is refused with a
sentence naming the field, on the command line (exit 2) and by the API (422)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scheduler.cli import main
from tests.weeks import example

SENTENCE = ("Field 'sessions[2].contacts': a tempo run has no ground contacts; give "
            "contacts on plyo sessions only (got 60).")


def with_contacts_on_the_tempo_run() -> dict[str, Any]:
    request = example("office_worker")
    assert request["sessions"][2]["kind"] == "tempo"
    request["sessions"][2]["contacts"] = 60
    return request


def test_contacts_on_a_run_exit_2_naming_the_field(tmp_path: Path, capsys):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(with_contacts_on_the_tempo_run()))
    assert main(["plan", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"plyoplan: {path}: {SENTENCE}\n"


def test_zero_contacts_on_a_run_is_fine_as_it_is_true(tmp_path: Path, capsys):
    request = example("office_worker")
    for session in request["sessions"]:
        session["contacts"] = 80 if session["kind"] == "plyo" else 0
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    assert main(["plan", str(path)]) == 0
    assert "Plyo contacts this week: 80" in capsys.readouterr().out


def test_contacts_on_a_run_is_422_from_the_api(client):
    response = client.post("/api/plans", json=with_contacts_on_the_tempo_run())
    assert response.status_code == 422
    assert response.json()["detail"] == [SENTENCE]


def test_a_drill_intensity_on_a_run_exit_2_naming_the_field(tmp_path: Path, capsys):
    request = example("office_worker")
    assert request["sessions"][0]["kind"] == "easy"
    request["sessions"][0]["intensity"] = "high"
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    assert main(["plan", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"plyoplan: {path}: Field 'sessions[0].intensity': an easy run has no drill "
        f"intensity; give intensity on plyo sessions only (got \"high\").\n")


def test_a_bound_in_a_sentence_reads_with_a_thousands_comma(tmp_path: Path, capsys):
    request = example("office_worker")
    busy = request["busy"][0]
    request["busy"] = [busy] * 2001
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    assert main(["plan", str(path)]) == 2
    assert "Field 'busy' may hold at most 2,000 items" in capsys.readouterr().err
