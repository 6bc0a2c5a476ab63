"""The plan follows the calendar: read a plan's calendars again and re-plan when a new
busy interval lands on a session still to come (scheduler.replan.after_calendar), now
(`sync_plan`, the API's and the page's "Sync now") and for every plan whose week is not
over, every `sync_seconds`, in the background (`sync_round`, `SyncLoop`).

Rounds across processes: each plan has a `plan_syncs` row with the time it is next due.
A process claims due rows with SELECT ... FOR UPDATE SKIP LOCKED and moves their due
time one interval on in the same transaction, so with several server processes on
PostgreSQL each plan is synced by exactly one of them per round; SQLite (one process)
runs the same statements without the lock clause.

What a plan's calendars are: the sources it was planned from (`plan_calendars`, with a
CalDAV password encrypted), else the .ics URLs its busy intervals remember. An .ics URL
is fetched conditionally (ETag / Last-Modified), so an unchanged calendar costs a 304;
a round asks a batch of plans' calendars at once, and a row is written only when what
its reading found changed, so a round of unchanged calendars writes nothing but claims.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.calendars.busy_import import calendar_name
from scheduler.calendars.caldav_collection import CalDavTarget, caldav_name, read_caldav_busy
from scheduler.calendars.conditional import Ask, Refetch, Refetcher, fetch_all_if_changed
from scheduler.calendars.fetch import CalendarError, calendar_label, is_url
from scheduler.calendars.read import BusyOptions, busy_from_ics
from scheduler.core.domain import (
    MAX_BUSY_INTERVALS,
    BusyInterval,
    CalDavCalendar,
    CalendarSource,
    Request,
)
from scheduler.core.settings import get_settings
from scheduler.core.week import Week
from scheduler.replan.after_calendar import CalendarReading, follow_calendars
from web.caldav_push import push_pending
from web.db import Plan, PlanCalendar, PlanSync, utcnow
from web.planning import SOLVER_SLOTS
from web.secrets import SecretUnreadable, decrypt, encrypt, settings_for
from web.settings import WebSettings
from web.store import StaleVersion, StoredPlan, load_plan, save_replan

__all__ = ["SyncResult", "sync_plan", "sync_round", "remember_calendars", "SyncLoop",
           "sources_of", "week_ends_at"]

log = logging.getLogger("plyoplan.sync")
ROUND_BATCH = 64  # plans a round claims at a time, their calendars asked at once
SYNC_THREADS = 4  # plans followed at once by one process: re-plans and CalDAV reads
NOT_MODIFIED = "not modified (304)"  # a calendar's detail when it answered 304
Answer: TypeAlias = Refetch | CalendarError | None  # a row's conditional fetch; None: CalDAV


@dataclass
class SyncResult:
    stored: StoredPlan
    changes: list[dict[str, Any]]
    sources: list[dict[str, str]] = field(default_factory=list)


def week_ends_at(week_start: Any, timezone: str) -> datetime:
    from zoneinfo import ZoneInfo

    return Week(week_start + timedelta(days=7), ZoneInfo(timezone)).origin.astimezone(UTC)


def remember_calendars(engine: Engine, plan_id: str, sources: Sequence[CalendarSource]
                       ) -> None:
    """Keep the calendars a new plan was planned from, to read them again later (a CalDAV
    password encrypted with the key of the app that owns `engine`)."""
    settings = settings_for(engine) or WebSettings()
    rows: list[PlanCalendar] = []
    seen: set[str] = set()
    for source in sources:
        name = calendar_name(source, None)
        if name not in seen:
            seen.add(name)
            rows.append(_row(settings, plan_id, len(rows), source))
    with Session(engine) as db, db.begin():
        db.execute(delete(PlanCalendar).where(PlanCalendar.plan_id == plan_id))
        db.add_all(rows)


def _row(settings: WebSettings, plan_id: str, position: int,
         source: CalendarSource) -> PlanCalendar:
    if isinstance(source, CalDavCalendar):
        return PlanCalendar(
            plan_id=plan_id, position=position, source=caldav_name(source.caldav),
            url=source.caldav, username=source.username,
            secret=encrypt(settings, source.password.get_secret_value()),
            status="unchanged", detail="")
    return PlanCalendar(plan_id=plan_id, position=position,
                        source=calendar_name(source, None), url=source, username=None,
                        secret=None, status="unchanged", detail="")


def sources_of(engine: Engine, plan_id: str, request: Request | None) -> list[PlanCalendar]:
    """The plan's calendars: as remembered, else the .ics URLs its busy time came from."""
    rows = _remembered(engine, [plan_id])
    if rows or request is None:
        return rows
    urls = sorted({b.calendar for b in request.busy if b.calendar and is_url(b.calendar)})
    return [PlanCalendar(plan_id=plan_id, position=i, source=url, url=url, username=None,
                         secret=None, etag=None, modified=None, status="unchanged",
                         detail="")
            for i, url in enumerate(urls)]


