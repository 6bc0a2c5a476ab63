"""The pages: the 'plan my week' form, a plan's week grid with its Subscribe panel and
training log, and the plyometric block of weeks that starts with the plan.

Plain HTML forms posting back to the server (303 redirects after a change), so the
pages work without a front-end build step or any script.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from scheduler.core.domain import AREAS
from scheduler.core.errors import BadRequest, RulesConflict
from scheduler.core.explanation import WhyItem
from scheduler.core.labels import LABELS
from scheduler.core.messages import validation_sentences
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.explain.headline import headline
from scheduler.export.block import contacts_chart_svg
from web.actions import AlreadyMarked, SessionNotFound, mark_session, plan_new_week
from web.blocks import adopted_block, block_position, current_week
from web.deps import EngineDep, SettingsDep
from web.forms import (
    FORM_DAYS,
    FORM_KINDS,
    TIMES_OF_DAY,
    WeekForm,
    default_form,
    form_to_request,
    posted_form,
)
from web.home import home_secret
from web.planning import Mark, busy_from_upload, why_by_session
from web.schemas import LogIn
from web.store import (
    PlanNotFound,
    StaleVersion,
    StoredPlan,
    load_plan,
    plan_log,
    rotate_feed_token,
)
from web.training import BLOCK_WEEKS, block_for_plan, block_weeks, log_session, plan_next_week
from web.views import agenda, block_rows, in_runner_words, local_time, week_grid
from web.week_after import WeekAlreadyPlanned, next_week_of, planned_after

__all__ = ["router", "form_page", "plan_page_for", "STATUS_WORDS"]

# The solver's word for a week, as the runner reads it.
STATUS_WORDS = {"optimal": "planned", "feasible": "planned",
                "infeasible": "cannot fit", "unknown": "no plan found in time"}

router = APIRouter(include_in_schema=False)


def _render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    templates = request.app.state.templates
    # web.safety.SecurityHeaders adds CSP, no-referrer and no-store to every page.
    response: Response = templates.TemplateResponse(request, template, context,
                                                    status_code=status)
    return response


def _not_found(request: Request) -> Response:
    return _render(request, "not_found.html", 404)


def form_page(request: Request, template: str, form: WeekForm, status: int = 200,
              **context: Any) -> Response:
    """A page holding the request's fields (the new-week form, the edit form)."""
    return _render(request, template, status, form=form, days=FORM_DAYS, kinds=FORM_KINDS,
                   times_of_day=TIMES_OF_DAY, **context)


@router.get("/", response_class=HTMLResponse)
def new_week_page(request: Request) -> Response:
    return form_page(request, "index.html", default_form(datetime.now(UTC).date()))


@router.post("/plans")
async def plan_from_form(request: Request, engine: EngineDep,
                         settings: SettingsDep) -> Response:
    async with request.form() as form:  # closes the uploaded file's spool
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("busy_file")
        filename, data = "", b""
        if isinstance(upload, UploadFile) and upload.filename:
            # No bigger than the whole form, which web.safety.BodySizeLimit caps at 1 MB.
            filename, data = upload.filename, await upload.read()
    if not data and values.get("kept_calendar") and not values.get("drop_kept_calendar"):
        # the file uploaded with a form that had errors, kept in the page since
        filename = values.get("kept_calendar_name", "") or "calendar.ics"
        data = values["kept_calendar"].encode()
    week, errors = form_to_request(values)
    if week is not None and data:
        try:
            busy, _warnings = await run_in_threadpool(
                busy_from_upload, data, filename, week.week_start, week.runner.timezone,
                tentative_blocks=week.rules.tentative_blocks,
                all_day_blocks=week.rules.all_day_blocks)
            week = week.model_copy(update={"busy": [*week.busy, *busy]})
        except BadRequest as err:
            errors = [str(err).replace("Field 'busy_file'", "Busy calendar file")]
    if week is not None and not errors:
        try:
            stored, _warnings = await run_in_threadpool(
                plan_new_week, engine, week,
                private_calendars=settings.allow_private_calendar_urls)
        except BadRequest as err:
            errors = [str(err)]
        else:
            return RedirectResponse(f"/plans/{stored.id}?welcome=1", status_code=303)
    form_state = posted_form(values, datetime.now(UTC).date())
    form_state.values.pop("drop_kept_calendar", None)
    form_state.values["kept_calendar"] = data.decode("utf-8", "replace") if data else ""
    form_state.values["kept_calendar_name"] = filename if data else ""
    form_state.errors = errors
    return form_page(request, "index.html", form_state, 422)


