"""weekly_contacts: the week's plyometric ground contacts stay under the level's cap."""

from __future__ import annotations

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView
from scheduler.core.domain import Kind, Schedule
from scheduler.core.problem import WeekProblem

__all__ = ["WeeklyContacts"]


class WeeklyContacts(Rule):
    key = "weekly_contacts"
    summary = "Plyometric ground contacts in a week stay under your level's cap."
    severity = Severity.hard
    parameters = ("weekly_contacts_cap",)

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        total = sum(s.contacts * v.present[s.id] for s in v.sessions(Kind.plyo))
        model.add(total <= problem.request.contacts_cap).only_enforce_if(v.enforce(self.key))
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        plyos = WeekView(problem, schedule).of_kind(Kind.plyo)
        total = sum(s.contacts for s in plyos)
        if total <= problem.request.contacts_cap:
            return []
        return [Violation(self.key, tuple(s.id for s in plyos), (
            f"The week has {total} ground contacts; the {problem.request.runner.level} cap "
            f"is {problem.request.contacts_cap}."
        ))]
