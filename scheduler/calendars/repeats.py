"""Repeating calendar events expanded near one week at a cost that has a bound.

recurring_ical_events hands each RRULE to dateutil, which walks every repetition from
DTSTART to the end of the span asked for (it cannot seek), then on until one more date
turns up, up to the year 9999 if none does: `FREQ=MINUTELY` from 1990 is 19 million
steps, a rule that never matches (`BYMONTH=2;BYMONTHDAY=30`) 8,000 years. So before a
master is expanded (`_tamed`):

* a rule that starts it more than 96 times a day, steps faster than every 15 minutes or
  has an INTERVAL below 1 (dateutil would loop forever) skips its series with a warning;
* a master that starts long before the week is read from a later DTSTART, the last
  point of its rule's grid (whole INTERVALs, in the wall-clock seconds or months that
  dateutil counts) a week plus the event's length before the span. The defaults dateutil
  takes from DTSTART (weekday, month day, time of day) are the same there, and so are
  all dates from there on. A COUNT is lowered by the steps skipped (exact only when each
  step is one date); other COUNT rules are walked from their real start if cheap;
* a rule whose steps can go without dates for years (BYMONTH=2;BYMONTHDAY=30, a
  BYSETPOS) is first searched on the same calendar moved to just before 9999, where
  dateutil must stop soon (`_dates_near`). Without a date near the week it adds nothing
  and is left out; with one in the week but none in ten years after, the series is
  skipped with a warning;
* what is left costs a known number of dateutil steps, charged in microseconds as
  measured per FREQ: a series may cost `_SERIES_BUDGET` (else it is skipped with a
  warning), a calendar `REPETITION_BUDGET` (else CalendarError).
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from math import lcm

from dateutil.rrule import rrulestr
from icalendar.cal.component import Component
from recurring_ical_events import EventAdapter, Series
from recurring_ical_events.occurrence import Occurrence

from scheduler.calendars.events import Window, at_wall_clock, day_name, wall_clock
from scheduler.calendars.fetch import CalendarError

__all__ = ["BROKEN_DATA_ERRORS", "MAX_STARTS_PER_DAY", "REPETITION_BUDGET", "RepetitionBudget",
           "UnreadableSeries", "series_occurrences"]

ONE_DAY = timedelta(days=1)
# What recurring_ical_events, icalendar and dateutil raise on malformed data (their own
# errors are ValueErrors; dateutil indexes past a list for BYDAY=9MO); anything else is
# a bug here and should surface.
BROKEN_DATA_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError)
MAX_STARTS_PER_DAY = 96  # every 15 minutes
# dateutil's cost of one step in microseconds, measured per FREQ (a YEARLY step looks
# at every day of its year).
_STEP_COST = {"SECONDLY": 8, "MINUTELY": 8, "HOURLY": 8, "DAILY": 6, "WEEKLY": 9,
              "MONTHLY": 15, "YEARLY": 150}
REPETITION_BUDGET = 300_000
_SERIES_BUDGET = 100_000
# What recurring_ical_events spends on any repeating series, and dateutil on reading a
# rule for a search, besides the steps.
_SERIES_COST, _SEARCH_COST = 600, 300
_EMPTY_DAY_COST = 7  # dateutil passes a day without dates in one step, whatever the FREQ
# dateutil steps in wall-clock seconds or in calendar months.
_STEP = {"SECONDLY": ("seconds", 1), "MINUTELY": ("seconds", 60), "HOURLY": ("seconds", 3600),
         "DAILY": ("seconds", 86400), "WEEKLY": ("seconds", 604800),
         "MONTHLY": ("months", 1), "YEARLY": ("months", 12)}
# Parts that can leave steps without dates for years (BYMONTH, BYMONTHDAY and BYDAY too,
# unless they name days every month has).
_DAY_FILTERS = ("BYWEEKNO", "BYYEARDAY", "BYSETPOS", "BYEASTER")
_ANY_MONTH = frozenset(range(-28, 29)) - {0}
_NEAR_YEARS = 10
# dateutil fills these from DTSTART when they are absent and FREQ is coarser.
_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")
_TIME_PARTS = (("BYHOUR", "hour", 4), ("BYMINUTE", "minute", 5), ("BYSECOND", "second", 6))
_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class UnreadableSeries(Exception):
    """A series is skipped; the message says why, to follow "was skipped: "."""


class RepetitionBudget:
    """The dateutil steps (in microseconds of their cost) one calendar may still spend."""

    def __init__(self, label: str, week_start: date, units: int = REPETITION_BUDGET):
        self.label, self.week_start = label, week_start
        self.left: float = units

    def spend(self, units: float) -> None:
        self.left -= units
        if self.left < 0:
            raise CalendarError(
                f"Calendar '{self.label}' has more repeating events than plyoplan works out "
                f"for one week (the week of {day_name(self.week_start)}): it stops after "
                f"about {REPETITION_BUDGET / 1e6:.1f} s of that work.")


def series_occurrences(events: list[Component], window: Window,
                       budget: RepetitionBudget) -> Iterator[Occurrence]:
    """The occurrences of one series (a master and its overrides, one UID) near the window.

    Raises UnreadableSeries when the series is skipped (its message says why) and
    CalendarError when the calendar's budget runs out.
    """
    span = window.query_span()
    try:
        adapters = [EventAdapter(event) for event in events]
        # The span the rules are walked over, as recurring_ical_events widens it: back by
        # the event's length, and either way for an override that moves the rest of its
        # series (RANGE=THISANDFUTURE).
        widening = [a.extend_query_span_by for a in adapters
                    if not a.is_modification() or a.this_and_future]
        walked = (span[0] - max((back for back, _ in widening), default=timedelta()),
                  span[1] + max((ahead for _, ahead in widening), default=timedelta()))
        tamed = [adapter if adapter.is_modification() or "RRULE" not in event
                 else _tamed(event, adapter, adapters, walked, budget)
                 for event, adapter in zip(events, adapters, strict=True)]
        yield from Series(tamed).between(*span)
    except CalendarError:
        raise
    except BROKEN_DATA_ERRORS as err:
        raise UnreadableSeries(f"its repetitions could not be worked out ({err})") from None


class _TamedMaster(EventAdapter):
    """A master from a later DTSTART (COUNTs lowered to match) or without some rules."""

    def __init__(self, event: Component, start: date | datetime, length: timedelta,
                 rules: set[str]):
        super().__init__(event)
        self._tamed_span = (start, start + length)
        self._tamed_rules = rules

    @property
    def span(self) -> tuple[date | datetime, date | datetime]:
        return self._tamed_span

    @property
    def rrules(self) -> set[str]:
        return self._tamed_rules


@dataclass(frozen=True)
class _Rule:
    """One RRULE of a master, with the few facts the cost depends on."""

    parts: dict[str, list[str]]  # as recurring_ical_events writes it for dateutil
    freq: str
    interval: int
    count: int | None

    @classmethod
    def of(cls, text: str) -> _Rule:
        parts = {name.upper(): value.split(",") for name, _, value in
                 (part.partition("=") for part in text.split(";"))}
        count = int(parts.get("COUNT", ["-1"])[0])  # recurring_ical_events drops COUNT=-n
        return cls(parts, parts.get("FREQ", [""])[0].upper(),
                   int(parts.get("INTERVAL", ["1"])[0]), None if count < 0 else count)

    def sizes(self, *names: str) -> list[int]:
        return [len(set(self.parts.get(name, []))) for name in names]

    def step(self) -> tuple[str, int]:
        """One INTERVAL of the FREQ, in seconds or months."""
        unit, size = _STEP[self.freq]
        return unit, size * self.interval

    def step_days(self) -> float:
        unit, size = self.step()
        return size / 86400 if unit == "seconds" else 30.4 * size

    def steps_per_day(self) -> float:
        return 1 / self.step_days()

    def starts_per_day(self) -> float:
        """The most dates it can give on one day (BYHOUR/BYMINUTE/BYSECOND multiply)."""
        hours, minutes, seconds = self.sizes("BYHOUR", "BYMINUTE", "BYSECOND")
        if self.freq == "SECONDLY":
            return min((hours or 24) * (minutes or 60) * (seconds or 60), self.steps_per_day())
        if self.freq == "MINUTELY":
            return min((hours or 24) * (minutes or 60), self.steps_per_day()) * (seconds or 1)
        if self.freq == "HOURLY":
            return min(hours or 24, self.steps_per_day()) * (minutes or 1) * (seconds or 1)
        return (hours or 1) * (minutes or 1) * (seconds or 1)

    def cost_per_day(self) -> float:
        """What walking one day of this rule costs dateutil (see _STEP_COST)."""
        if self.step()[0] == "seconds":
            days = 1.0
        else:  # the share of days a monthly or yearly rule can land on
            sizes = self.sizes("BYMONTHDAY", "BYDAY", "BYYEARDAY", "BYWEEKNO")
            listed = sum(n * k for n, k in zip(sizes, (12, 53, 1, 7), strict=True))
            days = min(1.0, max(listed, 1) / (28 if self.freq == "MONTHLY" else 365))
        return _STEP_COST[self.freq] * self.steps_per_day() + self.starts_per_day() * days

    def leaves_no_step_empty(self, start: datetime) -> bool:
        """Every step has a date, or one comes within a few steps: no search needed."""
        if any(name in self.parts for name in _DAY_FILTERS):
            return False
        weekdays, monthdays = self.parts.get("BYDAY", []), self.parts.get("BYMONTHDAY", [])
        if self.freq in ("MONTHLY", "YEARLY") and not (weekdays and monthdays) and (
                self.freq == "YEARLY" or "BYMONTH" not in self.parts):
            # Days every month has: the 1st to 28th, the 1st to 4th of a weekday.
            day = monthdays or weekdays or ["" if "BYMONTH" not in self.parts
                                            else str(start.day)]
            return all(not d.lstrip("+-").isdigit() or int(d) in _ANY_MONTH for d in day) and all(
                abs(int(d[:-2] or 1)) <= 4 for d in weekdays)
        if "BYMONTH" in self.parts or monthdays or not all(d.isalpha() for d in weekdays):
            return False
        if not weekdays or self.freq == "WEEKLY":
            return True
        if self.freq == "DAILY":
            return self.interval % 7 != 0
        return self.steps_per_day() >= 1  # every day has a step for the weekdays to pick

    def one_date_per_step(self, start: datetime) -> bool:
        """Whether its n-th date is DTSTART + n steps, so a COUNT can be lowered."""
        defaults = _implied_parts({}, self.freq, start)
        if _implied_parts(self.parts, self.freq, start) != defaults:
            return False
        if self.freq == "MONTHLY":
            return start.day <= 28
        return self.freq != "YEARLY" or (start.month, start.day) != (2, 29)

    def text(self, count: int | None, until: bool = True) -> str:
        """The rule for dateutil with another COUNT (None: no COUNT), maybe no UNTIL."""
        return ";".join([*(f"{name}={','.join(values)}" for name, values in self.parts.items()
                           if name != "COUNT" and (until or name != "UNTIL")),
                         *([] if count is None else [f"COUNT={count}"])])


def _implied_parts(parts: dict[str, list[str]], freq: str,
                   start: datetime) -> dict[str, set[str]] | None:
    """The BYxxx parts dateutil works with, DTSTART's defaults filled in as it does."""
    if any(name in parts for name in ("BYSETPOS", "BYWEEKNO", "BYYEARDAY", "BYEASTER")):
        return None
    implied: dict[str, set[str]] = {
        name: {v.upper() if name == "BYDAY" else str(int(v)) for v in parts[name]}
        for name in ("BYMONTH", "BYMONTHDAY", "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND")
        if name in parts}
    if "BYMONTHDAY" not in implied and "BYDAY" not in implied:
        if freq == "YEARLY":
            implied.setdefault("BYMONTH", {str(start.month)})
        if freq in ("YEARLY", "MONTHLY"):
            implied["BYMONTHDAY"] = {str(start.day)}
        if freq == "WEEKLY":
            implied["BYDAY"] = {_WEEKDAY_CODES[start.weekday()]}
    for name, attribute, finer in _TIME_PARTS:
        if _FREQS.index(freq) < finer:
            implied.setdefault(name, {str(getattr(start, attribute))})
    return implied


