"""JSON API for a coach's squad week: group sessions placed for everyone at once, each
runner's week stored as a plan of its own with its own feed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from scheduler.core.domain import PLAN_FOUND
from scheduler.core.settings import get_settings
from scheduler.squad.plan import plan_squad
from scheduler.squad.request import SquadRequest
from web.deps import EngineDep, SettingsDep
from web.planning import SOLVER_SLOTS, prepare_request
from web.routes.plans import GUARDED, INVALID
from web.store import create_plan, new_id

__all__ = ["router"]

router = APIRouter(prefix="/api/squads", tags=["squads"])


def _plan_and_store(engine: Engine, squad: SquadRequest, private_calendars: bool
                    ) -> dict[str, Any]:
    plan_ids = {r.runner.name: new_id() for r in squad.runners}
    runners = [prepare_request(r, plan_ids[r.runner.name],
                               private_calendars=private_calendars)[0]
               for r in squad.runners]
    with SOLVER_SLOTS:
        result = plan_squad(squad.model_copy(update={"runners": runners}), get_settings())
    body: dict[str, Any] = result.model_dump(mode="json")
    body["plans"] = {}
    if result.status in PLAN_FOUND:
        for name, schedule in result.weeks.items():
            stored = create_plan(engine, plan_ids[name], schedule)
            body["plans"][name] = {"id": stored.id, "version": stored.version,
                                   "feed_url": f"/feeds/{stored.feed_token}.ics"}
    return body


@router.post("", status_code=status.HTTP_201_CREATED,
             responses={**INVALID, **GUARDED}, summary="Plan a squad's week")
async def create_squad(squad: SquadRequest, engine: EngineDep,
                       settings: SettingsDep) -> dict[str, Any]:
    """Place each group session once at the time that suits most of its runners and fit
    every runner's week around it (DESIGN.md, "A coach's squad week"). 201 with
    `group_sessions` (time, attending, excused with why), `weeks` by runner, and `plans`:
    each runner's week stored as a plan with its own feed. When the squad week cannot
    fit: `status` infeasible, `explanation` and proven `fixes`, no plans."""
    return await run_in_threadpool(_plan_and_store, engine, squad,
                                   settings.allow_private_calendar_urls)
