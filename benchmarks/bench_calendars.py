"""How long reading busy time for one week takes: real exports, a big generated calendar,
and hostile ones.

Each scenario runs --repeat times (default 7) and is reported as the median wall time
with time.perf_counter, next to its target:

* the largest calendar in tests/data/calendars, read from disk, parsed, expanded and merged
  for a week in which it has events (target: median <= 200 ms);
* a generated calendar of 5,000 events over three years, like a busy office worker's:
  90% one-off meetings, 10% weekly series (a third unbounded, the rest ending after a
  COUNT, each with an EXDATE); a fifth of all events use a Windows zone name. Read for
  one week (target: median <= 1 s);
* pathological one-event calendars an upload could hold: a repetition since 1990 every
  second, minute or hour (with COUNT and UNTIL variants), a rule that never matches, and
  INTERVAL=0. Before the limits in calendar_repeats.py these took from seconds (HOURLY)
  to hours (SECONDLY) or for ever (INTERVAL=0); target: median <= 200 ms each;
* 10 MB files: one-off events far from the week, and unmatched BEGIN:VEVENT lines (a
  lazy pattern made that quadratic). Target: median <= 1 s; 'found' says "error" when
  the reading is a CalendarError, as the second one is.

    .venv/bin/python benchmarks/bench_calendars.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.calendars.fetch import MAX_CALENDAR_BYTES
from scheduler.calendars.read import (
    BusyOptions,
    BusyReading,
    CalendarError,
    busy_from_ics,
    read_busy,
)

REAL_CALENDARS = Path(__file__).resolve().parents[1] / "tests" / "data" / "calendars"
# A week in which each real calendar file has events, so the expansion really runs.
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


def since_1990(rule: str) -> bytes:
    """One event repeating by `rule` from 1 Jan 1990, ten minutes long."""
    return ("\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//plyoplan bench//EN", "BEGIN:VEVENT",
        "UID:since-1990@plyoplan", "SUMMARY:Since 1990",
        "DTSTART;TZID=Europe/Berlin:19900101T060000",
        "DTEND;TZID=Europe/Berlin:19900101T061000", f"RRULE:{rule}", "END:VEVENT",
        "END:VCALENDAR"]) + "\r\n").encode()


def ten_megabytes(block: Callable[[int], str]) -> bytes:
    """A calendar of `block(n)` for n = 0, 1, ... up to 10 MB."""
    parts, size = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"], 0
    while size < MAX_CALENDAR_BYTES - 1024:
        parts.append(block(len(parts)))
        size += len(parts[-1])
    return ("".join(parts) + "END:VCALENDAR\r\n").encode()


def far_event(n: int) -> str:
    day = date(2015, 1, 1) + timedelta(days=n % 1500)
    return (f"BEGIN:VEVENT\r\nUID:{n}\r\nSUMMARY:Old {n}\r\nDTSTART:{day:%Y%m%d}T090000Z\r\n"
            f"DTEND:{day:%Y%m%d}T100000Z\r\nEND:VEVENT\r\n")


PATHOLOGICAL = [
    ("since 1990: FREQ=SECONDLY", "FREQ=SECONDLY"),
    ("since 1990: FREQ=MINUTELY", "FREQ=MINUTELY"),
    ("since 1990: FREQ=HOURLY", "FREQ=HOURLY"),
    ("since 1990: HOURLY;COUNT=1000000", "FREQ=HOURLY;COUNT=1000000"),
    ("since 1990: HOURLY;UNTIL=2030", "FREQ=HOURLY;UNTIL=20300101T000000Z"),
    ("since 1990: DAILY, never matches", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"),
    ("since 1990: DAILY;INTERVAL=0", "FREQ=DAILY;INTERVAL=0"),
]


def medians(run: Callable[[], BusyReading], repeat: int) -> tuple[float, float, str]:
    """Median wall and CPU seconds of `repeat` runs, and the intervals the last one found
    ("error" for a CalendarError).

    The CPU time shows what the code costs when other processes share the machine.
    """
    wall, cpu = [], []
    found = ""
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            found = str(len(run().events))
        except CalendarError:
            found = "error"
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per scenario (>= 5)")
    repeat = max(5, parser.parse_args().repeat)

    largest = max(REAL_CALENDARS.glob("*.ics"), key=lambda p: p.stat().st_size)
    monday, zone = BUSY_WEEKS.get(largest.name, (WEEK, "Europe/Berlin"))
    all_day = BusyOptions(all_day_blocks=True)  # so holiday files yield intervals too
    generated = generated_calendar()

    scenarios: list[tuple[str, str, Callable[[], BusyReading], float]] = [
        (f"largest real calendar: {largest.name}", f"{largest.stat().st_size / 1024:.0f} KB",
         lambda: read_busy(str(largest), week_start=monday, tz=ZoneInfo(zone),
                           options=all_day),
         0.200),
        ("generated: 5,000 events", f"{len(generated) / 1024:.0f} KB",
         lambda: busy_from_ics(generated, label="generated.ics", week_start=WEEK,
                               tz=BERLIN),
         1.000),
    ]
    for name, rule in PATHOLOGICAL:
        data = since_1990(rule)
        scenarios.append((name, f"{len(data)} B", partial(busy_from_ics, data, label="since.ics",
                                                          week_start=WEEK, tz=BERLIN), 0.200))
    for name, data in [("10 MB: one-off events years ago", ten_megabytes(far_event)),
                       ("10 MB: unmatched BEGIN:VEVENT lines",
                        ten_megabytes(lambda n: "BEGIN:VEVENT\r\n"))]:
        scenarios.append((name, f"{len(data) / 1024 / 1024:.0f} MB",
                          partial(busy_from_ics, data, label="big.ics", week_start=WEEK,
                                  tz=BERLIN), 1.000))
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
          "is for; 'found' = merged busy intervals in the week, or error for a CalendarError)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