def _tamed(event: Component, adapter: EventAdapter, series: list[EventAdapter],
           walked: tuple[datetime, datetime], budget: RepetitionBudget) -> EventAdapter:
    """The master as it is cheap to expand; raises UnreadableSeries when it is not."""
    texts: list[str | None] = [*sorted(adapter.rrules)]
    rules = [_Rule.of(text) for text in sorted(adapter.rrules)]
    if not all(rule.freq in _STEP_COST for rule in rules):
        return adapter  # recurring_ical_events reports the rule as unreadable
    _refuse_nonsense(rules)
    timed = isinstance(adapter.start, datetime)
    start = wall_clock(adapter.start)
    # Dates of the steps before a new start end before it plus a week (BYWEEKNO reaches
    # into the next year's first days), and then last as long as the event. An override
    # that carries its own rules and an older SEQUENCE is kept only if its RECURRENCE-ID
    # is a date of this rule, which recurring_ical_events checks by walking up to it.
    checked = [wall_clock(other.recurrence_ids[-1]) for other in series
               if other.is_modification() and other.has_recurrence_rules()
               and other.sequence < adapter.sequence]
    latest, last = min([walked[0], *checked]) - 8 * ONE_DAY, max([walked[1], *checked])
    common = _common_step(rules)
    skipped, later = _last_step_before(start, latest, common, timed)
    new_start, walk_from = adapter.start, start
    if common and skipped and all(
            rule.count is None or rule.one_date_per_step(start) for rule in rules):
        new_start, walk_from = at_wall_clock(adapter.start, later), later
        done = [skipped * common[1] // rule.step()[1] for rule in rules]
        texts = [None if rule.count is not None and rule.count <= n
                 else rule.text(None if rule.count is None else rule.count - n)
                 for rule, n in zip(rules, done, strict=True)]
    days = (last - walk_from) / ONE_DAY + 1
    cost = sum(rule.cost_per_day() * min(days, _days_for_count(rule, start))
               for rule in rules) * (1 + len(checked))
    if cost > _SERIES_BUDGET:
        raise UnreadableSeries(
            f"working out its RRULE from {walk_from:%Y} on would take too long")
    budget.spend(_SERIES_COST + cost)
    for n, rule in enumerate(rules):
        if texts[n] and not rule.leaves_no_step_empty(start):
            _, grid = _last_step_before(start, latest, rule.step(), timed)
            in_span, soon_after = _dates_near(rule, grid, latest, last, budget)
            if in_span and not soon_after:
                raise UnreadableSeries(
                    f"its RRULE has no date within {_NEAR_YEARS} years after this week")
            if not in_span and not soon_after:  # it adds nothing to this window
                texts[n] = None
    if new_start == adapter.start and texts == sorted(adapter.rrules):
        return adapter
    return _TamedMaster(event, new_start, adapter.duration, {t for t in texts if t})


def _refuse_nonsense(rules: list[_Rule]) -> None:
    """Raise UnreadableSeries for rules no busy calendar means and dateutil cannot do."""
    if min(rule.interval for rule in rules) < 1:
        raise UnreadableSeries("its RRULE has an INTERVAL below 1")
    # dateutil crosses a long step month by month, so a huge INTERVAL is costly too.
    if max(rule.step_days() for rule in rules) > 36_600:
        raise UnreadableSeries("its RRULE repeats it less than once in 100 years")
    if any("BYEASTER" in rule.parts for rule in rules):
        raise UnreadableSeries("its RRULE uses BYEASTER, which iCalendar does not define")
    if (sum(rule.starts_per_day() for rule in rules) > MAX_STARTS_PER_DAY
            or max(rule.steps_per_day() for rule in rules) > MAX_STARTS_PER_DAY):
        raise UnreadableSeries(
            f"its RRULE repeats it more often than every {24 * 60 // MAX_STARTS_PER_DAY} "
            "minutes, which is not busy time")


def _common_step(rules: list[_Rule]) -> tuple[str, int] | None:
    """The shortest step that holds whole steps of each rule (None: seconds and months)."""
    steps = [rule.step() for rule in rules]
    if len({unit for unit, _ in steps}) > 1:
        return None
    return steps[0][0], lcm(*(size for _, size in steps))


def _last_step_before(start: datetime, latest: datetime, step: tuple[str, int] | None,
                      timed: bool) -> tuple[int, datetime]:
    """How many whole steps from `start` fit before `latest`, and where they end."""
    if step is None or start >= latest:
        return 0, start
    unit, size = step
    if unit == "seconds":
        if not timed and size % 86400:
            return 0, start  # a DTSTART without a time cannot move by part of a day
        steps = (latest - start) // timedelta(seconds=size)
        return steps, start + steps * timedelta(seconds=size)
    steps = ((latest.year - start.year) * 12 + latest.month - start.month) // size
    # Back one step at a time past months without DTSTART's day (the 31st, 29 February).
    for n in range(steps, max(steps - 48, 0), -1):
        year, month = divmod(start.month - 1 + n * size, 12)
        year += start.year
        if year <= 9999 and start.day <= gregorian.monthrange(year, month + 1)[1]:
            moved = start.replace(year=year, month=month + 1)
            if moved <= latest:
                return n, moved
    return 0, start


def _days_for_count(rule: _Rule, start: datetime) -> float:
    """How many days a walk can last before its COUNT ends it (unbounded for a rule that
    can go steps without a date): a weekday filter skips 6 days at most, and a rule
    shorter than a day without time filters has a date at each step of a day."""
    if rule.count is None or not rule.leaves_no_step_empty(start):
        return float("inf")
    per_day = 1 if any(name in rule.parts for name in ("BYHOUR", "BYMINUTE", "BYSECOND")
                       ) else max(int(rule.steps_per_day()), 1)
    return rule.count / per_day * 7 * max(rule.step_days(), 1)


def _dates_near(rule: _Rule, grid: datetime, first: datetime, last: datetime,
                budget: RepetitionBudget) -> tuple[bool, bool]:
    """Whether the rule has dates from `first` to `last`, and one within _NEAR_YEARS
    after: asked of dateutil on the same calendar just before 9999, where it must stop
    searching soon. COUNT and UNTIL are left out; they only take dates away."""
    shift = _far_future_shift(grid.year, max(last.year, grid.year) + _NEAR_YEARS)
    if shift is None:
        return True, False
    # A broken rule raises here, and is reported as such.
    there = iter(rrulestr(rule.text(None, until=False), dtstart=grid + shift))
    in_span, found = False, None
    try:
        for moment in there:  # from grid, which is at most `first`
            if moment > last + shift:
                found = moment
                break
            in_span = in_span or moment >= first + shift
    except BROKEN_DATA_ERRORS:  # dateutil stepped past the year 9999
        pass
    walked = ((found or datetime(9999, 12, 31)) - (grid + shift)) / ONE_DAY
    # This search, and the real one after the span, pass mostly days without dates.
    budget.spend(_SEARCH_COST + 2 * min(rule.cost_per_day(), _EMPTY_DAY_COST) * walked)
    return in_span, found is not None


@lru_cache(maxsize=256)
def _far_future_shift(first_year: int, last_year: int) -> timedelta | None:
    """How far to move `first_year` so that it and the years after it up to at least
    `last_year` become years ending at 9999 with the same leap years and weekdays."""
    for there in range(9999 - (last_year - first_year), 9599 - (last_year - first_year), -1):
        if there > 1 and all(_year_kind(first_year + n) == _year_kind(there + n)
                             for n in range(-1, 10001 - there)):
            return date(there, 1, 1) - date(first_year, 1, 1)
    return None


def _year_kind(year: int) -> tuple[bool, int]:
    """What dateutil's masks for a year depend on (calendar.weekday wraps past 9999)."""
    return gregorian.isleap(year), gregorian.weekday(year, 1, 1)
