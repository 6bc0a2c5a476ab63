"""One week to plan, worked out once: the request, its week line, its sessions, its free
time and the settings it is planned under.

Everything downstream — the model, the rules' posts and checks, the explanations, the
re-plan — reads these facts from here instead of working them out again from the raw
request. The problem is built at the edge (the CLI, the web app, a batch) with the
settings of that run; a fix or a later week is another problem with the same settings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scheduler.core.availability import FreeWindow, free_windows
from scheduler.core.domain import Context, Request
from scheduler.core.sessions import SessionSpec
from scheduler.core.settings import Settings, get_settings
from scheduler.core.taper import week_specs
from scheduler.core.week import Week

__all__ = ["WeekProblem"]


@dataclass(frozen=True)
class WeekProblem:
    """A request with the facts every part of the planner needs about its week."""

    request: Request
    settings: Settings
    week: Week
    specs: tuple[SessionSpec, ...]  # the requested sessions as tapered, then the races
    windows: tuple[FreeWindow, ...]  # free time at the request's own buffer

    @classmethod
    def of(cls, request: Request, settings: Settings | None = None) -> WeekProblem:
        """The problem of a request, under `settings` (the environment's by default).
        Raises ValueError when generated session ids collide with given ones."""
        week = Week(request.week_start, request.tz)
        return cls(request, settings or get_settings(), week, tuple(week_specs(request, week)),
                   tuple(free_windows(request, week)))

    def changed(self, request: Request) -> WeekProblem:
        """Another request under the same settings: a fix tried, a week moved on."""
        return WeekProblem.of(request, self.settings)

    def with_context(self, context: Context) -> WeekProblem:
        """The same week with other days around it: nothing worked out here depends on
        them, so nothing is worked out again."""
        return replace(self, request=self.request.model_copy(update={"context": context}))
