"""The pieces sentences are built from: lists, days, clock times on the week line, groups
of sessions, the free time and the busy events that cut into it.

Each rule explains itself with these (constraints/ may not import the explanations), and
the explanations join the rules' sentences with them, so a day, a time or a count reads
the same wherever it is said. The words for a kind of session come from `labels`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.core.availability import FreeWindow, weekly_windows
from scheduler.core.domain import KEY_KINDS, Kind, Request
from scheduler.core.labels import DAY_NAMES, LABELS
from scheduler.core.sessions import SessionSpec
from scheduler.core.week import Week

__all__ = ["joined", "day_list", "plural", "clock", "session_noun", "group_noun", "by_kind",
           "key_workouts", "fit_days", "free_time_text", "busy_cuts", "part_of_day"]


def joined(items: Sequence[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def day_list(days: Iterable[int], last: str = "or") -> str:
    """'Tue', 'Tue or Thu', 'Mon, Tue or Thu' for day indexes (0 = Monday)."""
    return joined([DAY_NAMES[d] for d in sorted(set(days))], last)


def plural(n: int, word: str) -> str:
    """'1 full rest day', '2 full rest days'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def clock(week: Week, minute: int) -> str:
    """Local wall-clock time of a minute on the week line; a day's end reads '24:00'."""
    if minute in week.day_starts[1:]:
        return "24:00"
    return f"{week.at(minute):%H:%M}"


def session_noun(spec: SessionSpec) -> str:
    """'the tempo run (50 min)'."""
    return f"the {LABELS[spec.kind].noun} ({spec.minutes} min)"


def group_noun(specs: Sequence[SessionSpec], minutes: bool = True) -> str:
    """'the tempo run (50 min)' or 'the 2 easy runs (40 and 45 min)'; without minutes
    'the tempo run', 'the 2 easy runs'. The sessions are of one kind."""
    if len(specs) == 1:
        return session_noun(specs[0]) if minutes else f"the {LABELS[specs[0].kind].noun}"
    noun = f"the {len(specs)} {LABELS[specs[0].kind].plural}"
    if not minutes:
        return noun
    return f"{noun} ({joined([str(m) for m in sorted({s.minutes for s in specs})])} min)"


def by_kind(specs: Sequence[SessionSpec], kinds: Iterable[Kind]) -> list[list[SessionSpec]]:
    """The sessions of each of `kinds` that has any, a group per kind in Kind's order."""
    wanted = set(kinds)
    return [[s for s in specs if s.kind is k] for k in Kind
            if k in wanted and any(s.kind is k for s in specs)]


def key_workouts(specs: Sequence[SessionSpec]) -> str:
    """'the tempo run and the long run' for the key workouts among `specs`, else
    'key workouts'."""
    keys = [s for s in specs if s.kind in KEY_KINDS]
    return (joined([group_noun(g, minutes=False) for g in by_kind(keys, KEY_KINDS)])
            or "key workouts")


def fit_days(minutes: int, windows: Sequence[FreeWindow]) -> list[int]:
    """Days with a free window long enough for a session of `minutes`."""
    return sorted({w.day for w in windows if w.minutes >= minutes})


def free_time_text(week: Week, windows: Sequence[FreeWindow]) -> str:
    """'Tue 18:00–19:00, Wed 18:00–18:50 and Fri 17:00–19:00'."""
    return joined([f"{DAY_NAMES[w.day]} {clock(week, w.start)}–{clock(week, w.end)}"
                   for w in windows])


def busy_cuts(request: Request, week: Week) -> list[str]:
    """The busy events that cut into the weekly windows (with the buffer), each as
    "'Board meeting' Wed 18:00–20:00"."""
    weekly = weekly_windows(request, week)
    buffer = request.rules.buffer_minutes
    cut = []
    for b in sorted(request.busy, key=lambda b: week.minute(b.start)):
        start, end = week.minute(b.start), week.minute(b.end)
        if not any(lo < end + buffer and start - buffer < hi for _, lo, hi in weekly):
            continue
        day = DAY_NAMES[week.day_of(b.start) % 7]
        what = f"'{b.summary}'" if b.summary else "a busy event"
        cut.append(f"{what} {day} {clock(week, start)}–{clock(week, end)}")
    return cut


def part_of_day(moment: datetime, tz: ZoneInfo) -> str:
    """'Tue morning', 'Tue afternoon' or 'Tue evening' in the runner's zone."""
    local = moment.astimezone(tz)
    part = "morning" if local.hour < 12 else "afternoon" if local.hour < 17 else "evening"
    return f"{DAY_NAMES[local.weekday()]} {part}"
