"""The week planned after another: what planning it reads, and how it is stored, for one
runner (the page's "Plan next week" button) or for a chunk of runners at once (the
Sunday-night roll-over, `web.rollover`).

A chunk is read with one statement per table and stored in one transaction: per runner,
the same rows as the button stores, but a statement's fixed cost is paid once per chunk
instead of once per runner. When any week of a chunk is taken meanwhile (the runner
clicked, another roll-over ran), the chunk's transaction stores nothing and each week is
stored on its own, so every runner hears their own answer.

Stored per week: the new plan and its session rows, how it was planned (`next_weeks`,
whose unique runner-and-week pair decides a race) and the calendars of the week before,
for the sync to follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Engine, String, bindparam, insert, literal, select
from sqlalchemy.exc import IntegrityError

from scheduler.block.training_log import TrainingLog
from scheduler.core.domain import Request, Schedule
from web.db import NextWeekRow, Plan, PlanCalendar, utcnow
from web.store import PlanNotFound, StoredPlan, insert_new_plans, read_plans, read_runner_logs

__all__ = ["WeekAlreadyPlanned", "BusyCollection", "WeekBefore", "NextWeek", "NewWeek",
           "load_week_before", "load_weeks_before", "create_next_plan", "create_next_plans",
           "next_week_of", "planned_after"]


class WeekAlreadyPlanned(Exception):
    """Raised when the runner already has a plan for the week asked for."""

    def __init__(self, week_start: date, plan_id: str) -> None:
        super().__init__(f"the week of {week_start} is plan {plan_id}")
        self.week_start = week_start
        self.plan_id = plan_id


@dataclass(frozen=True)
class BusyCollection:
    """A CalDAV collection a plan's busy time was read from, its password as stored
    (encrypted: `web.secrets`)."""

    url: str
    username: str
    secret: str


@dataclass(frozen=True)
class NextWeek:
    """How a week came to be planned after another (see `web.db.NextWeekRow`)."""

    plan_id: str
    after_plan_id: str
    request: Request
    adapted: list[str]


@dataclass(frozen=True)
class WeekBefore:
    """What planning the week after a plan reads: the plan, how it was itself planned
    after another week (None for a runner's first), the runner's log, and the CalDAV
    collections its busy time came from."""

    plan: StoredPlan
    origin: NextWeek | None
    log: TrainingLog
    collections: list[BusyCollection]


@dataclass(frozen=True)
class NewWeek:
    """A week planned after `after`, to store: `request` is what it was planned from
    before the log adjusted it, `adapted` what the log (and an unreadable calendar)
    changed."""

    plan_id: str
    after: StoredPlan
    schedule: Schedule
    request: Request
    adapted: list[str]


_ORIGINS = (select(NextWeekRow.plan_id, NextWeekRow.after_plan_id, NextWeekRow.request,
                   NextWeekRow.adapted)
            .where(NextWeekRow.plan_id.in_(bindparam("plan_ids", expanding=True))))
_COLLECTIONS = (select(PlanCalendar.plan_id, PlanCalendar.url, PlanCalendar.username,
                       PlanCalendar.secret)
                .where(PlanCalendar.plan_id.in_(bindparam("plan_ids", expanding=True)),
                       PlanCalendar.secret.is_not(None))
                .order_by(PlanCalendar.plan_id, PlanCalendar.position))
_PLANS_OF_WEEKS = select(Plan.id, Plan.runner_id, Plan.week_start).where(
    Plan.runner_id.in_(bindparam("runner_ids", expanding=True)),
    Plan.week_start.in_(bindparam("weeks", expanding=True)),
    Plan.id.not_in(bindparam("but", expanding=True)))
_NEW_ORIGIN = insert(NextWeekRow)
# A week planned after another reads the same calendars: their rows, passwords as stored.
_SAME_CALENDARS = insert(PlanCalendar).from_select(
    ["plan_id", "position", "source", "url", "username", "secret", "status", "detail"],
    select(bindparam("new_plan_id", type_=String), PlanCalendar.position, PlanCalendar.source,
           PlanCalendar.url, PlanCalendar.username, PlanCalendar.secret,
           literal("unchanged"), literal(""))
    .where(PlanCalendar.plan_id == bindparam("plan_id")))


def load_week_before(engine: Engine, plan_id: str) -> WeekBefore:
    """Everything `WeekBefore` holds, read in one go (PlanNotFound without the plan)."""
    found = load_weeks_before(engine, [plan_id])
    if plan_id not in found:
        raise PlanNotFound(plan_id)
    return found[plan_id]


def load_weeks_before(engine: Engine, plan_ids: Sequence[str]) -> dict[str, WeekBefore]:
    """`WeekBefore` of each of the plans that exist, by plan id: one connection, one
    statement per table for all of them."""
    with engine.connect() as db:
        plans = read_plans(db, plan_ids)
        if not plans:
            return {}
        found = list(plans)
        origins = _origins(db, found)
        collections: dict[str, list[BusyCollection]] = {plan_id: [] for plan_id in found}
        for row in db.execute(_COLLECTIONS, {"plan_ids": found}):
            collections[row.plan_id].append(
                BusyCollection(row.url, row.username or "", row.secret))
        logs = read_runner_logs(db, sorted({p.runner_id for p in plans.values()}))
    return {plan_id: WeekBefore(stored, origins.get(plan_id), logs[stored.runner_id],
                                collections[plan_id])
            for plan_id, stored in plans.items()}


def create_next_plan(engine: Engine, plan_id: str, after: StoredPlan, schedule: Schedule, *,
                     request: Request, adapted: list[str]) -> StoredPlan:
    """Store `schedule` at version 1 as the week after `after`, for the same runner (so it
    joins their feed); `request` is what it was planned from before the log adjusted it.
    The new week keeps `after`'s calendars (`plan_calendars`), for the sync to follow.

    Raises WeekAlreadyPlanned when the runner has a plan for that week already, also when
    two requests race to create it (the database's unique pair decides).
    """
    stored = create_next_plans(engine, [NewWeek(plan_id, after, schedule, request, adapted)])
    if isinstance(stored[0], WeekAlreadyPlanned):
        raise stored[0]
    return stored[0]


def create_next_plans(engine: Engine, weeks: Sequence[NewWeek]
                      ) -> list[StoredPlan | WeekAlreadyPlanned]:
    """Store the weeks as `create_next_plan` stores one, all in one transaction; in the
    order given, each week's stored plan, or WeekAlreadyPlanned for a runner who has a
    plan of that week already. Other database errors are raised."""
    if not weeks:
        return []
    now = utcnow()
    try:
        with engine.begin() as db:
            # The insert comes first so this transaction holds the write lock before it
            # looks for other plans of the weeks (as in save_replan).
            insert_new_plans(db, [(w.plan_id, w.after.runner_id, w.schedule) for w in weeks],
                             now)
            taken = _taken(db, weeks, ours_stored=True)
            if taken:
                raise _WeeksTaken(taken)
            db.execute(_NEW_ORIGIN, [{
                "plan_id": w.plan_id, "after_plan_id": w.after.id,
                "runner_id": w.after.runner_id, "week_start": w.schedule.week_start,
                "request": w.request.model_dump(mode="json"), "adapted": w.adapted}
                for w in weeks])
            db.execute(_SAME_CALENDARS, [{"new_plan_id": w.plan_id, "plan_id": w.after.id}
                                         for w in weeks])
    except (IntegrityError, _WeeksTaken) as clash:
        if len(weeks) > 1:  # each week on its own, to tell which runner's week was taken
            return [stored for week in weeks for stored in create_next_plans(engine, [week])]
        week = weeks[0]
        # After an integrity error nothing of ours is stored: any plan of the week counts
        # (even one of this very id, stored by an earlier run).
        if isinstance(clash, _WeeksTaken):
            taken = clash.taken
        else:
            with engine.connect() as db:
                taken = _taken(db, weeks, ours_stored=False)
        if not taken:
            raise
        return [WeekAlreadyPlanned(week.schedule.week_start, taken[week.plan_id])]
    # The runner's feed token is the one `after` was read with (one token per runner).
    return [StoredPlan(w.plan_id, w.after.runner_id, 1, w.schedule, w.after.feed_token, now)
            for w in weeks]


class _WeeksTaken(Exception):
    def __init__(self, taken: dict[str, str]) -> None:
        super().__init__(f"{len(taken)} week(s) planned meanwhile")
        self.taken = taken


def _taken(db: Connection, weeks: Sequence[NewWeek], *, ours_stored: bool
           ) -> dict[str, str]:
    """For each week whose runner has a plan of that week (another than ours, when
    `ours_stored`): new plan id -> that plan's id."""
    params = {"runner_ids": sorted({w.after.runner_id for w in weeks}),
              "weeks": sorted({w.schedule.week_start for w in weeks}),
              "but": [w.plan_id for w in weeks] if ours_stored else []}
    other = {(row.runner_id, row.week_start): row.id
             for row in db.execute(_PLANS_OF_WEEKS, params)}
    return {w.plan_id: other[(w.after.runner_id, w.schedule.week_start)] for w in weeks
            if (w.after.runner_id, w.schedule.week_start) in other}


def next_week_of(engine: Engine, plan_id: str) -> NextWeek | None:
    """How the plan was planned after another week; None for a runner's first plan."""
    with engine.connect() as db:
        return _origins(db, [plan_id]).get(plan_id)


def _origins(db: Connection, plan_ids: list[str]) -> dict[str, NextWeek]:
    return {row.plan_id: NextWeek(row.plan_id, row.after_plan_id,
                                  Request.model_validate(row.request), list(row.adapted))
            for row in db.execute(_ORIGINS, {"plan_ids": plan_ids})}


def planned_after(engine: Engine, plan_id: str) -> str | None:
    """The id of the week planned after this plan, if there is one."""
    with engine.connect() as db:
        found: str | None = db.scalar(select(NextWeekRow.plan_id)
                                      .where(NextWeekRow.after_plan_id == plan_id))
        return found
