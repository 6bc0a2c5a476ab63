"""What a coach asks for: the squad's runners, their group sessions and the coach's limits
(DESIGN.md, "A coach's squad week"). Unknown fields are errors; every validator answers
with a sentence that names the field."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scheduler.core.domain import (
    Kind,
    Request,
    Weekday,
    a_monday,
    known_zone,
    ordered_windows,
)

__all__ = ["GroupSession", "Coach", "SquadRequest", "MAX_SQUAD", "GROUP_KINDS"]

MAX_SQUAD = 200  # runners in one model: a club, not a platform (that is `batch`)
GROUP_KINDS = frozenset({Kind.easy, Kind.tempo, Kind.hill, Kind.long, Kind.plyo,
                         Kind.strength})

Window = Annotated[list[str], Field(min_length=2, max_length=2)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GroupSession(_Strict):
    name: str = Field(min_length=1, max_length=80, description="e.g. 'Track night'.")
    kind: Kind = Field(description="easy, tempo, hill, long, plyo or strength.")
    minutes: int = Field(ge=5, le=360, description="Duration in minutes (5 to 360).")
    slots: dict[Weekday, list[Window]] = Field(
        min_length=1, description="When the venue is open, local to the squad: "
                                  "{'tue': [['18:00', '20:30']]}.")
    runners: list[str] = Field(min_length=1, max_length=MAX_SQUAD,
                               description="Names of the runners it is for.")
    min_attendance: float = Field(
        0.5, ge=0, le=1, description="Share of the listed runners who must attend (0 to 1).")

    @field_validator("kind")
    @classmethod
    def _a_kind_to_share(cls, value: Kind) -> Kind:
        if value not in GROUP_KINDS:
            raise ValueError(f"a group session cannot be a {value}; use one of "
                             f"{', '.join(sorted(k.value for k in GROUP_KINDS))}")
        return value

    @field_validator("slots")
    @classmethod
    def _slots(cls, value: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
        return ordered_windows(value, "slot")


class Coach(_Strict):
    max_sessions_per_day: int | None = Field(
        None, ge=1, le=10, description="Most group sessions the coach leads in one day.")


class SquadRequest(_Strict):
    week_start: date = Field(description="The Monday the squad's week starts on.")
    timezone: str = Field("UTC", description="IANA zone of the venue slots.")
    runners: list[Request] = Field(min_length=1, max_length=MAX_SQUAD,
                                   description="Each runner's request for the week.")
    group_sessions: list[GroupSession] = Field(
        default_factory=list, max_length=10, description="Sessions the squad shares.")
    coach: Coach = Field(default_factory=Coach, description="The coach's limits.")

    @field_validator("week_start")
    @classmethod
    def _monday(cls, value: date) -> date:
        return a_monday(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return known_zone(value)

    @model_validator(mode="after")
    def _consistent(self) -> SquadRequest:
        names = [r.runner.name for r in self.runners]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"runner names must be unique in a squad; {', '.join(twice)} "
                             f"appear more than once")
        for i, runner in enumerate(self.runners):
            if runner.week_start != self.week_start:
                raise ValueError(f"runners[{i}].week_start is {runner.week_start}; every "
                                 f"runner plans the squad's week, {self.week_start}")
        for i, group in enumerate(self.group_sessions):
            unknown = [n for n in group.runners if n not in names]
            if unknown:
                raise ValueError(f"group_sessions[{i}].runners names {', '.join(unknown)}, "
                                 f"not in the squad's runners")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
