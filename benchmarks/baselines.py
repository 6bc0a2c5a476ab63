"""The simple alternatives plyoplan's model is measured against (benchmarks/run.py).

- `plan_week_naive`: the textbook time-grid CP-SAT model. One boolean per session per
  15-minute slot of the week says "this session starts here"; sessions may not share a
  slot; a session's day is the sum of its slots on that day. Every coaching rule of the
  registry posts itself on these variables exactly as on the real model, so the rules
  and the objective are the same and only the formulation differs (plus the coarser
  grid: starts every 15 minutes instead of every 5).
- `plan_week_greedy`: first-fit placement with no search: key sessions first, then easy
  runs, then plyometrics, each at the earliest 5-minute start in the free windows that
  overlaps nothing already placed and passes every hard rule's `check()` on the partial
  week (availability holds by construction there, and is checked once on the full week).
  It never moves a session once placed, so it gives up on weeks the model solves.
"""

from __future__ import annotations

from collections.abc import Iterable

from ortools.sat.python import cp_model

from constraints import (
    ALL_RULES,
    HARD_RULES,
    PenaltyTerm,
    Violation,
    hard_violations,
    soft_penalties,
)
from scheduler.core.availability import STEP, FreeWindow
from scheduler.core.domain import Kind, PlannedSession, Schedule
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.core.variables import DAYS, WeekVars
from scheduler.core.week import Week
from scheduler.model.solve import (
    STATUS_NAMES,
    WeekModel,
    enforce_rules,
    extract_sessions,
    new_model,
    new_solver,
)

__all__ = ["SLOT", "SlotVars", "build_naive_model", "plan_week_naive", "plan_week_greedy",
           "GREEDY_ORDER"]

SLOT = 15  # minutes per slot of the naive time grid


