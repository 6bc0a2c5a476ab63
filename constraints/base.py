"""The one rule contract, and a solver-free view of a finished week for the checks.

A rule has a `key`, a one-sentence `summary`, a `severity`, the request fields it reads
(`parameters`), `post()` to add itself to the CP-SAT model and `check()` to decide itself
on a finished schedule in plain Python. `check()` is the oracle of the test suite, so it
must never reuse the model's variables or arithmetic.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from scheduler.core.domain import KEY_KINDS, Kind, PlannedSession, Schedule
from scheduler.core.problem import WeekProblem

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from scheduler.core.variables import WeekVars

__all__ = ["Severity", "Violation", "PenaltyTerm", "Rule", "WeekView", "COUNTED",
           "hours_between"]

# Sessions that happened or will happen count as load; missed and dropped ones do not.
COUNTED = ("planned", "done")


class Severity(StrEnum):
    hard = "hard"
    soft = "soft"


@dataclass(frozen=True)
class Violation:
    """One broken rule on a finished week, with the sessions involved and a sentence."""

    rule: str
    sessions: tuple[str, ...]
    text: str
    penalty: int = 0


@dataclass(frozen=True)
class PenaltyTerm:
    """A soft rule's price in the objective: `weight` paid when `literal` is true."""

    rule: str
    weight: int
    literal: cp_model.IntVar
    sessions: tuple[str, ...] = field(default=())


class Rule(ABC):
    key: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity]
    parameters: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def post(self, model: cp_model.CpModel, v: WeekVars, problem: WeekProblem
             ) -> list[PenaltyTerm]:
        """Add the rule to the model; hard rules guard it with `v.enforce(self.key)` and
        return []; soft rules return their penalty terms."""

    @abstractmethod
    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        """Decide the rule on a finished schedule without the solver."""


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class WeekView:
    """A finished week seen by the checks: local days, kinds and labels of sessions."""

    def __init__(self, problem: WeekProblem, schedule: Schedule) -> None:
        self.request = problem.request
        self.week = problem.week
        self.counted = [s for s in schedule.sessions if s.status in COUNTED]

    def day(self, session: PlannedSession) -> int:
        return self.week.day_of(session.start)

    def of_kind(self, *kinds: Kind) -> list[PlannedSession]:
        return [s for s in self.counted if s.kind in kinds]

    def key_sessions(self) -> list[PlannedSession]:
        return [s for s in self.counted if s.kind in KEY_KINDS]

    def on_day(self, day: int) -> list[PlannedSession]:
        return [s for s in self.counted if self.day(s) == day]

    def day_name(self, day: int) -> str:
        return f"{DAY_NAMES[day % 7]} {self.week.date(day):%d %b}"

    def label(self, session: PlannedSession) -> str:
        local = session.start.astimezone(self.week.tz)
        return f"{session.kind.value} on {DAY_NAMES[local.weekday()]} {local:%d %b %H:%M}"


def hours_between(earlier: datetime, later: datetime) -> float:
    """Real elapsed hours. Subtracting two datetimes that share a ZoneInfo gives wall-clock
    time, an hour off across a DST change, so the difference is taken in UTC."""
    return (later.astimezone(UTC) - earlier.astimezone(UTC)).total_seconds() / 3600


def context_is_key(kind: str | None) -> bool:
    return kind in {k.value for k in KEY_KINDS} or kind == "race"
