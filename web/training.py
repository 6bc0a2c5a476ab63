"""The training log in the web app: log how a session went, plan the next week from it,
and plan a multi-week plyometric block, shared by the JSON API and the pages.

The domain work is `scheduler.block.training_log` (entries, and what they ask of the next
week) and `scheduler.block.plan` (the block); this module finds the request to plan from.
A week planned after another starts from the request that week was planned from before
the log adjusted it, so an eased week does not carry its eased dose on for ever.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, MutableMapping, Sequence
from datetime import UTC, date, datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import Engine

from scheduler.block.plan import BlockPlan, day_kind, plan_block
from scheduler.block.progression import Dose, WeekTarget
from scheduler.block.training_log import LogEntry, apply_log, entry_for, mark_log_changes
from scheduler.calendars.busy_import import calendar_name
from scheduler.calendars.fetch import CalendarError, is_url
from scheduler.core.domain import (
    PLAN_FOUND,
    CalDavCalendar,
    CalendarSource,
    Context,
    Kind,
    Request,
    Schedule,
)
from scheduler.core.drills import LEVEL_INTENSITY
from scheduler.core.errors import BadRequest, RulesConflict
from scheduler.core.sessions import id_in_week
from scheduler.core.settings import get_settings
from scheduler.core.week import Week
from scheduler.replan.after_pain import replan_with_log, settle_with_log
from web.actions import SessionNotFound
from web.planning import SOLVER_SLOTS, plan_request, plan_tag, prepare_request, read_calendar_urls
from web.schemas import LogIn
from web.secrets import SecretUnreadable, decrypt, settings_for
from web.settings import WebSettings
from web.store import (
    StaleVersion,
    StoredPlan,
    load_plan,
    new_id,
    runner_log,
    save_log_entry,
    save_replan,
)
from web.week_after import (
    BusyCollection,
    NewWeek,
    NextWeek,
    WeekBefore,
    create_next_plan,
    load_week_before,
    next_week_of,
)

__all__ = ["log_session", "plan_next_week", "plan_week_after", "calendar_urls_after",
           "following_week", "base_request", "calendar_urls", "block_weeks",
           "block_for_plan", "first_week_target", "BLOCK_WEEKS"]

BLOCK_WEEKS = range(1, 13)  # what the block page offers; 6 to 8 is typical
# (the new week's request, the week before's, the new plan's id, why a calendar could not
# be read) -> the request to plan and notes for the runner
UnreadableCalendars = Callable[[Request, Request, str, BadRequest], tuple[Request, list[str]]]


def log_session(engine: Engine, plan_id: str, session_id: str, body: LogIn
                ) -> tuple[LogEntry, StoredPlan | None]:
    """Record how a session of the plan went, for the weeks planned after it; when the
    entry shows pain or fatigue, the rest of this week is re-planned at once (version + 1)
    and returned."""
    stored = load_plan(engine, plan_id)
    session = next((s for s in stored.schedule.sessions if s.id == session_id), None)
    if session is None:
        raise SessionNotFound(session_id)
    if session.status in ("missed", "dropped"):
        raise BadRequest(f"Session '{session_id}' is {session.status}; only a session that "
                         f"was done (or is still planned) can be logged.")
    entry = entry_for(session, rpe=body.rpe, discomfort=body.discomfort, note=body.note,
                      area=body.area, drills=body.drills or None)
    save_log_entry(engine, plan_id, entry)
    at = body.at or datetime.now(UTC)
    for _ in range(REPLAN_TRIES):
        try:
            return entry, _replan_from_log(engine, stored, at)
        except StaleVersion:  # changed meanwhile (another entry, a mark): read it again
            stored = load_plan(engine, plan_id)
    return entry, None  # the entry is kept; the next change of the week reads it


REPLAN_TRIES = 3


def _replan_from_log(engine: Engine, stored: StoredPlan, at: datetime) -> StoredPlan | None:
    """The rest of the stored week re-planned from the runner's log at `at`, stored as
    version + 1 (StaleVersion if the plan changed since it was read); None when the log
    changes nothing."""
    if stored.schedule.request is None or stored.schedule.status not in PLAN_FOUND:
        return None
    log = runner_log(engine, stored.runner_id)
    try:
        with SOLVER_SLOTS:
            result = replan_with_log(stored.schedule, log, at=at, settings=get_settings())
    except RulesConflict:
        return None  # the week as it stands is better than none; the log is kept
    if result.status not in PLAN_FOUND or (not result.changes
                                           and result.advice == stored.schedule.advice):
        return None
    return save_replan(engine, stored.id, stored.version, result)


def base_request(engine: Engine, stored: StoredPlan) -> Request:
    """What the plan was planned from, before any training log adjusted it."""
    return _planned_from(stored, next_week_of(engine, stored.id))


def _planned_from(stored: StoredPlan, origin: NextWeek | None) -> Request:
    if origin is not None:
        return origin.request
    if stored.schedule.request is None:
        raise BadRequest("This plan does not carry the request it was planned from.")
    return stored.schedule.request


def _next_id(given: str | None, plan_id: str, week_start: str, next_start: str) -> str | None:
    """A session id for the week after: ids the app made are made again for the new plan;
    an id the runner gave carries the new week's Monday, so calendar UIDs stay unique."""
    if given is None or (given.endswith(f"-{plan_tag(plan_id)}") and f"-{week_start}-" in given):
        return None
    return id_in_week(re.sub(rf"-{re.escape(week_start)}$", "", given),
                      date.fromisoformat(next_start))


