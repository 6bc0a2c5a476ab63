"""The Sunday-night roll-over: next week planned for every runner in the database.

For each runner whose latest week is the week before `monday`, `roll_week` does what the
plan page's "Plan next week from my log" button does (`web.training.plan_next_week`, the
same function): the week after, from the request that week was planned from, adapted to
the runner's training log, around their calendars read again, stored as the runner's
next plan so their feed and page show it. Runners who have that week already are not
asked again, and the database's one-plan-per-runner-and-week decides any race (another
roll-over, the runner's own click): a second run, or a run after a crash, plans no
second week and finishes what the first left undone.

A calendar that cannot be read does not cost the runner their week: the week is planned
around the busy times that calendar showed the week before, a week on (the last good
reading; a runner's week mostly repeats), and a note on the plan says so.

The work is spread like `plyoplan batch`'s (`scheduler.distribute`): forked processes
here, or a Dask cluster whose workers reach the database and the calendars. Each worker
opens the database itself; only runner and plan ids travel, a page of runners at a time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from itertools import islice
from typing import Literal

from sqlalchemy import ColumnElement, Engine, and_, exists, func, select
from sqlalchemy.orm import aliased

from scheduler.calendars.busy_import import calendar_name
from scheduler.calendars.fetch import CalendarError, fetch_each
from scheduler.core.domain import PLAN_FOUND, BusyInterval, CalDavCalendar, Request
from scheduler.core.errors import BadRequest
from scheduler.distribute import spread
from web.db import Plan, create_schema, make_engine
from web.planning import CalendarsBusy, prepare_request, read_calendar_urls
from web.secrets import configure
from web.settings import WebSettings
from web.store import StoredPlan
from web.training import UnreadableCalendars, calendar_urls_after, plan_week_after
from web.week_after import (
    NewWeek,
    WeekAlreadyPlanned,
    create_next_plans,
    load_weeks_before,
)

__all__ = ["Rolled", "RollOutcome", "coming_monday", "runners_due", "count_due",
           "last_good_busy", "roll_runner", "roll_runners", "roll_week", "PAGE", "CHUNK"]

RollOutcome = Literal["planned", "cannot fit", "no plan in time", "already planned",
                      "failed"]
PAGE = 500  # runners read from the database at a time
CHUNK = 16  # runners handed to a worker at a time, read and stored together


@dataclass(frozen=True)
class Rolled:
    """What the roll-over did for one runner: `plan_id` is their week (new, or the one
    already there), `notes` what the runner is told beside the log's changes."""

    runner_id: str
    after_plan_id: str
    outcome: RollOutcome
    plan_id: str = ""
    notes: tuple[str, ...] = field(default=())
    reason: str = ""
    seconds: float = 0.0

    @property
    def planned(self) -> bool:
        return self.outcome == "planned"


def coming_monday(today: date) -> date:
    """The Monday after `today` (a Sunday night's roll-over plans tomorrow's week)."""
    return today + timedelta(days=7 - today.weekday())


def _due(monday: date) -> ColumnElement[bool]:
    later = aliased(Plan)
    has_week = exists().where(and_(later.runner_id == Plan.runner_id,
                                   later.week_start == monday))
    return (Plan.week_start == monday - timedelta(days=7)) & ~has_week


def count_due(engine: Engine, monday: date) -> int:
    """How many runners have the week before `monday` and not yet the week itself."""
    with engine.connect() as db:
        return int(db.scalar(select(func.count(func.distinct(Plan.runner_id)))
                             .where(_due(monday))) or 0)


def runners_due(engine: Engine, monday: date, page: int = PAGE
                ) -> Iterator[tuple[str, str]]:
    """(runner id, id of their plan of the week before) for every runner without a plan
    of `monday`'s week, read a page at a time in runner order (plans stored meanwhile
    only make later pages shorter; no runner comes twice)."""
    after = ""
    while True:
        with engine.connect() as db:
            rows = db.execute(
                select(Plan.runner_id, Plan.id)
                .where(_due(monday), Plan.runner_id > after)
                .order_by(Plan.runner_id, Plan.created_at.desc(), Plan.id)
                .limit(page)).all()
        if not rows:
            return
        for runner_id, plan_id in rows:
            if runner_id != after:  # a runner with two plans that week: the latest
                after = runner_id
                yield runner_id, plan_id