def _why_cached(request: Request, stored: StoredPlan) -> dict[str, list[WhyItem]]:
    cache: OrderedDict[tuple[str, int], dict[str, list[WhyItem]]] = (
        request.app.state.__dict__.setdefault("why_cache", OrderedDict()))
    key = (stored.id, stored.version)
    if key not in cache:
        cache[key] = why_by_session(stored.schedule)
        while len(cache) > 256:
            cache.popitem(last=False)
    return cache[key]


def plan_page_for(request: Request, stored: StoredPlan, settings: SettingsDep,
                  status: int = 200, notice: str = "") -> Response:
    """The plan page of a stored plan (with a notice, after a refused change)."""
    # The request's own address is safe here: HostCheck let only allowed hosts in.
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    https_url = f"{base}/feeds/{stored.feed_token}.ics"
    webcal_url = "webcal://" + https_url.split("://", 1)[1]
    schedule = stored.schedule
    now = datetime.now(UTC)
    sessions = [
        {"s": s, "title": LABELS[s.kind].title, "start": local_time(s.start, schedule.timezone),
         "end": local_time(s.end, schedule.timezone), "begun": s.start <= now,
         "not_logged": s.status == "planned" and s.end <= now}
        for s in schedule.sessions
    ]
    engine = request.app.state.engine
    home_url = f"/r/{home_secret(engine, stored.runner_id)}"
    adopted = adopted_block(engine, stored.id)
    block_week = None
    if adopted is not None:
        index = adopted.plan_ids.index(stored.id)
        block_week = {"week": adopted.block.progression[index].week,
                      "weeks": len(adopted.plan_ids)}
    return _render(
        request, "plan.html", status, plan=stored, schedule=schedule,
        grid=week_grid(schedule), sessions=sessions, why=_why_cached(request, stored),
        sessions_by_id={s.id: row for s, row in zip(schedule.sessions, sessions, strict=True)},
        agenda=agenda(schedule),
        status_words=STATUS_WORDS.get(schedule.status, schedule.status),
        explained=[item.model_copy(update={"text": in_runner_words(item.text, schedule)})
                   for item in schedule.explanation],
        home_url=home_url, home_full_url=base + home_url, block_week=block_week,
        welcome=request.query_params.get("welcome") == "1",
        https_url=https_url, webcal_url=webcal_url, notice=notice,
        runner=schedule.request.runner if schedule.request else None,
        logged=plan_log(engine, stored.id), origin=next_week_of(engine, stored.id),
        areas=AREAS,
        next_plan=planned_after(engine, stored.id),
        headline=in_runner_words(headline(WeekProblem.of(schedule.request, get_settings()),
                                          schedule.explanation), schedule)
        if schedule.request and schedule.status == "infeasible" else "",
    )


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(plan_id: str, request: Request, engine: EngineDep,
              settings: SettingsDep) -> Response:
    try:
        stored = load_plan(engine, plan_id)
    except PlanNotFound:
        return _not_found(request)
    return plan_page_for(request, stored, settings)


def _whole(value: str) -> int | str:
    return int(value) if value.strip().isdigit() else value


@router.post("/plans/{plan_id}/sessions/{session_id}/log")
async def log_from_page(plan_id: str, session_id: str, request: Request, engine: EngineDep,
                        settings: SettingsDep) -> Response:
    async with request.form() as form:
        values = {k: str(form.get(k, "")) for k in ("rpe", "discomfort", "note", "area")}
    try:
        stored = load_plan(engine, plan_id)
        body = LogIn.model_validate({"rpe": _whole(values["rpe"]),
                                     "discomfort": _whole(values["discomfort"]),
                                     "note": values["note"].strip(),
                                     "area": values["area"].strip() or None})
        await run_in_threadpool(log_session, engine, plan_id, session_id, body)
    except (PlanNotFound, SessionNotFound):
        return _not_found(request)
    except ValidationError as err:
        return plan_page_for(request, stored, settings, 422, " ".join(validation_sentences(err)))
    except BadRequest as err:
        return plan_page_for(request, stored, settings, 422, str(err))
    return RedirectResponse(f"/plans/{plan_id}#s-{session_id}", status_code=303)