def calendar_urls(request: Request) -> list[str]:
    """The calendar URLs the request's busy time was read from (each busy interval
    remembers its calendar), to read again for another week."""
    return sorted({b.calendar for b in request.busy
                   if b.calendar and is_url(b.calendar)})


def following_week(request: Request, plan_id: str, previous: Schedule,
                   collections: Sequence[CalDavCalendar] = ()) -> Request:
    """The request of the week after `previous`: the same sessions and free time, the
    typed-in busy intervals that fall in that week, the calendar URLs and CalDAV
    `collections` its busy time was read from (to read again for the new week), and the
    day before as the plan left it."""
    monday = request.week_start + timedelta(days=7)
    tz = request.tz
    begins, ends = Week(monday, tz).origin, Week(monday + timedelta(days=7), tz).origin
    sessions = [w.model_copy(update={"id": _next_id(
        w.id, plan_id, request.week_start.isoformat(), monday.isoformat())})
        for w in request.sessions]
    urls = calendar_urls(request)
    read_again = {*urls, *(calendar_name(c, None) for c in collections)}
    return request.model_copy(update={
        "week_start": monday,
        "busy": [b for b in request.busy
                 if b.start < ends and b.end > begins and b.calendar not in read_again],
        "busy_calendars": [*request.busy_calendars, *urls, *collections],
        "sessions": sessions,
        # what the plan put on its Sunday; the week after this one is not planned yet
        "context": Context(day_before=day_kind(previous.sessions, tz,
                                               monday - timedelta(days=1))),
    })


def plan_next_week(engine: Engine, plan_id: str, *, private_calendars: bool = False,
                   when_unreadable: UnreadableCalendars | None = None
                   ) -> tuple[StoredPlan, list[str]]:
    """Plan the week after a plan for the same runner, adapted to their training log;
    returns the stored plan and why the log changed it (WeekAlreadyPlanned if it exists).
    Calendar URLs the first week was read from are read again for the new week; when one
    cannot be read, `when_unreadable(request, week_before, plan_id, error)` may give the
    request and notes instead (web.rollover's: last week's busy time), else BadRequest."""
    week = plan_week_after(engine, load_week_before(engine, plan_id),
                           private_calendars=private_calendars,
                           when_unreadable=when_unreadable)
    saved = create_next_plan(engine, week.plan_id, week.after, week.schedule,
                             request=week.request, adapted=week.adapted)
    return saved, week.adapted


def plan_week_after(engine: Engine, week_before: WeekBefore, *,
                    private_calendars: bool = False,
                    when_unreadable: UnreadableCalendars | None = None,
                    fetched: MutableMapping[str, bytes | CalendarError] | None = None
                    ) -> NewWeek:
    """`plan_next_week` up to storing: the week after `week_before`, planned, with what
    changed it (`engine` gives the key of stored CalDAV passwords; `fetched`: calendars
    fetched already, by URL, as `calendar_urls_after` names them)."""
    stored, log = week_before.plan, week_before.log
    new_plan_id = new_id()
    before = _planned_from(stored, week_before.origin)
    request = following_week(before, stored.id, stored.schedule,
                             _unlocked(engine, week_before.collections))
    notes: list[str] = []
    try:
        request, _warnings = prepare_request(request, new_plan_id,
                                             private_calendars=private_calendars,
                                             fetched=fetched)
    except BadRequest as unread:
        if when_unreadable is None:
            raise
        request, notes = when_unreadable(request, before, new_plan_id, unread)
    adapted_request, adapted = apply_log(request, log)
    schedule = plan_request(adapted_request, last_week=stored.schedule)
    if schedule.status in PLAN_FOUND:  # what the log changed, and calm key runs
        schedule = settle_with_log(mark_log_changes(schedule, request, adapted), log,
                                   at=Week(request.week_start, request.tz).origin)
    return NewWeek(new_plan_id, stored, schedule, request, [*notes, *adapted])


