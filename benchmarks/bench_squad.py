"""A coach's squad week: one CP-SAT model over the whole squad against the by-hand method.

Rows (seconds, medians of --repeat runs, wall clock):
- 30 and 100 runners (variants of the office worker: their own evening meetings, some
  doubles of other commitments) sharing two group sessions with three candidate times
  each (a Tue/Wed/Thu track night, a Sat/Sun group long run), planned by
  `plan_squad` (one model: attendance first, then everyone's own soft penalties);
- the by-hand method in the same run: for each of the 9 pairs of candidate times, plan
  every runner alone with the group sessions at those times (both, else either, else
  none), keep the pair most can come to.
Both must reach the same attendance; targets: 30 runners <= 2 s, 100 runners <= 10 s.

Run: .venv/bin/python benchmarks/bench_squad.py [--repeat 3] [--sizes 30 100] [--seed 1]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from scheduler.core.settings import get_settings
from scheduler.squad.model import slot_starts
from scheduler.squad.plan import plan_squad
from scheduler.squad.request import SquadRequest
from scheduler.squad.seats import runner_weeks
from scheduler.squad.why import week_with

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {30: 2.0, 100: 10.0}
SETTINGS = get_settings()


def squad(size: int, seed: int) -> SquadRequest:
    """`size` runners around one working week, two group sessions, 3 candidate times each."""
    rng = random.Random(seed)
    base = json.loads((ROOT / "examples" / "office_worker.json").read_text())
    runners = []
    for i in range(size):
        runner: dict[str, Any] = json.loads(json.dumps(base))
        runner["runner"]["name"] = f"Runner {i + 1}"
        runner["busy"] = []
        for day in rng.sample(range(5), rng.randint(0, 3)):  # evening commitments
            hour = rng.choice([17, 18, 19])
            date = "2026-11-30" if day == 0 else f"2026-12-{day:02d}"
            runner["busy"].append({"start": f"{date}T{hour}:00:00+01:00",
                                   "end": f"{date}T{hour + 2}:00:00+01:00",
                                   "summary": "Commitment"})
        runners.append(runner)
    names = [r["runner"]["name"] for r in runners]
    return SquadRequest.model_validate({
        "week_start": "2026-11-30", "timezone": "Europe/Berlin", "runners": runners,
        "group_sessions": [
            {"name": "Track night", "kind": "tempo", "minutes": 60, "runners": names,
             "slots": {d: [["18:30", "19:30"]] for d in ("tue", "wed", "thu")},
             "min_attendance": 0.3},
            {"name": "Group long run", "kind": "long", "minutes": 100, "runners": names,
             "slots": {"sat": [["07:00", "08:40"], ["09:00", "10:40"]],
                       "sun": [["08:00", "09:40"]]},
             "min_attendance": 0.3}],
        "coach": {"max_sessions_per_day": 1}})


def by_hand(request: SquadRequest) -> int:
    """The most attendance over every pair of candidate times, each runner planned alone."""
    weeks = runner_weeks(request, SETTINGS)
    best = 0
    for times in itertools.product(*(slot_starts(request, g)
                                      for g in range(len(request.group_sessions)))):
        pins = dict(enumerate(times))
        total = 0
        for rw in weeks.values():
            for take in ((0, 1), (0,), (1,), ()):
                if week_with(rw, {g: pins[g] for g in take}, SETTINGS) is not None:
                    total += len(take)
                    break
        best = max(best, total)
    return best


def timed(job: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = job()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 100])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("| squad | plyoplan squad (one model) | by hand (each runner alone, 9 time pairs) "
          "| ratio | attendance (model / by hand) | target |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        request = squad(size, args.seed)
        model_times, hand_times = [], []
        came = hand = 0
        for _ in range(args.repeat):
            seconds, result = timed(lambda r=request: plan_squad(r, SETTINGS))
            model_times.append(seconds)
            came = sum(len(g.attending) for g in result.group_sessions)
            seconds, hand = timed(lambda r=request: by_hand(r))
            hand_times.append(seconds)
        model, manual = statistics.median(model_times), statistics.median(hand_times)
        target = TARGETS.get(size)
        print(f"| {size} runners, 2 group sessions × 3 times | {model:.2f} s | {manual:.2f} s "
              f"| {manual / model:.1f}× | {came} / {hand} | "
              f"{f'<= {target:g} s' if target else '-'} |")


if __name__ == "__main__":
    main()