@router.post("/plans/{plan_id}/next-week")
async def next_week_from_page(plan_id: str, request: Request, engine: EngineDep,
                              settings: SettingsDep) -> Response:
    try:
        stored, _adapted = await run_in_threadpool(
            plan_next_week, engine, plan_id,
            private_calendars=settings.allow_private_calendar_urls)
    except PlanNotFound:
        return _not_found(request)
    except WeekAlreadyPlanned as taken:  # a second click: show the week already there
        return RedirectResponse(f"/plans/{taken.plan_id}", status_code=303)
    except BadRequest as err:
        return plan_page_for(request, load_plan(engine, plan_id), settings, 422, str(err))
    return RedirectResponse(f"/plans/{stored.id}", status_code=303)


@router.get("/plans/{plan_id}/block", response_class=HTMLResponse)
def block_page(plan_id: str, request: Request, engine: EngineDep, settings: SettingsDep,
               weeks: str = "8") -> Response:
    try:
        stored = load_plan(engine, plan_id)
    except PlanNotFound:
        return _not_found(request)
    schedule = stored.schedule
    context: dict[str, Any] = {
        "plan": stored, "schedule": schedule, "weeks": weeks, "choices": BLOCK_WEEKS,
        "runner": schedule.request.runner if schedule.request else None,
        "block": None, "rows": [], "chart": "", "error": "", "adopted": False,
        "plan_ids": [], "current": None, "position": "",
    }
    today = datetime.now(UTC).astimezone(ZoneInfo(schedule.timezone)).date()
    adopted = adopted_block(engine, plan_id)
    try:
        if adopted is not None:  # the weeks of the runner's plan, as they stand
            block = adopted.block
            context.update(adopted=True, plan_ids=adopted.plan_ids,
                           position=block_position(block, today))
        else:
            _stored, block = block_for_plan(
                engine, plan_id, block_weeks(weeks),
                private_calendars=settings.allow_private_calendar_urls)
        context["current"] = current_week(block, today)
    except BadRequest as err:
        context["error"] = str(err)
        return _render(request, "block.html", 422, **context)
    except RulesConflict as err:
        context["error"] = str(err)
        return _render(request, "block.html", 200, **context)
    context.update(block=block, rows=block_rows(block),
                   chart=Markup(contacts_chart_svg(block)))  # built and escaped by our code
    return _render(request, "block.html", **context)


@router.post("/plans/{plan_id}/sessions/{session_id}/{mark}")
async def mark_from_page(plan_id: str, session_id: str, mark: str, request: Request,
                         engine: EngineDep, settings: SettingsDep) -> Response:
    async with request.form() as form:
        given = str(form.get("version", ""))
    if mark not in ("missed", "done"):
        return _not_found(request)
    version = int(given) if given.isdigit() else 0
    checked: Mark = "missed" if mark == "missed" else "done"
    try:
        await run_in_threadpool(mark_session, engine, plan_id, session_id, checked,
                                version=version, at=None)
    except (PlanNotFound, SessionNotFound):
        return _not_found(request)
    except StaleVersion:
        stored = load_plan(engine, plan_id)
        return plan_page_for(request, stored, settings, 409,
                          "This week was changed in another window meanwhile; here is the "
                          "latest version. Mark the session again if you still need to.")
    except AlreadyMarked as marked:
        return plan_page_for(request, load_plan(engine, plan_id), settings, 409, str(marked))
    except BadRequest as err:
        return plan_page_for(request, load_plan(engine, plan_id), settings, 422, str(err))
    return RedirectResponse(f"/plans/{plan_id}#moved", status_code=303)


@router.post("/plans/{plan_id}/feed-token")
def new_feed_link(plan_id: str, request: Request, engine: EngineDep) -> Response:
    try:
        rotate_feed_token(engine, plan_id)
    except PlanNotFound:
        return _not_found(request)
    return RedirectResponse(f"/plans/{plan_id}?new_link=1#subscribe", status_code=303)
