"""The CP-SAT variables of a week, behind names a coaching rule can read as a sentence.

Per session: `start` (minutes on the week line, a multiple of 5), `end`, `present` (false
only for a session the model may drop), an optional interval, and one `on(s, day)`
literal per day. Per hard rule: one enforcement literal named after the rule, so that an
infeasible week can be answered with the rules that collide (CP-SAT assumptions).

A model built to plan (not to explain) knows up front which rules are on: those rules are
*settled*, their enforcement literal is a constant, and a rule may then state itself more
tightly — availability shrinks each start's domain to the free windows instead of one
literal per window, which halves a week's plan time for the same plans.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ortools.sat.python import cp_model

from scheduler.core.availability import STEP
from scheduler.core.domain import Kind
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec

__all__ = ["WeekVars"]

DAYS = range(7)


class WeekVars:
    """Variables of one week's model and the questions rules ask about them."""

    def __init__(
        self,
        model: cp_model.CpModel,
        problem: WeekProblem,
        specs: Iterable[SessionSpec] | None = None,
        *,
        pinned: dict[str, int] | None = None,
        optional: Iterable[str] = (),
        earliest: dict[str, int] | None = None,
        settled: Mapping[str, bool] | None = None,
    ) -> None:
        self.model = model
        self.problem = problem
        self.request = problem.request
        self.week = problem.week
        self.specs = list(problem.specs if specs is None else specs)
        self.windows = problem.windows
        # A race starts when it starts, in a plan, a re-plan or an explanation alike.
        fixed = {s.id: s.at for s in problem.specs if s.at is not None}
        self.pinned = {**fixed, **(pinned or {})}
        self.optional = set(optional)
        self.true = model.new_constant(1)
        self.settled = dict(settled or {})
        self.enforcement: dict[str, cp_model.IntVar] = {}
        self._step: dict[str, cp_model.IntVar] = {}
        self.start: dict[str, cp_model.LinearExprT] = {}
        self.end: dict[str, cp_model.LinearExprT] = {}
        self.present: dict[str, cp_model.IntVar] = {}
        self.interval: dict[str, cp_model.IntervalVar] = {}
        self._on: dict[tuple[str, int], cp_model.IntVar] = {}
        for spec in self.specs:
            self._add_session(spec, (earliest or {}).get(spec.id, 0))
        model.add_no_overlap(self.interval.values())  # one body, one session at a time

    def _add_session(self, spec: SessionSpec, earliest: int) -> None:
        m, sid = self.model, spec.id
        if sid in self.pinned:
            start: cp_model.LinearExprT = self.pinned[sid]
        else:
            first = -(-max(earliest, 0) // STEP)
            last = (self.week.horizon - spec.minutes) // STEP
            step = m.new_int_var(first, max(first, last), f"{sid}.start_step")
            self._step[sid] = step
            start = STEP * step
        present = m.new_bool_var(f"{sid}.present") if sid in self.optional else self.true
        self.start[sid] = start
        self.end[sid] = start + spec.minutes
        self.present[sid] = present
        self.interval[sid] = m.new_optional_interval_var(
            start, spec.minutes, start + spec.minutes, present, f"{sid}.interval"
        )
        days = [m.new_bool_var(f"{sid}.on_day{d}") for d in DAYS]
        m.add(cp_model.LinearExpr.sum(days) == present)
        starts = self.week.day_starts
        add, on_day = m.add, self._on
        for d, on in zip(DAYS, days, strict=True):
            on_day[(sid, d)] = on
            add(start >= starts[d]).only_enforce_if(on)
            add(start <= starts[d + 1] - 1).only_enforce_if(on)

    # --- questions rules ask -------------------------------------------------------
    def enforce(self, key: str) -> cp_model.IntVar:
        """The literal that switches hard rule `key` on (created on first use; a constant
        for a settled rule)."""
        if key not in self.enforcement:
            if key in self.settled:
                on = self.settled[key]
                self.enforcement[key] = self.true if on else self.model.new_constant(0)
            else:
                self.enforcement[key] = self.model.new_bool_var(f"enforce_{key}")
        return self.enforcement[key]

    def settled_on(self, key: str) -> bool:
        """Whether hard rule `key` is known to hold in every solution of this model."""
        return self.settled.get(key, False)

    def allow_starts(self, spec: SessionSpec, spans: Iterable[tuple[int, int]],
                     when: cp_model.IntVar | None = None) -> None:
        """Let the session start only inside `spans` ([first, last] minutes on the week
        line) — always, or only while literal `when` is true. A session that can start
        nowhere cannot take place."""
        step = self._step[spec.id]
        steps = [[-(-first // STEP), last // STEP] for first, last in spans]
        allowed = step.domain.intersection_with(
            cp_model.Domain.from_intervals([s for s in steps if s[0] <= s[1]]))
        if allowed.is_empty():
            guard = self.true if when is None else when
            self.model.add(self.present[spec.id] == 0).only_enforce_if(guard)
        elif when is None:
            step.with_domain(allowed)
        else:
            # A twin of the start that lives in the allowed domain, equal to it while
            # `when` holds: two variables instead of one literal per free window.
            twin = self.model.new_int_var_from_domain(allowed, f"{spec.id}.allowed_step")
            self.model.add(step == twin).only_enforce_if([when, self.present[spec.id]])

    def start_step(self, sid: str) -> cp_model.IntVar | None:
        """The session's start in 5-minute steps; None for a session pinned in place."""
        return self._step.get(sid)

    def on(self, spec: SessionSpec, day: int) -> cp_model.IntVar:
        """True when the session takes place on local day `day` (0 = Monday)."""
        return self._on[(spec.id, day)]

    def day(self, spec: SessionSpec) -> cp_model.LinearExprT:
        return sum(d * self._on[(spec.id, d)] for d in DAYS)

    def sessions(self, *kinds: Kind) -> list[SessionSpec]:
        return [s for s in self.specs if not kinds or s.kind in kinds]

    def key_sessions(self) -> list[SessionSpec]:
        return [s for s in self.specs if s.key]

    def runs(self) -> list[SessionSpec]:
        return [s for s in self.specs if s.is_run]

    def is_pinned(self, spec: SessionSpec) -> bool:
        return spec.id in self.pinned
