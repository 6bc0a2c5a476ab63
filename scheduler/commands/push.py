"""`plyoplan push`: write a planned week's sessions into a CalDAV collection (one event per
session, UID = the session id; missed and dropped sessions removed)."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.calendars.caldav_collection import CalDavTarget, put_events
from scheduler.calendars.fetch import CalendarError, calendar_label
from scheduler.core.errors import BadRequest
from scheduler.core.io import load_schedule
from scheduler.export.ics import add_timezone, calendar_for, session_event

__all__ = ["add_parser", "run", "PASSWORD_VARIABLE"]

PASSWORD_VARIABLE = "PLYOPLAN_CALDAV_PASSWORD"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "push", help="write a planned week into a CalDAV calendar",
        description="Write every session of SCHEDULE as an event into a CalDAV collection "
                    "(Nextcloud, iCloud, Fastmail, Radicale...): a moved session moves in "
                    "place, a missed or dropped one is removed. The password is read from "
                    f"{PASSWORD_VARIABLE}.",
    )
    p.add_argument("schedule", type=Path, help="schedule JSON written by 'plyoplan plan --json'")
    p.add_argument("--caldav", required=True, metavar="URL", help="the collection's URL")
    p.add_argument("--username", default="", metavar="U", help="the account's user name")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    schedule = load_schedule(args.schedule)
    if not args.caldav.lower().startswith(("http://", "https://")):
        raise BadRequest(f"Option --caldav: a CalDAV collection is an http(s) URL (got "
                         f"{calendar_label(args.caldav)!r}).")
    target = CalDavTarget(args.caldav, args.username, os.environ.get(PASSWORD_VARIABLE, ""))
    stamp = datetime.now(UTC).replace(microsecond=0)
    zone = ZoneInfo(schedule.timezone)
    changes: list[tuple[str, bytes | None]] = []
    for session in schedule.sessions:
        if session.status in ("missed", "dropped"):
            changes.append((session.id, None))
            continue
        cal = calendar_for("plyoplan")
        cal.add_component(session_event(session, stamp, zone))
        add_timezone(cal, schedule.timezone, session.start.date())
        changes.append((session.id, bytes(cal.to_ical())))
    try:
        put_events(target, changes)
    except CalendarError as err:
        raise BadRequest(str(err)) from None
    kept = sum(body is not None for _, body in changes)
    print(f"Wrote {kept} session{'s' if kept != 1 else ''} to {target.label}"
          + (f" and removed {len(changes) - kept}." if len(changes) > kept else "."))
    return 0
