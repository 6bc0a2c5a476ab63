"""How long reading busy time for one week takes, on a real export and a big generated one.

Two scenarios, each run --repeat times (default 7) and reported as the median wall time
with time.perf_counter, next to its target:

* the largest calendar in shared/calendars, read from disk, parsed, expanded and merged
  for a week in which it has events (target: median <= 200 ms);
* a generated calendar of 5,000 events over three years, like a busy office worker's:
  90% one-off meetings, 10% weekly series (a third unbounded, the rest ending after a
  COUNT, each with an EXDATE); a fifth of all events use a Windows zone name. Read for
  one week (target: median <= 1 s).

    python benchmarks/bench_calendars.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.calendars import BusyOptions, BusyReading, busy_from_ics, read_busy

SHARED = Path(__file__).resolve().parents[2] / "shared" / "calendars"
# A week in which each shared file has events, so the expansion really runs.
BUSY_WEEKS = {
    "outlook12_germany_holidays.ics": (date(2019, 4, 15), "Europe/Berlin"),
    "google_us_holidays.ics": (date(2023, 11, 6), "America/New_York"),
    "google_machbar_dst.ics": (date(2019, 3, 4), "Europe/Berlin"),
}
WEEK = date(2026, 11, 30)
BERLIN = ZoneInfo("Europe/Berlin")


def generated_calendar(events: int = 5000, seed: int = 7) -> bytes:
    """A busy work calendar: 90% one-off meetings over 2025-2027, 10% weekly series."""
    rng = random.Random(seed)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//plyoplan bench//EN"]
    first_day = date(2025, 1, 1)
    for n in range(events):
        day = first_day + timedelta(days=rng.randrange(3 * 365))
        start = datetime(day.year, day.month, day.day, rng.randrange(7, 19),
                         rng.choice((0, 15, 30, 45)))
        end = start + timedelta(minutes=rng.choice((15, 30, 45, 60, 90, 120)))
        zone = "W. Europe Standard Time" if n % 5 == 0 else "Europe/Berlin"
        lines += ["BEGIN:VEVENT", f"UID:bench-{n}@plyoplan", f"SUMMARY:Meeting {n}",
                  f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}",
                  f"DTEND;TZID={zone}:{end:%Y%m%dT%H%M%S}"]
        if n % 10 == 1:
            if n % 3 == 0:
                lines.append("RRULE:FREQ=WEEKLY")
            else:
                lines.append(f"RRULE:FREQ=WEEKLY;COUNT={rng.randrange(4, 120)}")
            skipped = start + timedelta(weeks=rng.randrange(1, 20))
            lines.append(f"EXDATE;TZID={zone}:{skipped:%Y%m%dT%H%M%S}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def medians(run: Callable[[], BusyReading], repeat: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of `repeat` runs, and the intervals the last one found.

    The CPU time shows what the code costs when other processes share the machine.
    """
    wall, cpu = [], []
    found = 0
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        found = len(run().events)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per scenario (>= 5)")
    repeat = max(5, parser.parse_args().repeat)

    largest = max(SHARED.glob("*.ics"), key=lambda p: p.stat().st_size)
    monday, zone = BUSY_WEEKS.get(largest.name, (WEEK, "Europe/Berlin"))
    all_day = BusyOptions(all_day_blocks=True)  # so holiday files yield intervals too
    generated = generated_calendar()

    scenarios: list[tuple[str, str, Callable[[], BusyReading], float]] = [
        (f"largest shared: {largest.name}", f"{largest.stat().st_size / 1024:.0f} KB",
         lambda: read_busy(str(largest), week_start=monday, tz=ZoneInfo(zone),
                           options=all_day),
         0.200),
        ("generated: 5,000 events", f"{len(generated) / 1024:.0f} KB",
         lambda: busy_from_ics(generated, label="generated.ics", week_start=WEEK,
                               tz=BERLIN),
         1.000),
    ]
    print(f"{'scenario':<48} {'size':>7} {'found':>6} {'median':>10} {'cpu':>10} "
          f"{'target':>8}  ok")
    all_ok = True
    for name, size, run, target in scenarios:
        wall, cpu, found = medians(run, repeat)
        ok = wall <= target
        all_ok &= ok
        print(f"{name:<48} {size:>7} {found:>6} {wall * 1000:>7.1f} ms {cpu * 1000:>7.1f} ms "
              f"{target * 1000:>5.0f} ms  {'yes' if ok else 'NO'}")
    print(f"({repeat} runs each; median = wall time by time.perf_counter, the one the target "
          "is for; 'found' = merged busy intervals in the week)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
