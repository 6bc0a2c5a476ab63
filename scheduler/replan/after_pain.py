"""Re-plan the rest of the current week from the training log: pain and fatigue act at
once, not only next week.

Read at `at`, the pain logged for this week's sessions changes the sessions still to
come (DESIGN.md, "Training log, pain, fatigue and strength"):
- pain: each plyo session drops a class below the logged one and loses 30 % of the
  contacts it was planned with, without drills that load the sore area;
- severe pain (discomfort >= 7, "sharp"): no jumping for the rest of the week (each plyo
  session becomes a strength session sparing the area), key runs starting within 48 h of
  the painful session become easy runs of the same length, and the plan tells the
  runner to see a physiotherapist;
- fatigue: the next plyo session becomes a strength session.
Then the usual minimal-change re-plan runs from `at` (nothing before `at` moves). The
doses are worked out from what the request asked, not from the plan, so applying the
same log twice changes nothing the second time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from scheduler.core.domain import Kind, PlannedSession, Request, Schedule
from scheduler.core.drills import intensity_of, lower_intensity, plyo_drills
from scheduler.core.errors import BadRequest
from scheduler.core.labels import LABELS, clock_text
from scheduler.core.log import LogEntry, TrainingLog
from scheduler.core.pain import (
    PHYSIO_ADVICE,
    Reading,
    area_of,
    get_pain_settings,
    is_severe,
    read_log,
)
from scheduler.core.sessions import SessionSpec, session_specs
from scheduler.core.settings import Settings
from scheduler.core.strength import strength_exercises
from scheduler.core.week import Week
from scheduler.core.words import joined
from scheduler.replan.replan import replan
from scheduler.replan.state import aware_at

__all__ = ["replan_with_log", "settle_with_log", "change_item"]


def replan_with_log(schedule: Schedule, log: TrainingLog, *, at: datetime,
                    settings: Settings, missed: Sequence[str] = (),
                    done: Sequence[str] = (), request: Request | None = None) -> Schedule:
    """The week re-planned at `at` with what the log says about this week applied;
    `request` replaces the schedule's own (e.g. with new busy times)."""
    settled = settle_with_log(schedule, log, at=at)
    result = replan(settled, missed=missed, done=done, at=at, settings=settings,
                    request=request)
    return result.model_copy(update={
        "changes": [*settled.changes[len(schedule.changes):], *result.changes],
        "advice": settled.advice,
    })


def settle_with_log(schedule: Schedule, log: TrainingLog, *, at: datetime) -> Schedule:
    """The schedule with the sessions from `at` on changed as the log asks (without
    moving any), what changed added to its `changes` and the advice to its `advice`.

    On its own it serves a week just planned from a log: the plan already holds the
    log's doses, and only what is not a dose remains (key runs calm for 48 h after
    severe pain, the advice to see a physiotherapist). These changes only ever relax the
    hard rules, so the week stays valid without a solve.
    """
    if schedule.request is None:
        raise BadRequest("This schedule does not carry the request it was planned for; "
                         "plan it again with 'plyoplan plan --json' to re-plan from the log.")
    asked_for = schedule.request
    tz = asked_for.tz
    week = Week(asked_for.week_start, tz)
    at = aware_at(at, asked_for)
    reading = read_log(log, at, tz)
    pains = reading.new_pain(week.origin)  # earlier pain was planned for already
    severe = [e for e in pains if is_severe(e)]
    # key runs stay easy for 48 h after severe pain, even across the week's start
    calm = [e for e in reading.holding if is_severe(e)]
    fatigued = any(e.start >= week.origin for e in reading.fatigue)
    asked = {spec.id: spec for spec in session_specs(asked_for)}
    changes: list[dict[str, Any]] = []
    sessions: list[PlannedSession] = []
    swapped = any(s.kind is Kind.strength and getattr(asked.get(s.id), "kind", None)
                  is Kind.plyo for s in schedule.sessions)
    for session in schedule.sessions:
        new = session
        if session.status == "planned" and session.start >= at:
            new = _changed(session, asked.get(session.id), reading, pains, severe, calm,
                           swap=fatigued and not swapped, week=week)
            swapped |= new.kind is Kind.strength and session.kind is Kind.plyo
        if new != session:
            new = new.model_copy(update={"sequence": session.sequence + 1})
            changes.append(change_item(session, new, tz))
        sessions.append(new)
    advice = list(schedule.advice)
    earlier = [reading.severe] if reading.severe and reading.severe not in severe else []
    for entry in [*earlier, *severe]:
        line = _physio(entry, tz, this_week=entry in severe)
        if line not in advice:
            advice.append(line)
    return schedule.model_copy(update={"sessions": sessions, "advice": advice,
                                       "changes": [*schedule.changes, *changes]})


