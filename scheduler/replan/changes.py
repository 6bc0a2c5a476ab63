"""What a re-plan changed, in plain words: one item per session that moved, was re-placed,
dropped, left missed or marked done.

The reason a session moved is found the honest way: put it back at its old time in the
new week and ask the rules' own checks what breaks (an optimal re-plan never moves a
session whose old time still works). A missed session that could not be re-placed is
tried on each remaining day's first free slot, and the rule that forbids it is named.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

from constraints import COUNTED, Violation, hard_violations, rule_by_key
from scheduler.core.availability import STEP
from scheduler.core.domain import BusyInterval, Kind, PlannedSession, Schedule
from scheduler.core.labels import LABELS
from scheduler.replan.state import Situation

__all__ = ["change_items", "describe_changes", "overlaps", "NAMES", "name_new_busy"]

NAMES = {kind: label.short for kind, label in LABELS.items()}
OVERLAP = "overlap"  # not a rule: two sessions at once, which no plan allows
ORDER = {"re-placed": 0, "missed": 0, "moved_day": 1, "moved_time": 1, "dropped": 1, "done": 2}


def overlaps(sessions: list[PlannedSession]) -> list[tuple[str, str]]:
    """Pairs of counted sessions that share time (one body, one session at a time)."""
    counted = [s for s in sessions if s.status in COUNTED]
    return [(a.id, b.id) for a, b in combinations(counted, 2)
            if a.start < b.end and b.start < a.end]


def when(session_start: datetime, sit: Situation) -> str:
    """'Wed 02 Dec 18:00' in the runner's zone."""
    return f"{session_start.astimezone(sit.request.tz):%a %d %b %H:%M}"


def _name(session: PlannedSession) -> str:
    return NAMES.get(session.kind, session.kind.value.capitalize())


class _Reasons:
    """Sentences for why a session could not stay, from the checks of the new week."""

    def __init__(self, sit: Situation, result: Schedule) -> None:
        self.sit = sit
        self.result = result
        self.now = {s.id: s for s in result.sessions}
        self.before = sit.by_id

    def label(self, sid: str) -> str:
        """'tempo on Thu 07:00', 'tempo (now Thu 07:00)', 'missed Tue tempo (now Wed 18:30)'."""
        now, before = self.now[sid], self.before[sid]
        noun = _name(now).lower()
        at = f"{now.start.astimezone(self.sit.request.tz):%a %H:%M}"
        if self.sit.status[sid] == "missed" and now.status == "planned":
            day = f"{before.start.astimezone(self.sit.request.tz):%a}"
            return f"missed {day} {noun} (now {at})"
        if now.start != before.start:
            return f"{noun} (now {at})"
        return f"{noun} on {at}"

    def problems_at(self, session: PlannedSession) -> list[Violation]:
        """What breaks when `session` sits where given (planned) in the new week."""
        placed = session.model_copy(update={"status": "planned"})
        others = [s for s in self.result.sessions if s.id != session.id]
        trial = self.result.model_copy(update={"sessions": [*others, placed]})
        found = [Violation(OVERLAP, pair, "") for pair in overlaps(trial.sessions)
                 if session.id in pair]
        found += [v for v in hard_violations(self.sit.problem, trial)
                  if session.id in v.sessions]
        return found

    def phrase(self, session: PlannedSession, problem: Violation) -> str:
        """What stops `session` where it is, in the words of the rule it breaks."""
        others = [sid for sid in problem.sessions if sid != session.id and sid in self.now]
        other = self.label(others[0]) if others else ""
        if problem.rule == OVERLAP:
            return f"the {other} takes that time"
        return rule_by_key(problem.rule).why_moved(self.sit.problem, session, problem, other)

    def why_not_at(self, session: PlannedSession) -> str | None:
        problems = self.problems_at(session)
        return self.phrase(session, problems[0]) if problems else None

    def fits_nowhere(self, session: PlannedSession) -> bool:
        """No free slot left this week where the session alone would break nothing."""
        return all(self.problems_at(self._at(session, start))
                   for start in self._probe_starts(session))

    def _at(self, session: PlannedSession, start: int) -> PlannedSession:
        week = self.sit.week
        return session.model_copy(update={
            "start": week.at(start), "end": week.at(start + session.minutes)})

    def why_not_replaced(self, session: PlannedSession) -> str:
        """Try each remaining day's first fitting free slot and name what forbids it."""
        sit = self.sit
        by_day: dict[int, str] = {}
        for start in self._probe_starts(session):
            day = sit.week.day_of(sit.week.at(start))
            if day in by_day:
                continue
            trial = self._at(session, start)
            problems = self.problems_at(trial)
            if problems:
                by_day[day] = self.phrase(trial, problems[0])
        if not by_day:
            return "no free time left this week fits it"
        return "; ".join(f"{sit.week.at(sit.week.day_starts[d]):%a}: {text}"
                         for d, text in sorted(by_day.items()))

    def _probe_starts(self, session: PlannedSession) -> list[int]:
        """Per free window, its first start at or after `at` clear of other sessions."""
        sit = self.sit
        taken = [(sit.week.minute(s.start), sit.week.minute(s.end)) for s in self.result.sessions
                 if s.status in COUNTED and s.id != session.id]
        starts = []
        for w in sit.problem.windows:
            for start in range(max(w.start, sit.earliest), w.end - session.minutes + 1, STEP):
                if all(end <= start or start + session.minutes <= begin for begin, end in taken):
                    starts.append(start)
                    break
        if session.kind is Kind.plyo:  # plyo belongs right after an easy run
            starts += [sit.week.minute(s.end) for s in self.result.sessions
                       if s.kind is Kind.easy and s.status in COUNTED
                       and sit.week.minute(s.end) >= sit.earliest]
        return sorted(set(starts))


