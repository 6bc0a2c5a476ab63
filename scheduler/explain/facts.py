"""The facts of a week in plain words: free time, where each session fits, what each rule
asks with this runner's numbers. The explanations build their sentences from these, so
every day, clock time, duration and count in a sentence is a real value of the request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from constraints import rule_by_key
from constraints.base import context_is_key
from scheduler.core.availability import STEP, FreeWindow, weekly_windows
from scheduler.core.domain import KEY_KINDS, RUN_KINDS, Kind, Request
from scheduler.core.labels import DAY_NAMES, LABELS
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import SessionSpec
from scheduler.core.week import Week

__all__ = [
    "DAY_NAMES", "NOUNS", "clock", "day_list", "free_time_text", "fit_days",
    "easy_then_plyo_days", "session_noun", "group_noun", "rule_sentence", "conflict_text",
    "busy_cuts", "joined", "READING_ORDER",
]

NOUNS = {kind: (label.noun, label.plural) for kind, label in LABELS.items()}


def clock(week: Week, minute: int) -> str:
    """Local wall-clock time of a minute on the week line; a day's end reads '24:00'."""
    if minute in week.day_starts[1:]:
        return "24:00"
    return f"{week.at(minute):%H:%M}"


def joined(items: Sequence[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def day_list(days: Iterable[int], last: str = "or") -> str:
    return joined([DAY_NAMES[d] for d in sorted(set(days))], last)


def session_noun(spec: SessionSpec) -> str:
    return f"the {NOUNS[spec.kind][0]} ({spec.minutes} min)"


def group_noun(specs: Sequence[SessionSpec], minutes: bool = True) -> str:
    """'the tempo run (50 min)' or 'the 2 easy runs (40 and 45 min)'; without minutes
    'the tempo run', 'the 2 easy runs'."""
    if len(specs) == 1:
        return session_noun(specs[0]) if minutes else f"the {NOUNS[specs[0].kind][0]}"
    noun = f"the {len(specs)} {NOUNS[specs[0].kind][1]}"
    if not minutes:
        return noun
    return f"{noun} ({joined([str(m) for m in sorted({s.minutes for s in specs})])} min)"


def _by_kind(specs: Sequence[SessionSpec], kinds: Iterable[Kind]) -> list[list[SessionSpec]]:
    return [[s for s in specs if s.kind is k] for k in Kind if k in set(kinds)
            and any(s.kind is k for s in specs)]


def free_time_text(request: Request, week: Week, windows: Sequence[FreeWindow]) -> str:
    """'Tue 18:00–19:00, Wed 18:00–18:50 and Fri 17:00–19:00'."""
    return joined([f"{DAY_NAMES[w.day]} {clock(week, w.start)}–{clock(week, w.end)}"
                   for w in windows])


def fit_days(minutes: int, windows: Sequence[FreeWindow]) -> list[int]:
    """Days with a free window long enough for a session of `minutes`."""
    return sorted({w.day for w in windows if w.minutes >= minutes})


def easy_then_plyo_days(easy: int, plyo: int, gap: int, windows: Sequence[FreeWindow]
                        ) -> list[int]:
    """Days where an easy run of `easy` min fits with a plyo session of `plyo` min starting
    within `gap` min after it ends, both inside free windows (on the 5-minute grid)."""
    days = set()
    for first in windows:
        for start in range(first.start, first.end - easy + 1, STEP):
            done = start + easy
            for second in windows:
                if second.day != first.day:
                    continue
                lo = max(second.start, -(-done // STEP) * STEP)
                hi = min(second.end - plyo, done + gap)
                if lo <= hi:
                    days.add(first.day)
    return sorted(days)


def busy_cuts(request: Request, week: Week) -> list[str]:
    """The busy events that cut into the weekly windows (with the buffer), each as
    "'Board meeting' Wed 18:00–20:00"."""
    weekly = weekly_windows(request, week)
    buffer = request.rules.buffer_minutes
    cut = []
    for b in sorted(request.busy, key=lambda b: week.minute(b.start)):
        start, end = week.minute(b.start), week.minute(b.end)
        if not any(lo < end + buffer and start - buffer < hi for _, lo, hi in weekly):
            continue
        day = DAY_NAMES[week.day_of(b.start) % 7]
        what = f"'{b.summary}'" if b.summary else "a busy event"
        cut.append(f"{what} {day} {clock(week, start)}–{clock(week, end)}")
    return cut


def _busy_text(request: Request, week: Week) -> str:
    cut = busy_cuts(request, week)
    if not cut:
        return ""
    return (f" (after {joined(cut)}, with {request.rules.buffer_minutes} min kept free "
            f"around {'it' if len(cut) == 1 else 'each'})")


def _availability(problem: WeekProblem, specs: Sequence[SessionSpec],
                  core: Sequence[str]) -> str:
    request, week, windows = problem.request, problem.week, problem.windows
    alone = list(core) == ["availability"]  # then no other rule to say "but" to
    if not windows:
        lead = "You have" if alone else "But you have"
        if weekly_windows(request, week):
            return f"{lead} no free time left this week{_busy_text(request, week)}."
        return f"{lead} no free time at all this week (no availability windows)."
    # Sessions that fit on the same days are named together.
    by_days: dict[tuple[int, ...], list[str]] = {}
    for group in _by_kind(specs, Kind):
        for minutes in sorted({s.minutes for s in group}):
            same = [s for s in group if s.minutes == minutes]
            by_days.setdefault(tuple(fit_days(minutes, windows)), []).append(group_noun(same))
    parts = []
    for days, nouns in sorted(by_days.items(), key=lambda kv: len(kv[0])):
        plural = len(nouns) > 1 or nouns[0].split()[1].isdigit()  # 'the 2 easy runs'
        verb = "fit" if plural else "fits"
        if not days:
            longest = max(w.minutes for w in windows)
            parts.append(f"{joined(nouns)} {verb} on no day (the longest free window is "
                         f"{longest} min)")
        elif len(days) == 1:
            parts.append(f"{joined(nouns)} {verb} only on {DAY_NAMES[days[0]]}")
        else:
            parts.append(f"{joined(nouns)} {verb} on {day_list(days)}")
    easies = [s for s in specs if s.kind is Kind.easy]
    plyos = [s for s in specs if s.kind is Kind.plyo]
    if "plyo_after_easy" in core and easies and plyos:
        easy = min(s.minutes for s in easies)
        plyo = max(s.minutes for s in plyos)
        gap = request.rules.plyo_after_easy_max_gap_minutes
        pair_days = easy_then_plyo_days(easy, plyo, gap, windows)
        where = f"only on {day_list(pair_days)}" if pair_days else "on no day"
        parts.append(f"an easy run ({easy} min) with plyo after it ({plyo} min) fits {where}")
    lead = "Your free time this week is" if alone else "But your free time this week is only"
    text = f"{lead} {free_time_text(request, week, windows)}{_busy_text(request, week)}"
    return f"{text}: {joined(parts)}." if parts else f"{text}."


def rule_sentence(key: str, problem: WeekProblem, specs: Sequence[SessionSpec],
                  core: Sequence[str] = ()) -> str:
    """What hard rule `key` asks of these sessions, with the runner's numbers and context."""
    request = problem.request
    keys = [s for s in specs if s.kind in KEY_KINDS]
    key_nouns = (joined([group_noun(g, minutes=False) for g in _by_kind(keys, KEY_KINDS)])
                 or "key workouts")
    ctx = request.context
    if key == "availability":
        return _availability(problem, specs, core)
    if key == "one_run_per_day":
        runs = [s for s in specs if s.kind in RUN_KINDS]
        limit = request.rules.runs_per_day
        need = -(-len(runs) // limit)
        return (f"At most {limit} run{'s' if limit > 1 else ''} a day, so "
                f"{joined([group_noun(g, False) for g in _by_kind(runs, RUN_KINDS)])} need "
                f"{need} different days.")
    if key == "no_plyo_before_key":
        text = f"No plyometrics the day before a key workout ({key_nouns})"
        if context_is_key(ctx.day_after):
            text += f"; next Monday brings a {ctx.day_after}, so no plyo on Sunday"
        if ctx.day_before == "plyo":
            text += "; last Sunday was plyo, so no key workout on Monday"
        return text + "."
    if key == "plyo_after_easy":
        text = (f"Plyometrics must start within "
                f"{request.rules.plyo_after_easy_max_gap_minutes} min after an easy run on "
                f"the same day, and never on a key-workout day")
        # The conflict names every easy run when this rule is in it, so none here means
        # the week has none.
        if not any(s.kind is Kind.easy for s in specs):
            return text + ", but this week has no easy run."
        return text + "."
    if key == "weekly_contacts":
        plyos = [s for s in specs if s.kind is Kind.plyo]
        counts = Counter(s.contacts for s in plyos)
        parts = joined([f"{n} × {c}" if n > 1 else str(c) for c, n in counts.items()])
        whose = ("your" if request.rules.weekly_contacts_cap is not None
                 else f"the {request.runner.level}")
        return (f"The plyo sessions add up to {sum(s.contacts for s in plyos)} ground "
                f"contacts ({parts}); {whose} weekly cap is {request.contacts_cap}.")
    if key == "plyo_gap":
        plyos = [s for s in specs if s.kind is Kind.plyo]
        hours = request.rules.plyo_gap_hours
        text = (f"{len(plyos)} plyo sessions need {hours} h between them" if len(plyos) > 1
                else f"Plyo sessions need {hours} h between them")
        if ctx.day_before == "plyo":
            text += "; last Sunday was plyo"
        if ctx.day_after == "plyo":
            text += "; next Monday is plyo"
        return text + "."
    if key == "no_consecutive_key_days":
        text = f"Key workouts ({key_nouns}) may not fall on consecutive days"
        if context_is_key(ctx.day_before):
            text += f"; last Sunday was a {ctx.day_before}, so not on Monday"
        if context_is_key(ctx.day_after):
            text += f"; next Monday brings a {ctx.day_after}, so not on Sunday"
        return text + "."
    if key == "rest_days":
        wanted = request.rules.rest_days
        return (f"At least {wanted} full rest day{'s' if wanted != 1 else ''} a week, so "
                f"the {len(specs)} sessions share at most {7 - wanted} days.")
    return rule_by_key(key).summary  # a rule without its own sentence yet


# Rules read best in this order: what the runner wants, then the calendar that says no.
READING_ORDER = ("plyo_after_easy", "no_plyo_before_key", "plyo_gap", "weekly_contacts",
                  "no_consecutive_key_days", "one_run_per_day", "rest_days", "availability")


def conflict_text(problem: WeekProblem, rules: Sequence[str], specs: Sequence[SessionSpec]
                  ) -> str:
    """One paragraph: each conflicting rule with its facts, the calendar last."""
    if not rules:
        total = sum(s.minutes for s in specs)
        return (f"Even with every rule off, the {len(specs)} sessions ({total} min in all) "
                f"cannot all be placed in this week.")
    ordered = sorted(rules, key=lambda k: READING_ORDER.index(k) if k in READING_ORDER
                     else -1)
    return " ".join(rule_sentence(key, problem, specs, rules) for key in ordered)
