"""What of a calendar file can matter for one week, found on its bytes before parsing.

icalendar's parser costs about a tenth of a millisecond per line, so years of past
meetings, tasks and attendee lists would dominate the reading of one week, and a
visitor's 10 MB upload could keep a worker busy for minutes. `near_the_week` leaves out
what cannot matter: events whose text shows they cannot reach the window (`_Event`),
overrides that move an instance between two far days, tasks and journal entries (never
busy time), and of the events that stay everything but the properties read
(`READ_PROPERTIES`) and their alarms. It works on bytes, so that no encoding has to be
guessed, with patterns that look at each line once, so that no arrangement of lines
costs more than its length. Anything it cannot judge goes to icalendar as it was, so a
broken event near the week is still reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from math import ceil

from scheduler.calendars.events import Window

__all__ = ["READ_PROPERTIES", "TIMING_PROPERTIES", "near_the_week"]

ONE_DAY = timedelta(days=1)
# An event (for a master: its whole series) is skipped with a warning when one of these
# cannot be read: guessing its times would invent busy time or lose it silently.
TIMING_PROPERTIES = frozenset(
    {"DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "RRULE", "RDATE", "EXDATE"})
# All that calendars.py and recurring_ical_events read of an event.
READ_PROPERTIES = frozenset({*TIMING_PROPERTIES, "UID", "SEQUENCE", "SUMMARY", "STATUS",
                             "TRANSP", "X-MICROSOFT-CDO-BUSYSTATUS"})
_READ_NAMES = frozenset(name.encode() for name in READ_PROPERTIES)
# Searched in an upper-cased copy (names are case-insensitive; the copy has the same
# byte positions), which lets the patterns skip ahead to their first letters.
# A whole VEVENT, VTODO or VJOURNAL with its line break: the lines between its BEGIN and
# END may not begin or end another one, so each line is looked at once even in a file
# of unmatched BEGINs (a lazy ".*?" up to the next END would be quadratic there). Tried
# first, a plain one-off event (most of a calendar) with the days of its DTSTART and
# DTEND, so that it is judged without reading it again.
_INSIDE = rb"(?!(?:BEGIN|END):(?:VEVENT|VTODO|VJOURNAL)[ \t\r]*$)[^\n]*\n"
_COMPONENT = re.compile(
    rb"^BEGIN:VEVENT[ \t\r]*\n(?:DTSTART(?:;[^\n]*)?:(?P<start>\d{8})[^\n]*\n"
    rb"|DTEND(?:;[^\n]*)?:(?P<end>\d{8})[^\n]*\n"
    rb"|(?!(?:BEGIN|END|DTSTART|DTEND|RRULE|RDATE|EXDATE|RECURRENCE-ID|DURATION)[;:])"
    rb"[^\n]*\n)*?END:VEVENT[ \t\r]*(?:\n|\Z)"
    rb"|^BEGIN:(?P<name>VEVENT|VTODO|VJOURNAL)[ \t\r]*\n(?:" + _INSIDE + rb")*?"
    rb"END:(?P=name)[ \t\r]*(?:\n|\Z)", re.M)
_INNER_BEGIN = re.compile(rb"^BEGIN[;:]", re.M)
_READ_LINE = re.compile(rb"^(?:" + b"|".join(re.escape(n) for n in sorted(_READ_NAMES))
                        + rb")[;:][^\n]*\n", re.M)
_NAME_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
_DURATION = re.compile(rb"[ \t]*\+?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?"
                       rb"(?:(\d+)S)?)?[ \t\r]*")
# How long one step of a FREQ can take to give its date, for a COUNT without day filters
# (a month may lack the 29th to 31st, so two).
_STEP_DAYS = {b"SECONDLY": 1 / 86400, b"MINUTELY": 1 / 1440, b"HOURLY": 1 / 24,
              b"DAILY": 1, b"WEEKLY": 7, b"MONTHLY": 62, b"YEARLY": 366}
_COUNTABLE_PARTS = frozenset({b"FREQ", b"INTERVAL", b"COUNT", b"WKST", b"BYDAY", b"BYHOUR",
                              b"BYMINUTE", b"BYSECOND"})
_TIME_FILTERS = {b"HOURLY": (b"BYHOUR",), b"MINUTELY": (b"BYHOUR", b"BYMINUTE"),
                 b"SECONDLY": (b"BYHOUR", b"BYMINUTE", b"BYSECOND")}
_KEEP, _DROP, _DEPENDS = "keep", "drop", "depends on its series"


def near_the_week(window: Window, data: bytes, max_lines: int) -> bytes | None:
    """The calendar with only what can matter for the window left for icalendar, or
    None as soon as the events kept have more than `max_lines` lines."""
    first = _day_text(window.start.date() - 2 * ONE_DAY)
    last = _day_text(window.end.date() + 2 * ONE_DAY)
    # Unfolded first (icalendar would unfold anyway), so that a property is on one line.
    for fold in (b"\r\n ", b"\r\n\t", b"\n ", b"\n\t"):
        data = data.replace(fold, b"")
    upper = data.upper()
    pieces: list[bytes] = []
    done = kept_lines = 0
    masters: dict[bytes, list[_Event]] = {}
    overrides: list[tuple[int, _Event, re.Match[bytes]]] = []
    left_out: dict[bytes, list[tuple[int, re.Match[bytes]]]] = {}
    moves_the_rest: set[bytes] = set()  # UIDs with a RANGE=THISANDFUTURE override
    for component in _COMPONENT.finditer(upper):
        begin, end = component.span()
        pieces.append(data[done:begin])
        done = end
        block, start = component.group(), component.group("start")
        if start and (start > last or max(start, component.group("end") or start) < first):
            far = _day_in(start) is not None  # a real day: DTSTART judged, else icalendar
        else:
            far = component.group("name") in (b"VTODO", b"VJOURNAL")
        if far:  # a one-off event, a task or a journal entry, with its line break
            pieces.append(b"")
            continue
        event = _Event(block)
        verdict = event.verdict(first, last)
        if b"RANGE=" in event.moved:
            moves_the_rest.add(event.uid)
        if verdict == _KEEP:
            if not event.moved:
                masters.setdefault(event.uid, []).append(event)
            kept = _read_part_of(data[begin:end], block, max_lines)
            kept_lines += kept.count(b"\n")
            if kept_lines > max_lines:
                return None
            pieces.append(kept)
            continue
        left_out.setdefault(event.uid, []).append((len(pieces), component))
        if verdict == _DEPENDS:
            overrides.append((len(pieces), event, component))
        pieces.append(b"")
    pieces.append(data[done:])
    # An override that moves the rest of its series can bring any instance into the
    # window, so its series stays whole. An override far from the window that moves an
    # instance from before it matters if that instance, as long as its master's (a far
    # master's instances are far too), lasts into the window.
    wanted = [found for uid in moves_the_rest for found in left_out.get(uid, [])]
    wanted += [(index, component) for index, event, component in overrides
               if event.uid not in moves_the_rest
               and event.moved_instance_reaches(first, masters.get(event.uid, []))]
    for index, component in wanted:
        begin, end = component.span()
        pieces[index] = _read_part_of(data[begin:end], component.group(), max_lines)
        kept_lines += pieces[index].count(b"\n")
        if kept_lines > max_lines:
            return None
    return b"".join(pieces)


class _Event:
    """What the text of one VEVENT says about when it can happen (days as YYYYMMDD)."""

    def __init__(self, block: bytes):
        self.block = block
        self.uid = _value(block, b"\nUID").partition(b":")[2].strip()
        self.start = _day_in(_value(block, b"\nDTSTART"))
        self.end = _day_in(_value(block, b"\nDTEND"))
        self.moved = _value(block, b"\nRECURRENCE-ID")
        self.needs_dates = b"\nRRULE" in block or b"\nDURATION" in block

    def verdict(self, first: bytes, last: bytes) -> str:
        """Kept, dropped, or dropped unless its master lasts into the window.

        Plain text settles it for an event without RDATE (extra instances, even before
        DTSTART) or RANGE (an override that moves the rest of its series): instances
        start between DTSTART and the last RRULE's UNTIL or COUNT, and each lasts
        DTEND − DTSTART or its DURATION. Days compare as text; `first` and `last` leave
        two days' margin, more than any zone offset.
        """
        moves = _day_in(self.moved)
        if (self.start is None or _value(self.block, b"\nRDATE") or b"RANGE=" in self.moved
                or (self.moved and moves is None)):
            return _KEEP
        try:
            far = self.start > last or self._ends_before(first)
        except ValueError:  # a day past its month's end: icalendar judges it
            return _KEEP
        if not far:
            return _KEEP
        if moves is None or moves > last:
            return _DROP
        return _DEPENDS if moves < first else _KEEP

    def _ends_before(self, first: bytes) -> bool:
        start = self.start or first
        if not self.needs_dates:  # the common case, without date arithmetic
            return max(start, self.end or start) < first
        last_start, length = _last_start(self.block, start), self.length()
        return last_start is not None and length is not None and (
            _date(last_start) + length < _date(first))

    def length(self) -> timedelta | None:
        """How many days an instance may reach past its start day; None if unreadable."""
        try:
            start, end = _date(self.start or b""), _date(self.end or self.start or b"")
        except ValueError:
            return None
        length = max(end - start, timedelta())
        duration = _value(self.block, b"\nDURATION")
        if duration:
            parts = _DURATION.fullmatch(duration.rpartition(b":")[2])
            if parts is None:  # negative or unreadable: icalendar judges it
                return None
            weeks, days, hours, minutes, seconds = (int(n or 0) for n in parts.groups())
            within_day = ceil(((hours * 60 + minutes) * 60 + seconds) / 86400)
            length = max(length, (7 * weeks + days + within_day) * ONE_DAY)
        return length

    def moved_instance_reaches(self, first: bytes, masters: list[_Event]) -> bool:
        """Whether the instance this override replaces can last into the window."""
        longest = timedelta()
        for master in masters:
            length = master.length()
            if length is None:
                return True
            longest = max(longest, length)
        moves = _day_in(self.moved)
        try:
            return moves is None or _date(moves) + longest >= _date(first)
        except ValueError:
            return True


def _value(block: bytes, key: bytes) -> bytes:
    """What follows property `key` (b"\\nNAME") on its first line in `block`, or b""."""
    at = block.find(key)
    while at >= 0:
        after = at + len(key)
        if block[after:after + 1] in (b";", b":"):
            return block[after:block.find(b"\n", after)].rstrip(b"\r")
        at = block.find(key, after)
    return b""


def _values(block: bytes, key: bytes) -> Iterator[bytes]:
    """What follows property `key` on each of its lines in `block`."""
    at = block.find(key)
    while at >= 0:
        rest = _value(block[at:], key)
        if rest:
            yield rest
        at = block.find(key, at + len(key))


def _last_start(block: bytes, start: bytes) -> bytes | None:
    """The day of the last instance by the RRULEs' UNTIL or COUNT; None if unbounded."""
    last = start
    for rule in _values(block, b"\nRRULE"):
        parts = dict(part.partition(b"=")[::2] for part in rule.rpartition(b":")[2].split(b";"))
        end = _day_in(parts.get(b"UNTIL", b"")) or _count_end(parts, start)
        if end is None:
            return None
        last = max(last, end)
    return last


