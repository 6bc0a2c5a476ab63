"""The one rule contract, and a solver-free view of a finished week for the checks.

A rule has a `key`, a one-sentence `summary`, a `severity`, the request fields it reads
(`parameters`), `post()` to add itself to the CP-SAT model and `check()` to decide itself
on a finished schedule in plain Python. `check()` is the oracle of the test suite, so it
must never reuse the model's variables or arithmetic.

Everything else about a rule lives with it too, as hooks with plain defaults: the
sentence that explains it in a conflict, its phrase in a headline, the fixes that relax
it, where it stands in a paragraph, its counts over whole days and its reach across a
week's edge. The explanations, the planner and the block loop over the registry and ask.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from constraints.easing import Fix, Trial
from scheduler.core.domain import KEY_KINDS, Kind, PlannedSession, Schedule
from scheduler.core.labels import DAY_NAMES, LABELS
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from scheduler.core.variables import WeekVars

__all__ = ["Severity", "Violation", "PenaltyTerm", "DayCounts", "Rule", "WeekView", "COUNTED",
           "hours_between", "context_is_key", "forbid_across_weeks"]

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


@dataclass(frozen=True)
class DayCounts:
    """What a hard rule says about whole days alone, so that "too many sessions for too
    few days" is counted instead of searched for. None: the rule says nothing about it."""

    days_of: Mapping[str, frozenset[int]] | None = None  # per session: the days it can be on
    days_used: int | None = None  # the most days that may hold any session
    runs_a_day: int | None = None  # the most runs one day may hold


class Rule(ABC):
    """One coaching rule and everything about it: its contract (`post`, `check`), how it
    explains itself, and what would relax it. Only `post` and `check` are required; each
    other hook has a plain default a new rule may keep."""

    key: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity]
    parameters: ClassVar[tuple[str, ...]] = ()
    # Where the rule's sentence stands in a conflict's paragraph, and when the search for
    # the smallest conflict tries leaving it out (lower first; a rule tried early is left
    # out of the conflict whenever another conflict exists without it). 0: first.
    reading_order: ClassVar[int] = 0
    deletion_order: ClassVar[int] = 0
    # True for the rule that keeps sessions in the runner's free time: explanations set
    # the other rules against it ("... do not fit your free time").
    free_time: ClassVar[bool] = False

    @abstractmethod
    def post(self, model: cp_model.CpModel, v: WeekVars, problem: WeekProblem
             ) -> list[PenaltyTerm]:
        """Add the rule to the model; hard rules guard it with `v.enforce(self.key)` and
        return []; soft rules return their penalty terms."""

    @abstractmethod
    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        """Decide the rule on a finished schedule without the solver."""

    # --- in the model, beyond one week ----------------------------------------------------
    def post_across_weeks(self, model: cp_model.CpModel, weeks: Sequence[WeekVars]) -> None:
        """Add the rule between the weeks of a block (one model, consecutive weeks), where
        it reaches across a week's edge; each week's own `post` did the rest."""
        return None

    def penalties_across_weeks(self, model: cp_model.CpModel, weeks: Sequence[WeekVars]
                               ) -> list[list[PenaltyTerm]]:
        """A soft rule's penalty terms across the weeks of a block, one list per week (the
        week whose check, with the context the block fills in, charges it); [] for none."""
        return []

    def day_counts(self, problem: WeekProblem) -> DayCounts | None:
        """Counts over whole days that every plan keeping this rule obeys (see DayCounts)."""
        return None

    # --- in words -------------------------------------------------------------------------
    def sentence(self, problem: WeekProblem, specs: Sequence[SessionSpec],
                 core: Sequence[Rule]) -> str:
        """What the rule asks of these sessions, with the runner's numbers, as one sentence
        of a conflict's paragraph; `core` holds every rule of the conflict."""
        return self.summary

    def free_time_clause(self, problem: WeekProblem, specs: Sequence[SessionSpec]
                         ) -> str | None:
        """What the rule needs of the free time, as a clause of the free-time rule's
        sentence when both are in a conflict ("an easy run with plyo after it fits only
        on Tue")."""
        return None

    def phrase(self, problem: WeekProblem) -> str:
        """The rule in a few words for a headline ("48 h between plyo sessions")."""
        return self.key

    def also_involved(self, problem: WeekProblem, sessions: Sequence[str]) -> list[str]:
        """Sessions a conflict of this rule over `sessions` involves besides them (those
        left out of it may still take place)."""
        return []

    def blocked_there(self, violation: Violation, session: PlannedSession) -> str:
        """Why the session could not move where `violation` says, in a few words."""
        said = violation.text.rstrip(".")
        return "t" + said[1:] if said.startswith("The ") else said

    def why_moved(self, problem: WeekProblem, session: PlannedSession, violation: Violation,
                  other: str) -> str:
        """Why a re-plan could not leave `session` where it was, in a few words; `other`
        labels another session the violation names ("tempo on Thu 07:00"), or is ''."""
        return violation.text

    # --- what would relax it --------------------------------------------------------------
    def turned_off(self) -> Fix:
        """The fix that turns the rule off."""
        return Fix(f"rules.off += {self.key}",
                   f"Turn off {self.key} (“{self.summary.rstrip('.')}”).", 12)

    def easings(self, problem: WeekProblem, trial: Trial) -> list[Fix]:
        """The fixes short of turning the rule off, each proven by `trial` to fit."""
        return []

    def short_fix(self, change: str, problem: WeekProblem) -> str | None:
        """One of this rule's own changes in a few words ("allow 36 h between plyo
        sessions"); None for any other change."""
        return None


class WeekView:
    """A finished week seen by the checks: local days, kinds and labels of sessions."""

    def __init__(self, problem: WeekProblem, schedule: Schedule) -> None:
        self.request = problem.request
        self.week = problem.week
        self.counted = [s for s in schedule.sessions if s.status in COUNTED]
        # Worked out once: the checks ask each session's day over and over.
        self._days = {id(s): self.week.day_of(s.start) for s in self.counted}

    def day(self, session: PlannedSession) -> int:
        known = self._days.get(id(session))
        return self.week.day_of(session.start) if known is None else known

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
        return f"{LABELS[session.kind].noun} on {DAY_NAMES[local.weekday()]} {local:%d %b %H:%M}"


def hours_between(earlier: datetime, later: datetime) -> float:
    """Real elapsed hours. Subtracting two datetimes that share a ZoneInfo gives wall-clock
    time, an hour off across a DST change, so the difference is taken in UTC."""
    return (later.astimezone(UTC) - earlier.astimezone(UTC)).total_seconds() / 3600


def forbid_across_weeks(model: cp_model.CpModel, weeks: Sequence[WeekVars], key: str,
                        on_sunday: Callable[[WeekVars], list[SessionSpec]],
                        on_monday: Callable[[WeekVars], list[SessionSpec]]) -> None:
    """For each two consecutive weeks of a block: no session of `on_sunday(a)` on the
    first week's Sunday together with one of `on_monday(b)` on the next week's Monday,
    while hard rule `key` holds."""
    for a, b in zip(weeks, weeks[1:], strict=False):
        enforce = b.enforce(key)
        for first in on_sunday(a):
            for second in on_monday(b):
                model.add_bool_or([a.off(first, 6), b.off(second, 0)]
                                  ).only_enforce_if(enforce)


def context_is_key(kind: str | None) -> bool:
    return kind in {k.value for k in KEY_KINDS} or kind == "race"
