"""The words plyoplan writes for a runner, each in one place: what each kind of session
is called (in a calendar, in a sentence, in a change list), the names of the days, clock
times, and the runner's name as it starts a session id.

A new kind of session needs one entry in `LABELS`; every calendar, table, page and
sentence reads its words from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scheduler.core.domain import WEEKDAYS, Kind, Weekday

__all__ = ["KindLabels", "LABELS", "DAY_NAMES", "FULL_DAY_NAMES", "day_name", "clock_text",
           "runner_slug"]


@dataclass(frozen=True)
class KindLabels:
    """The words for one kind of session."""

    title: str  # calendar events, the week table, the pages: "Tempo run"
    noun: str  # inside a sentence: "the tempo run (50 min)"
    plural: str  # "the 2 tempo runs"
    short: str  # what the change list of a re-plan calls it: "Tempo moved ..."
    note: str  # the calendar event's advice for the session


LABELS: dict[Kind, KindLabels] = {
    Kind.easy: KindLabels(
        "Easy run", "easy run", "easy runs", "Easy run",
        "Conversational pace; you should be able to talk in full sentences."),
    Kind.tempo: KindLabels(
        "Tempo run", "tempo run", "tempo runs", "Tempo",
        "Warm up 10-15 min easy, run the tempo block comfortably hard, cool down easy."),
    Kind.hill: KindLabels(
        "Hill session", "hill session", "hill sessions", "Hill session",
        "Warm up easy, climb strong with tall posture, jog back down to recover."),
    Kind.long: KindLabels(
        "Long run", "long run", "long runs", "Long run",
        "Steady and relaxed; take water and fuel if it runs past 75 minutes."),
    Kind.plyo: KindLabels(
        "Plyometrics", "plyo session", "plyo sessions", "Plyo session",
        "Straight after the easy run, while warm. Land softly with feet under hips and "
        "spring off quickly; stop a set when landings get loud or sloppy. Use grass, a "
        "track or a sprung floor rather than concrete, in cushioned but responsive shoes. "
        "Finish with a few minutes of walking and calf mobility."),
    Kind.strength: KindLabels(
        "Strength", "strength session", "strength sessions", "Strength session",
        "Low-impact strength work: slow, controlled reps with good form, no jumping. "
        "Stop any exercise that causes pain."),
    Kind.race: KindLabels(
        "Race", "race", "races", "Race",
        "Race day: warm up 15-20 min easy with a few strides, start controlled, and "
        "recover with easy days after."),
}

# Fixed English names, Monday first (strftime's %a follows the process locale).
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                  "Sunday")


def day_name(code: Weekday, *, full: bool = False) -> str:
    """'Mon' (or 'Monday') for the request's weekday code 'mon'."""
    return (FULL_DAY_NAMES if full else DAY_NAMES)[WEEKDAYS.index(code)]


def clock_text(minute_of_day: int) -> str:
    """'07:05' for minute 425 of a day; the day's end reads '24:00' (a request's form)."""
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


_NOT_IN_IDS = re.compile(r"[^a-z0-9]+")


def runner_slug(name: str) -> str:
    """The runner's name as session ids start with it: "Chloé O'Brien" -> 'chlo-o-brien'
    (ASCII letters and digits, so an id is safe in a URL and a calendar UID)."""
    return _NOT_IN_IDS.sub("-", name.lower()).strip("-") or "runner"