def _count_end(parts: dict[bytes, bytes], start: bytes) -> bytes | None:
    """The last day a COUNT can reach when each step has a date: no day filters, and
    no time filters on a FREQ shorter than a day; None when that is not plain."""
    count, freq = parts.get(b"COUNT", b""), parts.get(b"FREQ", b"")
    interval = parts.get(b"INTERVAL", b"1")
    if not (count.isdigit() and interval.isdigit() and freq in _STEP_DAYS):
        return None
    if any(name not in _COUNTABLE_PARTS for name in parts):
        return None
    if b"BYDAY" in parts and not (
            freq == b"WEEKLY" and parts[b"BYDAY"].replace(b",", b"").isalpha()):
        return None  # a weekday filter, or a numbered weekday
    if any(name in parts for name in _TIME_FILTERS.get(freq, ())):
        return None  # a FREQ shorter than a day filters by these
    if freq == b"YEARLY" and start[4:] == b"0229":
        return None  # only leap years
    days = ceil((int(count) + 1) * int(interval) * _STEP_DAYS[freq])
    return _day_text(_date(start) + days * ONE_DAY) if days < 3_000_000 else None


def _read_part_of(event: bytes, upper: bytes, max_lines: int) -> bytes:
    """The event with only the properties read, without alarms or other components."""
    head, tail = event.index(b"\n") + 1, event.rstrip(b"\n").rindex(b"\n") + 1
    if not _INNER_BEGIN.search(upper, head):
        return b"".join([event[:head], *(event[line.start():line.end()] for line in
                                         _READ_LINE.finditer(upper, head, tail)),
                         event[tail:].rstrip(b"\n"), b"\n"])
    if upper.count(b"\n") > max_lines:
        return event  # too long to be read anyway
    kept, depth = [event[:head]], 0
    for start, line in _lines(upper, head, tail):
        name = line[:len(line) - len(line.lstrip(_NAME_LETTERS))]
        if name == b"BEGIN":
            depth += 1
        elif name == b"END":
            depth -= 1
        elif depth == 0 and name in _READ_NAMES:
            kept.append(event[start:start + len(line)])
    return b"".join([*kept, event[tail:].rstrip(b"\n"), b"\n"]) if depth == 0 else event


def _lines(text: bytes, begin: int, end: int) -> Iterator[tuple[int, bytes]]:
    """The lines of text[begin:end] with their line breaks, and where each starts."""
    while begin < end:
        stop = text.index(b"\n", begin, end) + 1
        yield begin, text[begin:stop]
        begin = stop


def _day_in(value: bytes) -> bytes | None:
    """The YYYYMMDD of a DATE or DATE-TIME value, or None if it is none (a day past the
    month's end still counts; date arithmetic rejects it later)."""
    day = value.rpartition(b":")[2][:8]
    if len(day) == 8 and day.isdigit() and b"01" <= day[4:6] <= b"12" and (
            b"01" <= day[6:] <= b"31") and day[:4] != b"0000":
        return day
    return None


def _date(day: bytes) -> date:
    return date(int(day[:4]), int(day[4:6]), int(day[6:8]))


def _day_text(day: date) -> bytes:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}".encode()
