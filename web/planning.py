"""The planner as the web app uses it: prepare a request, plan, re-plan, explain.

Web requests differ from CLI ones in three ways: a busy calendar may only be a URL (a
server must not read files a visitor names), only a few plans read calendar URLs at once
(see `read_calendar_urls`), and session ids are made unique per plan, because they are
calendar UIDs and two runners called Ana may plan the same week.
Planning, explaining and re-planning are the jobs of `scheduler.jobs`, as on the command
line; a stored plan's "why here" comes from `scheduler.explain.why`.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import Counter
from collections.abc import MutableMapping, Sequence
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from scheduler.calendars.busy_import import with_calendars
from scheduler.calendars.fetch import is_url
from scheduler.calendars.read import BusyOptions, CalendarError, busy_from_ics
from scheduler.core.domain import BusyInterval, CalendarSource, Request, Schedule
from scheduler.core.errors import BadRequest, RulesConflict
from scheduler.core.explanation import ConflictItem, WhyItem
from scheduler.core.labels import runner_slug
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.explain.why import why_items
from scheduler.jobs import plan_and_explain, replan_or_refuse
from scheduler.model.hint import times_a_week_on

__all__ = ["prepare_request", "read_calendar_urls", "plan_request", "replan_after",
           "why_by_session", "busy_from_upload", "Mark", "CalendarsBusy",
           "CALENDAR_READINGS_AT_ONCE"]

Mark = Literal["missed", "done"]
# A solve keeps a core busy; running more at once than there are cores only makes each
# slower and starves the rest of the process (the feed, the worker's health check).
SOLVER_SLOTS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
# Reading calendar URLs waits on other servers, up to FETCH_DEADLINE_SECONDS. It waits on
# the threads that also serve every page and feed (Starlette's pool of 40), so only a
# quarter of them may wait on calendars at once; one more plan hears "try again" at once
# instead of queueing for a thread and stalling everyone's pages with it.
CALENDAR_READINGS_AT_ONCE = 10
_CALENDAR_READINGS = threading.BoundedSemaphore(CALENDAR_READINGS_AT_ONCE)


class CalendarsBusy(BadRequest):
    """Raised when `CALENDAR_READINGS_AT_ONCE` plans are reading calendar URLs already.
    Nothing is wrong with the request: the API answers 503 with Retry-After, a page shows
    the sentence."""

    retry_after_seconds = 30


def plan_tag(plan_id: str) -> str:
    """What makes the session ids of one plan differ from another's: a hash of the plan
    id, never a piece of it. Session ids are the calendar UIDs every app the feed is
    shared with sees, and the plan id is what lets someone change the plan."""
    return hashlib.sha256(f"plyoplan session ids of plan {plan_id}".encode()).hexdigest()[:8]


def _unique_ids(request: Request, plan_id: str) -> Request:
    runner = runner_slug(request.runner.name)[:30]
    counts: Counter[str] = Counter()
    sessions = []
    for wanted in request.sessions:
        counts[wanted.kind] += 1
        if wanted.id is None:
            sid = (f"{runner}-{request.week_start}-{wanted.kind}-"
                   f"{counts[wanted.kind]}-{plan_tag(plan_id)}")
            wanted = wanted.model_copy(update={"id": sid})
        sessions.append(wanted)
    return request.model_copy(update={"sessions": sessions})


def prepare_request(request: Request, plan_id: str, *, private_calendars: bool = False,
                    fetched: MutableMapping[str, bytes | CalendarError] | None = None
                    ) -> tuple[Request, list[str]]:
    """The request with its calendar URLs read into `busy` (on public addresses only,
    unless `private_calendars`; `fetched`: what was fetched already, as
    `read_calendar_urls` takes it) and every session given an id."""
    request, warnings = read_calendar_urls(request, private_calendars=private_calendars,
                                           fetched=fetched)
    return _unique_ids(request, plan_id), warnings


def read_calendar_urls(request: Request, urls: Sequence[CalendarSource] = (), *,
                       private_calendars: bool = False,
                       fetched: MutableMapping[str, bytes | CalendarError] | None = None
                       ) -> tuple[Request, list[str]]:
    """`with_calendars` for the web: the request's `busy_calendars` and `urls` read into
    `busy` (URLs only; on public addresses only unless `private_calendars`), when fewer
    than `CALENDAR_READINGS_AT_ONCE` other plans are reading calendars (else
    CalendarsBusy)."""
    for i, source in enumerate(request.busy_calendars):
        if isinstance(source, str) and not is_url(source):
            raise BadRequest(
                f"Field 'busy_calendars[{i}]': the web app reads busy calendars from "
                f"http(s) or webcal URLs only (got {source!r}); upload a file on the page."
            )
    to_fetch = [u for u in [*request.busy_calendars, *urls]
                if not isinstance(u, str) or fetched is None or u not in fetched]
    if not to_fetch:  # nothing to wait for
        return with_calendars(request, urls, public_only=not private_calendars,
                              fetched=fetched)
    if not _CALENDAR_READINGS.acquire(blocking=False):
        raise CalendarsBusy(
            "Field 'busy_calendars': the server is reading calendars for many plans right "
            f"now; try again in {CalendarsBusy.retry_after_seconds} seconds.")
    try:
        return with_calendars(request, urls, public_only=not private_calendars,
                              fetched=fetched)
    finally:
        _CALENDAR_READINGS.release()


def busy_from_upload(data: bytes, filename: str, week_start: date, timezone: str,
                     *, tentative_blocks: bool = True, all_day_blocks: bool = False
                     ) -> tuple[list[BusyInterval], list[str]]:
    """Busy intervals of the week from an uploaded .ics file, and warnings."""
    options = BusyOptions(tentative_blocks=tentative_blocks, all_day_blocks=all_day_blocks)
    try:
        reading = busy_from_ics(data, label=filename, week_start=week_start,
                                tz=ZoneInfo(timezone), options=options)
    except CalendarError as err:
        raise BadRequest(f"Field 'busy_file': {err}") from None
    busy = [BusyInterval(start=e.start, end=e.end, summary=e.summary[:200])
            for e in reading.events]
    return busy, list(reading.warnings)


def plan_request(request: Request, last_week: Schedule | None = None) -> Schedule:
    """Plan the week; when it cannot fit, or no plan is found in time, the schedule
    carries the explanation (a stored plan has no other place to say it). The week after
    `last_week` starts its search from that week's times (`scheduler.model.hint`)."""
    problem = WeekProblem.of(request, get_settings())
    hint = None if last_week is None else times_a_week_on(last_week, problem)
    with SOLVER_SLOTS:
        schedule = plan_and_explain(problem, hint=hint)
    if schedule.status == "unknown":
        schedule.explanation = [ConflictItem(
            rules=[], sessions=[],
            text="No plan was found within the time limit; try fewer sessions or more "
                 "free time.",
        )]
    return schedule


def replan_after(schedule: Schedule, session_id: str, mark: Mark,
                 at: datetime | None) -> Schedule:
    """The week re-planned after `session_id` was missed or done at `at` (default now;
    without an offset it is the runner's local time).

    A re-plan that finds no plan at all is refused (BadRequest) rather than stored: the
    week as it stands is better than an empty one.
    """
    marked = (session_id,)
    try:
        with SOLVER_SLOTS:
            return replan_or_refuse(
                schedule, missed=marked if mark == "missed" else (),
                done=marked if mark == "done" else (), at=at or datetime.now(UTC),
                settings=get_settings(), request=schedule.request)
    except RulesConflict as err:
        raise BadRequest(f"The week cannot be re-planned: {err}") from None


def why_by_session(schedule: Schedule) -> dict[str, list[WhyItem]]:
    """'Why here' items per planned session id."""
    if schedule.request is None or not schedule.sessions:
        return {}
    with SOLVER_SLOTS:
        items = why_items(WeekProblem.of(schedule.request, get_settings()), schedule)
    out: dict[str, list[WhyItem]] = {}
    for item in items:
        out.setdefault(item.session, []).append(item)
    return out
