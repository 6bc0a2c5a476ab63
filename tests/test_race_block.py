"""A block with a race: the progression tapers before an A race and recovers after it, the
race sits at its start in its week, every week passes every hard check, and the days after
a race late in one week stay easy at the start of the next (one model, across the edge)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from scheduler.block.plan import solve_block
from scheduler.block.progression import plan_progression
from scheduler.block.race_weeks import bend_for_races
from scheduler.cli import main
from scheduler.core.domain import KEY_KINDS, Kind, Request
from scheduler.core.drills import drill_library
from scheduler.core.errors import BadRequest
from scheduler.core.io import load_request
from scheduler.core.settings import get_settings
from tests.oracle import assert_valid

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def block_request(race: dict[str, Any]) -> Request:
    data = json.loads((EXAMPLES / "race_week.json").read_text())
    data["week_start"] = "2026-11-30"
    data["busy"] = []
    data["races"] = [race]
    return Request.model_validate(data, context={"weeks": 8})


A_IN_WEEK_8 = {"date": "2027-01-24", "start": "09:30", "minutes": 50, "name": "City 10k",
               "priority": "A"}


def test_an_a_race_in_week_8_tapers_the_weeks_before_it():
    request = block_request(A_IN_WEEK_8)
    block = solve_block(request, 8, settings=get_settings()).block
    for week in block.weeks:
        assert_valid(week)
    targets = block.progression
    assert [t.contacts for t in targets[6:]] == [110, 40]  # 70 % of 160; one primer
    assert targets[7].sessions == 1 and targets[7].intensity == "low"
    assert any("Taper before City 10k" in n for n in targets[6].notes)
    assert any("No high-intensity drills within two weeks" in n for n in targets[5].notes)
    library = drill_library()
    for week in block.weeks[5:]:
        for s in week.sessions:
            assert all(library[d.name].intensity != "high" for d in s.drills)
    [race] = [s for s in block.weeks[7].sessions if s.kind is Kind.race]
    assert race.id == "ana-2027-01-18-race-1"
    assert race.start.isoformat() == "2027-01-24T09:30:00+01:00"
    assert block.weeks[7].changes[0]["text"] == "Long run 100 → 60 min: race week"
    assert block.weeks[6].changes[0]["text"] == "Long run 100 → 60 min: the week before City 10k"
    # Each week's request names only the races it can see.
    assert [len(w.request.races) for w in block.weeks] == [0, 0, 0, 1, 1, 1, 1, 1]


def test_the_week_after_an_a_race_recovers_and_its_first_three_days_stay_easy():
    race = {**A_IN_WEEK_8, "date": "2026-12-13"}  # Sunday of week 2
    request = block_request(race)
    block = solve_block(request, 4, settings=get_settings()).block
    for week in block.weeks:
        assert_valid(week)
    recovery = block.progression[2]
    assert recovery.intensity == "low" and recovery.contacts <= 80
    assert any("Recovery after City 10k" in n for n in recovery.notes)
    tz = request.tz
    race_day = block.weeks[1].week_start + timedelta(days=6)
    after = {race_day + timedelta(days=n) for n in (1, 2, 3)}
    for s in block.weeks[2].sessions:
        if s.start.astimezone(tz).date() in after:
            assert s.kind not in KEY_KINDS and s.kind is not Kind.plyo, s


def test_bend_leaves_a_block_without_an_a_race_as_it_was():
    request = block_request({**A_IN_WEEK_8, "priority": "B"})
    targets = plan_progression("intermediate", 8, 220)
    assert bend_for_races(targets, request) == targets


def test_block_cli_reads_races_in_any_week_of_the_block(tmp_path, capsys):
    data = json.loads((EXAMPLES / "race_week.json").read_text())
    data |= {"week_start": "2026-11-30", "busy": [], "races": [A_IN_WEEK_8]}
    path = tmp_path / "me.json"
    path.write_text(json.dumps(data))
    with pytest.raises(BadRequest, match=r"races\[0\]\.date 2027-01-24 is outside"):
        load_request(path)
    assert main(["block", str(path), "--weeks", "8"]) == 0
    out = capsys.readouterr().out
    assert "Week 8: Race week (City 10k on Sun 24 Jan)" in out


def test_one_primer_across_the_week_edge_before_an_a_race_on_wednesday():
    # Race Wed of week 2: its five days before run Fri-Tue across the edge; at most one
    # plyo session falls in them, whichever week it is in.
    race = {**A_IN_WEEK_8, "date": "2026-12-09"}
    easy_weeks = block_request(race).model_dump(mode="json")
    easy_weeks["sessions"] = [s for s in easy_weeks["sessions"] if s["kind"] in ("easy", "plyo")]
    # A beginner's doses are primer-sized in both weeks; with no plyo gap and only the
    # weekend and Monday free, each week alone would put its primer next to the edge.
    easy_weeks["rules"] |= {"rest_days": 0, "plyo_gap_hours": 0}
    easy_weeks["runner"]["level"] = "beginner"
    easy_weeks["availability"] = {d: w for d, w in easy_weeks["availability"].items()
                                  if d in ("sat", "sun", "mon")}
    request = Request.model_validate(easy_weeks, context={"weeks": 2})
    block = solve_block(request, 2, settings=get_settings()).block
    for week in block.weeks:
        assert_valid(week)
    tz = request.tz
    window = {date(2026, 12, 4) + timedelta(days=n) for n in range(5)}
    plyos = [s for week in block.weeks for s in week.sessions
             if s.kind is Kind.plyo and s.start.astimezone(tz).date() in window]
    assert [(s.start.astimezone(tz).date(), s.contacts) for s in plyos] == [
        (date(2026, 12, 6), 40)]
