"""The one sentence that says why a week cannot fit and what to do about it.

"Tom's week cannot fit: plyo within 60 min after an easy run and no key workouts on
consecutive days do not fit your free time around 'Board meeting' Wed 18:00–20:00.
Quickest fixes: widen Wed's free time to 17:50–18:50, or drop the plyo session."

Built from the explanation items the planner already proved (the minimal conflict and
the fixes, best first), so it adds no claim of its own: the rules of the conflict in
short words, the meetings that cut into the free time when the calendar is part of it,
and the best fix of up to two different kinds. The full paragraph and the whole list of
fixes stay in the explanation.
"""

from __future__ import annotations

from collections.abc import Sequence

from scheduler.core.domain import WEEKDAYS, Request
from scheduler.core.problem import WeekProblem
from scheduler.explain.facts import DAY_NAMES, NOUNS, READING_ORDER, busy_cuts, joined
from scheduler.explain.fixes import ADD_WINDOW, CONTACTS_CAP, DROP, RULE_NUMBER, RULE_OFF, WIDEN

__all__ = ["headline", "reason", "short_fix"]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _rule_phrase(key: str, request: Request) -> str:
    r = request.rules
    phrases = {
        "plyo_after_easy": f"plyo within {r.plyo_after_easy_max_gap_minutes} min after an "
                           f"easy run",
        "no_plyo_before_key": "no plyo the day before a key workout",
        "plyo_gap": f"{r.plyo_gap_hours} h between plyo sessions",
        "weekly_contacts": f"the weekly cap of {request.contacts_cap} ground contacts",
        "no_consecutive_key_days": "no key workouts on consecutive days",
        "one_run_per_day": "one run a day" if r.runs_per_day == 1
                           else f"at most {r.runs_per_day} runs a day",
        "rest_days": f"{_plural(r.rest_days, 'full rest day')}",
    }
    return phrases.get(key, key)


def _free_time(problem: WeekProblem, named: int = 2) -> str:
    """'your free time around 'Board meeting' Wed 18:00–20:00 and 2 more busy events'."""
    cuts = busy_cuts(problem.request, problem.week)
    if not cuts:
        return "your free time"
    shown = cuts[:named]
    if len(cuts) > named:
        shown.append(_plural(len(cuts) - named, "more busy event"))
    return f"your free time around {joined(shown)}"


def _day(code: str) -> str:
    return DAY_NAMES[WEEKDAYS.index(code)] if code in WEEKDAYS else code  # type: ignore[arg-type]


def short_fix(change: str, problem: WeekProblem) -> str | None:
    """A fix's change string in a few words ("drop the plyo session"); None if unknown."""
    if m := RULE_OFF.fullmatch(change):
        return f"turn off {m.group(1)}"
    if m := DROP.fullmatch(change):
        kinds = {s.id: s.kind for s in problem.specs}
        kind = kinds.get(m.group(1))
        return f"drop the {NOUNS[kind][0]}" if kind else f"drop {m.group(1)}"
    if m := WIDEN.fullmatch(change):
        return f"widen {_day(m.group(1))}'s free time to {m.group(3)}–{m.group(4)}"
    if m := ADD_WINDOW.fullmatch(change):
        return f"free {_day(m.group(1))} {m.group(2)}–{m.group(3)}"
    if m := RULE_NUMBER.fullmatch(change):
        n = int(m.group(2))
        return {
            "buffer_minutes": f"keep {n} min free around busy events",
            "rest_days": f"take {_plural(n, 'rest day')}" if n else "skip the rest day",
            "runs_per_day": f"allow {n} runs on a day",
            "plyo_gap_hours": f"allow {n} h between plyo sessions",
            "plyo_after_easy_max_gap_minutes": f"allow {n} min from easy run to plyo",
        }.get(m.group(1))
    if m := CONTACTS_CAP.fullmatch(change):
        return f"cap each plyo session at {m.group(1)} contacts"
    return None


def _kind_of(change: str) -> str:
    """Fixes of one kind read alike; the headline offers different kinds."""
    if change.startswith("availability."):
        return "free time"
    if change.startswith("rules.off"):
        return "rule off"
    return change.split(" ")[0]  # drop, rules.rest_days, plyo.contacts, ...


def _best_fixes(items: Sequence[dict], problem: WeekProblem, most: int) -> list[str]:
    chosen: list[str] = []
    kinds: set[str] = set()
    for item in items:
        if item.get("type") != "fix" or len(chosen) == most:
            continue
        kind, words = _kind_of(item["change"]), short_fix(item["change"], problem)
        if words and kind not in kinds:
            chosen.append(words)
            kinds.add(kind)
    return chosen


def _why(problem: WeekProblem, conflict: dict) -> str:
    rules = sorted(conflict.get("rules", []), key=lambda k: READING_ORDER.index(k)
                   if k in READING_ORDER else -1)
    others = [_rule_phrase(k, problem.request) for k in rules if k != "availability"]
    if "availability" in rules and others:
        verb = "do" if len(others) > 1 else "does"
        return f"{joined(others)} {verb} not fit {_free_time(problem)}"
    if "availability" in rules:
        return f"the sessions do not fit {_free_time(problem)}"
    if others:
        return (f"{joined(others)} cannot all hold" if len(others) > 1
                else f"{others[0]} cannot hold")
    return "the sessions cannot all be placed in this week"


def _fixes_sentence(problem: WeekProblem, items: Sequence[dict], fixes: int) -> str:
    best = _best_fixes(items, problem, fixes)
    if len(best) > 1:
        return f" Quickest fixes: {', or '.join(best)}."
    return f" Quickest fix: {best[0]}." if best else ""


def reason(problem: WeekProblem, items: Sequence[dict], *, fixes: int = 2) -> str:
    """Why the week cannot fit and the best fixes, as a sentence of its own ("Plyo within
    60 min after an easy run ... do not fit your free time. Quickest fix: ..."); "" when
    the items hold no conflict."""
    conflict = next((i for i in items if i.get("type") == "conflict"), None)
    if conflict is None:
        return ""
    why = _why(problem, conflict)
    return why[0].upper() + why[1:] + "." + _fixes_sentence(problem, items, fixes)


def headline(problem: WeekProblem, items: Sequence[dict], *, fixes: int = 2,
             week: str = "week") -> str:
    """The reason after the runner's name: "Tom's week cannot fit: ..." ("" without a
    conflict); `week` names the week ("week of Mon 30 Nov 2026")."""
    conflict = next((i for i in items if i.get("type") == "conflict"), None)
    if conflict is None:
        return ""
    return (f"{problem.request.runner.name}'s {week} cannot fit: {_why(problem, conflict)}."
            f"{_fixes_sentence(problem, items, fixes)}")
