"""Why is it there? For each session of a planned week, what keeps it off the other days
and which soft penalties it pays.

Per session, the week's model is built once with every other session pinned where it is
and this one free; then, for each other day, a solve under the assumption "on that day"
says whether any slot there keeps every hard rule, and at what least soft penalty. A day
with no such slot is "blocked": the session is then tried at candidate times there (the
free windows' edges, next to the other sessions, its own clock time) and the rules'
solver-free `check()`s name what the least-bad candidate would break, in their own
sentences. Open days "would do as well" or "would cost N more" by the solver's optimum.

Each soft penalty of the week is booked on the first session its violation names, so the
items' penalties add up to the schedule's penalties, which are the solver's objective.
This runs only for `--why`, never on the normal solve.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from ortools.sat.python import cp_model

from constraints import COUNTED, hard_violations, rule_by_key, soft_penalties, soft_violations
from constraints.base import Violation
from scheduler.core.availability import STEP
from scheduler.core.domain import Kind, PlannedSession, Schedule
from scheduler.core.explanation import WhyItem
from scheduler.core.labels import DAY_NAMES, LABELS
from scheduler.core.problem import WeekProblem
from scheduler.core.week import local_datetime
from scheduler.core.words import day_list, joined
from scheduler.explain.probe import probe_solver
from scheduler.model.solve import build_week_model, rules_as_asked

__all__ = ["why_items", "penalties_by_session", "DayVerdict", "day_verdicts"]


@dataclass(frozen=True)
class DayVerdict:
    """What moving one session to one other day would do."""

    day: int
    verdict: str  # "blocked", "costs", "open" (as good) or "cheaper"
    rules: tuple[str, ...]  # hard rules a move would break, or soft rules it would cost
    phrase: str


def penalties_by_session(problem: WeekProblem, schedule: Schedule
                         ) -> dict[str, dict[str, int]]:
    """Soft penalties per session, each booked once (on the first session it names)."""
    booked: dict[str, dict[str, int]] = defaultdict(dict)
    for v in soft_violations(problem, schedule):
        if v.penalty and v.sessions:
            owner = booked[v.sessions[0]]
            owner[v.rule] = owner.get(v.rule, 0) + v.penalty
    return booked


class _Week:
    """The planned week and the ways to try one session elsewhere in it."""

    def __init__(self, problem: WeekProblem, schedule: Schedule) -> None:
        self.problem = problem
        self.schedule = schedule
        self.week = problem.week
        self.counted = [s for s in schedule.sessions if s.status in COUNTED]
        self.penalties = soft_penalties(problem, schedule)
        self.cost = sum(self.penalties.values())
        self.specs = {s.id: s for s in problem.specs}

    def solver_per_day(self, session: PlannedSession) -> dict[int, tuple[int, int] | None]:
        """For every day: (least soft penalty, start) with the session there and the others
        where they are, or None when no slot there keeps every hard rule. The session's
        own day is answered for any slot but its current one."""
        week = self.week
        others = {o.id: week.minute(o.start) for o in self.counted if o.id != session.id}
        specs = [self.specs[i] for i in [*others, session.id] if i in self.specs]
        wm = build_week_model(self.problem, specs, pinned=others,
                              settled=rules_as_asked(self.problem.request))
        spec = self.specs[session.id]
        v, model = wm.vars, wm.model
        moved = model.new_bool_var("moved")
        model.add(v.start[spec.id] != week.minute(session.start)).only_enforce_if(moved)
        solver = probe_solver(self.problem.settings)
        answers: dict[int, tuple[int, int] | None] = {}
        for day in range(7):
            model.clear_assumptions()
            model.add_assumptions([v.on(spec, day), moved])
            code = solver.solve(model)
            if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                answers[day] = (round(solver.objective_value), solver.value(v.start[spec.id]))
            else:
                answers[day] = None
        return answers

    def candidates(self, session: PlannedSession, day: int) -> list[int]:
        """Start minutes on `day` worth quoting: window edges, next to other sessions, and
        the session's own clock time (so a day with no free time is still judged)."""
        week, minutes = self.week, session.minutes
        others = [s for s in self.counted if s.id != session.id]
        starts: set[int] = set()
        for w in self.problem.windows:
            if w.day != day or w.minutes < minutes:
                continue
            edges = {w.start, (w.end - minutes) // STEP * STEP}
            for o in others:
                edges.add(-(-week.minute(o.end) // STEP) * STEP)
                edges.add((week.minute(o.start) - minutes) // STEP * STEP)
            starts.update(s for s in edges if w.start <= s and s + minutes <= w.end)
        local = session.start.astimezone(week.tz)
        own = local_datetime(week.date(day), local.hour * 60 + local.minute, week.tz)
        starts.add(week.minute(own))
        fitting = []
        for start in sorted(starts):
            end = start + minutes
            if start < 0 or end > week.horizon or week.day_of(week.at(start)) != day:
                continue
            if any(week.minute(o.start) < end and start < week.minute(o.end) for o in others):
                continue  # one body, one session at a time
            fitting.append(start)
        return fitting

    def moved(self, session: PlannedSession, start: int) -> Schedule:
        at = self.week.at(start)
        shifted = session.model_copy(update={"start": at,
                                             "end": at + timedelta(minutes=session.minutes)})
        return self.schedule.model_copy(update={
            "sessions": [shifted if s.id == session.id else s for s in self.schedule.sessions]})

    def broken_at(self, session: PlannedSession, start: int) -> list[Violation]:
        return hard_violations(self.problem, self.moved(session, start))


def _blocked_phrase(week: _Week, session: PlannedSession, day: int) -> DayVerdict:
    tried = [week.broken_at(session, start) for start in week.candidates(session, day)]
    if not tried:
        return DayVerdict(day, "blocked", (), "no room next to the other sessions")
    broken = min(tried, key=lambda vs: len({v.rule for v in vs}))
    keys = tuple(sorted({v.rule for v in broken}))
    # The free time first ("no free time for 40 min"), then one other rule's own words.
    free = next((v for v in broken if rule_by_key(v.rule).free_time), None)
    other = next((v for v in broken if not rule_by_key(v.rule).free_time), None)
    parts = [rule_by_key(v.rule).blocked_there(v, session) for v in (free, other) if v]
    if not parts:
        parts.append("no slot there keeps every rule")
    return DayVerdict(day, "blocked", keys, f"{'; and '.join(parts)} ({', '.join(keys)})"
                      if keys else parts[0])


def _open_verdict(week: _Week, session: PlannedSession, day: int, cost: int, start: int
                  ) -> DayVerdict:
    delta = cost - week.cost
    if delta > 0:
        there = soft_penalties(week.problem, week.moved(session, start))
        worse = tuple(sorted(k for k, v in there.items() if v > week.penalties.get(k, 0)))
        named = f" ({', '.join(worse)})" if worse else ""
        return DayVerdict(day, "costs", worse, f"would cost {delta} more{named}")
    if delta < 0:
        return DayVerdict(day, "cheaper", (), f"would cost {-delta} less")
    return DayVerdict(day, "open", (), "would do as well")


def day_verdicts(problem: WeekProblem, schedule: Schedule, session_id: str
                 ) -> tuple[dict[int, DayVerdict], str]:
    """Verdicts for moving one session to each other day, and a phrase about its own day."""
    week = _Week(problem, schedule)
    session = next(s for s in schedule.sessions if s.id == session_id)
    own_day = week.week.day_of(session.start)
    answers = week.solver_per_day(session)
    verdicts = {}
    for day, answer in answers.items():
        if day == own_day:
            continue
        verdicts[day] = (_blocked_phrase(week, session, day) if answer is None
                         else _open_verdict(week, session, day, *answer))
    here, name = answers[own_day], DAY_NAMES[own_day]
    if here is None:
        own = f"It is the only time on {name} that works."
    elif here[0] <= week.cost:
        own = f"Other times on {name} would do as well."
    else:
        own = f"Other times on {name} would cost more."
    return verdicts, own


def why_items(problem: WeekProblem, schedule: Schedule) -> list[WhyItem]:
    """One `why` item per planned session (DESIGN.md's shape)."""
    paid = penalties_by_session(problem, schedule)
    week = problem.week
    items = []
    for session in sorted(schedule.sessions, key=lambda s: s.start):
        if session.status != "planned":
            continue
        if session.kind is Kind.race:  # no rule chose its time: the runner did
            local = session.start.astimezone(week.tz)
            items.append(WhyItem(session=session.id, rules=[], penalty={}, text=(
                f"{local:%a %H:%M} race ({session.minutes} min): your race, at the start you "
                f"gave; the week is planned around it.")))
            continue
        verdicts, own = day_verdicts(problem, schedule, session.id)
        by_phrase: dict[str, list[int]] = defaultdict(list)
        rules: set[str] = set()
        for verdict in verdicts.values():
            rules.update(verdict.rules)
            by_phrase[verdict.phrase].append(verdict.day)
        reasons = [f"{day_list(days)} {phrase}" if phrase.startswith("would")
                   else f"{day_list(days)}: {phrase}" for phrase, days in by_phrase.items()]
        penalty = paid.get(session.id, {})
        paid_text = (f"Penalties paid: {joined([f'{k} {v}' for k, v in penalty.items()])}."
                     if penalty else "No penalty paid.")
        local = session.start.astimezone(week.tz)
        text = (f"{local:%a %H:%M} {LABELS[session.kind].noun} ({session.minutes} min): {own} "
                f"Other days — {'; '.join(reasons)}. {paid_text}")
        items.append(WhyItem(session=session.id, rules=sorted(rules), penalty=dict(penalty),
                             text=text))
    return items
