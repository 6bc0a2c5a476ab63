"""Request and response bodies of the JSON API (separate from the domain models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scheduler.domain import Schedule

__all__ = ["PlanOut", "ReplanOut", "MarkIn", "Problem", "InvalidInput"]


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


class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="The plan version this change is based on.")
    at: datetime | None = Field(
        None, description="When it happened (ISO 8601; without an offset it is the runner's "
                          "local time); default now. Sessions before it keep their times."
    )


class Problem(BaseModel):
    detail: str = Field(description="What went wrong, as a sentence.")


class InvalidInput(BaseModel):
    detail: list[str] = Field(description="One sentence per problem, naming the field.")
