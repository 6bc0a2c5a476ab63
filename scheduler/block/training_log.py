"""What the training log asks of the next week: a single week (`plan --log`, the web
app's next week) or each week of a block.

The log is read at the week's start (`scheduler.core.pain.read_log`): severe pain in the
last two weeks means no jumping (`rest`: plyo sessions become strength work that spares
the sore area); pain that still holds (not yet followed by two pain-free plyo sessions)
eases the week's plyo sessions one class below the logged one, with 30 % fewer contacts
and without drills that load the sore areas; a very hard plyo session holds the dose;
fatigue turns the next plyo session into a strength session. `apply_log` turns the
verdict into the adjusted request and the sentences that say why it changed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.block.adjust import Adjustment, Dose, adjust_doses
from scheduler.core.domain import LEVELS, PLAN_FOUND, Kind, Request, Schedule, SessionRequest
from scheduler.core.drills import LEVEL_INTENSITY
from scheduler.core.errors import BadRequest
from scheduler.core.log import LogEntry, TrainingLog, entry_for, load_log, save_log
from scheduler.core.pain import (
    PHYSIO_ADVICE,
    Reading,
    area_of,
    get_pain_settings,
    is_pain_note,
    read_log,
)
from scheduler.core.sessions import session_id, session_specs
from scheduler.core.week import Week
from scheduler.replan.after_pain import change_item

__all__ = [
    "LogEntry", "TrainingLog", "load_log", "save_log", "entry_for", "is_pain_note",
    "verdict", "apply_log", "what_was_logged", "PHYSIO_ADVICE", "mark_log_changes",
]


def _when(entry: LogEntry, tz: ZoneInfo) -> str:
    return f"{entry.start.astimezone(tz):%a %d %b}"


def _what(entry: LogEntry) -> str:
    return {Kind.plyo: "plyo session", Kind.strength: "strength session",
            Kind.race: "race"}.get(entry.kind, f"{entry.kind.value} run")


def what_was_logged(entry: LogEntry, tz: ZoneInfo) -> str:
    """'You logged discomfort 8/10 ('sharp pain left Achilles') in your achilles after the
    plyo session on Thu 03 Dec.'"""
    said = f" ('{entry.note}')" if entry.note else ""
    area = area_of(entry)
    where = f" in your {area}" if area else ""
    return (f"You logged discomfort {entry.discomfort}/10{said}{where} after the "
            f"{_what(entry)} on {_when(entry, tz)}.")


def _swap(reading: Reading, tz: ZoneInfo) -> str | None:
    if not reading.fatigue:
        return None
    if len(reading.fatigue) == 2:
        a, b = reading.fatigue
        felt = (f"the {_what(a)} on {_when(a, tz)} (RPE {a.rpe}/10) and the {_what(b)} on "
                f"{_when(b, tz)} (RPE {b.rpe}/10) were both very hard")
    else:
        mean = sum(e.rpe for e in reading.fatigue) / len(reading.fatigue)
        felt = f"your sessions of the last 7 days averaged RPE {mean:.1f}/10"
    return (f"Fatigue: {felt}, so the next plyo session becomes a strength session "
            f"(low-impact work, no jumping).")


def verdict(log: TrainingLog, origin: datetime, *, timezone: str) -> Adjustment | None:
    """What the log, read at a week's start `origin`, asks of that week."""
    s = get_pain_settings()
    tz = ZoneInfo(timezone)
    reading = read_log(log, origin, tz, s)
    swap = _swap(reading, tz)
    worst = reading.severe or reading.worst
    if worst is not None:
        reference = worst if worst.kind is Kind.plyo else reading.last_plyo
        cause = what_was_logged(worst, tz)
        if reading.severe is None and worst.start < origin - timedelta(days=s.window_days):
            cause += (f" Until {s.pain_free_sessions} pain-free plyo sessions are logged, "
                      f"the dose does not rise.")
        return Adjustment(
            "rest" if reading.severe else "ease", cause,
            reference.intensity if reference else None,
            reference.contacts if reference else None,
            avoid=reading.areas, pain=tuple(e.session for e in reading.holding), swap=swap)
    if reading.hard_plyo is not None:
        top = reading.hard_plyo
        cause = (f"The plyo session on {_when(top, tz)} felt very hard "
                 f"(RPE {top.rpe}/10).")
        return Adjustment("hold", cause, top.intensity, top.contacts or None, swap=swap)
    if swap:
        return Adjustment(None, "", swap=swap)
    return None


def apply_log(request: Request, log: TrainingLog) -> tuple[Request, list[str]]:
    """The request with its plyo sessions adjusted to the log, and why they changed.

    No verdict: the request comes back unchanged with no sentences.
    """
    origin = Week(request.week_start, request.tz).origin
    adjustment = verdict(log, origin, timezone=request.runner.timezone)
    if adjustment is None:
        return request, []
    level = request.runner.level
    plyo_sessions = [w for w in request.sessions if w.kind is Kind.plyo]
    planned = [Dose(
        contacts=LEVELS[level].contacts_low if w.contacts is None else w.contacts,
        intensity=w.intensity or LEVEL_INTENSITY[level], avoid=w.avoid,
    ) for w in plyo_sessions]
    doses, reasons = adjust_doses(planned, adjustment, get_pain_settings().pain_cut)
    if doses == planned:
        return request, reasons
    # Sessions keep their ids (given explicitly, so giving one up does not renumber the
    # rest and calendars update in place); a dose of 0 contacts is a session given up.
    adjusted: dict[int, SessionRequest | None] = {}
    for number, (wanted, dose) in enumerate(zip(plyo_sessions, doses, strict=True), start=1):
        sid = wanted.id or session_id(request, Kind.plyo, number)
        if dose.strength:
            adjusted[id(wanted)] = SessionRequest(kind=Kind.strength, minutes=wanted.minutes,
                                                  id=sid, avoid=dose.avoid)
        elif dose.contacts == 0:
            adjusted[id(wanted)] = None
        else:
            adjusted[id(wanted)] = wanted.model_copy(update={
                "id": sid, "contacts": dose.contacts, "intensity": dose.intensity,
                "avoid": dose.avoid,
            })
    kept = [w for w in (adjusted.get(id(w), w) for w in request.sessions) if w is not None]
    if not kept:
        raise BadRequest("The training log gives up this week's only session (a plyo "
                         "session); there is nothing left to plan.")
    return request.model_copy(update={"sessions": kept}), reasons



def mark_log_changes(schedule: Schedule, asked: Request, reasons: list[str]) -> Schedule:
    """A week planned from `apply_log`'s request, with each session the log changed
    saying so: a note (in its calendar event too) and an item in `changes`; `asked` is
    the request before the log adjusted it, `reasons` what `apply_log` said."""
    if not reasons or schedule.status not in PLAN_FOUND:
        return schedule
    why = " ".join(reasons)
    before = {spec.id: spec for spec in session_specs(asked)}
    tz = asked.tz
    sessions, changes = [], []
    for session in schedule.sessions:
        spec = before.get(session.id)
        if spec is not None and (spec.kind, spec.contacts) != (session.kind, session.contacts):
            session = session.model_copy(update={"note": why})
            was = session.model_copy(update={"kind": spec.kind, "contacts": spec.contacts})
            changes.append(change_item(was, session, tz))
        sessions.append(session)
    return schedule.model_copy(update={"sessions": sessions,
                                       "changes": [*schedule.changes, *changes]})
