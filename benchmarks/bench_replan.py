"""Re-plan speed on the example weeks: median wall-clock and CPU time per re-plan.

Three situations per example, each re-planned from the week `plan` found:
- one miss: the first key workout (or first session) is missed; re-plan 30 min after it;
- miss + dones: the second session is missed and the first marked done; re-plan after it;
- calendar change: on Monday 00:00 a new busy event covers the first key workout.
Each row also shows planning the week from scratch, and the ratios to it and to the
15 ms target. CPU time is shown beside wall time because the machine may be shared.

Run: .venv/bin/python benchmarks/bench_replan.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from scheduler.core.domain import BusyInterval, Schedule
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.model.solve import plan_week
from scheduler.replan.replan import replan

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TARGET_MS = 15.0
SETTINGS = get_settings()


def measure(work: Callable[[], Schedule], repeat: int) -> tuple[float, float, Schedule]:
    """Median wall and CPU milliseconds over `repeat` runs (after one warm-up run)."""
    result = work()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus), result


def situations(plan: Schedule) -> dict[str, Callable[[], Schedule]]:
    assert plan.request is not None
    request = plan.request
    first_key = next((s for s in plan.sessions if s.key), plan.sessions[0])
    first, second = plan.sessions[0], plan.sessions[1]
    monday = datetime.combine(plan.week_start, datetime.min.time(), tzinfo=request.tz)
    busier = request.model_copy(update={"busy": [*request.busy, BusyInterval(
        start=first_key.start, end=first_key.end, summary="Dentist")]})
    return {
        "one miss": lambda: replan(plan, missed=[first_key.id],
                                   at=first_key.end + timedelta(minutes=30), settings=SETTINGS),
        "miss + dones": lambda: replan(plan, missed=[second.id], done=[first.id],
                                       at=second.end + timedelta(minutes=30),
                                       settings=SETTINGS),
        "calendar change": lambda: replan(plan, at=monday, request=busier, settings=SETTINGS),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21, help="timed runs per row")
    args = parser.parse_args()
    header = (f"{'example':<20} {'situation':<16} {'changes':>7} {'wall ms':>8} {'cpu ms':>7} "
              f"{'plan ms':>8} {'vs plan':>8} {'vs 15ms':>8}")
    print(header)
    print("-" * len(header))
    medians = []
    for path in sorted(EXAMPLES.glob("*.json")):
        request = load_request(path)
        plan_wall, _, plan = measure(lambda r=request: plan_week(WeekProblem.of(r, SETTINGS)),
                                      max(3, args.repeat // 4))
        if plan.status not in ("optimal", "feasible"):
            continue
        for name, work in situations(plan).items():
            wall, cpu, result = measure(work, args.repeat)
            moved = sum(1 for c in result.changes if c["change"] != "done")
            medians.append(wall)
            print(f"{path.stem:<20} {name:<16} {moved:>7} {wall:>8.1f} {cpu:>7.1f} "
                  f"{plan_wall:>8.1f} {wall / plan_wall:>8.2f} {wall / TARGET_MS:>8.2f}")
    print("-" * len(header))
    print(f"median of all re-plans: {statistics.median(medians):.1f} ms wall "
          f"(target {TARGET_MS:.0f} ms); slowest row {max(medians):.1f} ms")


if __name__ == "__main__":
    main()
