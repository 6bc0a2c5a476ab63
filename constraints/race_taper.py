"""race_taper: fresh legs for a race, and easy days after it.

Days are counted from race day D in the runner's zone (DESIGN.md's table):

| priority | no key workout | no plyo                           | after the race              |
|----------|----------------|-----------------------------------|-----------------------------|
| A        | D-2, D-1       | D-5 ... D-1, but one low primer   | D+1 ... D+3: no key, no plyo |
|          |                | on D-3 or D-2                     |                             |
| B        | D-1            | D-2, D-1                          | D+1: no key, no plyo        |
| C        | D-1            | D-1                               | D+1: no plyo                |

The primer is one plyo session of at most 40 ground contacts of low drills only; and no
plyo session holds a high-intensity drill within two weeks before an A race. A race up
to 4 weeks after the week reaches back into it; `context` "race" is a B race on the
Sunday before or the Monday after. Races themselves are exempt from the key-workout days
of other races (two races close together are the runner's choice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from constraints.base import PenaltyTerm, Rule, Severity, Violation, WeekView
from constraints.easing import RACE_PRIORITY, Fix, Trial, race_priority_change
from scheduler.core.domain import KEY_KINDS, Drill, Kind, PlannedSession, Schedule
from scheduler.core.drills import drill_library
from scheduler.core.labels import DAY_NAMES
from scheduler.core.problem import WeekProblem
from scheduler.core.races import PRIMER_CONTACTS, Race, races_of
from scheduler.core.sessions import SessionSpec
from scheduler.core.words import day_list, joined

__all__ = ["RaceTaper", "TaperDays", "is_primer", "has_high_drill"]

NO_HIGH_DAYS = 14
BEFORE = tuple(range(-5, 0))  # an A race's taper days, where one primer may go


def is_primer(contacts: int, drills: Sequence[Drill]) -> bool:
    """A plyo session light enough to prime the legs before an A race."""
    library = drill_library()
    return contacts <= PRIMER_CONTACTS and all(
        d.name in library and library[d.name].intensity == "low" for d in drills)


def has_high_drill(drills: Sequence[Drill]) -> bool:
    library = drill_library()
    return any(d.name in library and library[d.name].intensity == "high" for d in drills)


@dataclass
class TaperDays:
    """The days of one week (0-6) the races around it keep clear."""

    no_key: set[int] = field(default_factory=set)
    no_plyo: set[int] = field(default_factory=set)  # no plyo at all
    primer: set[int] = field(default_factory=set)  # a primer only
    windows: list[list[int]] = field(default_factory=list)  # at most one plyo in each
    no_high: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, races: Sequence[Race]) -> TaperDays:
        days = cls()
        for race in races:
            taper = race.taper
            days.no_key.update(race.days(taper.no_key))
            days.no_plyo.update(race.days(tuple(set(taper.no_plyo) - set(taper.primer))))
            days.primer.update(race.days(taper.primer))
            if taper.primer:
                window = race.days(BEFORE)
                if window:
                    days.windows.append(window)
            if race.priority == "A":
                days.no_high.update(race.days(tuple(range(-NO_HIGH_DAYS, 0))))
        days.primer -= days.no_plyo
        return days


class RaceTaper(Rule):
    key = "race_taper"
    summary = ("Before a race no key workout and no plyometrics (an A race allows one light "
               "primer), and easy days after it.")
    severity = Severity.hard
    reading_order = 3
    deletion_order = 4

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        enforce = v.enforce(self.key)  # every hard rule has its literal, races or none
        races = races_of(problem.request)
        if not races:
            return []
        days = TaperDays.of(races)
        for key in v.key_sessions():
            if key.kind is Kind.race:
                continue
            for day in sorted(days.no_key):
                model.add_implication(enforce, v.off(key, day))
        plyos = v.sessions(Kind.plyo)
        for plyo in plyos:
            banned = set(days.no_plyo)
            if not is_primer(plyo.contacts, plyo.drills):
                banned |= days.primer
            if has_high_drill(plyo.drills):
                banned |= days.no_high
            for day in sorted(banned):
                model.add_implication(enforce, v.off(plyo, day))
        for window in days.windows:
            model.add(sum(v.on(p, d) for p in plyos for d in window) <= 1
                      ).only_enforce_if(enforce)
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        out: list[Violation] = []
        for race in races_of(problem.request):
            out += _check_race(self.key, view, race)
        return out + _races_at_their_start(self.key, problem, schedule)

    def post_across_weeks(self, model, weeks) -> None:
        """A race late in one week keeps the next week's first days easy, and an A race
        early in a week allows one plyo session in its five days before, both weeks
        together."""
        for a, b in zip(weeks, weeks[1:], strict=False):
            enforce = b.enforce(self.key)
            for race in races_of(a.problem.request):
                if not race.in_week:
                    continue
                later = _moved(race, -7)  # the same race, seen from the next week
                for key in b.key_sessions():
                    for day in later.days(race.taper.no_key):
                        if key.kind is not Kind.race:
                            model.add_implication(enforce, b.off(key, day))
                for plyo in b.sessions(Kind.plyo):
                    for day in later.days(race.taper.no_plyo):
                        model.add_implication(enforce, b.off(plyo, day))
            for race in races_of(b.problem.request):
                if race.priority != "A" or not 0 <= race.day <= 4:
                    continue
                earlier = _moved(race, 7)
                window = [p for d in earlier.days(BEFORE) for p in
                          (a.on(s, d) for s in a.sessions(Kind.plyo))]
                window += [b.on(s, d) for d in race.days(BEFORE) for s in b.sessions(Kind.plyo)]
                model.add(sum(window) <= 1).only_enforce_if(enforce)

    # --- in words -------------------------------------------------------------------------
    def sentence(self, problem: WeekProblem, specs: Sequence[SessionSpec],
                 core: Sequence[Rule]) -> str:
        races = races_of(problem.request)
        days = TaperDays.of(races)
        parts = []
        if days.no_key:
            parts.append(f"no key workout on {day_list(days.no_key)}")
        plyo_days = days.no_plyo | days.primer
        if plyo_days:
            clause = f"no plyometrics on {day_list(plyo_days)}"
            if days.primer:
                clause += (f" (but one primer of at most {PRIMER_CONTACTS} low-intensity "
                           f"contacts on {day_list(days.primer)})")
            parts.append(clause)
        names = joined([r.title for r in races])
        return f"Around {names}: {joined(parts) or 'nothing more this week'}."

    def phrase(self, problem: WeekProblem) -> str:
        races = races_of(problem.request)
        return f"the taper for {joined([r.name for r in races])}"

    def why_moved(self, problem, session, violation, other) -> str:
        return violation.text.rstrip(".").replace("The ", "the ", 1)

    # --- what would relax it --------------------------------------------------------------
    def easings(self, problem: WeekProblem, trial: Trial) -> list[Fix]:
        """A race of lower priority: a B race asks two days less of the week, a C race
        one less again."""
        fixes = []
        for i, race in enumerate(problem.request.races):
            lower = {"A": "B", "B": "C"}.get(race.priority)
            if lower is None:
                continue
            change = race_priority_change(i, lower)
            if trial.fits(change):
                fixes.append(Fix(change, (
                    f"Make {race.name} a priority {lower} race instead of {race.priority}: "
                    f"{_lighter(lower)}."), 3 if lower == "B" else 3.5))
        return fixes

    def short_fix(self, change: str, problem: WeekProblem) -> str | None:
        m = RACE_PRIORITY.fullmatch(change)
        if not m or int(m.group(1)) >= len(problem.request.races):
            return None
        return f"turn {problem.request.races[int(m.group(1))].name} into priority {m.group(2)}"


def _lighter(priority: str) -> str:
    if priority == "B":
        return "no key workout only the day before, no plyo the two days before"
    return "no key workout and no plyo only the day before"


def _moved(race: Race, days: int) -> Race:
    return Race(race.name, race.priority, race.day + days, race.date, race.index)


def _check_race(key: str, view: WeekView, race: Race) -> list[Violation]:
    """Every session of the week on a day this race keeps clear of it."""
    taper, out = race.taper, []
    when = f"{race.name} ({race.priority} race) on {DAY_NAMES[race.date.weekday()]} " \
           f"{race.date:%d %b}"

    def offset_text(offset: int) -> str:
        n = abs(offset)
        return f"{n} day{'s' if n > 1 else ''} {'before' if offset < 0 else 'after'}"

    primers: list[PlannedSession] = []
    for s in view.counted:
        offset = view.day(s) - race.day
        if s.kind in KEY_KINDS and s.kind is not Kind.race and offset in taper.no_key:
            out.append(Violation(key, (s.id,), (
                f"The {view.label(s)} is a key workout {offset_text(offset)} {when}.")))
        if s.kind is not Kind.plyo:
            continue
        if offset in BEFORE and taper.primer:
            primers.append(s)
        if offset in taper.no_plyo and not (offset in taper.primer
                                            and is_primer(s.contacts, s.drills)):
            extra = (f" (only one primer of at most {PRIMER_CONTACTS} low-intensity contacts "
                     f"may go then)" if offset in taper.primer else "")
            out.append(Violation(key, (s.id,), (
                f"The {view.label(s)} is plyometrics {offset_text(offset)} {when}{extra}.")))
        if race.priority == "A" and -NO_HIGH_DAYS <= offset < 0 and has_high_drill(s.drills):
            out.append(Violation(key, (s.id,), (
                f"The {view.label(s)} has high-intensity drills {offset_text(offset)} {when}.")))
    if len(primers) > 1:
        out.append(Violation(key, tuple(s.id for s in primers), (
            f"{len(primers)} plyo sessions fall in the five days before {when}; at most one "
            f"light primer may.")))
    return out


def _races_at_their_start(key: str, problem: WeekProblem, schedule: Schedule
                          ) -> list[Violation]:
    """A race is where the runner said it is: its date and start, in the runner's zone."""
    out = []
    wanted = {s.id: s for s in problem.specs if s.kind is Kind.race}
    for s in schedule.sessions:
        spec = wanted.get(s.id)
        if s.kind is not Kind.race or spec is None or spec.at is None:
            continue
        at = problem.week.at(spec.at)
        if s.start != at:
            out.append(Violation(key, (s.id,), (
                f"The race {s.id} starts {s.start.astimezone(problem.week.tz):%a %d %b %H:%M}"
                f", not at its start {at:%a %d %b %H:%M}.")))
    return out
