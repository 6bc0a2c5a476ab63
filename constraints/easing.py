"""Fixes: the single changes to a request that would let an impossible week fit.

Each rule proposes the fixes that relax it (`Rule.easings`); the explanations prove every
one by a re-solve with every other rule still on (`Trial`), keep those after which the week
really fits and list them cheapest first. A change is a short string, part of the public
JSON (a fix item's `change`), that anyone can re-plan with (`apply_change`):

    rules.off += KEY                       turn hard rule KEY off
    drop SESSION_ID                        leave that session out this week
    availability.DAY[I] = HH:MM-HH:MM      free window I of DAY becomes this
    availability.DAY += HH:MM-HH:MM        a new free window on a day that has none
    rules.FIELD = N                        a rule's number (buffer_minutes, rest_days, ...)
    plyo.contacts <= N                     no plyo session holds more than N ground contacts
    races[I].priority = P                  race I gets priority P (A, B or C)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from scheduler.core.availability import STEP  # widenings and buffers move on the start grid
from scheduler.core.domain import Kind, Request, RuleSettings, Weekday
from scheduler.core.explanation import FixItem
from scheduler.core.labels import clock_text
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import session_specs

__all__ = ["Fix", "Trial", "WindowSide", "apply_change", "change_kind", "first_fitting",
           "smallest", "window_change", "new_window_change", "rule_number",
           "read_rule_number", "RULE_OFF", "DROP", "WIDEN", "ADD_WINDOW", "RULE_NUMBER",
           "CONTACTS_CAP", "RACE_PRIORITY", "race_priority_change"]

# A rule's number: the whole-number fields of `rules`.
RULE_FIELDS = tuple(name for name, field in RuleSettings.model_fields.items()
                    if field.annotation is int)
RULE_OFF = re.compile(r"rules\.off \+= (\w+)")
DROP = re.compile(r"drop (\S+)")
WIDEN = re.compile(r"availability\.(\w{3})\[(\d+)\] = (\d\d:\d\d)-(\d\d:\d\d)")
ADD_WINDOW = re.compile(r"availability\.(\w{3}) \+= (\d\d:\d\d)-(\d\d:\d\d)")
RULE_NUMBER = re.compile(rf"rules\.({'|'.join(RULE_FIELDS)}) = (\d+)")
CONTACTS_CAP = re.compile(r"plyo\.contacts <= (\d+)")
RACE_PRIORITY = re.compile(r"races\[(\d+)\]\.priority = ([ABC])")


@dataclass(frozen=True)
class Fix:
    """One change, the sentence that offers it, and what it costs the runner (lower is
    better)."""

    change: str
    text: str
    cost: float

    def item(self) -> FixItem:
        return FixItem(change=self.change, text=self.text)


@dataclass(frozen=True)
class WindowSide:
    """One side of one weekly window: `availability[day][index]`, 'earlier' or 'later'."""

    day: Weekday
    index: int
    side: str


class Trial(Protocol):
    """The re-solves a rule's easings may ask for; the explanations answer them."""

    def fits(self, change: str) -> bool:
        """Whether the week fits with `change` applied and every rule on (False, without a
        solve, for a change the request cannot take, such as -1 rest days)."""

    def widenings(self, cap: int, instead_of: str) -> dict[WindowSide, int]:
        """For each side of a weekly window that alone can make the week fit, the fewest
        minutes it must move (a multiple of STEP, at most `cap`), with rule `instead_of`
        replaced by windows that may stretch (one model answers for every side). A
        proposal: `fits` proves it."""


def window_change(day: str, index: int, start: int, end: int) -> str:
    """The change that makes window `index` of `day` run from minute `start` to `end`."""
    return f"availability.{day}[{index}] = {clock_text(start)}-{clock_text(end)}"


def new_window_change(day: str, start: str, end: str) -> str:
    """The change that adds a window from `start` to `end` (HH:MM) on `day`."""
    return f"availability.{day} += {start}-{end}"


def rule_number(field: str, value: int) -> str:
    """The change that sets `rules.<field>` to `value`."""
    return f"rules.{field} = {value}"


def race_priority_change(index: int, priority: str) -> str:
    """The change that gives race `index` of `races` another priority."""
    return f"races[{index}].priority = {priority}"


def read_rule_number(change: str, field: str) -> int | None:
    """The value a `rules.<field> = N` change sets, or None for any other change."""
    m = RULE_NUMBER.fullmatch(change)
    return int(m.group(2)) if m and m.group(1) == field else None


def change_kind(change: str) -> str:
    """Changes of one kind read alike (the headline offers different kinds): the free
    time, a rule off, a drop, or the field a number belongs to."""
    if WIDEN.fullmatch(change) or ADD_WINDOW.fullmatch(change):
        return "free time"
    if RULE_OFF.fullmatch(change):
        return "rule off"
    return change.split(" ")[0]  # drop, rules.rest_days, plyo.contacts, ...


def apply_change(problem: WeekProblem, change: str) -> Request:
    """The problem's request with one change applied. Raises ValueError for a change it
    cannot read or one that makes an invalid request."""
    data = problem.request.model_dump(mode="json")
    if m := RULE_OFF.fullmatch(change):
        data["rules"]["off"] = sorted({*data["rules"]["off"], m.group(1)})
    elif m := DROP.fullmatch(change):
        # Spell out every id first, so dropping one does not renumber the others.
        for wanted, spec in zip(data["sessions"], session_specs(problem.request), strict=True):
            wanted["id"] = spec.id
        kept = [s for s in data["sessions"] if s["id"] != m.group(1)]
        if len(kept) == len(data["sessions"]):
            raise ValueError(f"no session {m.group(1)!r} to drop")
        data["sessions"] = kept
    elif m := WIDEN.fullmatch(change):
        day, index = m.group(1), int(m.group(2))
        data["availability"][day][index] = [m.group(3), m.group(4)]
    elif m := ADD_WINDOW.fullmatch(change):
        data["availability"].setdefault(m.group(1), []).append([m.group(2), m.group(3)])
    elif m := RULE_NUMBER.fullmatch(change):
        data["rules"][m.group(1)] = int(m.group(2))
    elif m := CONTACTS_CAP.fullmatch(change):
        for wanted, spec in zip(data["sessions"], session_specs(problem.request), strict=True):
            if spec.kind is Kind.plyo:
                wanted["contacts"] = min(spec.contacts, int(m.group(1)))
    elif (m := RACE_PRIORITY.fullmatch(change)) and int(m.group(1)) < len(data["races"]):
        data["races"][int(m.group(1))]["priority"] = m.group(2)
    else:
        raise ValueError(f"unknown change {change!r}")
    return Request.model_validate(data)


def first_fitting(fits: Callable[[str], bool], field: str, loosest_first: list[int]
                  ) -> int | None:
    """The tightest value of `rules.<field>` (last in the list) whose change still fits,
    trying the loosest first: easing a number never makes a week harder to fit, so once
    one fails the tighter ones fail too."""
    best = None
    for value in loosest_first:
        if not fits(rule_number(field, value)):
            break
        best = value
    return best


def smallest(lo: int, hi: int, fits: Callable[[int], bool]) -> int | None:
    """The smallest multiple of STEP in (lo, hi] for which `fits` holds, assuming that
    once it fits it keeps fitting (more free time never hurts); None if not even hi."""
    if hi <= lo or not fits(hi):
        return None
    while hi - lo > STEP:
        mid = (lo + hi) // 2 // STEP * STEP
        if mid <= lo:
            break
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return hi