def _remembered(engine: Engine, plan_ids: Sequence[str]) -> list[PlanCalendar]:
    """The remembered calendars of the plans, by plan and position (detached)."""
    with Session(engine) as db:
        rows = list(db.scalars(select(PlanCalendar).where(PlanCalendar.plan_id.in_(plan_ids))
                               .order_by(PlanCalendar.plan_id, PlanCalendar.position)))
        db.expunge_all()
    return rows


def _refetch(rows: Sequence[PlanCalendar], settings: WebSettings,
             refetcher: Refetcher | None = None) -> list[Answer]:
    """Each .ics row fetched again, conditionally and all at once (by `refetcher` if
    given); None for a CalDAV row (read when its plan is followed)."""
    asks = [Ask(row.url, row.etag, row.modified) for row in rows if row.secret is None]
    got = iter(refetcher.fetch_all(asks) if refetcher else fetch_all_if_changed(
        asks, public_only=not settings.allow_private_calendar_urls))
    return [next(got) if row.secret is None else None for row in rows]


def _read(row: PlanCalendar, answer: Answer, request: Request,
          settings: WebSettings) -> tuple[CalendarReading, dict[str, Any]]:
    """One calendar as read again (`answer`: its conditional fetch, None for a CalDAV
    collection, read now), and what its row should remember."""
    options = BusyOptions(tentative_blocks=request.rules.tentative_blocks,
                          all_day_blocks=request.rules.all_day_blocks)
    label = calendar_label(row.url)
    kept = {"etag": row.etag, "modified": row.modified}
    try:
        if isinstance(answer, CalendarError):
            raise answer
        if answer is None:
            password = decrypt(settings, row.secret or "")
            target = CalDavTarget(row.url, row.username or "", password)
            reading = read_caldav_busy(target, week_start=request.week_start, tz=request.tz,
                                       options=options,
                                       public_only=not settings.allow_private_calendar_urls)
        elif answer.data is None:  # 304: it says what it said last time
            last = [b for b in request.busy if b.calendar == row.source]
            return CalendarReading(row.source, label, last, NOT_MODIFIED), kept
        else:
            kept = {"etag": answer.etag, "modified": answer.modified}
            reading = busy_from_ics(answer.data, label=label, week_start=request.week_start,
                                    tz=request.tz, options=options)
    except (CalendarError, SecretUnreadable) as err:
        return CalendarReading(row.source, label, None, str(err)), kept
    busy = [BusyInterval(start=e.start, end=e.end, summary=e.summary[:200],
                         calendar=row.source) for e in reading.events]
    if len(busy) > MAX_BUSY_INTERVALS:
        return CalendarReading(row.source, label, None,
                               f"it holds over {MAX_BUSY_INTERVALS:,} busy intervals this "
                               "week"), kept
    return CalendarReading(row.source, label, busy), kept


def sync_plan(engine: Engine, settings: WebSettings, plan_id: str, *,
              now: datetime | None = None) -> SyncResult:
    """Read the plan's calendars again and re-plan the rest of its week if a new busy
    interval collides with a session still to come (raises PlanNotFound)."""
    return _sync(engine, settings, plan_id, now or datetime.now(UTC), None)


