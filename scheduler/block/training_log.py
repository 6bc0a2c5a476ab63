"""The training log: how each session felt, and what that means for the next plan.

A log entry records one session (its id, time, drills, intensity class and contacts)
with the runner's perceived effort (RPE 1-10), discomfort (0-10) and a note. Before a
week is planned, the entries of the days just before it give a verdict (see
`progression.Adjustment`): discomfort at or above `pain_discomfort`, or a note that
mentions pain, eases the next plyo session (one intensity class below the logged one,
30 % fewer contacts; the week's other plyo sessions too, since a plan does not fix which
comes first); discomfort at or above `skip_discomfort` skips it and eases the rest; a very
hard plyo session (RPE at or above `hold_rpe`) holds progression. `apply_log` turns the
verdict into the adjusted request and the sentences that say why it changed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scheduler.block.progression import (
    Adjustment,
    Dose,
    ProgressionSettings,
    adjust_doses,
    get_progression_settings,
)
from scheduler.core.domain import (
    KINDS_TEXT,
    LEVELS,
    Area,
    Kind,
    PlannedSession,
    Request,
    SessionRequest,
)
from scheduler.core.drills import LEVEL_INTENSITY, Intensity, intensity_of
from scheduler.core.errors import BadRequest
from scheduler.core.io import parse_model, read_json, write_text
from scheduler.core.sessions import session_id
from scheduler.core.week import Week

__all__ = [
    "LogEntry", "TrainingLog", "load_log", "save_log", "entry_for", "is_pain_note",
    "verdict", "apply_log",
]


class LogEntry(BaseModel):
    """How one session went."""

    model_config = ConfigDict(extra="forbid")

    session: str = Field(min_length=1, max_length=160, description="The session's id.")
    kind: Kind = Field(description=KINDS_TEXT + ".")
    start: datetime = Field(description="When the session was planned to start.")
    drills: list[str] = Field(default_factory=list, description="Drills done, by name.")
    intensity: Intensity | None = Field(None, description="Plyo intensity class done.")
    contacts: int = Field(0, ge=0, le=1000, description="Ground contacts done.")
    rpe: int = Field(ge=1, le=10, description="Perceived effort, 1 (very easy) to 10 (max).")
    discomfort: int = Field(ge=0, le=10, description="Discomfort or pain, 0 (none) to 10.")
    note: str = Field("", max_length=500, description="Anything worth remembering.")
    area: Area | None = Field(None, description="Where it hurt: foot, achilles, calf, shin, "
                                                "knee, thigh, hamstring, hip or back.")
    logged_at: datetime = Field(description="When the entry was written.")

    @field_validator("start", "logged_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-12-01T18:30:00+01:00")
        return value


class TrainingLog(BaseModel):
    """Every logged session, oldest first; a session logged again replaces its entry."""

    model_config = ConfigDict(extra="forbid")

    entries: list[LogEntry] = Field(default_factory=list, description="Logged sessions.")

    def record(self, entry: LogEntry) -> TrainingLog:
        kept = [e for e in self.entries if e.session != entry.session]
        return TrainingLog(entries=sorted([*kept, entry], key=lambda e: e.start))


def load_log(path: Path, *, missing_ok: bool = False) -> TrainingLog:
    """Read a log file; with `missing_ok` a file that does not exist yet is an empty log."""
    path = Path(path)
    if missing_ok and not path.exists():
        return TrainingLog()
    return parse_model(TrainingLog, read_json(path), str(path))


def save_log(path: Path, log: TrainingLog) -> None:
    write_text(Path(path), log.model_dump_json(indent=2) + "\n")


def entry_for(session: PlannedSession, *, rpe: int, discomfort: int, note: str = "",
              drills: list[str] | None = None, now: datetime | None = None) -> LogEntry:
    """A log entry for a planned session; `drills` names what was done if not the plan."""
    if not 1 <= rpe <= 10:
        raise BadRequest(f"--rpe {rpe} is out of range; use a whole number from 1 to 10.")
    if not 0 <= discomfort <= 10:
        raise BadRequest(f"--discomfort {discomfort} is out of range; use a whole number "
                         f"from 0 to 10.")
    if len(note) > 500:
        raise BadRequest("--note is longer than 500 characters; keep it short.")
    names = drills if drills else list(dict.fromkeys(d.name for d in session.drills))
    is_plyo = session.kind is Kind.plyo
    return LogEntry(
        session=session.id, kind=session.kind, start=session.start, drills=names,
        intensity=intensity_of(names) if is_plyo else None,
        contacts=session.contacts, rpe=rpe, discomfort=discomfort, note=note,
        logged_at=now or datetime.now(UTC).replace(microsecond=0),
    )


_NEGATION = re.compile(r"\b(no|not|without|zero|never)\s+(\w+\s+)?$")


def is_pain_note(note: str, words: list[str]) -> bool:
    """Whether a note mentions pain ('sharp pain in the shin': yes; 'no pain': no)."""
    text = note.lower()
    for word in words:
        for match in re.finditer(rf"\b{re.escape(word.lower())}\w*", text):
            before = text[max(0, match.start() - 20):match.start()]
            after = text[match.end():match.end() + 6]
            if _NEGATION.search(before) or re.match(r"[- ]?free\b", after):
                continue
            return True
    return False


def _when(entry: LogEntry, tz_name: str | None = None) -> str:
    moment = entry.start if tz_name is None else entry.start.astimezone(ZoneInfo(tz_name))
    return f"{moment:%a %d %b}"


def _what(entry: LogEntry) -> str:
    return "plyo session" if entry.kind is Kind.plyo else f"{entry.kind.value} run"


def verdict(log: TrainingLog, origin: datetime, *, timezone: str | None = None,
            settings: ProgressionSettings | None = None) -> Adjustment | None:
    """What the entries of the `log_window_days` before `origin` ask of the next week."""
    s = settings or get_progression_settings()
    since = origin - timedelta(days=s.log_window_days)
    recent = [e for e in log.entries if since <= e.start < origin]
    if not recent:
        return None
    plyos = [e for e in recent if e.kind is Kind.plyo]
    last_plyo = plyos[-1] if plyos else None
    pained = [e for e in recent
              if e.discomfort >= s.pain_discomfort or is_pain_note(e.note, s.pain_words)]
    if pained:
        worst = max(pained, key=lambda e: (e.discomfort, e.start))
        said = f" ('{worst.note}')" if worst.note else ""
        cause = (f"You logged discomfort {worst.discomfort}/10{said} after the "
                 f"{_what(worst)} on {_when(worst, timezone)}.")
        reference = worst if worst.kind is Kind.plyo else last_plyo
        action: Literal["skip", "ease"] = (
            "skip" if worst.discomfort >= s.skip_discomfort else "ease")
        return Adjustment(action, cause, reference.intensity if reference else None,
                          reference.contacts if reference else None)
    hard = [e for e in plyos if e.rpe >= s.hold_rpe]
    if hard:
        top = hard[-1]
        cause = (f"The plyo session on {_when(top, timezone)} felt very hard "
                 f"(RPE {top.rpe}/10).")
        return Adjustment("hold", cause, top.intensity, top.contacts or None)
    return None


def apply_log(request: Request, log: TrainingLog) -> tuple[Request, list[str]]:
    """The request with its plyo sessions adjusted to the log, and why they changed.

    Only the days just before the request's week count. No verdict: the request comes
    back unchanged with no sentences.
    """
    s = get_progression_settings()
    origin = Week(request.week_start, request.tz).origin
    adjustment = verdict(log, origin, timezone=request.runner.timezone, settings=s)
    if adjustment is None:
        return request, []
    level = request.runner.level
    plyo_sessions = [w for w in request.sessions if w.kind is Kind.plyo]
    planned = [Dose(
        contacts=LEVELS[level].contacts_low if w.contacts is None else w.contacts,
        intensity=w.intensity or LEVEL_INTENSITY[level],
    ) for w in plyo_sessions]
    doses, reasons = adjust_doses(planned, adjustment, s.pain_cut)
    if doses == planned:
        return request, reasons
    # Sessions keep their ids (given explicitly, so giving one up does not renumber the
    # rest and calendars update in place); a dose of 0 contacts is a session given up.
    adjusted: dict[int, SessionRequest | None] = {}
    for number, (wanted, dose) in enumerate(zip(plyo_sessions, doses, strict=True), start=1):
        adjusted[id(wanted)] = None if dose.contacts == 0 else wanted.model_copy(update={
            "id": wanted.id or session_id(request, Kind.plyo, number),
            "contacts": dose.contacts, "intensity": dose.intensity,
        })
    kept = [w for w in (adjusted.get(id(w), w) for w in request.sessions) if w is not None]
    if not kept:
        raise BadRequest("The training log skips this week's only session (a plyo session); "
                         "there is nothing left to plan.")
    return request.model_copy(update={"sessions": kept}), reasons
