"""The week as a plain-text table for the terminal, and which files a command wrote."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from scheduler.core.domain import Schedule
from scheduler.core.labels import LABELS

__all__ = ["week_table", "written_sentence", "say_written"]


def week_table(schedule: Schedule) -> str:
    tz = schedule.request.tz if schedule.request else None
    runner = schedule.request.runner.name if schedule.request else "runner"
    lines = [
        f"{runner} · week of {schedule.week_start:%a %d %b %Y} ({schedule.timezone}) · "
        f"{schedule.status}",
        "",
        f"{'Day':<11} {'Time':<12} {'Session':<14} {'Min':>4} {'Contacts':>9}  Status",
    ]
    for offset in range(7):
        day = schedule.week_start + timedelta(days=offset)
        todays = [s for s in schedule.sessions if s.start.astimezone(tz).date() == day]
        if not todays:
            lines.append(f"{day:%a %d %b}  {'—':<12} rest")
        for s in todays:
            start, end = s.start.astimezone(tz), s.end.astimezone(tz)
            contacts = str(s.contacts) if s.contacts else ""
            status = "" if s.status == "planned" else s.status
            lines.append(
                f"{day:%a %d %b}  {start:%H:%M}–{end:%H:%M}  {LABELS[s.kind].title:<14} "
                f"{s.minutes:>4} {contacts:>9}  {status}".rstrip()
            )
    total = sum(s.contacts for s in schedule.sessions if s.status in ("planned", "done"))
    lines.append("")
    lines.append(f"Plyo contacts this week: {total}")
    paid = {k: v for k, v in schedule.penalties.items() if v}
    if paid:
        lines.append("Preferences not met: " + ", ".join(f"{k} {v}" for k, v in paid.items()))
    if schedule.dropped:
        lines.append("Dropped: " + ", ".join(schedule.dropped))
    return "\n".join(lines)


def written_sentence(written: Sequence[tuple[Path, str]]) -> str:
    """'Wrote week.json (schedule) and week.ics (calendar).': each file as the runner named
    it, with what it holds."""
    parts = [f"{path} ({what})" for path, what in written]
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"Wrote {listed}."


def say_written(written: Sequence[tuple[Path, str]]) -> None:
    """Tell the runner on stderr which files were written, so stdout stays the plan alone
    (it can be piped or compared) and the sentence still shows after it in a terminal."""
    if written:
        sys.stdout.flush()
        print(written_sentence(written), file=sys.stderr)
