"""weekly_contacts: the week's plyometric ground contacts stay under the level's cap."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView
from constraints.easing import CONTACTS_CAP, Fix, Trial
from scheduler.core.domain import Kind, Schedule
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.core.words import joined

__all__ = ["WeeklyContacts"]


class WeeklyContacts(Rule):
    key = "weekly_contacts"
    summary = "Plyometric ground contacts in a week stay under your level's cap."
    severity = Severity.hard
    parameters = ("weekly_contacts_cap",)
    reading_order = 4
    deletion_order = 3

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        total = sum(s.contacts * v.present[s.id] for s in v.sessions(Kind.plyo))
        model.add(total <= problem.request.contacts_cap).only_enforce_if(v.guard(self.key))
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        plyos = WeekView(problem, schedule).of_kind(Kind.plyo)
        total, cap = sum(s.contacts for s in plyos), problem.request.contacts_cap
        if total <= cap:
            return []
        return [Violation(self.key, tuple(s.id for s in plyos), (
            f"The week has {total} ground contacts; the {problem.request.runner.level} cap "
            f"is {cap}."
        ))]

    # --- in words and fixes ---------------------------------------------------------------
    def sentence(self, problem: WeekProblem, specs: Sequence[SessionSpec],
                 core: Sequence[Rule]) -> str:
        request = problem.request
        plyos = [s for s in specs if s.kind is Kind.plyo]
        counts = Counter(s.contacts for s in plyos)
        parts = joined([f"{n} × {c}" if n > 1 else str(c) for c, n in counts.items()])
        whose = ("your" if request.rules.weekly_contacts_cap is not None
                 else f"the {request.runner.level}")
        return (f"The plyo sessions add up to {sum(s.contacts for s in plyos)} ground "
                f"contacts ({parts}); {whose} weekly cap is {request.contacts_cap}.")

    def phrase(self, problem: WeekProblem) -> str:
        return f"the weekly cap of {problem.request.contacts_cap} ground contacts"

    def why_moved(self, problem, session, violation, other) -> str:
        return f"the week would go over its {problem.request.contacts_cap} ground contacts"

    def easings(self, problem: WeekProblem, trial: Trial) -> list[Fix]:
        cap = problem.request.contacts_cap
        plyos = [s for s in problem.request.sessions if s.kind is Kind.plyo]
        if not plyos:
            return []
        each = cap // len(plyos) // 10 * 10
        change = f"plyo.contacts <= {each}"
        if each < 20 or not trial.fits(change):
            return []
        return [Fix(change, (
            f"Cap each plyo session at {each} ground contacts (at most {len(plyos)} × "
            f"{each}, within the weekly cap of {cap})."), 2.5)]

    def short_fix(self, change: str, problem: WeekProblem) -> str | None:
        m = CONTACTS_CAP.fullmatch(change)
        return f"cap each plyo session at {m.group(1)} contacts" if m else None