def _sync(engine: Engine, settings: WebSettings, plan_id: str, now: datetime,
          fetched: tuple[list[PlanCalendar], list[Answer]] | None
          ) -> SyncResult:
    """sync_plan, with the rows and answers a round has fetched already if `fetched`."""
    stored = load_plan(engine, plan_id)
    request = stored.schedule.request
    if request is None:
        return SyncResult(stored, [], [])
    rows, answers = fetched or _fetch_rows(engine, settings, plan_id, request)
    if not rows:
        return SyncResult(stored, [], [])
    read = [_read(row, answer, request, settings) for row, answer in zip(rows, answers,
                                                                         strict=True)]
    for attempt in range(2):
        with SOLVER_SLOTS:
            followed = follow_calendars(stored.schedule, [r for r, _ in read], now=now,
                                        freeze_minutes=settings.sync_freeze_minutes,
                                        settings=get_settings())
        try:
            if followed.schedule is not None:
                saved = save_replan(engine, plan_id, stored.version, followed.schedule)
                result = SyncResult(saved, saved.schedule.changes, followed.sources)
            else:
                if followed.busy_changed:
                    stored = _keep_busy(engine, stored, followed.request)
                result = SyncResult(stored, [], followed.sources)
        except StaleVersion:
            if attempt:
                raise
            stored = load_plan(engine, plan_id)  # marked meanwhile: follow from there
            if stored.schedule.request is None:
                break
            continue
        # Only now that the plan holds what the calendars said do their rows remember
        # the answers' validators: a plan that could not be stored asks them whole again.
        values = [{**kept, "status": source["status"], "detail": source["detail"][:500]}
                  for (_reading, kept), source in zip(read, followed.sources, strict=True)]
        with Session(engine) as db, db.begin():
            _remember(db, rows, values, now)
        return result
    return SyncResult(stored, [], [])


def _fetch_rows(engine: Engine, settings: WebSettings, plan_id: str, request: Request
                ) -> tuple[list[PlanCalendar], list[Answer]]:
    rows = sources_of(engine, plan_id, request)
    return rows, _refetch(rows, settings)


def _keep_busy(engine: Engine, stored: StoredPlan, request: Request) -> StoredPlan:
    """Nothing collided: the plan stays as it is (same version, same feed), but its
    request learns the busy time as read now, so a later re-plan avoids it too."""
    schedule = stored.schedule.model_copy(update={"request": request})
    with Session(engine) as db, db.begin():
        done = db.execute(update(Plan).where(Plan.id == stored.id,
                                             Plan.version == stored.version)
                          .values(schedule=schedule.model_dump(mode="json")))
        if not getattr(done, "rowcount", 1):
            raise StaleVersion(stored.version)
    return replace(stored, schedule=schedule)


def _remember(db: Session, rows: Sequence[PlanCalendar], values: Sequence[dict[str, Any]],
              now: datetime) -> None:
    """Write what each calendar's reading changed in its row (`checked_at`: when it last
    did), and nothing for a row that stays as it was: a round of unchanged calendars
    writes nothing. `rows` (detached) learn the values too."""
    for row, new in zip(rows, values, strict=True):
        changed = {name: value for name, value in new.items() if getattr(row, name) != value}
        if not changed:
            continue
        changed["checked_at"] = now
        done = db.execute(update(PlanCalendar)
                          .where(PlanCalendar.plan_id == row.plan_id,
                                 PlanCalendar.position == row.position)
                          .values(**changed).execution_options(synchronize_session=False))
        if not getattr(done, "rowcount", 1):  # calendars not remembered when planned
            db.add(PlanCalendar(plan_id=row.plan_id, position=row.position, source=row.source,
                                url=row.url, username=None, secret=None, **new,
                                checked_at=now))
        for name, value in changed.items():
            setattr(row, name, value)


def _ensure_sync_rows(engine: Engine, interval: timedelta, now: datetime) -> None:
    """A plan_syncs row for every plan that has none (plans stored before the sync)."""
    with Session(engine) as db:
        missing = db.execute(
            select(Plan.id, Plan.week_start, Plan.timezone)
            .outerjoin(PlanSync, PlanSync.plan_id == Plan.id)
            .where(PlanSync.plan_id.is_(None))).all()
    if not missing:
        return
    try:
        with Session(engine) as db, db.begin():
            db.add_all(PlanSync(plan_id=pid, due_at=now, rounds=0,
                                week_ends_at=week_ends_at(start, zone))
                       for pid, start, zone in missing)
    except IntegrityError:
        pass  # another process added them first


def claim_due(engine: Engine, now: datetime, interval: timedelta, limit: int = ROUND_BATCH
              ) -> list[str]:
    """Claim up to `limit` plans due at `now` whose week is not over; each is then not
    due again before `now + interval`, for this process or any other."""
    with Session(engine) as db, db.begin():
        due = list(db.scalars(
            select(PlanSync.plan_id)
            .where(PlanSync.due_at <= now, PlanSync.week_ends_at > now)
            .order_by(PlanSync.due_at, PlanSync.plan_id).limit(limit)
            .with_for_update(skip_locked=True)))
        if due:
            db.execute(update(PlanSync).where(PlanSync.plan_id.in_(due))
                       .values(due_at=now + interval, rounds=PlanSync.rounds + 1))
    return due


