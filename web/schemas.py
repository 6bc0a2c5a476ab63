"""Request and response bodies of the JSON API (separate from the domain models)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from scheduler.core.domain import AREAS, Area, Schedule
from scheduler.core.drills import drill_library
from scheduler.core.log import LogEntry

__all__ = ["PlanOut", "ReplanOut", "NextWeekOut", "MarkIn", "LogIn", "LogOut", "Problem",
           "InvalidInput"]


class PlanOut(BaseModel):
    id: str = Field(description="The plan's id (keep it private: it lets you change the plan).")
    version: int = Field(description="Raised by one on every change; send it back to change.")
    schedule: Schedule = Field(description="The week (see DESIGN.md), with its request.")
    feed_url: str = Field(description="Path of the secret calendar feed, /feeds/<token>.ics.")


class ReplanOut(PlanOut):
    changes: list[dict[str, Any]] = Field(
        description="What the re-plan changed, one item per session: session, kind, change, "
                    "from, to, text."
    )


class NextWeekOut(PlanOut):
    adapted: list[str] = Field(
        description="Why the training log changed this week's plyometrics, one sentence "
                    "each; empty when it changed nothing."
    )


class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="The plan version this change is based on.")
    at: datetime | None = Field(
        None, description="When it happened (ISO 8601; without an offset it is the runner's "
                          "local time); default now. Sessions before it keep their times."
    )


def _known_drill(name: str) -> str:
    library = drill_library()
    if name not in library:
        raise ValueError(f"'{name}' is not in the drill library; use one of "
                         f"{', '.join(library)}")
    return name


class LogIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rpe: int = Field(ge=1, le=10, strict=True,
                     description="Perceived effort, 1 (very easy) to 10 (maximal).")
    discomfort: int = Field(ge=0, le=10, strict=True,
                            description="Discomfort or pain, 0 (none) to 10 (severe).")
    note: str = Field("", max_length=500, description="Anything worth remembering, e.g. "
                                                      "'sharp pain in the left shin'.")
    drills: list[Annotated[str, AfterValidator(_known_drill)]] = Field(
        default_factory=list, max_length=20,
        description="Drills actually done, by library name; default the planned ones."
    )
    area: Area | None = Field(None, description="Where it hurt: " + ", ".join(AREAS) + ".")
    at: datetime | None = Field(
        None, description="When the log is read for the rest of the week (ISO 8601; without "
                          "an offset it is the runner's local time); default now."
    )


class LogOut(LogEntry):
    replanned: ReplanOut | None = Field(
        None, description="When the entry shows pain or fatigue: the rest of the week "
                          "re-planned at once (version + 1, `changes` says what moved and "
                          "why); null when it changed nothing."
    )


class Problem(BaseModel):
    detail: str = Field(description="What went wrong, as a sentence.")


class InvalidInput(BaseModel):
    detail: list[str] = Field(description="One sentence per problem, naming the field.")
