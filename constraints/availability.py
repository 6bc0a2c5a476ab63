"""availability: every session lies inside the runner's free time.

The free time is the weekly windows minus busy events, with a buffer around each (see
`scheduler.core.availability`). In a conflict this rule is the calendar that says no to
what the other rules want, so it is read last and left out of a conflict last; the fixes
that relax it change the calendar: a window widened, a window on an empty day, a smaller
buffer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from constraints.base import DayCounts, PenaltyTerm, Rule, Severity, Violation, WeekView
from constraints.easing import (
    ADD_WINDOW,
    WIDEN,
    Fix,
    Trial,
    WindowSide,
    new_window_change,
    read_rule_number,
    rule_number,
    smallest,
    window_change,
)
from scheduler.core.availability import weekly_windows
from scheduler.core.domain import WEEKDAYS, Kind, PlannedSession, Schedule, clock_minutes
from scheduler.core.labels import day_name
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.core.words import (
    busy_cuts,
    by_kind,
    day_list,
    fit_days,
    free_time_text,
    group_noun,
    joined,
    part_of_day,
    plural,
)

__all__ = ["Availability", "MAX_WIDENING"]

MAX_WIDENING = 120  # minutes: more than two hours is a different week, not a fix


class Availability(Rule):
    key = "availability"
    summary = (
        "Every session sits inside your free windows, away from busy events by the buffer."
    )
    severity = Severity.hard
    parameters = ("buffer_minutes",)
    reading_order = 8
    deletion_order = 8
    free_time = True

    def post(self, model, v, problem: WeekProblem) -> list[PenaltyTerm]:
        enforce = v.enforce(self.key)
        for spec in v.specs:
            if v.is_pinned(spec):
                continue  # already happened where it happened
            fits = [w for w in v.windows if w.minutes >= spec.minutes]
            spans = [(w.start, w.end - spec.minutes) for w in fits]
            # Known on: the free windows become the start's domain outright.
            v.allow_starts(spec, spans, when=None if v.settled_on(self.key) else enforce)
        return []

    def check(self, problem: WeekProblem, schedule: Schedule) -> list[Violation]:
        view = WeekView(problem, schedule)
        buffer = problem.request.rules.buffer_minutes
        out = []
        for s in view.counted:
            if s.status != "planned" or s.kind is Kind.race:
                continue  # done sessions happened (the calendar may have changed since); a
                # race is when it is
            start, end = view.week.minute(s.start), view.week.minute(s.end)
            if not any(w.start <= start and end <= w.end for w in problem.windows):
                out.append(Violation(self.key, (s.id,), (
                    f"The {view.label(s)} is outside your free time "
                    f"(a free window, {buffer} min away from busy events)."
                )))
        return out

    def day_counts(self, problem: WeekProblem) -> DayCounts:
        week = problem.week
        return DayCounts(days_of={s.id: frozenset(
            fit_days(s.minutes, problem.windows) if s.at is None
            else [week.day_of(week.at(s.at))]) for s in problem.specs})  # a race: its day

    # --- in words -------------------------------------------------------------------------
    def sentence(self, problem: WeekProblem, specs: Sequence[SessionSpec],
                 core: Sequence[Rule]) -> str:
        """The free time, and on which days each session (and what the other rules of the
        conflict need of the free time) fits."""
        request, week, windows = problem.request, problem.week, problem.windows
        specs = [s for s in specs if s.at is None]  # a race is when it is, free or not
        alone = [r.key for r in core] == [self.key]  # then no other rule to say "but" to
        if not windows:
            lead = "You have" if alone else "But you have"
            if weekly_windows(request, week):
                return f"{lead} no free time left this week{_busy_text(problem)}."
            return f"{lead} no free time at all this week (no availability windows)."
        # Sessions that fit on the same days are named together.
        by_days: dict[tuple[int, ...], list[str]] = {}
        for group in by_kind(specs, Kind):
            for minutes in sorted({s.minutes for s in group}):
                same = [s for s in group if s.minutes == minutes]
                by_days.setdefault(tuple(fit_days(minutes, windows)), []).append(
                    group_noun(same))
        parts = []
        for days, nouns in sorted(by_days.items(), key=lambda kv: len(kv[0])):
            plural_noun = len(nouns) > 1 or nouns[0].split()[1].isdigit()  # 'the 2 easy runs'
            verb = "fit" if plural_noun else "fits"
            if not days:
                longest = max(w.minutes for w in windows)
                parts.append(f"{joined(nouns)} {verb} on no day (the longest free window is "
                             f"{longest} min)")
            elif len(days) == 1:
                parts.append(f"{joined(nouns)} {verb} only on {day_list(days)}")
            else:
                parts.append(f"{joined(nouns)} {verb} on {day_list(days)}")
        parts += [clause for rule in core
                  if (clause := rule.free_time_clause(problem, specs)) is not None]
        lead = "Your free time this week is" if alone else "But your free time this week is only"
        text = f"{lead} {free_time_text(week, windows)}{_busy_text(problem)}"
        return f"{text}: {joined(parts)}." if parts else f"{text}."

    def phrase(self, problem: WeekProblem, named: int = 2) -> str:
        """'your free time around 'Board meeting' Wed 18:00–20:00 and 2 more busy events'."""
        cuts = busy_cuts(problem.request, problem.week)
        if not cuts:
            return "your free time"
        shown = cuts[:named]
        if len(cuts) > named:
            shown.append(plural(len(cuts) - named, "more busy event"))
        return f"your free time around {joined(shown)}"

    def blocked_there(self, violation: Violation, session: PlannedSession) -> str:
        return f"no free time for {session.minutes} min"

    def why_moved(self, problem, session, violation, other) -> str:
        request = problem.request
        buffer = request.rules.buffer_minutes * 60
        clash = [b for b in request.busy
                 if (b.start - session.end).total_seconds() < buffer
                 and (session.start - b.end).total_seconds() < buffer]
        slot = part_of_day(session.start, request.tz)
        if clash:
            what = ", ".join(sorted({b.summary or "a busy event" for b in clash}))
            return f"{slot} is now busy: {what}"
        return f"{slot} is no longer in your free time"

    # --- what would relax it --------------------------------------------------------------
    def turned_off(self) -> Fix:
        return Fix(f"rules.off += {self.key}", (
            f"Turn off {self.key}: sessions could then sit at any time of the week, "
            f"outside your free time."), 20)

    def easings(self, problem: WeekProblem, trial: Trial) -> list[Fix]:
        return (_widenings(problem, trial, self.key) + _new_windows(problem, trial)
                + _smaller_buffer(problem, trial))

    def short_fix(self, change: str, problem: WeekProblem) -> str | None:
        if m := WIDEN.fullmatch(change):
            return f"widen {_day(m.group(1))}'s free time to {m.group(3)}–{m.group(4)}"
        if m := ADD_WINDOW.fullmatch(change):
            return f"free {_day(m.group(1))} {m.group(2)}–{m.group(3)}"
        buffer = read_rule_number(change, "buffer_minutes")
        return None if buffer is None else f"keep {buffer} min free around busy events"


def _day(code: str) -> str:
    return day_name(code) if code in WEEKDAYS else code  # type: ignore[arg-type]


def _busy_text(problem: WeekProblem) -> str:
    cut = busy_cuts(problem.request, problem.week)
    if not cut:
        return ""
    return (f" (after {joined(cut)}, with {problem.request.rules.buffer_minutes} min kept "
            f"free around {'it' if len(cut) == 1 else 'each'})")


def _widenings(problem: WeekProblem, trial: Trial, key: str) -> list[Fix]:
    """The smallest widening of each window side, proposed by one stretchable model and
    proven on the real model of the changed request (searched there if the proof fails)."""
    request = problem.request
    fixes = []
    for side, minutes in trial.widenings(MAX_WIDENING, instead_of=key).items():
        start_text, end_text = request.availability[side.day][side.index]  # type: ignore[index]
        start, end = clock_minutes(start_text), clock_minutes(end_text)

        def change(m: int, start: int = start, end: int = end, side: WindowSide = side) -> str:
            s, e = (start - m, end) if side.side == "earlier" else (start, end + m)
            return window_change(side.day, side.index, s, e)

        def fits(m: int, change: Callable[[int], str] = change) -> bool:
            return trial.fits(change(m))

        if not fits(minutes):
            limit = min(MAX_WIDENING, start if side.side == "earlier" else 24 * 60 - end)
            found = smallest(minutes, limit, fits)
            if found is None:
                continue
            minutes = found
        new = change(minutes).split(" = ")[1].replace("-", "–")
        fixes.append(Fix(change(minutes), (
            f"Make {day_name(side.day)}'s free time {new} instead of {start_text}–{end_text} "
            f"({minutes} min {side.side})."), 1 + minutes / 30))
    return fixes


def _new_windows(problem: WeekProblem, trial: Trial, tries: int = 2, days: int = 3
                 ) -> list[Fix]:
    """Free time on a day that has none, copied from a window the runner already keeps
    on another day (the longest first: the times they can usually train): the first
    that makes the week fit, on up to `days` empty days (each failed try is a proof of
    infeasibility, the dearest solve there is)."""
    request = problem.request
    kept = {(start, end): day for day in reversed(WEEKDAYS)
            for start, end in request.availability.get(day, [])}
    candidates = sorted(kept, key=lambda w: (clock_minutes(w[0]) - clock_minutes(w[1]),
                                             clock_minutes(w[0])))[:tries]
    fixes = []
    for day in WEEKDAYS:
        if request.availability.get(day):
            continue
        for start, end in candidates:
            change = new_window_change(day, start, end)
            if trial.fits(change):
                minutes = clock_minutes(end) - clock_minutes(start)
                name, like = day_name(day), day_name(kept[start, end])
                fixes.append(Fix(change, (
                    f"Free {start}–{end} on {name} (as on {like}); this week has no free "
                    f"time on {name} yet."), 2 + minutes / 30))
                break
        if len(fixes) == days:
            break
    return fixes


def _smaller_buffer(problem: WeekProblem, trial: Trial) -> list[Fix]:
    buffer = problem.request.rules.buffer_minutes
    if not problem.request.busy or buffer == 0:
        return []
    # The largest buffer that still fits: the smallest cut, searched from a cut to zero.
    cut = smallest(0, buffer, lambda m: trial.fits(rule_number("buffer_minutes", buffer - m)))
    if cut is None:
        return []
    new = buffer - cut
    return [Fix(rule_number("buffer_minutes", new), (
        f"Keep {new} min instead of {buffer} min free around busy events."),
        1 + (buffer - new) / 15)]
