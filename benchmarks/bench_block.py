"""How long an 8-week plyometric block takes to plan (one CP-SAT model over all weeks).

Rows (milliseconds, medians of --repeat runs, wall clock and process CPU):
- each solvable example as an 8-week block, next to one week's `plan_week` of the same
  request; ratios: block / target (150 ms) and block / (8 x one week);
- generated runners (`generate`, fixed seed, only requests whose first week
  has a plan): median and slowest block over the sample.

The machine may be shared: CPU time is shown next to wall time because it is what the
planner itself spent.

Run: .venv/bin/python benchmarks/bench_block.py [--repeat 7] [--runners 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from generate import random_requests

from scheduler.block.plan import plan_block
from scheduler.core.errors import RulesConflict
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.model.solve import plan_week

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 150.0  # an 8-week block, median
WEEKS = 8
SETTINGS = get_settings()


def median_ms(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `repeat` runs."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per example (>= 5)")
    parser.add_argument("--runners", type=int, default=20, help="generated runners")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated runners")
    args = parser.parse_args()

    rows: list[tuple[str, float, float, str]] = []
    block_walls = []
    for path in sorted((ROOT / "examples").glob("*.json")):
        request = load_request(path)
        if plan_week(WeekProblem.of(request, SETTINGS)).status not in ("optimal", "feasible"):
            continue
        week_wall, _ = median_ms(lambda r=request: plan_week(WeekProblem.of(r, SETTINGS)),
                                 args.repeat)
        wall, cpu = median_ms(lambda r=request: plan_block(r, WEEKS, settings=SETTINGS),
                              args.repeat)
        block_walls.append(wall)
        block = plan_block(request, WEEKS, settings=SETTINGS)
        sessions = max(t.sessions for t in block.progression)
        rows.append((f"{path.name}: {WEEKS}-week block", wall, cpu,
                     f"/target {wall / TARGET_MS:.2f}; /(8 x one week {week_wall:.0f} ms) "
                     f"{wall / (WEEKS * week_wall):.2f}; {sessions} plyo/week"))
    rows.append((f"examples: median {WEEKS}-week block", statistics.median(block_walls),
                 float("nan"), f"/target {statistics.median(block_walls) / TARGET_MS:.2f}"))

    walls, cpus, refused = [], [], 0
    for request in random_requests(args.runners * 3, args.seed, busy_events=(0, 4)):
        if len(walls) + refused >= args.runners:
            break
        if plan_week(WeekProblem.of(request, SETTINGS)).status not in ("optimal", "feasible"):
            continue
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            plan_block(request, WEEKS, settings=SETTINGS)
        except RulesConflict:
            refused += 1
            continue
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - started_cpu) * 1000)
    if walls:
        rows.append((f"{len(walls)} generated runners: median block",
                     statistics.median(walls), statistics.median(cpus),
                     f"/target {statistics.median(walls) / TARGET_MS:.2f}; slowest "
                     f"{max(walls):.0f} ms wall; {refused} refused (rules cannot hold)"))

    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'wall ms':>8}  {'cpu ms':>7}  note")
    print(f"{'-' * width}  {'-' * 8}  {'-' * 7}  ----")
    for name, wall, cpu, note in rows:
        cpu_text = "" if cpu != cpu else f"{cpu:.1f}"  # NaN: not measured for this row
        print(f"{name:<{width}}  {wall:>8.1f}  {cpu_text:>7}  {note}")


if __name__ == "__main__":
    main()
