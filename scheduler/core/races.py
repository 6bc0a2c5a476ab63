"""The races a week is planned around: on which day of the week each falls, what its
priority asks of the days around it, and the race sessions of the week itself.

Days are counted from the week's Monday in the runner's zone (0 = Monday, 6 = Sunday,
7 = the next Monday, -1 the Sunday before), so a race up to 4 weeks ahead has a day of up
to 34 and its taper days fall wherever they fall. `context.day_before` / `day_after` of
"race" are races too: a B race (the default priority) on the Sunday before or the Monday
after the week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.core.domain import Kind, Priority, Request, clock_minutes
from scheduler.core.labels import DAY_NAMES
from scheduler.core.sessions import SessionSpec, session_id
from scheduler.core.week import Week, local_datetime

__all__ = ["Race", "Taper", "TAPERS", "PRIMER_CONTACTS", "races_of", "race_specs",
           "race_clashes", "race_names", "CONTEXT_PRIORITY"]

# A race named only by `context` is taken as a B race: the default priority.
CONTEXT_PRIORITY: Priority = "B"
PRIMER_CONTACTS = 40  # the most ground contacts of the one primer before an A race


@dataclass(frozen=True)
class Taper:
    """What a race of one priority forbids, in days from race day D (DESIGN.md's table)."""

    no_key: tuple[int, ...]
    no_plyo: tuple[int, ...]
    primer: tuple[int, ...] = ()  # no_plyo days where one low primer may still go


TAPERS: dict[str, Taper] = {
    "A": Taper(no_key=(-2, -1, 1, 2, 3), no_plyo=(-5, -4, -3, -2, -1, 1, 2, 3),
               primer=(-3, -2)),
    "B": Taper(no_key=(-1, 1), no_plyo=(-2, -1, 1)),
    "C": Taper(no_key=(-1,), no_plyo=(-1, 1)),
}


@dataclass(frozen=True)
class Race:
    """One race as a week sees it."""

    name: str
    priority: Priority
    day: int  # race day, counted from the week's Monday
    date: date
    index: int | None = None  # its place in `races`; None for a race named by `context`
    start: str | None = None
    minutes: int = 0

    @property
    def taper(self) -> Taper:
        return TAPERS[self.priority]

    def days(self, offsets: tuple[int, ...]) -> list[int]:
        """The days of this week (0-6) at these offsets from race day."""
        return sorted(d for o in offsets if 0 <= (d := self.day + o) <= 6)

    @property
    def in_week(self) -> bool:
        return 0 <= self.day <= 6

    @property
    def title(self) -> str:
        """'City 10k (A race, Sun 13 Dec)'."""
        return f"{self.name} ({self.priority} race, {DAY_NAMES[self.date.weekday()]} " \
               f"{self.date:%d %b})"


def races_of(request: Request) -> list[Race]:
    """Every race the week is planned around: `races`, then those `context` names."""
    monday = request.week_start
    out = [Race(r.name, r.priority, (r.date - monday).days, r.date, i, r.start, r.minutes)
           for i, r in enumerate(request.races)]
    ctx = request.context
    if ctx.day_before == Kind.race.value:
        out.append(Race("last Sunday's race", CONTEXT_PRIORITY, -1,
                        monday - timedelta(days=1)))
    if ctx.day_after == Kind.race.value:
        out.append(Race("next Monday's race", CONTEXT_PRIORITY, 7,
                        monday + timedelta(days=7)))
    return out


def race_specs(request: Request, week: Week) -> list[SessionSpec]:
    """The week's own races as sessions fixed at their start (ids 'ana-2026-11-30-race-1')."""
    specs: list[SessionSpec] = []
    for race in races_of(request):
        if not race.in_week or race.start is None:
            continue
        moment = local_datetime(race.date, clock_minutes(race.start), request.tz)
        specs.append(SessionSpec(session_id(request, Kind.race, len(specs) + 1), Kind.race,
                                 race.minutes, at=week.minute(moment)))
    return specs


def race_names(request: Request) -> dict[str, str]:
    """The name of each race session of the week, by session id."""
    races = [r for r in races_of(request) if r.in_week and r.start is not None]
    return {spec.id: race.name for race, spec in zip(races, race_specs(request, Week(
        request.week_start, request.tz)), strict=True)}


def race_clashes(request: Request, week: Week) -> list[str]:
    """A sentence per busy interval a race of the week overlaps: the race keeps its time
    (a warning, not a conflict)."""
    out = []
    races = [r for r in races_of(request) if r.in_week and r.start is not None]
    for race, spec in zip(races, race_specs(request, week), strict=True):
        assert spec.at is not None
        begin, end = week.at(spec.at), week.at(spec.at + spec.minutes)
        for busy in request.busy:
            if busy.start < end and begin < busy.end:
                what = f"'{busy.summary}'" if busy.summary else "a busy event"
                local = busy.start.astimezone(request.tz)
                out.append(f"{race.name} on {begin:%a %d %b %H:%M} clashes with {what} "
                           f"({local:%a %H:%M}); the race keeps its time.")
    return out
