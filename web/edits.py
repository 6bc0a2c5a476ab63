"""Changing a planned week from its page: new free time, busy times or sessions, or one of
the fixes an impossible week offers.

A week that has a plan is re-planned from what is there now, with the minimal-change
objective (`scheduler.replan.replan`): sessions already begun keep their times, the rest
move only as far as the new request needs, and the change list says what moved and why.
Sessions the runner took out are dropped (their calendar events cancelled); a session
the runner added starts outside the week's free time, so the re-plan must place it, and
the change list says it was added. A week with no plan yet is planned afresh.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from constraints.easing import apply_change
from scheduler.core.domain import KEY_KINDS, PLAN_FOUND, PlannedSession, Request, Schedule
from scheduler.core.errors import BadRequest
from scheduler.core.labels import LABELS, runner_slug
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import session_specs
from scheduler.core.settings import get_settings
from scheduler.core.week import Week
from scheduler.replan.replan import replan
from web.planning import SOLVER_SLOTS, plan_request, plan_tag
from web.store import StaleVersion, StoredPlan, load_plan, save_replan

__all__ = ["edit_week", "apply_fix", "keep_ids"]


def keep_ids(old: Request, new: Request, plan_id: str, taken: set[str]) -> Request:
    """The edited request with each session keeping the id of the one it replaces: the
    n-th session of a kind is the old n-th of that kind; one more gets an id of its own
    (never one this plan used before, so no cancelled event comes back)."""
    olds: dict[str, list[str]] = {}
    for wanted in old.sessions:
        if wanted.id:
            olds.setdefault(wanted.kind.value, []).append(wanted.id)
    counts: Counter[str] = Counter()
    runner = runner_slug(new.runner.name)[:30]
    sessions = []
    for wanted in new.sessions:
        kind = wanted.kind.value
        counts[kind] += 1
        mine = olds.get(kind, [])
        if counts[kind] <= len(mine):
            sid = mine[counts[kind] - 1]
        else:
            n = counts[kind]
            while (sid := f"{runner}-{new.week_start}-{kind}-{n}-{plan_tag(plan_id)}") in taken:
                n += 1
            taken.add(sid)
        sessions.append(wanted.model_copy(update={"id": sid}))
    return new.model_copy(update={"sessions": sessions})


def _as_edited(schedule: Schedule, request: Request, at: datetime
               ) -> tuple[Schedule, Request, list[dict[str, Any]]]:
    """The week with the edit applied before re-planning: new lengths, sessions taken
    out dropped, new sessions waiting at the week's end (outside all free time, so the
    re-plan must move them). Sessions already begun stay in the request as they were.
    Returns the schedule, the request to re-plan for, and change items the re-plan
    cannot see."""
    tz = request.tz
    wanted = {w.id: w for w in request.sessions}
    old_wanted = {w.id: w for w in (schedule.request.sessions if schedule.request else [])}
    week_end = Week(request.week_start + timedelta(days=7), tz).origin
    sessions: list[PlannedSession] = []
    kept_history = []
    notes: list[dict[str, Any]] = []
    for s in schedule.sessions:
        name = LABELS[s.kind].title
        begun = s.start <= at or s.status != "planned"
        if s.id not in wanted:
            if begun:  # what happened stays as it was
                sessions.append(s)
                if s.id in old_wanted:
                    kept_history.append(old_wanted[s.id])
            else:
                sessions.append(s.model_copy(update={"status": "dropped"}))
                notes.append({"change": "dropped", "session": s.id,
                              "text": f"{name} {s.start.astimezone(tz):%a %d %b %H:%M} "
                                      f"taken out, as you asked"})
            continue
        minutes = wanted[s.id].minutes
        if not begun and minutes != s.minutes:
            sessions.append(s.model_copy(update={"end": s.start + timedelta(minutes=minutes)}))
            notes.append({"change": "minutes", "session": s.id,
                          "text": f"{name} now {minutes} min (was {s.minutes})"})
        else:
            sessions.append(s)
    present = {s.id for s in schedule.sessions}
    for spec in session_specs(request):
        if spec.id in present:
            continue
        start = week_end - timedelta(minutes=spec.minutes)
        sessions.append(PlannedSession(id=spec.id, kind=spec.kind, key=spec.kind in KEY_KINDS,
                                       start=start, end=week_end, contacts=spec.contacts,
                                       drills=list(spec.drills)))
    request = request.model_copy(update={"sessions": [*request.sessions, *kept_history]})
    edited = schedule.model_copy(update={"sessions": sessions, "request": request})
    return edited, request, notes


def _replanned(stored: StoredPlan, request: Request, at: datetime) -> Schedule:
    schedule = stored.schedule
    if schedule.status not in PLAN_FOUND or not schedule.sessions:
        return plan_request(request)
    edited, request, notes = _as_edited(schedule, request, at)
    added = {s.id for s in edited.sessions} - {s.id for s in schedule.sessions}
    with SOLVER_SLOTS:
        result = replan(edited, at=at, settings=get_settings(), request=request)
    if result.status not in PLAN_FOUND:
        text = " ".join(item.text for item in result.explanation)
        raise BadRequest(f"The week cannot be changed that way: {text}".rstrip())
    changes = []
    for item in result.changes:
        sid = item.get("session")
        if sid in added:
            new = next(s for s in result.sessions if s.id == sid)
            name = LABELS[new.kind].title
            item = ({**item, "change": "added",
                     "text": f"{name} added {new.start.astimezone(request.tz):%a %d %b %H:%M}"}
                    if new.status == "planned" else
                    {**item, "change": "dropped", "text": f"{name} could not be added: no "
                                                         f"free time left this week fits it"})
        changes.append(item)
    result.changes = notes + changes
    return result


def edit_week(engine: Engine, plan_id: str, version: int, request: Request, *,
              at: datetime | None = None) -> StoredPlan:
    """Re-plan the week for the edited `request` and store it as version + 1 (StaleVersion
    when another window changed the plan meanwhile; BadRequest when it cannot fit)."""
    stored = load_plan(engine, plan_id)
    if stored.version != version:
        raise StaleVersion(stored.version)
    old = stored.schedule.request
    if old is None:
        raise BadRequest("This plan does not carry the request it was planned from.")
    taken = {s.id for s in stored.schedule.sessions}
    request = keep_ids(old, request, plan_id, taken)
    result = _replanned(stored, request, at or datetime.now(UTC))
    return save_replan(engine, plan_id, version, result)


def apply_fix(engine: Engine, plan_id: str, version: int, change: str) -> StoredPlan:
    """Apply one fix the explanation offered (its `change`) and plan the week again."""
    stored = load_plan(engine, plan_id)
    if stored.version != version:
        raise StaleVersion(stored.version)
    request = stored.schedule.request
    offered = {getattr(item, "change", None) for item in stored.schedule.explanation}
    if request is None or change not in offered:
        raise BadRequest("That fix is not one this week offers; pick one from the list.")
    try:
        fixed = apply_change(WeekProblem.of(request, get_settings()), change)
    except ValueError as err:
        raise BadRequest(f"That fix cannot be applied: {err}.") from None
    return save_replan(engine, plan_id, version, plan_request(fixed))
