"""The week as a line of minutes, so the model can do arithmetic on real clock times.

Minute 0 is local Monday 00:00 of the runner's week; a minute is a real elapsed minute
(UTC arithmetic), so a DST week is 60 minutes shorter or longer and local clock times
stay right. Day boundaries are local midnights.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

__all__ = ["Week", "local_datetime", "monday_of"]


@lru_cache(maxsize=8192)  # the same windows and days come up for runner after runner
def local_datetime(day: date, minute_of_day: int, tz: ZoneInfo) -> datetime:
    """The aware local datetime at a wall-clock minute of a day ('24:00' = next midnight).

    A wall time inside a spring-forward gap resolves to the instant after the gap, and an
    ambiguous one in the autumn to its first occurrence (zoneinfo's fold=0).
    """
    day = day + timedelta(days=minute_of_day // 1440)
    minute_of_day %= 1440
    naive = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60))
    aware = naive.replace(tzinfo=tz)
    # Round-trip through UTC: a non-existent wall time comes back shifted past the gap.
    return aware.astimezone(UTC).astimezone(tz)


def monday_of(moment: datetime, tz: ZoneInfo) -> datetime:
    """Local midnight (as a UTC instant) starting the Monday of the week `moment` is in."""
    local = moment.astimezone(tz).date()
    return Week(local - timedelta(days=local.weekday()), tz).origin


class Week:
    """Converts between aware datetimes and minutes since the week's local Monday 00:00."""

    def __init__(self, week_start: date, tz: ZoneInfo) -> None:
        self.week_start = week_start
        self.tz = tz
        self.origin = local_datetime(week_start, 0, tz).astimezone(UTC)

    def minute(self, moment: datetime) -> int:
        """Whole minutes from the week's origin to an aware datetime (floor)."""
        return int((moment.astimezone(UTC) - self.origin).total_seconds() // 60)

    def at(self, minute: int) -> datetime:
        """The aware local datetime of a minute on the week's line."""
        return (self.origin + timedelta(minutes=minute)).astimezone(self.tz)

    def day_start(self, day: int) -> int:
        """Minute of local midnight starting day `day` (0 = Monday; may be < 0 or > 6)."""
        return self.minute(local_datetime(self.week_start + timedelta(days=day), 0, self.tz))

    @cached_property
    def day_starts(self) -> tuple[int, ...]:
        """Midnights of days 0..7 (index 7 is the next Monday)."""
        return tuple(self.day_start(d) for d in range(8))

    @property
    def horizon(self) -> int:
        return self.day_starts[7]

    def day_of(self, moment: datetime) -> int:
        """Local day index of a moment: 0 = Monday of this week, -1 the Sunday before."""
        return (moment.astimezone(self.tz).date() - self.week_start).days

    def date(self, day: int) -> date:
        return self.week_start + timedelta(days=day)

    def minutes_to(self, later: Week) -> int:
        """Minutes from this week's origin to `later`'s, so a minute of `later`'s line plus
        this is the same moment on this week's line."""
        return int((later.origin - self.origin).total_seconds() // 60)
