"""What a training log says about the runner's body at a moment: pain, and fatigue.

- Pain is discomfort at or above `pain_discomfort`, or a note that reports pain ("achilles
  sore and stiff", "shin splints flaring"; "no pain" is not pain). It is *severe* at
  `severe_discomfort` or when the note says "sharp". Where it hurts is the entry's
  `area`, or the body part the note names.
- Pain *holds* from the entry on until `pain_free_sessions` pain-free plyo sessions are
  logged after it: while it holds, progression does not rise and the drills that load the
  sore areas stay out, whatever weeks (lighter ones too) come between.
- Severe pain rules out jumping for the rest of its week and all of the next.
- Fatigue is two sessions at RPE `fatigue_rpe` or more within `fatigue_days` days, or a
  mean RPE of `fatigue_mean_rpe` or more over the last `window_days` days (any session,
  runs too).

All thresholds are settings (`PainSettings`, environment prefix `PLYOPLAN_LOG_`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scheduler.core.domain import Area, Kind
from scheduler.core.log import LogEntry, TrainingLog
from scheduler.core.week import monday_of

__all__ = ["PainSettings", "get_pain_settings", "is_pain_note", "is_sharp", "area_in_note",
           "is_pain", "is_severe", "area_of", "Reading", "read_log", "PHYSIO_ADVICE"]

# The words the plan uses to send a runner with severe pain to a professional.
PHYSIO_ADVICE = "see a physiotherapist before jumping again"

# Body parts as runners write them, to the area they belong to.
_AREA_WORDS: dict[str, Area] = {
    "achilles": "achilles", "heel cord": "achilles", "calf": "calf", "calves": "calf",
    "shin": "shin", "tibia": "shin", "knee": "knee", "patella": "knee", "itb": "knee",
    "it band": "knee", "foot": "foot", "feet": "foot", "plantar": "foot", "arch": "foot",
    "heel": "foot", "toe": "foot", "ankle": "foot", "quad": "thigh", "thigh": "thigh",
    "hamstring": "hamstring", "hammy": "hamstring", "hip": "hip", "glute": "hip",
    "groin": "hip", "back": "back", "spine": "back",
}


class PainSettings(BaseSettings):
    """Training-log thresholds (coaching policy, not code)."""

    model_config = SettingsConfigDict(env_prefix="PLYOPLAN_LOG_", extra="ignore")

    pain_discomfort: int = Field(4, ge=1, le=10,
                                 description="Logged discomfort that counts as pain.")
    severe_discomfort: int = Field(7, ge=1, le=10,
                                   description="Logged discomfort that counts as severe pain.")
    pain_cut: float = Field(0.3, gt=0, lt=1,
                            description="Share of contacts taken off an eased plyo session.")
    pain_free_sessions: int = Field(2, ge=1, le=6,
                                    description="Pain-free plyo sessions that end a hold.")
    easy_hours: int = Field(48, ge=0, le=168,
                            description="Hours after severe pain in which key runs go easy.")
    hold_rpe: int = Field(8, ge=1, le=10,
                          description="Plyo effort (RPE) from which progression holds.")
    fatigue_rpe: int = Field(8, ge=1, le=10,
                             description="Session effort (RPE) that counts towards fatigue.")
    fatigue_days: int = Field(3, ge=1, le=14,
                              description="Two such sessions within these days: fatigue.")
    fatigue_mean_rpe: float = Field(7.0, ge=1, le=10,
                                    description="Mean RPE over the window that is fatigue.")
    fatigue_mean_sessions: int = Field(
        3, ge=1, le=21, description="Fewest logged sessions a mean RPE is read from.")
    window_days: int = Field(7, ge=1, le=28,
                             description="Days before a moment whose entries count as recent.")
    pain_words: list[str] = Field(
        default_factory=lambda: [
            "pain", "sore", "ache", "aching", "niggle", "sharp", "shin splint", "tender",
            "swollen", "swell", "twinge", "hurt", "stiff", "injur", "strain", "sprain",
            "limp", "throb", "burning"],
        description="Word starts that make a note a pain note ('no pain' does not count).",
    )
    severe_words: list[str] = Field(
        default_factory=lambda: ["sharp", "limped", "limping", "stabbing", "couldn't walk",
                                 "could not walk"],
        description="Word starts that make a pain note severe.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> PainSettings:
        if self.severe_discomfort < self.pain_discomfort:
            raise ValueError("severe_discomfort must be at least pain_discomfort")
        return self


@lru_cache(maxsize=1)
def get_pain_settings() -> PainSettings:
    return PainSettings()


_NEGATION = re.compile(r"\b(no|not|without|zero|never|nothing)\s+(\w+\s+)?$")


def _mentions(note: str, words: list[str]) -> bool:
    """Whether a note mentions one of `words` without denying it ('no pain', 'pain-free')."""
    text = note.lower()
    for word in words:
        for match in re.finditer(rf"\b{re.escape(word.lower())}\w*", text):
            before = text[max(0, match.start() - 20):match.start()]
            after = text[match.end():match.end() + 6]
            if _NEGATION.search(before) or re.match(r"[- ]?free\b", after):
                continue
            return True
    return False


def is_pain_note(note: str, settings: PainSettings | None = None) -> bool:
    """Whether a note reports pain ('achilles sore and stiff': yes; 'no pain': no)."""
    return _mentions(note, (settings or get_pain_settings()).pain_words)


def is_sharp(note: str, settings: PainSettings | None = None) -> bool:
    """Whether a note reports severe pain ('sharp pain', 'limped home')."""
    return _mentions(note, (settings or get_pain_settings()).severe_words)


def area_in_note(note: str) -> Area | None:
    """The body area a note names first ('knee pain from km 12' -> knee)."""
    text = note.lower()
    found = [(m.start(), area) for word, area in _AREA_WORDS.items()
             for m in [re.search(rf"\b{re.escape(word)}", text)] if m]
    return min(found)[1] if found else None


def is_pain(entry: LogEntry, settings: PainSettings | None = None) -> bool:
    s = settings or get_pain_settings()
    return entry.discomfort >= s.pain_discomfort or is_pain_note(entry.note, s)


def is_severe(entry: LogEntry, settings: PainSettings | None = None) -> bool:
    s = settings or get_pain_settings()
    return is_pain(entry, s) and (entry.discomfort >= s.severe_discomfort
                                  or is_sharp(entry.note, s))


def area_of(entry: LogEntry) -> Area | None:
    return entry.area or area_in_note(entry.note)


@dataclass(frozen=True)
class Reading:
    """The runner's body at `at`, as the log tells it."""

    at: datetime
    holding: tuple[LogEntry, ...] = ()  # pain entries not yet followed by pain-free sessions
    severe: LogEntry | None = None  # severe pain whose no-jumping time covers `at`
    fatigue: tuple[LogEntry, ...] = ()  # the hard sessions that make the runner fatigued
    hard_plyo: LogEntry | None = None  # a very hard recent plyo session (no pain)
    last_plyo: LogEntry | None = None  # the last plyo session logged before `at`
    recent: tuple[LogEntry, ...] = field(default=())  # entries of the window before `at`

    @property
    def areas(self) -> tuple[Area, ...]:
        """The sore areas, in the order they were first logged."""
        return tuple(dict.fromkeys(a for e in self.holding if (a := area_of(e))))

    @property
    def worst(self) -> LogEntry | None:
        """The pain that decides: the most discomfort, the latest of equals."""
        return max(self.holding, key=lambda e: (e.discomfort, e.start), default=None)

    def new_pain(self, since: datetime) -> list[LogEntry]:
        """Pain entries still holding that were logged for sessions from `since` on."""
        return [e for e in self.holding if e.start >= since]


