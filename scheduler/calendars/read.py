"""Busy time for one week, read from a runner's real calendars (.ics files and URLs).

What counts as busy, and why
----------------------------
plyoplan only needs to know when the runner cannot train. Calendar programs say that in
different ways, so these are the rules, each chosen so that a session is never put on
top of something the runner really has to attend, while reminders do not eat whole days:

* A timed event blocks its whole span (a conference from Saturday 09:30 to Sunday 17:00
  blocks the night between too), unless the calendar says it leaves the runner free:
  TRANSP:TRANSPARENT ("show as free"), STATUS:CANCELLED (also one cancelled instance of
  a series) or Outlook's X-MICROSOFT-CDO-BUSYSTATUS:FREE.
* Tentative events (STATUS:TENTATIVE or Outlook's BUSYSTATUS:TENTATIVE) block unless
  `tentative_blocks` is off: a maybe-meeting is a poor place for a tempo run.
* All-day events (DATE values) do not block by default. They are mostly holidays,
  birthdays and "bin day" reminders, not appointments; Outlook even exports public
  holidays as OPAQUE + BUSY. Letting them block would wipe out the very days a runner is
  free to train. Outlook's BUSYSTATUS:OOF (out of office) does block: the runner set that
  day aside. `all_day_blocks=True` makes every all-day event that is not free or
  cancelled block the local day(s) it covers.
* A VFREEBUSY (what a server publishes instead of events) blocks its FREEBUSY periods
  unless FBTYPE=FREE; BUSY-TENTATIVE follows `tentative_blocks`; an absent or unknown
  FBTYPE means BUSY, as RFC 5545 says.

How times are read
------------------
The window is the local week plus one day on each side, because the planner's buffers
and overnight events reach across the week's edges. icalendar parses the file: a TZID
that is an IANA name uses zoneinfo, a Windows name ("W. Europe Standard Time") its IANA
zone (with or without a VTIMEZONE beside it, see _WindowsNamesAsIana), and any other
TZID ("Customized Time Zone") the calendar's own VTIMEZONE. Floating times (no zone) are
read in the runner's zone; a Google export's X-WR-TIMEZONE is applied with x_wr_timezone.
recurring_ical_events expands RRULE/RDATE/EXDATE and RECURRENCE-ID overrides (also
overrides without a master); calendar_repeats.py keeps that cheap for any rule.

What one reading may cost
-------------------------
Calendars come from visitors' uploads and URLs, so the work of one reading is bounded,
not just its 10 MB of bytes. icalendar parses some 15,000 lines a second, so only what
can matter for the week reaches it (calendar_prefilter.py): events that plainly cannot
reach the window, tasks and journal entries are left out, and of an event only the
properties read here are kept. If more than `MAX_PARSED_LINES` lines or
`MAX_PARSED_BYTES` remain, or the week holds more than `MAX_EVENTS_IN_WEEK` events, the
calendar is a CalendarError. A repeating event that cannot be worked out cheaply is
skipped with a warning, and a calendar with too many of them is a CalendarError
(calendar_repeats.py).

A broken event is skipped with a warning and the rest is used; a calendar icalendar
cannot read at all (no BEGIN:VCALENDAR, a broken VFREEBUSY line) is a CalendarError.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import x_wr_timezone
from icalendar.cal.component import Component
from icalendar.timezone import tzp
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from icalendar.timezone.zoneinfo import ZONEINFO
from recurring_ical_events import EventAdapter

from scheduler.calendars.events import (
    BusyEvent,
    BusyReading,
    Window,
    day_name,
    format_busy,
    local,
    merge_busy,
)
from scheduler.calendars.fetch import (
    CalendarError,
    calendar_label,
    load_calendar_bytes,
    load_calendars,
)
from scheduler.calendars.prefilter import TIMING_PROPERTIES, near_the_week
from scheduler.calendars.repeats import (
    BROKEN_DATA_ERRORS,
    RepetitionBudget,
    UnreadableSeries,
    series_occurrences,
)

__all__ = [
    "MAX_EVENTS_IN_WEEK",
    "MAX_PARSED_BYTES",
    "MAX_PARSED_LINES",
    "BusyEvent",
    "BusyOptions",
    "BusyReading",
    "CalendarError",
    "busy_from_ics",
    "format_busy",
    "load_calendar_bytes",
    "load_calendars",
    "merge_busy",
    "read_busy",
]

MAX_PARSED_LINES = 10_000
MAX_PARSED_BYTES = 1024 * 1024
MAX_EVENTS_IN_WEEK = 2_000
_REPEATS = frozenset({"RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"})
_FREEBUSY_SUMMARY = {"BUSY-TENTATIVE": "Busy (tentative)", "BUSY-UNAVAILABLE": "Unavailable"}


class _WindowsNamesAsIana(ZONEINFO):
    """icalendar's zoneinfo provider, with Windows zone names read as their IANA zone.

    For a Windows name that comes with a VTIMEZONE (every Exchange/Outlook export),
    icalendar would build the zone from that VTIMEZONE: it holds only today's rule,
    stretched back to 1601, and dateutil answers every offset question by walking those
    rules again (milliseconds each, for every event). The IANA zone is exact for past
    years too, and fast. Other unknown names ("Customized Time Zone") still use the
    calendar's VTIMEZONE.
    """

    def knows_timezone_id(self, tzid: str) -> bool:
        return tzid in WINDOWS_TO_OLSON or super().knows_timezone_id(tzid)

    def timezone(self, name: str) -> tzinfo | None:
        return super().timezone(WINDOWS_TO_OLSON.get(name, name))


_ZONES = _WindowsNamesAsIana()
# icalendar keeps VTIMEZONE definitions in one process-wide cache keyed by TZID and lets
# the first definition seen win, so two runners' "Customized Time Zone"s would get mixed
# up. Each calendar is parsed with a fresh cache (tzp.use() empties it), under this lock.
_PARSE_LOCK = threading.Lock()


@dataclass(frozen=True)
class BusyOptions:
    """Which doubtful events count as busy (see the module docstring)."""

    tentative_blocks: bool = True  # TENTATIVE events / BUSY-TENTATIVE periods are busy
    all_day_blocks: bool = False  # all-day events block the whole local day


_DEFAULT_OPTIONS = BusyOptions()


def read_busy(source: str, *, week_start: date, tz: ZoneInfo,
              options: BusyOptions = _DEFAULT_OPTIONS,
              base_dir: Path | None = None, public_only: bool = False,
              fetched: MutableMapping[str, bytes | CalendarError] | None = None
              ) -> BusyReading:
    """Busy time of the week starting `week_start` from a calendar file or URL (with
    `public_only`, a URL on public internet addresses only). `fetched` keeps the bytes
    read by source, so that reading several weeks loads each calendar once; a source it
    holds a CalendarError for was fetched already and failed, and fails so again."""
    data = fetched.get(source) if fetched is not None else None
    if isinstance(data, CalendarError):
        raise data
    if data is None:
        data = load_calendar_bytes(source, base_dir=base_dir, public_only=public_only)
        if fetched is not None:
            fetched[source] = data
    return busy_from_ics(data, label=calendar_label(source), week_start=week_start, tz=tz,
                         options=options)


def busy_from_ics(data: bytes, *, label: str, week_start: date, tz: ZoneInfo,
                  options: BusyOptions = _DEFAULT_OPTIONS) -> BusyReading:
    """Busy time from iCalendar bytes, for the local days week_start − 1 … week_start + 7.

    `label` names the calendar in errors and warnings. Raises CalendarError when the data
    is not a calendar at all or is more than one week's reading may cost; a broken event
    only adds a warning.
    """
    if week_start.weekday() != 0:
        raise ValueError(f"week_start {week_start} is a {week_start:%A}; "
                         "a plyoplan week starts on a Monday.")
    window = Window.around(week_start, tz)
    limits = _Limits(label, week_start)
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.upper().startswith(b"BEGIN:VCALENDAR"):
        raise CalendarError(f"'{label}' is not an iCalendar file (no BEGIN:VCALENDAR).")
    warnings: list[str] = []
    found: list[BusyEvent] = []
    for calendar in _parse_calendars(limits.near_the_week(window, data), label):
        calendar = _apply_x_wr_timezone(calendar, label, warnings)
        found.extend(_busy_from_events(calendar, window, options, limits, warnings))
        found.extend(_busy_from_freebusy(calendar, window, options, limits))
    return BusyReading(events=merge_busy(found), warnings=warnings)


class _Limits:
    """What one reading may still cost, with the sentences that say it is spent."""

    def __init__(self, label: str, week_start: date):
        self.label, self.week_start = label, week_start
        self.repetitions = RepetitionBudget(label, week_start)
        self.events = 0

    def near_the_week(self, window: Window, data: bytes) -> bytes:
        near = near_the_week(window, data, MAX_PARSED_LINES)
        if near is None or near.count(b"\n") > MAX_PARSED_LINES or len(near) > MAX_PARSED_BYTES:
            raise CalendarError(
                f"Calendar '{self.label}' is too big to read for one week: even without "
                f"what is far from the week of {day_name(self.week_start)} it has more than "
                f"{MAX_PARSED_LINES:,} lines or {MAX_PARSED_BYTES // 1024 // 1024} MB, the "
                "most plyoplan reads.")
        return near

    def count_event(self) -> None:
        self.events += 1
        if self.events > MAX_EVENTS_IN_WEEK:
            raise CalendarError(
                f"Calendar '{self.label}' has more than {MAX_EVENTS_IN_WEEK:,} events in "
                f"or around the week of {day_name(self.week_start)}; plyoplan reads at "
                f"most {MAX_EVENTS_IN_WEEK:,}.")


def _parse_calendars(data: bytes, label: str) -> list[icalendar.Calendar]:
    with _PARSE_LOCK:
        tzp.use(_ZONES)
        try:
            return icalendar.Calendar.from_ical(data, multiple=True)
        except ValueError as err:
            raise CalendarError(
                f"Calendar '{label}' could not be read as iCalendar: "
                f"{str(err).rstrip('.')}.") from None


def _apply_x_wr_timezone(calendar: icalendar.Calendar, label: str,
                         warnings: list[str]) -> icalendar.Calendar:
    """Read UTC and floating times in the zone a Google export names in X-WR-TIMEZONE.

    Google writes recurring events in UTC and means "the same local time every week",
    so without this a weekly 08:30 meeting would move by an hour at each DST change.
    """
    try:
        return x_wr_timezone.to_standard(calendar)
    except (ZoneInfoNotFoundError, ValueError):
        warnings.append(f"Calendar '{label}' names an unknown X-WR-TIMEZONE "
                        f"'{calendar.get('X-WR-TIMEZONE')}'; its times were read as written.")
        return calendar


def _busy_from_events(calendar: icalendar.Calendar, window: Window, options: BusyOptions,
                      limits: _Limits, warnings: list[str]) -> Iterator[BusyEvent]:
    series: dict[str, list[Component]] = defaultdict(list)
    for event in calendar.walk("VEVENT"):
        problem = _timing_problem(event, window.tz)
        if problem:
            warnings.append(_skipped(event, limits.label, problem))
            continue
        # A series is a master and its RECURRENCE-ID overrides, all sharing one UID.
        series[str(event.get("UID", f"no UID {id(event)}"))].append(event)
    for events in series.values():
        try:
            occurrences = _occurrences(events, window, limits)
        except UnreadableSeries as reason:
            warnings.append(_skipped(events[0], limits.label, str(reason)))
            continue
        for start, end, instance, one_off in occurrences:
            busy = window.clip(start, end, _summary(instance))
            if busy is None:
                continue
            if one_off:  # a series' occurrences were counted as they came
                limits.count_event()
            if _event_blocks(instance, not isinstance(start, datetime), options):
                yield busy


def _occurrences(events: list[Component], window: Window,
                 limits: _Limits) -> list[tuple[date | datetime, date | datetime, Component, bool]]:
    """Start, end and properties of each occurrence of a series near the window, and
    whether it is a one-off event."""
    if len(events) == 1 and not _REPEATS & events[0].keys():
        # What recurring_ical_events would yield for it, without its series machinery.
        try:
            adapter = EventAdapter(events[0])
            return [(adapter.start, adapter.end, events[0], True)]
        except BROKEN_DATA_ERRORS as err:
            raise UnreadableSeries(f"its times could not be read ({err})") from None
    found = []
    for occurrence in series_occurrences(events, window, limits.repetitions):
        limits.count_event()
        # Only a series with edited instances needs each occurrence's own copy
        # (as_component is the costly part of a big week); otherwise every occurrence
        # carries the one component's properties.
        instance = occurrence.as_component(False) if len(events) > 1 else events[0]
        found.append((occurrence.start, occurrence.end, instance, False))
    return found


def _timing_problem(event: Component, tz: ZoneInfo) -> str | None:
    """Why the event's times cannot be trusted, or None when they can."""
    for name, message in event.errors:
        if name in TIMING_PROPERTIES:
            return f"its {name} could not be read ({str(message).rstrip('.')})"
    if "DTSTART" not in event:
        return "it has no start time (DTSTART)"
    try:
        adapter = EventAdapter(event)
        # recurring_ical_events would quietly swap a reversed start and end; a reversed
        # event is more likely a typo in either, so it is reported instead of guessed.
        if _ends_before_it_starts(adapter.raw_start, adapter.raw_end, tz):
            return "it ends before it starts"
    except BROKEN_DATA_ERRORS as err:
        return f"its times could not be read ({err})"
    return None


