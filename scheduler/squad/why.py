"""Why a runner cannot come to a group session at its time, in words a coach reads:
"'Team meeting' until 19:00", "not free then (free Tue 06:00–07:45)", or the coaching
rule that the session would break, with the runner's own sessions named.

Every reason is proven on the runner's week: the week with the group session pinned at
that time does not fit; it fits with the one rule named turned off, and that rule's
`check()` on the week so planned gives the sentence.
"""

from __future__ import annotations

from constraints import HARD_KEYS, hard_violations, rule_by_key
from scheduler.core.availability import busy_blocks
from scheduler.core.domain import PLAN_FOUND, Schedule
from scheduler.core.labels import DAY_NAMES, clock_text
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import Settings
from scheduler.core.week import Week
from scheduler.model.solve import build_week_model, extract_sessions, new_solver, solve_status
from scheduler.squad.seats import RunnerWeek

__all__ = ["why_not", "week_with"]


def week_with(rw: RunnerWeek, pins: dict[int, int], settings: Settings,
              off: frozenset[str] = frozenset()) -> Schedule | None:
    """The runner's best week with the group sessions `pins` (group -> start on the
    squad's line) at those starts, hard rules `off` turned off; None when none fits."""
    problem = WeekProblem.of(rw.attending(set(pins)), settings)
    at = {s.spec.id: pins[s.group] - rw.offset for s in rw.seats if s.group in pins}
    if any(t < 0 or t + s.minutes > problem.week.horizon
           for s in problem.specs if (t := at.get(s.id)) is not None):
        return None
    settled = {k: k not in off and k not in problem.request.rules.off for k in HARD_KEYS}
    wm = build_week_model(problem, settled=settled)
    for sid, t in at.items():  # held there, under every rule (a pinned start is exempt)
        wm.model.add(wm.vars.start[sid] == t)
    solver = new_solver(settings)
    status = solve_status(solver, wm.model)
    if status not in PLAN_FOUND:
        return None
    return Schedule(week_start=problem.request.week_start,
                    timezone=problem.request.runner.timezone, status=status,  # type: ignore[arg-type]
                    sessions=extract_sessions(wm, solver), request=problem.request)


def why_not(rw: RunnerWeek, group: int, start: int, others: dict[int, int],
            settings: Settings) -> str:
    """Why the runner cannot take group session `group` at `start` (squad line) while
    attending `others` at theirs."""
    seat = next(s for s in rw.seats if s.group == group)
    at = start - rw.offset
    week = rw.problem.week
    end = at + seat.spec.minutes
    busy = [b for b in busy_blocks(rw.request, week) if b.start < end and at < b.end]
    if busy:
        first = min(busy, key=lambda b: b.start)
        until = week.at(first.end - rw.request.rules.buffer_minutes)
        what = f"'{first.summary}'" if first.summary else "a busy event"
        return f"{what} until {clock_text(until.hour * 60 + until.minute)}"
    if not any(w.start <= at and end <= w.end for w in rw.problem.windows):
        day = week.day_of(week.at(at))
        free = [w for w in rw.problem.windows if w.day == day]
        if not free:
            return f"not free on {DAY_NAMES[day % 7]}"
        spans = ", ".join(f"{_clock(week, w.start)}–{_clock(week, w.end)}" for w in free)
        return f"not free then (free {DAY_NAMES[day % 7]} {spans})"
    pins = {**others, group: start}
    if week_with(rw, pins, settings) is not None and others:
        return "not together with the other group sessions of the week"
    for key in HARD_KEYS:
        if key in rw.request.rules.off:
            continue
        relaxed = week_with(rw, pins, settings, off=frozenset({key}))
        if relaxed is not None:
            broken = [v for v in hard_violations(
                WeekProblem.of(relaxed.request, settings) if relaxed.request else rw.problem,
                relaxed) if v.rule == key]
            said = broken[0].text.rstrip(".") if broken else rule_by_key(key).summary
            return f"{said[:1].lower()}{said[1:].rstrip('.')}"
    return "their own sessions and the coaching rules leave no room for it then"


def _clock(week: Week, minute: int) -> str:
    at = week.at(minute)
    return clock_text(at.hour * 60 + at.minute)