def _changed(session: PlannedSession, asked: SessionSpec | None, reading: Reading,
             pains: list[LogEntry], severe: list[LogEntry], calm: list[LogEntry], *,
             swap: bool, week: Week) -> PlannedSession:
    """The session as this week's log wants it (itself when nothing applies); its note
    says why, in words that also read inside the change list's parentheses."""
    areas = reading.areas
    if session.kind is Kind.plyo and severe:
        return _as_strength(session, areas, week,
                            f"No jumping after the {_pain_words(severe[-1], week)}: "
                            f"{PHYSIO_ADVICE}.")
    if session.kind is Kind.plyo and pains and asked is not None:
        session = _eased(session, asked, reading, pains, week)
    if session.kind is Kind.plyo and swap:
        return _as_strength(session, areas, week, _fatigue_words(reading, week))
    hours = get_pain_settings().easy_hours
    if session.kind in (Kind.tempo, Kind.hill, Kind.long) and any(
            e.start <= session.start < e.start + timedelta(hours=hours) for e in calm):
        return session.model_copy(update={
            "kind": Kind.easy, "key": False,
            "note": f"You logged {_pain_words(calm[-1], week)}: no hard running in the "
                    f"{hours} h after it, so this is an easy run of the same length.",
        })
    return session


def _eased(session: PlannedSession, asked: SessionSpec, reading: Reading,
           pains: list[LogEntry], week: Week) -> PlannedSession:
    """One class below the logged plyo session, 30 % fewer contacts than asked."""
    worst = max(pains, key=lambda e: (e.discomfort, e.start))
    logged = worst if worst.kind is Kind.plyo else reading.last_plyo
    planned_class = intensity_of([d.name for d in asked.drills])
    current = intensity_of([d.name for d in session.drills])
    below = lower_intensity(logged.intensity if logged and logged.intensity else planned_class)
    intensity = min((planned_class, current, below), key=("low", "moderate", "high").index)
    contacts = math.floor(asked.contacts * (1 - get_pain_settings().pain_cut))
    drills = plyo_drills("intermediate", contacts, intensity, week.week_start, reading.areas)
    total = sum(d.sets * d.reps for d in drills)
    spares = (f", without drills that load your {joined(list(reading.areas))}"
              if reading.areas else "")
    return session.model_copy(update={
        "contacts": total, "drills": drills,
        "note": f"After the {_pain_words(worst, week)}: {intensity} intensity, "
                f"{total} contacts instead of {asked.contacts}{spares}.",
    })


def _as_strength(session: PlannedSession, areas: tuple[str, ...], week: Week,
                 why: str) -> PlannedSession:
    try:
        exercises = strength_exercises(week.week_start, areas)  # type: ignore[arg-type]
    except ValueError:  # nothing spares the area: give the session up
        return session.model_copy(update={"status": "dropped", "note": why})
    return session.model_copy(update={
        "kind": Kind.strength, "key": False, "contacts": 0, "drills": exercises,
        "note": why,
    })


def _pain_words(entry: LogEntry, week: Week) -> str:
    area = area_of(entry)
    where = f" in your {area}" if area else ""
    return f"pain{where} ({entry.discomfort}/10, {entry.start.astimezone(week.tz):%a})"


def _fatigue_words(reading: Reading, week: Week) -> str:
    if len(reading.fatigue) == 2:
        days = joined([f"{e.start.astimezone(week.tz):%a} (RPE {e.rpe})"
                       for e in reading.fatigue])
        return (f"Fatigue: your sessions on {days} were both very hard; strength work "
                f"instead of jumping while it settles.")
    mean = sum(e.rpe for e in reading.fatigue) / len(reading.fatigue)
    return (f"Fatigue: your sessions of the last 7 days averaged RPE {mean:.1f}; strength "
            f"work instead of jumping while it settles.")


def _physio(entry: LogEntry, tz: Any, *, this_week: bool) -> str:
    area = area_of(entry)
    where = f" in your {area}" if area else ""
    rest = ("for the rest of this week and all of next week" if this_week
            else "this week")
    how = "sharp" if "sharp" in entry.note.lower() else "severe"
    return (f"You logged {how} pain{where} "
            f"({entry.discomfort}/10) after the session on "
            f"{entry.start.astimezone(tz):%a %d %b}: {PHYSIO_ADVICE}. No jumping {rest}.")


def change_item(old: PlannedSession, new: PlannedSession, tz: Any) -> dict[str, Any]:
    """A `changes` item for a session the log changed: what it was, what it is, and why
    (the new session's note)."""
    local = new.start.astimezone(tz)
    when = f"{local:%a} {clock_text(local.hour * 60 + local.minute)}"
    if new.status == "dropped":
        change, what = "dropped", f"{LABELS[old.kind].short} {when} dropped"
    elif new.kind is not old.kind:
        change = "swapped" if new.kind is Kind.strength else "made_easy"
        what = f"{LABELS[old.kind].short} {when} → {LABELS[new.kind].noun}"
    else:
        change = "eased"
        what = f"{LABELS[old.kind].short} {when} eased"
    return {"session": old.id, "kind": old.kind.value, "change": change,
            "from": old.start.isoformat(), "to": new.start.isoformat(),
            "text": f"{what} ({new.note[:1].lower()}{new.note[1:].rstrip('.')})"}
