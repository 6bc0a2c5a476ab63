"""How much a race costs the planner: a race week next to the same week without it, and an
8-week block with an A race in its last week.

Rows (milliseconds, medians, wall clock and process CPU):
- the solvable examples and generated runners planned as they are and with an A race on
  the week's Sunday (taper, fixed race session, race_taper posted), interleaved in one run
  so both see the same machine; ratio race / normal (target <= 1.2);
- each solvable example as an 8-week block with an A race on the Sunday of week 8, next
  to the same block without it (target <= 150 ms median).

Run: .venv/bin/python benchmarks/bench_races.py [--repeat 7] [--runners 40] [--seed 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from generate import random_requests

from scheduler.block.plan import plan_block
from scheduler.core.domain import PLAN_FOUND, Request
from scheduler.core.errors import RulesConflict
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.model.solve import plan_week

ROOT = Path(__file__).resolve().parent.parent
WEEK_RATIO_TARGET = 1.2
BLOCK_TARGET_MS = 150.0
WEEKS = 8
SETTINGS = get_settings()


def with_race(request: Request, days_after_monday: int, weeks: int = 1) -> Request:
    """The request with an A race (10 km, 09:00, 50 min) that many days after its Monday."""
    data = request.model_dump(mode="json")
    data["races"] = [{"date": (request.week_start + timedelta(days=days_after_monday))
                      .isoformat(), "start": "09:00", "minutes": 50, "name": "City 10k",
                      "priority": "A"}]
    return Request.model_validate(data, context={"weeks": weeks})


def timed_ms(work: Callable[[], object]) -> tuple[float, float]:
    started, started_cpu = time.perf_counter(), time.process_time()
    work()
    return ((time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000)


def interleaved(a: Callable[[], object], b: Callable[[], object], repeat: int
                ) -> tuple[list[float], list[float], list[float], list[float]]:
    """Wall and CPU times of `a` and `b`, run in turn `repeat` times."""
    out: tuple[list[float], list[float], list[float], list[float]] = ([], [], [], [])
    for _ in range(repeat):
        for walls, cpus, work in ((out[0], out[1], a), (out[2], out[3], b)):
            wall, cpu = timed_ms(work)
            walls.append(wall)
            cpus.append(cpu)
    return out


def week_rows(requests: list[Request], repeat: int) -> list[tuple[str, float, float, str]]:
    normal_w, normal_c, race_w, race_c = [], [], [], []
    planned = 0
    for request in requests:
        racing = with_race(request, 6)
        if plan_week(WeekProblem.of(racing, SETTINGS)).status not in PLAN_FOUND:
            continue  # compared on weeks that have a plan both ways
        planned += 1
        a, ac, b, bc = interleaved(lambda r=request: plan_week(WeekProblem.of(r, SETTINGS)),
                                   lambda r=racing: plan_week(WeekProblem.of(r, SETTINGS)),
                                   repeat)
        normal_w.append(statistics.median(a))
        normal_c.append(statistics.median(ac))
        race_w.append(statistics.median(b))
        race_c.append(statistics.median(bc))
    normal, race = statistics.median(normal_w), statistics.median(race_w)
    n = len(requests)
    return [
        (f"one week, {planned} weeks as asked", normal, statistics.median(normal_c), ""),
        (f"the same {planned} weeks with an A race on Sunday", race,
         statistics.median(race_c), f"race / normal {race / normal:.2f} (target <= "
         f"{WEEK_RATIO_TARGET}); of {n} weeks, {n - planned} cannot fit a race"),
    ]


def block_rows(requests: list[tuple[str, Request]], repeat: int
               ) -> list[tuple[str, float, float, str]]:
    rows, race_walls = [], []
    for name, request in requests:
        racing = with_race(request, 7 * (WEEKS - 1) + 6, weeks=WEEKS)
        try:
            plan_block(racing, WEEKS, settings=SETTINGS)
        except RulesConflict:
            rows.append((f"{name}: {WEEKS}-week block, A race in week {WEEKS}", float("nan"),
                         float("nan"), "rules cannot hold"))
            continue
        a, _, b, bc = interleaved(lambda r=request: plan_block(r, WEEKS, settings=SETTINGS),
                                  lambda r=racing: plan_block(r, WEEKS, settings=SETTINGS),
                                  repeat)
        wall = statistics.median(b)
        race_walls.append(wall)
        rows.append((f"{name}: {WEEKS}-week block, A race in week {WEEKS}", wall,
                     statistics.median(bc), f"/target {wall / BLOCK_TARGET_MS:.2f}; "
                     f"without the race {statistics.median(a):.0f} ms"))
    if race_walls:
        median = statistics.median(race_walls)
        rows.append((f"examples: median {WEEKS}-week block with an A race", median,
                     float("nan"), f"/target {median / BLOCK_TARGET_MS:.2f} "
                                   f"(target <= {BLOCK_TARGET_MS:.0f} ms)"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per request (>= 5)")
    parser.add_argument("--runners", type=int, default=40, help="generated weeks")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated weeks")
    args = parser.parse_args()

    examples = []
    for path in sorted((ROOT / "examples").glob("*.json")):
        request = load_request(path)
        if request.races or plan_week(WeekProblem.of(request, SETTINGS)).status \
                not in PLAN_FOUND:
            continue
        examples.append((path.stem, request))
    weeks = [r for _, r in examples]
    for request in random_requests(args.runners * 3, args.seed, busy_events=(0, 4)):
        if len(weeks) >= len(examples) + args.runners:
            break
        if plan_week(WeekProblem.of(request, SETTINGS)).status in PLAN_FOUND:
            weeks.append(request)
    rows = week_rows(weeks, args.repeat) + block_rows(examples, args.repeat)

    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'wall ms':>8}  {'cpu ms':>7}  note")
    print(f"{'-' * width}  {'-' * 8}  {'-' * 7}  ----")
    for name, wall, cpu, note in rows:
        cpu_text = "" if cpu != cpu else f"{cpu:.1f}"  # NaN: not measured for this row
        wall_text = "" if wall != wall else f"{wall:.1f}"
        print(f"{name:<{width}}  {wall_text:>8}  {cpu_text:>7}  {note}")


if __name__ == "__main__":
    main()