def _week_on(interval: BusyInterval, request: Request) -> BusyInterval:
    # On the wall clock, so a busy 18:00 stays 18:00 across a change of daylight saving.
    tz = request.tz
    return interval.model_copy(update={
        "start": interval.start.astimezone(tz) + timedelta(days=7),
        "end": interval.end.astimezone(tz) + timedelta(days=7)})


def last_good_busy(request: Request, before: Request, plan_id: str, unread: BadRequest,
                   *, private_calendars: bool = False,
                   fetched: MutableMapping[str, bytes | CalendarError] | None = None
                   ) -> tuple[Request, list[str]]:
    """`request` with each calendar URL read on its own: those that answer give this
    week's busy time, those that do not give the busy time they showed for the week
    `before`, a week on, and a note each (`web.training.UnreadableCalendars`). What is in
    `fetched` is not fetched again: a calendar that failed there has failed."""
    if isinstance(unread, CalendarsBusy):
        raise unread  # nothing is wrong with the calendars: try again, not a stale week
    busy, notes = list(request.busy), []
    for source in request.busy_calendars:
        alone = request.model_copy(update={"busy": [], "busy_calendars": [source]})
        try:
            busy += read_calendar_urls(alone, private_calendars=private_calendars,
                                       fetched=fetched)[0].busy
        except CalendarsBusy:
            raise
        except BadRequest as err:
            name = calendar_name(source, None)  # a URL, or 'caldav:' and the collection's
            last = [_week_on(b, request) for b in before.busy if b.calendar == name]
            busy += last
            url = source.caldav if isinstance(source, CalDavCalendar) else source
            notes.append(f"Your calendar {url} could not be read ({err}) so this week is "
                         f"planned around the {len(last)} busy time(s) it showed for the "
                         f"week of {before.week_start}, a week on; check the calendar's "
                         f"link.")
    settled = request.model_copy(update={"busy": busy, "busy_calendars": []})
    return prepare_request(settled, plan_id)[0], notes


def roll_runner(engine: Engine, runner_id: str, after_plan_id: str, *,
                private_calendars: bool = False) -> Rolled:
    """Plan and store the week after `after_plan_id`, as the page's button does; every
    failure becomes the outcome, never raised."""
    return roll_runners(engine, [(runner_id, after_plan_id)],
                        private_calendars=private_calendars)[0]


def roll_runners(engine: Engine, runners: Sequence[tuple[str, str]], *,
                 private_calendars: bool = False) -> list[Rolled]:
    """`roll_runner` for each (runner id, id of their week before): the weeks before are
    read at once, their calendars fetched at once, each next week planned as the button
    plans it, and all stored in one transaction (`web.week_after`). One outcome per
    runner, in order; every failure becomes its runner's outcome, never raised.

    The calendars are fetched while the runners who read none are planned (most runners),
    so a calendar server's answer time is spent planning rather than waiting."""
    try:
        weeks_before = load_weeks_before(engine, [plan_id for _, plan_id in runners])
    except Exception as err:  # noqa: BLE001 - the database is unwell: every runner fails
        return [Rolled(r, p, "failed", reason=_reason(err)) for r, p in runners]
    urls = {plan_id: calendar_urls_after(week) for plan_id, week in weeks_before.items()}
    outcomes: dict[int, Rolled] = {}
    planned: list[tuple[int, NewWeek, list[str], float]] = []
    with ThreadPoolExecutor(max_workers=1) as fetching:
        arriving = fetching.submit(_fetch_calendars, [u for each in urls.values() for u in each],
                                   private_calendars)
        # Runners without calendar URLs first: they need nothing from the fetch.
        for i in sorted(range(len(runners)), key=lambda i: bool(urls.get(runners[i][1]))):
            runner_id, plan_id = runners[i]
            started = time.perf_counter()
            week_before = weeks_before.get(plan_id)
            if week_before is None:
                outcomes[i] = Rolled(runner_id, plan_id, "failed",
                                     reason=f"Plan {plan_id} is gone.")
                continue
            fetched = arriving.result() if urls[plan_id] else {}
            notes: list[str] = []
            try:
                week = plan_week_after(
                    engine, week_before, private_calendars=private_calendars, fetched=fetched,
                    when_unreadable=_last_good_busy_noted(notes, private_calendars, fetched))
            except Exception as err:  # noqa: BLE001 - one runner's failure must not stop the rest
                outcomes[i] = Rolled(runner_id, plan_id, "failed", reason=_reason(err),
                                     seconds=time.perf_counter() - started)
                continue
            planned.append((i, week, notes, time.perf_counter() - started))
    stored: Sequence[StoredPlan | WeekAlreadyPlanned | Exception]
    try:
        stored = create_next_plans(engine, [week for _, week, _, _ in planned])
    except Exception as err:  # noqa: BLE001 - reported per runner, like any failure
        stored = [err] * len(planned)
    for (i, _week, notes, seconds), result in zip(planned, stored, strict=True):
        outcomes[i] = _outcome(*runners[i], result, notes, seconds)
    return [outcomes[i] for i in range(len(runners))]


