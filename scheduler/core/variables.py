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
        starts = self.week.day_starts  # each day's first and last start step
        self._day_steps = [cp_model.Domain(-(-starts[d] // STEP), (starts[d + 1] - 1) // STEP)
                           for d in DAYS]
        self._off: dict[tuple[str, int], cp_model.LiteralT] = {}
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
        for d, on in zip(DAYS, days, strict=True):
            self._on[(sid, d)] = on
        if sid in self.pinned:  # its day is known: the other days' literals are off
            at = self.pinned[sid]
            m.add_bool_and([on.Not() for d, on in enumerate(days)
                            if not starts[d] <= at < starts[d + 1]])
            return
        # One constraint a day, on the step itself: the day's first and last step.
        for day_steps, on in zip(self._day_steps, days, strict=True):
            m.add_linear_expression_in_domain(step, day_steps).only_enforce_if(on)

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

    def guard(self, key: str) -> list[cp_model.IntVar]:
        """What a constraint of hard rule `key` is enforced by: nothing for a rule settled
        on (the constraint simply holds, and the model carries no literal that is always
        true), else the rule's literal."""
        return [] if self.settled.get(key, False) else [self.enforce(key)]

    def at_most_one(self, key: str, literals: list[cp_model.IntVar]) -> None:
        """At most one of `literals` holds while hard rule `key` does (CP-SAT's at-most-one
        takes no enforcement literal, so a rule that may be off says it as a sum)."""
        guard = self.guard(key)
        if guard:
            self.model.add(cp_model.LinearExpr.sum(literals) <= 1).only_enforce_if(guard)
        else:
            self.model.add_at_most_one(literals)

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

    def start_in(self, spec: SessionSpec, spans: Iterable[tuple[int, int]],
                 when: list[cp_model.IntVar]) -> None:
        """While every literal of `when` holds, the session starts inside `spans` ([first,
        last] minutes on the week line): one constraint on the start's step, however
        many spans (a part of the day on each of seven days)."""
        step = self._step.get(spec.id)
        if step is None:  # pinned: inside or not is known now
            at = self.pinned[spec.id]
            if not any(first <= at <= last for first, last in spans):
                self.model.add_bool_or([literal.Not() for literal in when])
            return
        inside = cp_model.Domain.from_intervals(
            [[-(-first // STEP), last // STEP] for first, last in spans])
        self.model.add_linear_expression_in_domain(step, inside).only_enforce_if(when)

    def start_step(self, sid: str) -> cp_model.IntVar | None:
        """The session's start in 5-minute steps; None for a session pinned in place."""
        return self._step.get(sid)

    def on(self, spec: SessionSpec, day: int) -> cp_model.IntVar:
        """True when the session takes place on local day `day` (0 = Monday)."""
        return self._on[(spec.id, day)]

    def off(self, spec: SessionSpec, day: int) -> cp_model.LiteralT:
        """True when the session is not on local day `day` (made once: rules ask often)."""
        key = (spec.id, day)
        if key not in self._off:
            self._off[key] = self._on[key].Not()
        return self._off[key]

    def day_end(self, spec: SessionSpec) -> cp_model.LinearExprT:
        """The last minute of the session's day on the week line (0 when it does not take
        place)."""
        ends = self.week.day_starts[1:]
        return cp_model.LinearExpr.weighted_sum([self._on[(spec.id, d)] for d in DAYS],
                                                [end - 1 for end in ends])

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
