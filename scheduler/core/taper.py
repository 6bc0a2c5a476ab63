"""Taper volume: what a race does to the sessions of the weeks before it.

Before any clock time is chosen, the requested sessions are cut to DESIGN.md's shares:
- run minutes (the race excluded): at most 60 % of those requested in an A race's week,
  80 % in the week before an A race and in a B race's week;
- plyo contacts: at most 40 % of the level's usual weekly dose in an A race's week (low
  drills only, each session light enough to be the race's primer), 70 % in the week
  before; no high-intensity drill in a week with a day
  within two weeks before an A race.

Runs are cut in a coach's order: the long run is shortened first (to 60 % of itself at
most), then easy runs are dropped (keeping one per plyo session, its warm-up), then the
other runs are shortened alike (to 15 min at the least), and only then are more runs
dropped (easy, hill, tempo, long). Every cut is a `TaperStep` with the sentence the plan
shows ("Long run 100 → 60 min: race week"); the week's sessions (`week_specs`) are the
cut ones plus the week's races, fixed at their start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

from scheduler.core.domain import LEVELS, RUN_KINDS, Kind, Request, Schedule
from scheduler.core.drills import INTENSITIES, LEVEL_INTENSITY, Intensity, plyo_drills
from scheduler.core.labels import LABELS
from scheduler.core.races import PRIMER_CONTACTS, race_specs, races_of
from scheduler.core.sessions import SessionSpec, session_specs
from scheduler.core.week import Week

__all__ = ["TaperShares", "TaperStep", "taper_shares", "tapered", "week_specs",
           "taper_changes", "usual_contacts", "RUN_SHARES", "CONTACT_SHARES"]

# Shares of what was asked, by (priority, weeks before the race's week).
RUN_SHARES = {("A", 0): 0.6, ("A", 1): 0.8, ("B", 0): 0.8}
CONTACT_SHARES = {("A", 0): 0.4, ("A", 1): 0.7}
NO_HIGH_DAYS = 14  # no high-intensity drill within this many days before an A race
LONG_RUN_FLOOR = 0.6  # a long run is shortened to no less than this share of itself first
SHORTEST_RUN = 15  # minutes a shortened run keeps at the least (a shake-out)
FEWEST_CONTACTS = 10  # a lighter plyo session with fewer contacts than this is dropped
DROP_ORDER = (Kind.easy, Kind.hill, Kind.tempo, Kind.long)


@dataclass(frozen=True)
class TaperShares:
    """What the week's races ask of its volume; 1.0 and None: nothing."""

    runs: float = 1.0
    runs_reason: str | None = None
    contacts: float = 1.0
    contacts_reason: str | None = None
    top_intensity: Intensity = "high"
    intensity_reason: str | None = None


@dataclass(frozen=True)
class TaperStep:
    """One session the taper changed: shortened, lightened (plyo) or dropped."""

    session: str
    kind: Kind
    change: Literal["shortened", "lightened", "dropped"]
    text: str


def usual_contacts(level: str) -> int:
    """The level's usual weekly plyo dose: its starting contacts in its usual sessions."""
    dosing = LEVELS[level]
    return dosing.contacts_low * dosing.sessions_per_week


def _reason(name: str, weeks_before: int) -> str:
    return "race week" if weeks_before == 0 else f"the week before {name}"


def taper_shares(request: Request) -> TaperShares:
    """The tightest share each race asks of this week (the lowest wins)."""
    runs, runs_reason = 1.0, None
    contacts, contacts_reason = 1.0, None
    top: Intensity = "high"
    top_reason = None
    for race in races_of(request):
        if race.index is None or race.day < 0:
            continue
        weeks_before = race.day // 7
        key = (race.priority, weeks_before)
        if RUN_SHARES.get(key, 1.0) < runs:
            runs, runs_reason = RUN_SHARES[key], _reason(race.name, weeks_before)
        if CONTACT_SHARES.get(key, 1.0) < contacts:
            contacts, contacts_reason = CONTACT_SHARES[key], _reason(race.name, weeks_before)
        if race.priority == "A" and weeks_before == 0 and top != "low":
            top, top_reason = "low", "race week"
        elif race.priority == "A" and 1 <= race.day <= 6 + NO_HIGH_DAYS and top == "high":
            top = "moderate"
            top_reason = f"no high drills within two weeks of {race.name}"
    return TaperShares(runs, runs_reason, contacts, contacts_reason, top, top_reason)


def week_specs(request: Request, week: Week) -> list[SessionSpec]:
    """The sessions the planner places: the requested ones as the taper leaves them, then
    the week's races at their fixed starts."""
    return tapered(request, session_specs(request))[0] + race_specs(request, week)


def tapered(request: Request, specs: list[SessionSpec]
            ) -> tuple[list[SessionSpec], list[TaperStep]]:
    """The requested sessions (`specs`, in request order) cut to the taper's shares, and
    what was cut."""
    shares = taper_shares(request)
    if shares == TaperShares():
        return specs, []
    kept = {s.id: s for s in specs}
    steps: list[TaperStep] = []
    if shares.runs_reason:
        _cut_runs(kept, specs, shares.runs, shares.runs_reason, steps)
    _lighten_plyo(request, kept, specs, shares, steps)
    return [kept[s.id] for s in specs if s.id in kept], sorted(steps, key=_told_order)


def _told_order(step: TaperStep) -> int:
    """The long run first (it is shortened first), then the runs dropped, the runs
    shortened, and the plyometrics."""
    if step.kind is Kind.plyo:
        return 3
    if step.kind is Kind.long:
        return 0
    return 1 if step.change == "dropped" else 2


def _floor5(minutes: float) -> int:
    return int(math.floor(minutes + 1e-9)) // 5 * 5


