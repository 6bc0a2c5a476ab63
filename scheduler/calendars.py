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
overrides without a master) up to the window's end only, so an unbounded series costs
its occurrences since DTSTART, not forever. Events that plainly cannot reach the window
are dropped before parsing, because parsing dominates (_without_events_far_from).

A broken event is skipped with a warning and the rest is used; a calendar icalendar
cannot read at all (no BEGIN:VCALENDAR, a broken VFREEBUSY line) is a CalendarError.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import x_wr_timezone
from icalendar.cal.component import Component
from icalendar.timezone import tzp
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from icalendar.timezone.zoneinfo import ZONEINFO
from recurring_ical_events import EventAdapter, Series

from scheduler.calendar_fetch import CalendarError, calendar_label, load_calendar_bytes

__all__ = [
    "BusyEvent",
    "BusyOptions",
    "BusyReading",
    "CalendarError",
    "busy_from_ics",
    "format_busy",
    "load_calendar_bytes",
    "merge_busy",
    "read_busy",
]

ONE_DAY = timedelta(days=1)
# An event (for a master: its whole series) is skipped with a warning when one of these
# cannot be read: guessing its times would invent busy time or lose it silently.
_TIMING_PROPERTIES = frozenset(
    {"DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "RRULE", "RDATE", "EXDATE"})
# What recurring_ical_events and icalendar raise on malformed data (their own errors are
# ValueErrors); anything else is a bug here and should surface.
_BROKEN_DATA_ERRORS = (ValueError, TypeError, KeyError, OverflowError)
_FREEBUSY_SUMMARY = {"BUSY-TENTATIVE": "Busy (tentative)", "BUSY-UNAVAILABLE": "Unavailable"}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# For skipping events far from the week before icalendar parses them (on bytes, so that
# no encoding has to be guessed; property names are case-insensitive).
_VEVENT_BLOCK = re.compile(rb"^BEGIN:VEVENT[ \t\r]*$.*?^END:VEVENT[ \t\r]*$", re.I | re.M | re.S)
_FOLDED_LINE_BREAK = re.compile(rb"\r?\n[ \t]")
_MOVES_OR_ADDS = re.compile(rb"^(?:RDATE|RECURRENCE-ID|DURATION)[;:]", re.I | re.M)
_RRULE_LINE = re.compile(rb"^RRULE[;:][^\r\n]*", re.I | re.M)
_UNTIL_DAY = re.compile(rb"UNTIL=(\d{4})(\d{2})(\d{2})", re.I)
_START_DAY = re.compile(rb"^DTSTART(?:;[^\r\n]*)?:(\d{4})(\d{2})(\d{2})", re.I | re.M)
_END_DAY = re.compile(rb"^DTEND(?:;[^\r\n]*)?:(\d{4})(\d{2})(\d{2})", re.I | re.M)


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
class BusyEvent:
    """One interval in which the runner cannot train."""

    start: datetime  # timezone-aware
    end: datetime  # timezone-aware, > start
    summary: str

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError(f"Busy event '{self.summary}' needs timezone-aware times.")
        if self.end <= self.start:
            raise ValueError(f"Busy event '{self.summary}' must end after it starts.")


@dataclass(frozen=True)
class BusyOptions:
    """Which doubtful events count as busy (see the module docstring)."""

    tentative_blocks: bool = True  # TENTATIVE events / BUSY-TENTATIVE periods are busy
    all_day_blocks: bool = False  # all-day events block the whole local day


@dataclass
class BusyReading:
    """What one calendar says about one week."""

    events: list[BusyEvent]  # merged, sorted, clipped to the window
    warnings: list[str]  # one sentence per broken event, naming it and the file


_DEFAULT_OPTIONS = BusyOptions()


def read_busy(source: str, *, week_start: date, tz: ZoneInfo,
              options: BusyOptions = _DEFAULT_OPTIONS,
              base_dir: Path | None = None, public_only: bool = False) -> BusyReading:
    """Busy time of the week starting `week_start` from a calendar file or URL (with
    `public_only`, a URL on public internet addresses only)."""
    data = load_calendar_bytes(source, base_dir=base_dir, public_only=public_only)
    return busy_from_ics(data, label=calendar_label(source), week_start=week_start, tz=tz,
                         options=options)


def busy_from_ics(data: bytes, *, label: str, week_start: date, tz: ZoneInfo,
                  options: BusyOptions = _DEFAULT_OPTIONS) -> BusyReading:
    """Busy time from iCalendar bytes, for the local days week_start − 1 … week_start + 7.

    `label` names the calendar in errors and warnings. Raises CalendarError when the data
    is not a calendar at all; a broken event only adds a warning.
    """
    if week_start.weekday() != 0:
        raise ValueError(f"week_start {week_start} is a {week_start:%A}; "
                         "a plyoplan week starts on a Monday.")
    window = _Window.around(week_start, tz)
    warnings: list[str] = []
    found: list[BusyEvent] = []
    for calendar in _parse_calendars(_without_events_far_from(window, data), label):
        calendar = _apply_x_wr_timezone(calendar, label, warnings)
        found.extend(_busy_from_events(calendar, window, options, label, warnings))
        found.extend(_busy_from_freebusy(calendar, window, options))
    return BusyReading(events=merge_busy(found), warnings=warnings)


def merge_busy(events: Iterable[BusyEvent]) -> list[BusyEvent]:
    """Sorted intervals with overlapping or touching ones joined into one.

    Joined summaries read "A + B", each title once, so merging merged intervals again
    (several calendars, or one-off busy times on top) does not repeat titles.
    """
    merged: list[BusyEvent] = []
    for event in sorted(events, key=lambda e: (e.start, e.end)):
        if merged and event.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = BusyEvent(last.start, max(last.end, event.end),
                                   _join_summaries(last.summary, event.summary))
        else:
            merged.append(event)
    return merged


def format_busy(reading: BusyReading, tz: ZoneInfo) -> str:
    """A table of the busy intervals in local time, one per line, then the warnings."""
    rows = [(_format_span(e.start.astimezone(tz), e.end.astimezone(tz)), e.summary)
            for e in reading.events]
    width = max((len(span) for span, _ in rows), default=0)
    lines = [f"{span.ljust(width)}  {summary}" for span, summary in rows]
    if not lines:
        lines.append("No busy time in this week.")
    if reading.warnings:
        lines += ["", "Warnings:", *(f"  - {warning}" for warning in reading.warnings)]
    return "\n".join(lines)


@dataclass(frozen=True)
class _Window:
    """The local days [week_start − 1, week_start + 8) as aware instants."""

    start: datetime
    end: datetime
    tz: ZoneInfo

    @classmethod
    def around(cls, week_start: date, tz: ZoneInfo) -> _Window:
        return cls(_local(week_start - ONE_DAY, tz), _local(week_start + 8 * ONE_DAY, tz), tz)

    def query_span(self) -> tuple[datetime, datetime]:
        """A naive span for recurring_ical_events, one day wider on each side.

        It reads a naive span in each event's own zone, and no zone is a day or more
        away from the runner's, so nothing inside the window is missed; clip() then cuts
        exactly.
        """
        start = self.start.replace(tzinfo=None) - ONE_DAY
        return start, self.end.replace(tzinfo=None) + ONE_DAY

    def clip(self, start: date | datetime, end: date | datetime,
             summary: str) -> BusyEvent | None:
        """The busy part of [start, end) inside the window, or None."""
        first = max(_local(start, self.tz), self.start)
        last = min(_local(end, self.tz), self.end)
        return BusyEvent(first, last, summary) if first < last else None


def _local(value: date | datetime, tz: ZoneInfo) -> datetime:
    """An instant in the runner's zone: a date is its local midnight, floating is local."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    # Through UTC, so a wall time that does not exist (spring forward) is shown as the
    # real clock time it stands for.
    return value.astimezone(UTC).astimezone(tz)


def _without_events_far_from(window: _Window, data: bytes) -> bytes:
    """The calendar without the events that plainly cannot touch the window.

    icalendar's parser costs about a tenth of a millisecond per line, so years of past
    meetings would dominate the reading of one week. Plain text settles it for an event
    without RDATE (extra instances, even before DTSTART), RECURRENCE-ID (it moves an
    instance of a series) or DURATION: its instances start between DTSTART and the last
    RRULE's UNTIL (no RRULE: only DTSTART; an RRULE without UNTIL: no end), and each lasts
    DTEND − DTSTART. It is dropped when that span ends, or starts, more than two days
    outside the window, a margin wider than any zone offset. Everything else, including
    anything unreadable, goes to icalendar as it was, so a broken event near the week is
    still reported.
    """
    first_day = window.start.date() - 2 * ONE_DAY
    last_day = window.end.date() + 2 * ONE_DAY

    def kept(match: re.Match[bytes]) -> bytes:
        block = match.group()
        # A missing END:VEVENT makes the match run into the next event: keep both.
        if block.upper().count(b"BEGIN:VEVENT") > 1 or _MOVES_OR_ADDS.search(block):
            return block
        start = _day_in(_START_DAY.search(block))
        if start is None:
            return block
        length = max((_day_in(_END_DAY.search(block)) or start) - start, timedelta())
        last_start = _last_start_day(block, start)
        if start > last_day or (last_start is not None and last_start + length < first_day):
            return b""
        return block

    # Unfolded once here (icalendar would unfold first anyway), so that each property
    # is on one line for the patterns above.
    return _VEVENT_BLOCK.sub(kept, _FOLDED_LINE_BREAK.sub(b"", data))


def _last_start_day(block: bytes, start: date) -> date | None:
    """The day of the event's last instance by its RRULEs' UNTIL; None if unbounded."""
    last = start
    for rule in _RRULE_LINE.findall(block):
        until = _day_in(_UNTIL_DAY.search(rule))
        if until is None:  # COUNT or no end: only expanding would tell
            return None
        last = max(last, until)
    return last


def _day_in(match: re.Match[bytes] | None) -> date | None:
    try:
        return date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        return None


def _parse_calendars(data: bytes, label: str) -> list[icalendar.Calendar]:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.upper().startswith(b"BEGIN:VCALENDAR"):
        raise CalendarError(f"'{label}' is not an iCalendar file (no BEGIN:VCALENDAR).")
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


def _busy_from_events(calendar: icalendar.Calendar, window: _Window, options: BusyOptions,
                      label: str, warnings: list[str]) -> Iterator[BusyEvent]:
    series: dict[str, list[Component]] = defaultdict(list)
    for event in calendar.walk("VEVENT"):
        problem = _timing_problem(event, window.tz)
        if problem:
            warnings.append(_skipped(event, label, problem))
            continue
        # A series is a master and its RECURRENCE-ID overrides, all sharing one UID.
        series[str(event.get("UID", f"no UID {id(event)}"))].append(event)
    query_start, query_end = window.query_span()
    for events in series.values():
        try:
            occurrences = Series([EventAdapter(e) for e in events]).between(
                query_start, query_end)
        except _BROKEN_DATA_ERRORS as err:
            warnings.append(_skipped(events[0], label,
                                     f"its repetitions could not be worked out ({err})"))
            continue
        for occurrence in occurrences:
            # Only a series with edited instances needs each occurrence's own copy
            # (as_component is the costly part of a big week); otherwise every
            # occurrence carries the one component's properties.
            instance = occurrence.as_component(False) if len(events) > 1 else events[0]
            all_day = not isinstance(occurrence.start, datetime)
            if _event_blocks(instance, all_day, options):
                busy = window.clip(occurrence.start, occurrence.end, _summary(instance))
                if busy is not None:
                    yield busy


def _timing_problem(event: Component, tz: ZoneInfo) -> str | None:
    """Why the event's times cannot be trusted, or None when they can."""
    for name, message in event.errors:
        if name in _TIMING_PROPERTIES:
            return f"its {name} could not be read ({str(message).rstrip('.')})"
    if "DTSTART" not in event:
        return "it has no start time (DTSTART)"
    try:
        adapter = EventAdapter(event)
        # recurring_ical_events would quietly swap a reversed start and end; a reversed
        # event is more likely a typo in either, so it is reported instead of guessed.
        if _ends_before_it_starts(adapter.raw_start, adapter.raw_end, tz):
            return "it ends before it starts"
    except _BROKEN_DATA_ERRORS as err:
        return f"its times could not be read ({err})"
    return None


def _ends_before_it_starts(start: date | datetime, end: date | datetime,
                           tz: ZoneInfo) -> bool:
    # Two values of one kind in one zone compare as wall times, without asking the zone
    # for offsets (slow for zones built from a VTIMEZONE).
    same_kind = isinstance(start, datetime) == isinstance(end, datetime)
    if same_kind and getattr(start, "tzinfo", None) is getattr(end, "tzinfo", None):
        return end < start
    return _local(end, tz) < _local(start, tz)


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


def _busy_from_freebusy(calendar: icalendar.Calendar, window: _Window,
                        options: BusyOptions) -> Iterator[BusyEvent]:
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


def _join_summaries(first: str, second: str) -> str:
    parts = first.split(" + ")
    parts += [part for part in second.split(" + ") if part not in parts]
    return " + ".join(parts)


def _format_span(start: datetime, end: datetime) -> str:
    if end.date() == start.date():
        return f"{_format_day(start)} {start:%H:%M}–{end:%H:%M}"
    if end.time() == time() and end.date() == start.date() + ONE_DAY:
        return f"{_format_day(start)} {start:%H:%M}–24:00"
    return f"{_format_day(start)} {start:%H:%M} – {_format_day(end)} {end:%H:%M}"


def _format_day(moment: datetime) -> str:
    # Fixed English names: strftime's %a/%b follow the process locale.
    return f"{_WEEKDAYS[moment.weekday()]} {moment.day:02d} {_MONTHS[moment.month - 1]}"