def read_log(log: TrainingLog, at: datetime, tz: ZoneInfo,
             settings: PainSettings | None = None) -> Reading:
    """What the entries for sessions that started before `at` say at `at`."""
    s = settings or get_pain_settings()
    before = [e for e in sorted(log.entries, key=lambda e: e.start) if e.start < at]
    holding: list[LogEntry] = []
    pain_free = 0
    for entry in before:
        if is_pain(entry, s):
            holding.append(entry)
            pain_free = 0
        elif entry.kind is Kind.plyo:
            pain_free += 1
            if pain_free >= s.pain_free_sessions:
                holding = []
    severe = None
    for entry in holding:
        if is_severe(entry, s):
            # no jumping for the rest of its week and all of the next
            until = monday_of(entry.start, tz) + timedelta(days=14)
            if at < until:
                severe = entry
    recent = [e for e in before if e.start >= at - timedelta(days=s.window_days)]
    plyos = [e for e in before if e.kind is Kind.plyo]
    hard = [e for e in recent if e.kind is Kind.plyo and e.rpe >= s.hold_rpe]
    return Reading(
        at=at, holding=tuple(holding), severe=severe, fatigue=tuple(_fatigue(recent, s)),
        hard_plyo=hard[-1] if hard else None, last_plyo=plyos[-1] if plyos else None,
        recent=tuple(recent),
    )


def _fatigue(recent: list[LogEntry], s: PainSettings) -> list[LogEntry]:
    """The entries that show fatigue, or none."""
    hard = [e for e in recent if e.rpe >= s.fatigue_rpe]
    for first, second in zip(hard, hard[1:], strict=False):
        if second.start - first.start <= timedelta(days=s.fatigue_days):
            return [first, second]
    if (len(recent) >= s.fatigue_mean_sessions
            and sum(e.rpe for e in recent) / len(recent) >= s.fatigue_mean_rpe):
        return list(recent)
    return []
