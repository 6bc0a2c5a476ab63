"""Each runner's week as the squad model sees it: their own sessions, plus one seat per
group session they are listed for.

A seat is the group session in that runner's week. It stands for the runner's own session
of that kind when they asked for one (the group tempo replaces their tempo) and is an
extra session otherwise. Attending puts the seat in the week and takes the session it
stands for out; excused, the runner keeps their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scheduler.core.domain import Request, SessionRequest
from scheduler.core.labels import runner_slug
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec, session_specs
from scheduler.core.settings import Settings
from scheduler.core.taper import week_specs
from scheduler.core.week import Week
from scheduler.squad.request import GroupSession, SquadRequest

__all__ = ["Seat", "RunnerWeek", "runner_weeks", "group_id"]


@dataclass(frozen=True)
class Seat:
    group: int  # index into the squad's group sessions
    spec: SessionSpec  # the group session in this runner's week
    replaces: str | None  # the id of the runner's own session it stands for


@dataclass(frozen=True)
class RunnerWeek:
    name: str
    request: Request  # the runner's own, every session with its id written out
    problem: WeekProblem  # own sessions and seats, as one week
    seats: tuple[Seat, ...]
    offset: int  # minutes from the squad's week origin to this runner's

    def attending(self, groups: set[int]) -> Request:
        """The runner's request with the seats of `groups` taken: what their week is."""
        return _taking(self.request, self.seats, groups)

    def own_ids(self) -> set[str]:
        return {s.replaces for s in self.seats if s.replaces}


def group_id(request: Request, number: int) -> str:
    """'ana-2027-03-01-group-1': stable across re-plans like every session id."""
    return f"{runner_slug(request.runner.name)}-{request.week_start.isoformat()}-group-{number}"


def _taking(request: Request, seats: tuple[Seat, ...] | list[Seat], groups: set[int]
            ) -> Request:
    taken = {s.replaces: s for s in seats if s.group in groups and s.replaces}
    sessions = [_as_request(taken[w.id]) if w.id in taken else w for w in request.sessions]
    sessions += [_as_request(s) for s in seats if s.group in groups and s.replaces is None]
    return request.model_copy(update={"sessions": sessions})


def _as_request(seat: Seat) -> SessionRequest:
    return SessionRequest(kind=seat.spec.kind, minutes=seat.spec.minutes, id=seat.spec.id,
                          contacts=seat.spec.contacts or None)


def runner_weeks(squad: SquadRequest, settings: Settings) -> dict[str, RunnerWeek]:
    """Every runner's week with the seats of the group sessions they are listed for."""
    squad_week = Week(squad.week_start, squad.tz)
    out = {}
    for request in squad.runners:
        name = request.runner.name
        named = _with_ids(request)
        own = WeekProblem.of(named, settings)
        asked = {g: group for g, group in enumerate(squad.group_sessions)
                 if name in group.runners}
        placeholders = _seats(named, asked)
        specs = _seat_specs(named, placeholders, settings)
        seats = tuple(replace(s, spec=specs[s.spec.id]) for s in placeholders)
        problem = replace(own, specs=(*own.specs, *(s.spec for s in seats)))
        out[name] = RunnerWeek(name, named, problem, seats,
                               squad_week.minutes_to(Week(request.week_start, request.tz)))
    return out


def _with_ids(request: Request) -> Request:
    """Every session with the id the planner would give it, written out, so that taking
    one out for a group session does not renumber the others."""
    sessions = [w.model_copy(update={"id": spec.id})
                for w, spec in zip(request.sessions, session_specs(request), strict=True)]
    return request.model_copy(update={"sessions": sessions})


def _seats(request: Request, asked: dict[int, GroupSession]) -> list[Seat]:
    """A seat per group session; each stands for the first own session of its kind that
    no earlier group session stands for."""
    free = list(request.sessions)
    seats = []
    for number, (g, group) in enumerate(sorted(asked.items()), start=1):
        own = next((w for w in free if w.kind is group.kind), None)
        if own is not None:
            free.remove(own)
        seats.append(Seat(g, SessionSpec(group_id(request, number), group.kind,
                                         group.minutes), own.id if own else None))
    return seats


def _seat_specs(request: Request, seats: list[Seat], settings: Settings
                ) -> dict[str, SessionSpec]:
    """The seats as the planner specs them (a plyo seat gets its contacts and drills, a
    strength seat its exercises), read from the week with every seat taken."""
    if not seats:
        return {}
    taken = _taking(request, seats, {s.group for s in seats})
    ids = {s.spec.id for s in seats}
    specs = week_specs(taken, Week(taken.week_start, taken.tz))
    return {spec.id: spec for spec in specs if spec.id in ids}
