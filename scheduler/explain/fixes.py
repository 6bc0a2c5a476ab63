"""What would make an infeasible week fit: single changes, each proven by a re-solve.

For every rule and fact in the conflict one relaxation is tried — the rule off, a session
dropped, a free window widened, the buffer around busy events reduced, a rule's number
eased — with every other rule still on. Only changes after which the week really fits are
listed, cheapest for the runner first. A change is a short machine-readable string
(`apply_change` turns it into the changed request), so anyone can re-plan with it.

Change strings:
    rules.off += KEY                       turn hard rule KEY off
    drop SESSION_ID                        leave that session out this week
    availability.DAY[I] = HH:MM-HH:MM      free window I of DAY becomes this
    availability.DAY += HH:MM-HH:MM        a new free window on a day that has none
    rules.FIELD = N                        a rule's number (buffer_minutes, rest_days, ...)
    plyo.contacts <= N                     no plyo session holds more than N ground contacts
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from constraints import rule_by_key
from scheduler.core.domain import WEEKDAYS, Kind, Request, clock_minutes
from scheduler.core.problem import WeekProblem
from scheduler.explain.conflict import Conflict
from scheduler.explain.facts import DAY_NAMES, NOUNS
from scheduler.explain.probe import Verdict, WeekProbe, feasibility, probe_solver
from scheduler.explain.widen import WindowSide, smallest_widenings
from scheduler.model.solve import build_week_model, rules_as_asked

__all__ = ["Fix", "suggest_fixes", "apply_change", "week_fits", "MAX_WIDENING"]

MAX_WIDENING = 120  # minutes: more than two hours is a different week, not a fix
STEP = 5
RULE_FIELDS = ("buffer_minutes", "rest_days", "runs_per_day", "plyo_gap_hours",
               "plyo_after_easy_max_gap_minutes")
# The change strings of the module docstring, read here and by `headline.short_fix`.
RULE_OFF = re.compile(r"rules\.off \+= (\w+)")
DROP = re.compile(r"drop (\S+)")
WIDEN = re.compile(r"availability\.(\w{3})\[(\d+)\] = (\d\d:\d\d)-(\d\d:\d\d)")
ADD_WINDOW = re.compile(r"availability\.(\w{3}) \+= (\d\d:\d\d)-(\d\d:\d\d)")
RULE_NUMBER = re.compile(rf"rules\.({'|'.join(RULE_FIELDS)}) = (\d+)")
CONTACTS_CAP = re.compile(r"plyo\.contacts <= (\d+)")


@dataclass(frozen=True)
class Fix:
    change: str
    text: str
    cost: float  # how much the runner gives up: lower is better

    def item(self) -> dict:
        return {"type": "fix", "change": self.change, "text": self.text}


# --- applying a change ------------------------------------------------------------------

def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def apply_change(problem: WeekProblem, change: str) -> Request:
    """The problem's request with one fix applied. Raises ValueError for a change it cannot
    read."""
    data = problem.request.model_dump(mode="json")
    if m := RULE_OFF.fullmatch(change):
        data["rules"]["off"] = sorted({*data["rules"]["off"], m.group(1)})
    elif m := DROP.fullmatch(change):
        # Spell out every id first, so dropping one does not renumber the others.
        for wanted, spec in zip(data["sessions"], problem.specs, strict=True):
            wanted["id"] = spec.id
        kept = [s for s in data["sessions"] if s["id"] != m.group(1)]
        if len(kept) == len(data["sessions"]):
            raise ValueError(f"no session {m.group(1)!r} to drop")
        data["sessions"] = kept
    elif m := WIDEN.fullmatch(change):
        day, index = m.group(1), int(m.group(2))
        data["availability"][day][index] = [m.group(3), m.group(4)]
    elif m := ADD_WINDOW.fullmatch(change):
        data["availability"].setdefault(m.group(1), []).append([m.group(2), m.group(3)])
    elif m := RULE_NUMBER.fullmatch(change):
        data["rules"][m.group(1)] = int(m.group(2))
    elif m := CONTACTS_CAP.fullmatch(change):
        for wanted, spec in zip(data["sessions"], problem.specs, strict=True):
            if spec.kind is Kind.plyo:
                wanted["contacts"] = min(spec.contacts, int(m.group(1)))
    else:
        raise ValueError(f"unknown change {change!r}")
    return Request.model_validate(data)


def week_fits(problem: WeekProblem) -> Verdict:
    """Feasibility of a week with all its rules on (no objective: first plan wins)."""
    wm = build_week_model(problem, settled=rules_as_asked(problem.request))
    wm.model.clear_objective()
    return feasibility(probe_solver(problem.settings), wm.model)


def _fits(problem: WeekProblem, change: str) -> bool:
    try:
        changed = problem.changed(apply_change(problem, change))
    except ValueError:  # the change would make an invalid request: not a fix
        return False
    return week_fits(changed) is Verdict.fits


def _smallest(lo: int, hi: int, fits: Callable[[int], bool]) -> int | None:
    """The smallest multiple of STEP in (lo, hi] for which `fits` holds, assuming that
    once it fits it keeps fitting (more free time never hurts); None if not even hi."""
    if hi <= lo or not fits(hi):
        return None
    while hi - lo > STEP:
        mid = (lo + hi) // 2 // STEP * STEP
        if mid <= lo:
            break
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return hi


# --- candidate changes ------------------------------------------------------------------

def _rules_off(conflict: Conflict, probe: WeekProbe) -> list[Fix]:
    everyone = [s.id for s in probe.specs]
    fixes = []
    for key in conflict.rules:
        if probe.check([k for k in probe.rules if k != key], everyone) is not Verdict.fits:
            continue
        if key == "availability":
            text = ("Turn off availability: sessions could then sit at any time of the week, "
                    "outside your free time.")
            fixes.append(Fix(f"rules.off += {key}", text, 20))
        else:
            summary = rule_by_key(key).summary.rstrip(".")
            fixes.append(Fix(f"rules.off += {key}", f"Turn off {key} (“{summary}”).", 12))
    return fixes


def _drops(conflict: Conflict, probe: WeekProbe) -> list[Fix]:
    if len(probe.specs) < 2:
        return []  # a week needs at least one session
    priority = probe.problem.settings.drop_priority
    fixes = []
    for spec in probe.specs:
        if spec.id not in conflict.sessions:
            continue
        others = [s.id for s in probe.specs if s is not spec]
        if probe.check(probe.rules, others) is Verdict.fits:
            text = f"Drop the {NOUNS[spec.kind][0]} ({spec.minutes} min, {spec.id}) this week."
            fixes.append(Fix(f"drop {spec.id}", text, 5 + priority.get(spec.kind.value, 3)))
    return fixes


def _widenings(problem: WeekProblem) -> list[Fix]:
    """The smallest widening of each window side, proposed by one stretchable model and
    proven on the real model of the changed request (searched there if the proof fails)."""
    request = problem.request
    fixes = []
    for side, minutes in smallest_widenings(problem, MAX_WIDENING).items():
        start_text, end_text = request.availability[side.day][side.index]  # type: ignore[index]
        start, end = clock_minutes(start_text), clock_minutes(end_text)

        def change(m: int, start: int = start, end: int = end, side: WindowSide = side) -> str:
            s, e = (start - m, end) if side.side == "earlier" else (start, end + m)
            return f"availability.{side.day}[{side.index}] = {_hhmm(s)}-{_hhmm(e)}"

        def fits(m: int, change: Callable[[int], str] = change) -> bool:
            return _fits(problem, change(m))

        if not fits(minutes):
            limit = min(MAX_WIDENING, start if side.side == "earlier" else 24 * 60 - end)
            found = _smallest(minutes, limit, fits)
            if found is None:
                continue
            minutes = found
        new = change(minutes).split(" = ")[1].replace("-", "–")
        name = DAY_NAMES[WEEKDAYS.index(side.day)]
        fixes.append(Fix(change(minutes), (
            f"Make {name}'s free time {new} instead of {start_text}–{end_text} "
            f"({minutes} min {side.side})."), 1 + minutes / 30))
    return fixes


def _new_windows(problem: WeekProblem, tries: int = 2, days: int = 3) -> list[Fix]:
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
            change = f"availability.{day} += {start}-{end}"
            if _fits(problem, change):
                minutes = clock_minutes(end) - clock_minutes(start)
                name, like = (DAY_NAMES[WEEKDAYS.index(d)] for d in (day, kept[start, end]))
                fixes.append(Fix(change, (
                    f"Free {start}–{end} on {name} (as on {like}); this week has no free "
                    f"time on {name} yet."), 2 + minutes / 30))
                break
        if len(fixes) == days:
            break
    return fixes


def _smaller_buffer(problem: WeekProblem) -> list[Fix]:
    request = problem.request
    buffer = request.rules.buffer_minutes
    if not request.busy or buffer == 0:
        return []
    # The largest buffer that still fits: the smallest cut, searched from a cut to zero.
    cut = _smallest(0, buffer, lambda m: _fits(problem, f"rules.buffer_minutes = {buffer - m}"))
    if cut is None:
        return []
    new = buffer - cut
    return [Fix(f"rules.buffer_minutes = {new}", (
        f"Keep {new} min instead of {buffer} min free around busy events."),
        1 + (buffer - new) / 15)]


def _first_fitting(problem: WeekProblem, template: str, loosest_first: list[int]
                   ) -> int | None:
    """The tightest value (last in the list) whose change still fits, trying the loosest
    first: easing a number never makes a week harder to fit."""
    best = None
    for value in loosest_first:
        if not _fits(problem, template.format(value)):
            break
        best = value
    return best


def _eased_numbers(problem: WeekProblem, conflict: Conflict) -> list[Fix]:
    request = problem.request
    r = request.rules
    fixes = []
    if "rest_days" in conflict.rules and r.rest_days > 0:
        change = f"rules.rest_days = {r.rest_days - 1}"
        if _fits(problem, change):
            text = (f"Take {r.rest_days - 1} full rest days instead of {r.rest_days}."
                    if r.rest_days > 1 else "Skip the full rest day this week.")
            fixes.append(Fix(change, text, 4))
    if "one_run_per_day" in conflict.rules and r.runs_per_day < 3:
        change = f"rules.runs_per_day = {r.runs_per_day + 1}"
        if _fits(problem, change):
            fixes.append(Fix(change, f"Allow {r.runs_per_day + 1} runs on one day (doubles).",
                             4.5))
    if "plyo_gap" in conflict.rules:
        # The loosest value first: if even that does not fit, no need to try the others.
        hours = _first_fitting(problem, "rules.plyo_gap_hours = {}",
                               [h for h in (24, 36) if h < r.plyo_gap_hours])
        if hours is not None:
            fixes.append(Fix(f"rules.plyo_gap_hours = {hours}", (
                f"Allow {hours} h between plyo sessions instead of {r.plyo_gap_hours} h."),
                3 + (r.plyo_gap_hours - hours) / 24))
    if "plyo_after_easy" in conflict.rules:
        gap = r.plyo_after_easy_max_gap_minutes
        wider = _first_fitting(problem, "rules.plyo_after_easy_max_gap_minutes = {}",
                               [g for g in (240, 180, 120, 90) if g > gap])
        if wider is not None:
            fixes.append(Fix(f"rules.plyo_after_easy_max_gap_minutes = {wider}", (
                f"Allow up to {wider} min (instead of {gap}) from the end of the easy run "
                f"to the plyo session."), 2 + (wider - gap) / 60))
    plyos = [s for s in request.sessions if s.kind is Kind.plyo]
    if "weekly_contacts" in conflict.rules and plyos:
        each = request.contacts_cap // len(plyos) // 10 * 10
        change = f"plyo.contacts <= {each}"
        if each >= 20 and _fits(problem, change):
            fixes.append(Fix(change, (
                f"Cap each plyo session at {each} ground contacts (at most {len(plyos)} × "
                f"{each}, within the weekly cap of {request.contacts_cap})."), 2.5))
    return fixes


def suggest_fixes(conflict: Conflict, probe: WeekProbe) -> list[dict]:
    """Fix items for the conflict, each proven by a re-solve with every other rule on."""
    problem = probe.problem
    fixes = _rules_off(conflict, probe) + _drops(conflict, probe)
    if "availability" in conflict.rules:
        fixes += _widenings(problem) + _new_windows(problem) + _smaller_buffer(problem)
    fixes += _eased_numbers(problem, conflict)
    fixes.sort(key=lambda f: (f.cost, f.change))
    return [f.item() for f in fixes]
