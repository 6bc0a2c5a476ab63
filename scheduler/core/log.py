"""The training log: how each session went, as the runner logged it.

A log entry records one session (its id, kind, time, and for plyometrics the drills,
intensity class and contacts done) with the runner's perceived effort (RPE 1-10),
discomfort (0-10), where it hurt and a note. What the entries mean for the plan is
`scheduler.core.pain`'s to read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scheduler.core.domain import AREAS, KINDS_TEXT, Area, Kind, PlannedSession
from scheduler.core.drills import intensity_of
from scheduler.core.errors import BadRequest
from scheduler.core.io import parse_model, read_json, write_text

__all__ = ["LogEntry", "TrainingLog", "load_log", "save_log", "entry_for"]

Intensity = Literal["low", "moderate", "high"]


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
    area: Area | None = Field(None, description="Where it hurt: " + ", ".join(AREAS) + ".")
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
              area: str | None = None, drills: list[str] | None = None,
              now: datetime | None = None) -> LogEntry:
    """A log entry for a planned session; `drills` names what was done if not the plan."""
    if not 1 <= rpe <= 10:
        raise BadRequest(f"--rpe {rpe} is out of range; use a whole number from 1 to 10.")
    if not 0 <= discomfort <= 10:
        raise BadRequest(f"--discomfort {discomfort} is out of range; use a whole number "
                         f"from 0 to 10.")
    if len(note) > 500:
        raise BadRequest("--note is longer than 500 characters; keep it short.")
    if area is not None and area not in AREAS:
        raise BadRequest(f"--area '{area}' is not a body area plyoplan knows; use one of "
                         f"{', '.join(AREAS)}.")
    is_plyo = session.kind is Kind.plyo
    names = drills if drills else list(dict.fromkeys(d.name for d in session.drills))
    return LogEntry(
        session=session.id, kind=session.kind, start=session.start,
        drills=names if is_plyo else [],
        intensity=intensity_of(names) if is_plyo else None,
        contacts=session.contacts, rpe=rpe, discomfort=discomfort, note=note,
        area=area,  # type: ignore[arg-type]  # checked against AREAS above
        logged_at=now or datetime.now(UTC).replace(microsecond=0),
    )