class SlotVars(WeekVars):
    """WeekVars on a time grid: `at[session][slot]` booleans instead of a start integer.

    The rules only ask for `start`, `end`, `present` and `on(session, day)`, which are
    sums of the slot booleans here, so every rule module posts itself unchanged. Slots
    are 15 minutes of the week line from local Monday 00:00; new weeks only (no pinned
    sessions).
    """

    def __init__(self, model: cp_model.CpModel, problem: WeekProblem) -> None:
        self.at: dict[str, dict[int, cp_model.IntVar]] = {}
        super().__init__(model, problem)
        self._no_two_sessions_in_one_slot()

    def _add_session(self, spec: SessionSpec, earliest: int) -> None:
        m, sid = self.model, spec.id
        starts = range(-(-earliest // SLOT) * SLOT, self.week.horizon - spec.minutes + 1, SLOT)
        at = {t: m.new_bool_var(f"{sid}.at{t}") for t in starts}
        present = m.new_bool_var(f"{sid}.present") if sid in self.optional else self.true
        m.add(sum(at.values()) == present)
        start = cp_model.LinearExpr.weighted_sum(list(at.values()), list(at.keys()))
        self.at[sid] = at
        self.start[sid] = start
        self.end[sid] = start + spec.minutes
        self.present[sid] = present
        bounds = self.week.day_starts
        for d in DAYS:
            on = m.new_bool_var(f"{sid}.on_day{d}")
            m.add(on == sum(x for t, x in at.items() if bounds[d] <= t < bounds[d + 1]))
            self._on[(sid, d)] = on

    def allow_starts(self, spec: SessionSpec, spans: Iterable[tuple[int, int]],
                     when: cp_model.IntVar | None = None) -> None:
        """A grid's availability: every slot outside the spans is closed to the start."""
        self.start_in(spec, spans, [self.true if when is None else when])

    def start_in(self, spec: SessionSpec, spans: Iterable[tuple[int, int]],
                 when: list[cp_model.IntVar]) -> None:
        """On a grid: while `when` holds, every slot outside the spans is closed."""
        spans = list(spans)
        closed = [x for t, x in self.at[spec.id].items()
                  if not any(first <= t <= last for first, last in spans)]
        if closed:
            self.model.add_bool_and([x.Not() for x in closed]).only_enforce_if(when)

    def _no_two_sessions_in_one_slot(self) -> None:
        """A session starting at t fills the slots up to its end; each slot holds one."""
        covering: dict[int, list[cp_model.IntVar]] = {}
        for spec in self.specs:
            for t, x in self.at[spec.id].items():
                for slot in range(t, t + spec.minutes, SLOT):
                    covering.setdefault(slot, []).append(x)
        for xs in covering.values():
            if len(xs) > 1:
                self.model.add_at_most_one(xs)


def build_naive_model(problem: WeekProblem) -> WeekModel:
    """The time-grid model with every rule of the registry posted on it."""
    model = new_model()
    v = SlotVars(model, problem)
    terms: list[PenaltyTerm] = []
    for rule in ALL_RULES:
        terms.extend(rule.post(model, v, problem))
    model.minimize(sum(t.weight * t.literal for t in terms))
    return WeekModel(model, v, terms)


def plan_week_naive(problem: WeekProblem) -> Schedule:
    """Plan the week with the time-grid model (same rules, same objective, same solver)."""
    request = problem.request
    wm = build_naive_model(problem)
    enforce_rules(wm, frozenset(request.rules.off))
    solver = new_solver(problem.settings)
    status = STATUS_NAMES[solver.solve(wm.model)]
    schedule = Schedule(week_start=request.week_start, timezone=request.runner.timezone,
                        status=status, request=request)  # type: ignore[arg-type]
    if status in ("optimal", "feasible"):
        schedule.sessions = extract_sessions(wm, solver)
        schedule.penalties = soft_penalties(problem, schedule)
    return schedule


# Key sessions first (they constrain the week most), then easy runs, then plyometrics
# (which need an easy run to follow).
GREEDY_ORDER = {Kind.long: 0, Kind.tempo: 0, Kind.hill: 0, Kind.easy: 1, Kind.plyo: 2}


Placed = tuple[int, int, PlannedSession]  # start and end minute on the week line, the session


def _session(spec: SessionSpec, week: Week, start: int) -> PlannedSession:
    return PlannedSession.model_construct(
        id=spec.id, kind=spec.kind, key=spec.key, start=week.at(start),
        end=week.at(start + spec.minutes), contacts=spec.contacts, drills=list(spec.drills),
        status="planned", sequence=0,
    )


def _partial_violations(problem: WeekProblem, trial: Schedule) -> list[Violation]:
    """Hard-rule violations of a partial week; starts come from free windows, so the
    availability check (the slowest) is left to the final full-week check."""
    off = {*problem.request.rules.off, "availability"}
    return [v for rule in HARD_RULES if rule.key not in off for v in rule.check(problem, trial)]


def _first_fit(problem: WeekProblem, windows: list[FreeWindow], spec: SessionSpec,
               placed: list[Placed]) -> Placed | None:
    """The earliest start in a free window that overlaps nothing and breaks no hard rule."""
    request = problem.request
    for window in windows:
        for start in range(window.start, window.end - spec.minutes + 1, STEP):
            end = start + spec.minutes
            if any(start < b and a < end for a, b, _ in placed):
                continue
            candidate = _session(spec, problem.week, start)
            trial = Schedule.model_construct(
                week_start=request.week_start, timezone=request.runner.timezone,
                status="feasible", sessions=[s for _, _, s in placed] + [candidate],
                dropped=[], explanation=[], changes=[], penalties={}, request=request,
            )
            if not _partial_violations(problem, trial):
                return start, end, candidate
    return None


def plan_week_greedy(problem: WeekProblem) -> Schedule | None:
    """A first-fit week, or None when some session found no place (no search, no undo)."""
    request = problem.request
    windows = sorted(problem.windows, key=lambda w: w.start)
    specs = sorted(problem.specs, key=lambda s: GREEDY_ORDER[s.kind])
    placed: list[Placed] = []
    for spec in specs:
        fit = _first_fit(problem, windows, spec, placed)
        if fit is None:
            return None
        placed.append(fit)
    sessions = sorted((PlannedSession.model_validate(s.model_dump()) for _, _, s in placed),
                      key=lambda s: s.start)
    schedule = Schedule(week_start=request.week_start, timezone=request.runner.timezone,
                        status="feasible", sessions=sessions, request=request)
    broken = hard_violations(problem, schedule)
    if broken:  # cannot happen: every start was taken from a free window
        raise RuntimeError(f"first-fit week breaks {broken[0].rule}: {broken[0].text}")
    schedule.penalties = soft_penalties(problem, schedule)
    return schedule