def _cut_runs(kept: dict[str, SessionSpec], specs: list[SessionSpec], share: float,
              reason: str, steps: list[TaperStep]) -> None:
    runs = [s for s in specs if s.kind in RUN_KINDS]
    budget = math.floor(share * sum(s.minutes for s in runs) + 1e-9)

    def over() -> int:
        return sum(kept[s.id].minutes for s in runs if s.id in kept) - budget

    def shorten(spec: SessionSpec, floor: int) -> None:
        now = kept[spec.id].minutes
        new = max(floor, _floor5(now - over()))
        if new < now:
            kept[spec.id] = replace(kept[spec.id], minutes=new)

    for spec in (s for s in runs if s.kind is Kind.long):
        shorten(spec, min(spec.minutes, max(5, _floor5(spec.minutes * LONG_RUN_FLOOR))))
    warm_ups = sum(s.kind is Kind.plyo for s in specs)
    easies = [s for s in runs if s.kind is Kind.easy]
    for spec in reversed(easies[warm_ups:]):  # the last asked goes first
        if over() > 0:
            del kept[spec.id]
    if over() > 0:
        _shorten_alike([kept[s.id] for s in runs if s.id in kept and s.kind is not Kind.long],
                       kept, over())
    for kind in DROP_ORDER:
        for spec in reversed([s for s in runs if s.kind is kind]):
            if over() > 0 and spec.id in kept:
                del kept[spec.id]
    for spec in runs:
        name = LABELS[spec.kind].short
        if spec.id not in kept:
            steps.append(TaperStep(spec.id, spec.kind, "dropped",
                                   f"{name} ({spec.minutes} min) dropped: {reason}"))
        elif kept[spec.id].minutes < spec.minutes:
            steps.append(TaperStep(spec.id, spec.kind, "shortened",
                                   f"{name} {spec.minutes} → {kept[spec.id].minutes} min: "
                                   f"{reason}"))
    # A plyo session follows an easy run: without one left for it, it goes too.
    plyos = [s for s in specs if s.kind is Kind.plyo]
    left = sum(s.kind is Kind.easy for s in kept.values())
    for spec in plyos[left:]:
        del kept[spec.id]
        steps.append(TaperStep(spec.id, spec.kind, "dropped",
                               f"{LABELS[spec.kind].short} dropped: its warm-up easy run was "
                               f"dropped ({reason})"))


def _shorten_alike(runs: list[SessionSpec], kept: dict[str, SessionSpec], over: int) -> None:
    """Take `over` minutes off `runs` in proportion to their length, none below
    SHORTEST_RUN (or its own length, if shorter)."""
    room = {s.id: s.minutes - min(s.minutes, SHORTEST_RUN) for s in runs}
    total = sum(room.values())
    if total <= 0:
        return
    for spec in runs:
        cut = min(room[spec.id], math.ceil(over * room[spec.id] / total / 5) * 5)
        kept[spec.id] = replace(spec, minutes=spec.minutes - cut)


def _lighten_plyo(request: Request, kept: dict[str, SessionSpec], specs: list[SessionSpec],
                  shares: TaperShares, steps: list[TaperStep]) -> None:
    level = request.runner.level
    wanted_of = {s.id: w for s, w in zip(specs, request.sessions, strict=True)}
    plyos = [kept[s.id] for s in specs if s.kind is Kind.plyo and s.id in kept]
    total = sum(s.contacts for s in plyos)
    budget = math.floor(shares.contacts * usual_contacts(level) + 1e-9)
    factor = min(1.0, budget / total) if total and shares.contacts_reason else 1.0
    top = INTENSITIES.index(shares.top_intensity)
    for spec in plyos:
        wanted = wanted_of[spec.id]
        asked: Intensity = wanted.intensity or LEVEL_INTENSITY[level]
        intensity = INTENSITIES[min(INTENSITIES.index(asked), top)]
        contacts = spec.contacts if factor >= 1 else _floor5(spec.contacts * factor)
        if shares.top_intensity == "low":  # an A race's week: each session can be its primer
            contacts = min(contacts, PRIMER_CONTACTS)
        if (contacts, intensity) == (spec.contacts, asked):
            continue
        reasons = [r for r, changed in ((shares.contacts_reason, contacts < spec.contacts),
                                        (shares.intensity_reason, intensity != asked))
                   if changed and r]
        why = "; ".join(dict.fromkeys(reasons))
        name = LABELS[Kind.plyo].short
        if contacts < FEWEST_CONTACTS:
            del kept[spec.id]
            steps.append(TaperStep(spec.id, Kind.plyo, "dropped",
                                   f"{name} ({spec.contacts} contacts) dropped: {why}"))
            continue
        drills = tuple(plyo_drills(level, contacts, intensity, request.week_start,
                                   wanted.avoid))
        kept[spec.id] = replace(spec, contacts=contacts, drills=drills)
        what = (f"{spec.contacts} → {contacts} contacts" if contacts < spec.contacts
                else f"{spec.contacts} contacts")
        if intensity != asked:
            what += f", {intensity} drills instead of {asked}"
        steps.append(TaperStep(spec.id, Kind.plyo, "lightened", f"{name} {what}: {why}"))


def taper_changes(request: Request, schedule: Schedule) -> list[dict[str, Any]]:
    """The plan's change items for what the taper cut, shaped like a re-plan's: session,
    kind, change, from, to (the session's start, or None when dropped) and the sentence."""
    steps = tapered(request, session_specs(request))[1]
    starts = {s.id: s.start.isoformat() for s in schedule.sessions}
    return [{"session": step.session, "kind": step.kind.value, "change": step.change,
             "from": starts.get(step.session), "to": starts.get(step.session),
             "text": step.text} for step in steps]
