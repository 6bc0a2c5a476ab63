"""The one-sentence reason a week cannot fit, on hand-built weeks whose conflict and best
fixes are worked out by hand: which rules, which meetings, which two fixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.explain.fixes import apply_change
from scheduler.explain.headline import headline, reason, short_fix
from scheduler.explain.infeasible import explain_infeasible
from scheduler.model.solve import solve_request
from tests.oracle import assert_valid
from tests.weeks import request as week_request

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def fits(request, change: str) -> None:
    """The fix the headline offers really plans the week, and the plan passes the oracle."""
    changed = apply_change(WeekProblem.of(request), change)
    schedule = solve_request(WeekProblem.of(changed)).schedule
    assert schedule.status in ("optimal", "feasible")
    assert_valid(schedule, changed)


def test_the_infeasible_example_names_its_rules_and_two_kinds_of_fix():
    request = load_request(EXAMPLES / "infeasible_week.json")
    items = explain_infeasible(WeekProblem.of(request))
    assert headline(WeekProblem.of(request), items, week="week of Mon 30 Nov 2026") == (
        "Tom's week of Mon 30 Nov 2026 cannot fit: plyo within 60 min after an easy run, "
        "no plyo the day before a key workout and no key workouts on consecutive days do "
        "not fit your free time. Quickest fixes: widen Wed's free time to 17:50–18:50, or "
        "drop the plyo session.")
    fits(request, "availability.wed[0] = 17:50-18:50")
    fits(request, "drop tom-2026-11-30-plyo-1")


def test_a_meeting_that_takes_the_free_time_is_named():
    # Tue 18:00-19:00 is free, but choir ends 17:55 and 15 min stay free around it:
    # 18:10-19:00 holds 50 min, the tempo run needs 55. Five more minutes at the end
    # (widening costs least) or a 10-min buffer would each do.
    request = week_request(
        [("tempo", 55)], availability={"tue": [["18:00", "19:00"]]},
        busy=[{"start": "2026-12-01T17:00:00+01:00", "end": "2026-12-01T17:55:00+01:00",
               "summary": "Choir"}])
    assert headline(WeekProblem.of(request), explain_infeasible(WeekProblem.of(request))) == (
        "Test's week cannot fit: the sessions do not fit your free time around 'Choir' "
        "Tue 17:00–17:55. Quickest fixes: widen Tue's free time to 18:00–19:05, or keep "
        "10 min free around busy events.")
    fits(request, "availability.tue[0] = 18:00-19:05")
    fits(request, "rules.buffer_minutes = 10")


def test_rules_that_collide_without_the_calendar_say_so():
    # Seven runs, one a day, and a full rest day: free time has nothing to do with it.
    request = week_request([("easy", 30)] * 7, rules={"rest_days": 1},
                           availability={d: [["06:00", "09:00"]] for d in EVERY_DAY})
    items = explain_infeasible(WeekProblem.of(request))
    assert reason(WeekProblem.of(request), items) == (
        "One run a day and 1 full rest day cannot all hold. Quickest fixes: skip the rest "
        "day, or allow 2 runs on a day.")
    fits(request, "rules.rest_days = 0")
    fits(request, "rules.runs_per_day = 2")


def test_many_meetings_name_the_first_two_and_count_the_rest():
    busy = [{"start": f"2026-12-0{d}T07:00:00+01:00", "end": f"2026-12-0{d}T08:30:00+01:00",
             "summary": f"Meeting {d}"} for d in range(1, 6)]
    request = week_request([("long", 90)],
                           availability={d: [["07:00", "08:40"]] for d in EVERY_DAY[1:6]},
                           busy=busy)
    said = reason(WeekProblem.of(request), explain_infeasible(WeekProblem.of(request)), fixes=0)
    assert said == ("The sessions do not fit your free time around 'Meeting 1' Tue "
                    "07:00–08:30, 'Meeting 2' Wed 07:00–08:30 and 3 more busy events.")


def test_a_week_that_fits_has_no_headline():
    request = week_request([("easy", 30)], availability={"mon": [["06:00", "07:00"]]})
    assert headline(WeekProblem.of(request), []) == "" and reason(WeekProblem.of(request), []) == ""


@pytest.mark.parametrize(("change", "words"), [
    ("rules.off += plyo_gap", "turn off plyo_gap"),
    ("drop test-2026-11-30-plyo-1", "drop the plyo session"),
    ("availability.sat[0] = 08:00-10:00", "widen Sat's free time to 08:00–10:00"),
    ("availability.sun += 17:00-19:00", "free Sun 17:00–19:00"),
    ("rules.buffer_minutes = 5", "keep 5 min free around busy events"),
    ("rules.rest_days = 1", "take 1 rest day"),
    ("rules.rest_days = 0", "skip the rest day"),
    ("rules.runs_per_day = 2", "allow 2 runs on a day"),
    ("rules.plyo_gap_hours = 36", "allow 36 h between plyo sessions"),
    ("rules.plyo_after_easy_max_gap_minutes = 120", "allow 120 min from easy run to plyo"),
    ("plyo.contacts <= 60", "cap each plyo session at 60 contacts"),
    ("something new", None),
])
def test_each_kind_of_change_reads_in_a_few_words(change, words):
    request = week_request([("easy", 30), ("plyo", 20)])
    assert short_fix(change, WeekProblem.of(request)) == words