def sync_round(engine: Engine, settings: WebSettings, *, now: datetime | None = None,
               threads: int = SYNC_THREADS, batch: int = ROUND_BATCH) -> list[str]:
    """Sync every plan due at `now` that no other process has claimed; the ids synced.

    Plans are claimed `batch` at a time (so that other processes share a round's work)
    and their .ics calendars asked all at once. A plan whose every calendar answers 304
    has nothing new to follow: only its rows' changed status is written, in one
    transaction for the batch, without loading the plan. Any other plan is followed as
    `sync_plan` follows it, on one of `threads` threads, while the next batch is read."""
    now = now or datetime.now(UTC)
    interval = timedelta(seconds=max(settings.sync_seconds, 1))
    _ensure_sync_rows(engine, interval, now)
    synced: list[str] = []
    following: list[tuple[str, Future[bool]]] = []
    with ThreadPoolExecutor(max_workers=threads) as pool, \
            Refetcher(public_only=not settings.allow_private_calendar_urls) as refetcher:
        while due := claim_due(engine, now, interval, limit=batch):
            fetched = _fetch_batch(engine, settings, due, refetcher)
            quiet = [pid for pid in due if pid in fetched and all(
                isinstance(answer, Refetch) and answer.unchanged for answer in fetched[pid][1])]
            following += [(pid, pool.submit(_sync_quietly, engine, settings, pid, now,
                                            fetched.get(pid)))
                          for pid in due if pid not in quiet]
            synced += _remember_unchanged(engine, [fetched[pid][0] for pid in quiet], now)
        synced += [plan_id for plan_id, ok in following if ok.result()]
    return synced


def _fetch_batch(engine: Engine, settings: WebSettings, due: list[str],
                 refetcher: Refetcher) -> dict[str, tuple[list[PlanCalendar], list[Answer]]]:
    """The remembered calendars of the plans `due` and their answers, by plan (a plan
    whose calendars were not remembered is left out)."""
    rows = _remembered(engine, due)
    fetched: dict[str, tuple[list[PlanCalendar], list[Answer]]] = {}
    for row, answer in zip(rows, _refetch(rows, settings, refetcher), strict=True):
        plan_rows, answers = fetched.setdefault(row.plan_id, ([], []))
        plan_rows.append(row)
        answers.append(answer)
    return fetched


def _remember_unchanged(engine: Engine, plans: list[list[PlanCalendar]], now: datetime
                        ) -> list[str]:
    """The rows of plans whose every calendar answered 304, as following them would write
    them (unchanged, the same validators), in one transaction; the plans' ids."""
    rows = [row for plan in plans for row in plan]
    values = [{"etag": row.etag, "modified": row.modified, "status": "unchanged",
               "detail": NOT_MODIFIED} for row in rows]
    try:
        with Session(engine) as db, db.begin():
            _remember(db, rows, values, now)
    except Exception as err:  # the round goes on with the other plans
        log.warning("a sync round could not store its calendars' status: %s",
                    type(err).__name__)
        return []
    return [plan[0].plan_id for plan in plans]


def _sync_quietly(engine: Engine, settings: WebSettings, plan_id: str, now: datetime,
                  fetched: tuple[list[PlanCalendar], list[Answer]] | None) -> bool:
    try:
        _sync(engine, settings, plan_id, now, fetched)
        return True
    except Exception as err:  # one plan's trouble must not stop the round
        log.warning("a plan's sync failed: %s", type(err).__name__)
        return False


class SyncLoop:
    """The background sync of one server process: a round whenever plans are due, and
    the CalDAV outbox retried, until stopped."""

    def __init__(self, engine: Engine, settings: WebSettings) -> None:
        self.engine = engine
        self.settings = settings
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="plyoplan-sync", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

    def _run(self) -> None:
        tick = min(max(self.settings.sync_seconds, 1), 30)
        while not self.stopping.is_set():
            try:
                sync_round(self.engine, self.settings)
                push_pending(self.engine, self.settings, now=utcnow())
            except Exception as err:
                log.warning("a sync round failed: %s", type(err).__name__)
            self.stopping.wait(tick)
