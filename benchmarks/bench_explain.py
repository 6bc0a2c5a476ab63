"""How fast does plyoplan answer "why can't it fit?" — and is the normal plan as fast as ever?

Prints one table of medians (milliseconds):
- infeasible week -> minimal conflict (the explanation's core: rules and sessions), and
  -> conflict plus every proven fix, on examples/infeasible_week.json and on generated
  infeasible weeks (seeded, so every run measures the same weeks);
- the normal feasible `plan_week` on each solvable example, and the whole `plyoplan plan`
  command on it without --why (read, solve, print): the explain, drop and why paths run
  only after an infeasible solve or on request, so the command costs what the solve costs
  (the ratio column), as before explanations existed.

Run: .venv/bin/python benchmarks/bench_explain.py [--repeats N] [--weeks N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from scheduler.cli import main as main_cli
from scheduler.core.domain import WEEKDAYS, Request
from scheduler.core.io import load_request
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.explain.conflict import find_conflict
from scheduler.explain.fixes import week_fits
from scheduler.explain.infeasible import explain_infeasible
from scheduler.explain.probe import Verdict, WeekProbe
from scheduler.model.solve import plan_week

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 100.0  # infeasible week -> minimal explanation, median

SETTINGS = get_settings()
MINUTES = {"easy": (30, 60), "tempo": (40, 70), "hill": (40, 60), "long": (80, 150),
           "plyo": (15, 30)}


def generated_week(rng: random.Random) -> Request:
    """A random tight week: few short windows, several sessions, random rule numbers."""
    days = rng.sample(WEEKDAYS, rng.randint(2, 5))
    availability = {}
    for day in days:
        start = rng.randrange(5 * 60, 20 * 60, 10)
        length = rng.choice([30, 40, 50, 60, 80, 100, 120, 150])
        end = min(start + length, 24 * 60)
        availability[day] = [[f"{start // 60:02d}:{start % 60:02d}",
                              f"{end // 60:02d}:{end % 60:02d}"]]
    kinds = rng.sample(["easy", "easy", "tempo", "long", "hill", "plyo", "plyo"],
                       rng.randint(3, 6))
    sessions = [{"kind": k, "minutes": rng.randrange(*MINUTES[k], 5)} for k in kinds]
    context = {"day_before": rng.choice([None, "plyo", "long", "easy"]),
               "day_after": rng.choice([None, "tempo", "plyo", "rest"])}
    rules = {"rest_days": rng.randint(0, 2), "plyo_gap_hours": rng.choice([24, 48, 72]),
             "buffer_minutes": rng.choice([0, 15])}
    return Request.model_validate({
        "runner": {"name": "bench", "level": rng.choice(["beginner", "intermediate"]),
                   "timezone": "Europe/Berlin"},
        "week_start": "2026-11-30", "availability": availability, "sessions": sessions,
        "context": context, "rules": rules})


def infeasible_weeks(count: int, seed: int = 7) -> list[Request]:
    rng = random.Random(seed)
    weeks: list[Request] = []
    while len(weeks) < count:
        request = generated_week(rng)
        if week_fits(WeekProblem.of(request, SETTINGS)) is Verdict.conflict:
            weeks.append(request)
    return weeks


def median_ms(work: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds. On a shared machine the wall clock includes
    waiting for a core; the CPU time is what this process itself spent."""
    work()  # warm up imports and caches
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _plan_week(request: Request) -> Callable[[], object]:
    return lambda: plan_week(WeekProblem.of(request, SETTINGS))


def _plan_command(path: Path) -> Callable[[], object]:
    """The whole normal command path: read, solve, print (to nowhere)."""
    def run() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            main_cli(["plan", str(path)])
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--weeks", type=int, default=20)
    args = parser.parse_args()

    def conflict_only(r: Request) -> Callable[[], object]:
        return lambda: find_conflict(WeekProbe(WeekProblem.of(r, SETTINGS)))

    def full(r: Request) -> Callable[[], object]:
        return lambda: explain_infeasible(WeekProblem.of(r, SETTINGS))

    rows: list[tuple[str, float, float, str]] = []
    example = load_request(ROOT / "examples" / "infeasible_week.json")
    wall, cpu = median_ms(conflict_only(example), args.repeats)
    rows.append(("infeasible_week.json -> minimal conflict", wall, cpu,
                 f"wall/target {wall / TARGET_MS:.2f}"))
    rows.append(("infeasible_week.json -> conflict + fixes",
                 *median_ms(full(example), args.repeats), ""))

    weeks = infeasible_weeks(args.weeks)
    repeats = max(3, args.repeats // 5)
    per_week = [median_ms(conflict_only(r), repeats) for r in weeks]
    per_week_full = [median_ms(full(r), repeats) for r in weeks]
    for label, timings in (("minimal conflict", per_week), ("conflict + fixes", per_week_full)):
        wall = statistics.median(w for w, _ in timings)
        cpu = statistics.median(c for _, c in timings)
        note = f"slowest week {max(w for w, _ in timings):.1f} wall"
        if label == "minimal conflict":
            note = f"wall/target {wall / TARGET_MS:.2f}; {note}"
        rows.append((f"{len(weeks)} generated infeasible weeks -> {label}", wall, cpu, note))

    for path in sorted((ROOT / "examples").glob("*.json")):
        if path.name == "infeasible_week.json":
            continue
        solve_wall, solve_cpu = median_ms(_plan_week(load_request(path)), args.repeats)
        rows.append((f"plan_week {path.name} (normal solve)", solve_wall, solve_cpu, ""))
        wall, cpu = median_ms(_plan_command(path), args.repeats)
        rows.append((f"  'plyoplan plan {path.name}' (no --why)", wall, cpu,
                     f"= solve + {cpu - solve_cpu:.1f} ms cpu to parse, read and print"))

    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'wall ms':>8}  {'cpu ms':>7}  note")
    print(f"{'-' * width}  {'-' * 8}  {'-' * 7}  ----")
    for name, wall, cpu, note in rows:
        print(f"{name:<{width}}  {wall:>8.1f}  {cpu:>7.1f}  {note}")


if __name__ == "__main__":
    main()