def _fetch_calendars(urls: list[str], private_calendars: bool
                     ) -> dict[str, bytes | CalendarError]:
    """The calendars of a chunk's weeks, all fetched at the same time: their waits
    overlap, and a calendar two runners share is fetched once. Should that fail as a
    whole, nothing: each runner's planning then fetches its own."""
    with suppress(Exception):
        return fetch_each(urls, public_only=not private_calendars)
    return {}


def _last_good_busy_noted(notes: list[str], private_calendars: bool,
                          fetched: MutableMapping[str, bytes | CalendarError]
                          ) -> UnreadableCalendars:
    """`last_good_busy` as a runner's fallback, its notes kept in `notes`."""
    def fallback(request: Request, before: Request, new_plan_id: str, unread: BadRequest
                 ) -> tuple[Request, list[str]]:
        settled, said = last_good_busy(request, before, new_plan_id, unread,
                                       private_calendars=private_calendars, fetched=fetched)
        notes.extend(said)
        return settled, said
    return fallback


def _outcome(runner_id: str, plan_id: str,
             result: StoredPlan | WeekAlreadyPlanned | Exception, notes: list[str],
             seconds: float) -> Rolled:
    if isinstance(result, WeekAlreadyPlanned):  # the runner clicked, or another roll-over ran
        return Rolled(runner_id, plan_id, "already planned", result.plan_id, seconds=seconds)
    if isinstance(result, Exception):
        return Rolled(runner_id, plan_id, "failed", reason=_reason(result), seconds=seconds)
    status = result.schedule.status
    outcome: RollOutcome = ("planned" if status in PLAN_FOUND else "cannot fit"
                            if status == "infeasible" else "no plan in time")
    return Rolled(runner_id, plan_id, outcome, result.id, tuple(notes), seconds=seconds)


def _reason(err: BaseException) -> str:
    return " ".join(f"{type(err).__name__}: {err}".split())


_ENGINES: dict[tuple[int, str], Engine] = {}


def _engine(database_url: str, settings: WebSettings | None) -> Engine:
    # One engine per process: a forked or Dask worker must not share its parent's
    # connections, and opening one per runner would cost more than the plan. The web
    # app's settings go with it: they hold the key of the stored CalDAV passwords.
    key = (os.getpid(), database_url)
    if key not in _ENGINES:
        _ENGINES[key] = make_engine(database_url)
        if settings is not None:
            configure(_ENGINES[key], settings)
    return _ENGINES[key]


def _roll_chunk(runners: Sequence[tuple[str, str]], *, database_url: str,
                private_calendars: bool, settings: WebSettings | None) -> list[Rolled]:
    return roll_runners(_engine(database_url, settings), runners,
                        private_calendars=private_calendars)


def _chunks(runners: Iterator[tuple[str, str]]) -> Iterator[tuple[tuple[str, str], ...]]:
    while chunk := tuple(islice(runners, CHUNK)):
        yield chunk


def roll_week(database_url: str, monday: date, *, workers: int = 1,
              scheduler: str | None = None, private_calendars: bool = False,
              settings: WebSettings | None = None) -> Iterator[Rolled]:
    """Roll every runner due on to `monday`'s week, yielding each outcome as it comes;
    `settings` are the web app's (its data folder holds the key that CalDAV passwords
    were stored with)."""
    engine = make_engine(database_url)
    try:
        create_schema(engine)  # a new database simply has no runners yet
        work = partial(_roll_chunk, database_url=database_url,
                       private_calendars=private_calendars, settings=settings)
        for chunk, outcome in spread(work, _chunks(runners_due(engine, monday)),
                                     workers=workers, scheduler=scheduler):
            if isinstance(outcome, BaseException):  # a worker died for good
                reason = f"{type(outcome).__name__}: {outcome}"
                yield from (Rolled(r, p, "failed", reason=reason) for r, p in chunk)
            else:
                yield from outcome
    finally:
        engine.dispose()