def calendar_urls_after(week_before: WeekBefore) -> list[str]:
    """The calendar URLs planning the week after `week_before` reads (CalDAV collections
    aside), so that a caller planning many weeks can fetch them all at once."""
    before = _planned_from(week_before.plan, week_before.origin)
    return [source for source in dict.fromkeys([*before.busy_calendars,
                                                *calendar_urls(before)])
            if isinstance(source, str) and is_url(source)]


def _unlocked(engine: Engine, collections: Sequence[BusyCollection]) -> list[CalDavCalendar]:
    """The CalDAV collections with their passwords, to read them again (BadRequest when a
    password can no longer be decrypted: the server's key changed)."""
    if not collections:
        return []
    settings = settings_for(engine) or WebSettings()
    unlocked = []
    for linked in collections:
        try:
            password = decrypt(settings, linked.secret)
        except SecretUnreadable:
            raise BadRequest(
                f"Field 'busy_calendars': the password of the CalDAV calendar {linked.url} "
                f"can no longer be read on this server; plan the week again with the "
                f"calendar and its password.") from None
        unlocked.append(CalDavCalendar(caldav=linked.url, username=linked.username,
                                       password=SecretStr(password)))
    return unlocked


def block_weeks(given: str) -> int:
    """The block length a page asked for, or BadRequest naming the field."""
    text = given.strip()
    if text.isdigit() and int(text) in BLOCK_WEEKS:
        return int(text)
    shown = text if text.isdigit() else json.dumps(given[:20])
    raise BadRequest(f"Field 'weeks' must be a whole number from {BLOCK_WEEKS[0]} to "
                     f"{BLOCK_WEEKS[-1]}; 6 to 8 is typical (got {shown}).")


def first_week_target(first: Schedule, request: Request) -> WeekTarget:
    """The block's week 1 as the runner planned it: its plyo sessions and contacts."""
    plyo = [s for s in first.sessions if s.kind is Kind.plyo and s.status != "dropped"]
    asked = next((w.intensity for w in request.sessions
                  if w.kind is Kind.plyo and w.intensity), None)
    intensity = asked or LEVEL_INTENSITY[request.runner.level]
    return WeekTarget(
        week=1, week_start=first.week_start, sessions=len(plyo),
        strength=sum(s.kind is Kind.strength and s.status != "dropped"
                     for s in first.sessions),
        contacts=sum(s.contacts for s in plyo), intensity=intensity, deload=False,
        cap=(first.request or request).contacts_cap,
        doses=[Dose(contacts=s.contacts, intensity=intensity) for s in plyo],
        notes=["The week you planned, as it stands."])


def block_for_plan(engine: Engine, plan_id: str, weeks: int, *,
                   private_calendars: bool = False) -> tuple[StoredPlan, BlockPlan]:
    """The plyometric block of `weeks` weeks whose week 1 is the plan's week as it stands;
    the weeks after it are planned as one block from the runner's request moved on a
    week, adapted to the training log, each around its own busy time from the plan's
    calendars, URLs and CalDAV collections alike (raises BadRequest or RulesConflict with a
    sentence)."""
    weeks = block_weeks(str(weeks))
    week_before = load_week_before(engine, plan_id)
    stored = week_before.plan
    first = stored.schedule
    if first.status not in PLAN_FOUND:
        raise BadRequest("This week has no plan yet, so no block can start from it; "
                         "apply one of the fixes first.")
    request = _planned_from(stored, week_before.origin)
    week_one = first_week_target(first, request)
    if weeks == 1:
        return stored, BlockPlan(weeks=[first], progression=[week_one])
    collections = _unlocked(engine, week_before.collections)
    after = following_week(request, stored.id, first, collections)
    # The calendars are read again below for each week, not once for all.
    sources: list[CalendarSource] = [*calendar_urls(request), *collections]
    after = after.model_copy(update={
        "races": [r for r in after.races if r.date >= after.week_start],
        "busy_calendars": [c for c in after.busy_calendars if c not in sources]})
    fetched: dict[str, bytes | CalendarError] = {}  # each calendar read once, for every week

    def with_busy(week: Request) -> Request:
        return read_calendar_urls(week, sources, private_calendars=private_calendars,
                                  fetched=fetched)[0]

    with SOLVER_SLOTS:
        rest = plan_block(after, weeks - 1, log=week_before.log,
                          prepare=with_busy if sources else None, settings=get_settings())
    later = [t.model_copy(update={"week": t.week + 1}) for t in rest.progression]
    return stored, BlockPlan(weeks=[first, *rest.weeks], progression=[week_one, *later])
