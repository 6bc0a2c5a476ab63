"""Changing a week from its page: the edit form (free time, busy times, sessions, rules),
a fix offered by a week that cannot fit, and adopting the block that starts with it.
Each change is a plain form post answered with a redirect to the page that shows it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from scheduler.core.domain import Request as WeekRequest
from scheduler.core.errors import BadRequest, RulesConflict
from web.blocks import adopt_block
from web.deps import EngineDep, SettingsDep
from web.edits import apply_fix, edit_week
from web.forms import WeekForm, form_to_request, posted_form, request_to_form
from web.routes.pages import form_page, plan_page_for
from web.store import PlanNotFound, StaleVersion, StoredPlan, load_plan
from web.training import block_weeks

__all__ = ["router"]

router = APIRouter(prefix="/plans/{plan_id}", include_in_schema=False)

STALE = ("This week was changed in another window meanwhile; here is the latest version. "
         "Make your change again if you still need it.")


def _not_found(request: Request) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, "not_found.html", {}, status_code=404)
    return response


def _edit_page(request: Request, stored: StoredPlan, form: WeekForm, status: int = 200
               ) -> Response:
    return form_page(request, "edit.html", form, status, plan=stored,
                     schedule=stored.schedule)


@router.get("/edit", response_class=HTMLResponse)
def edit_page(plan_id: str, request: Request, engine: EngineDep) -> Response:
    try:
        stored = load_plan(engine, plan_id)
    except PlanNotFound:
        return _not_found(request)
    if stored.schedule.request is None:
        return _not_found(request)
    return _edit_page(request, stored, request_to_form(stored.schedule.request))


def _edited(old: WeekRequest, new: WeekRequest) -> WeekRequest:
    """The form's request over the stored one: the same runner, week and calendars (busy
    time read from a calendar stays), and races the form has no row for."""
    return new.model_copy(update={
        "runner": old.runner, "week_start": old.week_start, "context": old.context,
        "busy_calendars": old.busy_calendars,
        "busy": [*new.busy, *(b for b in old.busy if b.calendar)],
        "races": [*new.races, *old.races[1:]],
    })


@router.post("/edit")
async def edit_from_page(plan_id: str, request: Request, engine: EngineDep,
                         settings: SettingsDep) -> Response:
    async with request.form() as form:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        stored = load_plan(engine, plan_id)
    except PlanNotFound:
        return _not_found(request)
    old = stored.schedule.request
    if old is None:
        return _not_found(request)
    fixed = {"name": old.runner.name, "level": old.runner.level,
             "timezone": old.runner.timezone, "week_start": old.week_start.isoformat()}
    values.update(fixed)
    week, errors = form_to_request(values)
    given = values.get("version", "")
    if week is not None:
        try:
            await run_in_threadpool(edit_week, engine, plan_id,
                                    int(given) if given.isdigit() else 0, _edited(old, week))
        except StaleVersion:
            return plan_page_for(request, load_plan(engine, plan_id), settings, 409, STALE)
        except (BadRequest, RulesConflict) as err:
            errors = [str(err)]
        else:
            return RedirectResponse(f"/plans/{plan_id}#moved", status_code=303)
    form_state = posted_form(values, datetime.now(UTC).date())
    form_state.errors = errors
    return _edit_page(request, stored, form_state, 422)


@router.post("/fix")
async def fix_from_page(plan_id: str, request: Request, engine: EngineDep,
                        settings: SettingsDep) -> Response:
    async with request.form() as form:
        change, given = str(form.get("change", "")), str(form.get("version", ""))
    try:
        await run_in_threadpool(apply_fix, engine, plan_id,
                                int(given) if given.isdigit() else 0, change)
    except PlanNotFound:
        return _not_found(request)
    except StaleVersion:
        return plan_page_for(request, load_plan(engine, plan_id), settings, 409, STALE)
    except BadRequest as err:
        return plan_page_for(request, load_plan(engine, plan_id), settings, 422, str(err))
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


@router.post("/adopt")
async def adopt_from_page(plan_id: str, request: Request, engine: EngineDep,
                          settings: SettingsDep) -> Response:
    async with request.form() as form:
        given = str(form.get("weeks", ""))
    try:
        weeks = block_weeks(given)
        await run_in_threadpool(adopt_block, engine, plan_id, weeks,
                                private_calendars=settings.allow_private_calendar_urls)
    except PlanNotFound:
        return _not_found(request)
    except (BadRequest, RulesConflict) as err:
        return plan_page_for(request, load_plan(engine, plan_id), settings, 422, str(err))
    return RedirectResponse(f"/plans/{plan_id}/block", status_code=303)
