"""Adopting a block: its weeks become the runner's plan.

The block page shows a block whose week 1 is the week the runner planned
(`web.training.block_for_plan`). Adopting it stores every later week as a plan of the same
runner, each planned after the one before (so it joins their feed, and "Next week" leads
through the block), and remembers which block and which week each plan is. From then on
the block page shows the adopted weeks as they stand (re-planned after a missed session,
say), and where the runner is in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.block.plan import BlockPlan
from scheduler.block.progression import WeekTarget
from scheduler.core.domain import Schedule
from scheduler.core.errors import BadRequest
from scheduler.core.sessions import session_specs
from web.db import BlockWeekRow, Plan
from web.planning import plan_tag
from web.store import StoredPlan, load_plan, new_id
from web.training import base_request, block_for_plan, following_week
from web.week_after import create_next_plan

__all__ = ["AdoptedBlock", "adopt_block", "adopted_block", "block_position", "current_week"]


@dataclass(frozen=True)
class AdoptedBlock:
    first_plan_id: str
    plan_ids: list[str]  # one per week, in order
    block: BlockPlan


def _own_ids(schedule: Schedule, plan_id: str) -> Schedule:
    """The week with session ids of its own plan: they are calendar UIDs, unique per plan
    (see `web.planning.plan_tag`); the request names the same ids, so a re-plan finds
    each session again."""
    request = schedule.request
    assert request is not None
    tag = plan_tag(plan_id)
    renamed = {spec.id: f"{spec.id}-{tag}" for spec in session_specs(request)}
    wanted = [w.model_copy(update={"id": renamed[spec.id]})
              for w, spec in zip(request.sessions, session_specs(request), strict=True)]
    sessions = [s.model_copy(update={"id": renamed.get(s.id, s.id)})
                for s in schedule.sessions]
    return schedule.model_copy(update={
        "sessions": sessions, "dropped": [renamed.get(i, i) for i in schedule.dropped],
        "request": request.model_copy(update={"sessions": wanted})})


def _planned_weeks(engine: Engine, runner_id: str, mondays: list[date]) -> list[date]:
    with Session(engine) as db:
        return sorted(db.scalars(select(Plan.week_start).where(
            Plan.runner_id == runner_id, Plan.week_start.in_(mondays))).all())


def adopt_block(engine: Engine, plan_id: str, weeks: int, *,
                private_calendars: bool = False) -> AdoptedBlock:
    """Make the block of `weeks` weeks from the plan the runner's plan. Adopting the same
    block again changes nothing; a plan in another adopted block, or a later week the
    runner planned already, is refused with a sentence (BadRequest)."""
    adopted = adopted_block(engine, plan_id)
    if adopted is not None:
        if adopted.first_plan_id == plan_id and len(adopted.plan_ids) == weeks:
            return adopted
        raise BadRequest("This week is part of a block you adopted already; its block page "
                         "shows it.")
    stored, block = block_for_plan(engine, plan_id, weeks,
                                   private_calendars=private_calendars)
    taken = _planned_weeks(engine, stored.runner_id, [w.week_start for w in block.weeks[1:]])
    if taken:
        raise BadRequest(f"The week of {taken[0]:%a %d %b %Y} is planned already; adopt a "
                         f"block that ends before it, or from that week on.")
    base = base_request(engine, stored)
    previous = stored
    plan_ids = [stored.id]
    for week in block.weeks[1:]:
        base = following_week(base, previous.id, previous.schedule)
        new_plan_id = new_id()
        previous = create_next_plan(engine, new_plan_id, previous, _own_ids(week, new_plan_id),
                                    request=base, adapted=[])
        plan_ids.append(previous.id)
    _remember(engine, stored, plan_ids, block.progression)
    found = adopted_block(engine, plan_id)
    assert found is not None
    return found


def _remember(engine: Engine, first: StoredPlan, plan_ids: list[str],
              targets: list[WeekTarget]) -> None:
    try:
        with Session(engine) as db, db.begin():
            for pid, target in zip(plan_ids, targets, strict=True):
                db.add(BlockWeekRow(plan_id=pid, first_plan_id=first.id,
                                    runner_id=first.runner_id, week=target.week,
                                    weeks=len(plan_ids),
                                    target=target.model_dump(mode="json")))
    except IntegrityError:
        raise BadRequest("This block was adopted meanwhile (another window?); its block "
                         "page shows it.") from None


def adopted_block(engine: Engine, plan_id: str) -> AdoptedBlock | None:
    """The adopted block the plan is a week of, its weeks as they stand; else None."""
    with Session(engine) as db:
        first = db.scalar(select(BlockWeekRow.first_plan_id)
                          .where(BlockWeekRow.plan_id == plan_id))
        if first is None:
            return None
        rows = db.scalars(select(BlockWeekRow).where(BlockWeekRow.first_plan_id == first)
                          .order_by(BlockWeekRow.week)).all()
        targets = [(r.plan_id, WeekTarget.model_validate(r.target)) for r in rows]
    schedules = [load_plan(engine, pid).schedule for pid, _ in targets]
    return AdoptedBlock(first, [pid for pid, _ in targets],
                        BlockPlan(weeks=schedules, progression=[t for _, t in targets]))


def block_position(block: BlockPlan, today: date) -> str:
    """Where the runner is in the block, in a sentence."""
    first, last = block.weeks[0].week_start, block.weeks[-1].week_start + timedelta(days=6)
    if today < first:
        return f"The block starts on {first:%a %d %b}."
    if today > last:
        return f"The block ended on {last:%a %d %b}."
    week = (today - first).days // 7 + 1
    return f"You are in week {week} of {len(block.weeks)}."


def current_week(block: BlockPlan, today: date) -> int | None:
    """The block's week number that holds `today`, if any."""
    for target, week in zip(block.progression, block.weeks, strict=True):
        if week.week_start <= today < week.week_start + timedelta(days=7):
            return target.week
    return None
