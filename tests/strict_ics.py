"""Reading a calendar plyoplan wrote as strictly as a calendar app may: the strict `ical`
package must accept it, every TZID must be defined by a VTIMEZONE in the file, and every
event time must be in the runner's zone (a TZID), or in UTC with Z where the zone is UTC
or the local time is one the zone's clock shows twice."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from ical.calendar import Calendar
from ical.calendar_stream import IcsCalendarStream
from icalendar.timezone import is_utc

__all__ = ["read_strictly", "as_calendars_keep_it", "extra_text"]


def _repeated_hour(moment: datetime, zone: ZoneInfo) -> bool:
    """Whether `moment`'s wall-clock time in `zone` happens twice (the hour a clock goes
    back): such a time with a TZID means its first occurrence (RFC 5545 3.3.5)."""
    local = moment.astimezone(zone)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _assert_in_zone(event: Any, zone: str, defined: set[str]) -> None:
    for name in ("DTSTART", "DTEND"):
        prop = event[name]
        moment = prop.dt
        assert isinstance(moment, datetime) and moment.tzinfo is not None, (
            f"{event['UID']}: {name} is floating")
        tzid = prop.params.get("TZID")
        if tzid is not None:
            assert tzid == zone, f"{event['UID']}: {name} has TZID {tzid!r}, not {zone!r}"
            assert tzid in defined, f"{event['UID']}: no VTIMEZONE defines TZID {tzid!r}"
        else:
            assert is_utc(moment), f"{event['UID']}: {name} is neither {zone} nor UTC"
            assert is_utc(ZoneInfo(zone)) or _repeated_hour(moment, ZoneInfo(zone)), (
                f"{event['UID']}: {name} is written in UTC, not in {zone}")


def read_strictly(data: bytes | str, zone: str) -> Calendar:
    """The calendar as the strict parser reads it, after checking its zones (see above)."""
    text = data.decode() if isinstance(data, bytes) else data
    strict = IcsCalendarStream.calendar_from_ics(text)
    loose = icalendar.Calendar.from_ical(text)
    defined = {str(tz["TZID"]) for tz in loose.walk("VTIMEZONE")}
    for event in loose.walk("VEVENT"):
        _assert_in_zone(event, zone, defined)
    used = {str(p.params["TZID"]) for c in loose.walk() for p in c.values()
            if hasattr(p, "params") and "TZID" in p.params and c.name != "VTIMEZONE"}
    assert used <= defined, f"TZIDs without a VTIMEZONE: {sorted(used - defined)}"
    return strict


def as_calendars_keep_it(text: str) -> str:
    """`text` as a calendar can hold it: TEXT has one kind of line break, and no control
    characters or unpaired surrogates (RFC 5545 3.3.11); everything else, exactly."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\t\n" or not (
        ord(c) < 0x20 or ord(c) == 0x7F or 0xD800 <= ord(c) <= 0xDFFF))


def extra_text(calendar: Calendar, name: str) -> list[str]:
    """The values of an X- property as TEXT (RFC 5545 3.3.11): the strict parser keeps
    them as written, escapes and all."""
    def unescape(raw: str) -> str:
        return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], raw)
    return [unescape(str(p.value)) for p in calendar.extras if p.name == name.lower()]