def _ends_before_it_starts(start: date | datetime, end: date | datetime,
                           tz: ZoneInfo) -> bool:
    # Two values of one kind in one zone compare as wall times, without asking the zone
    # for offsets (slow for zones built from a VTIMEZONE).
    same_kind = isinstance(start, datetime) == isinstance(end, datetime)
    if same_kind and getattr(start, "tzinfo", None) is getattr(end, "tzinfo", None):
        return end < start
    return local(end, tz) < local(start, tz)


def _event_blocks(event: Component, all_day: bool, options: BusyOptions) -> bool:
    status = _upper(event, "STATUS")
    outlook_status = _upper(event, "X-MICROSOFT-CDO-BUSYSTATUS")
    free = (status == "CANCELLED" or outlook_status == "FREE"
            or _upper(event, "TRANSP") == "TRANSPARENT")
    if free:
        return False
    if "TENTATIVE" in (status, outlook_status) and not options.tentative_blocks:
        return False
    if all_day:
        return options.all_day_blocks or outlook_status == "OOF"
    return True


def _busy_from_freebusy(calendar: icalendar.Calendar, window: Window,
                        options: BusyOptions, limits: _Limits) -> Iterator[BusyEvent]:
    for component in calendar.walk("VFREEBUSY"):
        # icalendar parses every value into a vPeriod or rejects the calendar; several
        # FREEBUSY lines (or values on one line) come as a list.
        periods = component.get("FREEBUSY", [])
        for period in periods if isinstance(periods, list) else [periods]:
            fbtype = str(period.params.get("FBTYPE", "BUSY")).upper()
            if fbtype == "FREE" or (fbtype == "BUSY-TENTATIVE"
                                    and not options.tentative_blocks):
                continue
            busy = window.clip(period.start, period.end, _FREEBUSY_SUMMARY.get(fbtype, "Busy"))
            if busy is not None:
                limits.count_event()
                yield busy


def _upper(component: Component, name: str) -> str:
    return str(component.get(name, "")).strip().upper()


def _summary(event: Component) -> str:
    return " ".join(str(event.get("SUMMARY", "")).split()) or "(no title)"


def _skipped(event: Component, label: str, problem: str) -> str:
    summary = " ".join(str(event.get("SUMMARY", "")).split())
    name = f"'{summary}'" if summary else "without a title"
    uid = str(event.get("UID", "")).strip()
    uid_part = f" (UID {uid})" if uid else ""
    return f"Event {name}{uid_part} in '{label}' was skipped: {problem}."