def change_items(sit: Situation, result: Schedule) -> list[dict[str, Any]]:
    """One item per changed session: moved_time, moved_day, re-placed, dropped, missed, done."""
    reasons = _Reasons(sit, result)
    keyed = []
    for new in result.sessions:
        old = reasons.before[new.id]
        item = _item(sit, reasons, old, new)
        if item:
            keyed.append(((ORDER[item["change"]], old.start, old.id), item))
    return [item for _, item in sorted(keyed, key=lambda pair: pair[0])]


def _item(sit: Situation, reasons: _Reasons, old: PlannedSession, new: PlannedSession
          ) -> dict[str, Any] | None:
    name, was, now = _name(old), when(old.start, sit), when(new.start, sit)
    replacing = any(s.id == old.id for s in sit.to_replace)
    if replacing and new.status == "planned":
        change, text = "re-placed", f"{name} missed {was} → re-placed {now}"
        if old.id in sit.inferred_missed:
            text += " (its warm-up easy run was missed, so it was too)"
    elif replacing:
        change = "missed"
        why = ("its warm-up easy run was missed; " if old.id in sit.inferred_missed else "")
        text = f"{name} {was} missed; not re-placed ({why}{reasons.why_not_replaced(old)})"
    elif new.status == "dropped" and old.status != "dropped":
        change = "dropped"
        here = reasons.why_not_at(old) or "keeping it would break a rule"
        elsewhere = ("no other free time left this week fits it"
                     if reasons.fits_nowhere(old)
                     else "moving it would take bigger changes than giving it up")
        text = f"{name} {was} dropped ({here}; {elsewhere})"
    elif new.start != old.start and new.status == "planned":
        same_day = sit.week.day_of(new.start) == sit.week.day_of(old.start)
        change = "moved_time" if same_day else "moved_day"
        because = reasons.why_not_at(old)
        text = f"{name} moved {was} → {now}" + (f" ({because})" if because else "")
    elif new.status == "missed" and old.status != "missed":  # a race: never re-placed
        change, text = "missed", f"{name} {was} missed"
    elif new.status == "done" and old.status != "done":
        change, text = "done", f"{name} {was} done"
    else:
        return None
    placed = new.status in ("planned", "done")
    return {
        "session": old.id, "kind": old.kind.value, "change": change,
        "from": old.start.isoformat(), "to": new.start.isoformat() if placed else None,
        "text": text,
    }


def name_new_busy(items: list[dict[str, Any]], pushed: Mapping[str, BusyInterval],
                  tz: ZoneInfo) -> list[dict[str, Any]]:
    """The change items with each session a new calendar event pushed away saying which
    event and when: "Tempo moved Thu 03 Dec 18:30 → Fri 04 Dec 07:00: 'Board meeting'
    now takes Thu 18:00–19:30"."""
    out = []
    for item in items:
        busy = pushed.get(item["session"])
        if busy is not None and item["change"] in ("moved_time", "moved_day", "dropped"):
            start, end = busy.start.astimezone(tz), busy.end.astimezone(tz)
            what = f"'{busy.summary}'" if busy.summary else "a busy event"
            head = item["text"].split(" (", 1)[0]
            item = {**item, "text": f"{head}: {what} now takes "
                                    f"{start:%a %H:%M}–{end:%H:%M}"}
        out.append(item)
    return out


def describe_changes(schedule: Schedule) -> str:
    """The diff in plain words, for the top of the CLI's output."""
    main = [c for c in schedule.changes if c["change"] != "done"]
    done = [c for c in schedule.changes if c["change"] == "done"]
    if not main:
        lines = ["Nothing moved: the rest of the week still fits every rule."]
    else:
        lines = ["What changed:"] + [f"  {c['text']}" for c in main]
    if done:
        lines.append("Done: " + ", ".join(c["text"].removesuffix(" done") for c in done) + ".")
    return "\n".join(lines)
