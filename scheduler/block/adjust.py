"""What the training log changes in one week's plyo doses, and the sentences that say so.

The verdict (`Adjustment`) comes from `scheduler.block.training_log.verdict`; this module
applies it to the doses a week would otherwise get, for a single week (`plan --log`) and
for each week of a block alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scheduler.core.domain import Area
from scheduler.core.drills import INTENSITIES, Intensity, lower_intensity
from scheduler.core.pain import PHYSIO_ADVICE
from scheduler.core.words import joined

__all__ = ["Dose", "Adjustment", "adjust_doses", "rank"]


class Dose(BaseModel):
    """One plyo session's prescription: ground contacts and intensity class."""

    model_config = ConfigDict(extra="forbid")

    contacts: int = Field(ge=0, description="Ground contacts.")
    intensity: Intensity = Field(description="low, moderate or high.")
    avoid: list[Area] = Field(default_factory=list,
                              description="Areas whose drills are left out, after pain.")
    strength: bool = Field(False, description="A strength session instead of plyometrics "
                                              "(fatigue or severe pain).")


@dataclass(frozen=True)
class Adjustment:
    """What the training log asks of a week.

    `ease`: the week's plyo sessions drop a class below the logged one and lose
    `pain_cut` of their contacts; `rest`: severe pain, no jumping: they become strength
    sessions; `hold`: no step up from the logged session (`intensity`, `contacts`); None:
    only `swap` applies. `avoid` names the sore areas whose drills stay out; `pain` the
    logged sessions whose pain this answers; `swap` says why fatigue turns the first plyo
    session into strength work. `cause` is the sentence saying what was logged.
    """

    action: Literal["ease", "rest", "hold"] | None
    cause: str
    intensity: Intensity | None = None
    contacts: int | None = None
    avoid: tuple[Area, ...] = ()
    pain: tuple[str, ...] = ()
    swap: str | None = None


def rank(intensity: Intensity) -> int:
    return INTENSITIES.index(intensity)


def _ease(dose: Dose, logged: Intensity | None, cut: float) -> Dose:
    below = lower_intensity(logged or dose.intensity)
    intensity = min(dose.intensity, below, key=rank)
    return dose.model_copy(update={"contacts": math.floor(dose.contacts * (1 - cut)),
                                   "intensity": intensity})


def _sparing(areas: tuple[Area, ...]) -> str:
    return f", without drills that load your {joined(list(areas))}" if areas else ""


def adjust_doses(doses: list[Dose], adjustment: Adjustment, pain_cut: float
                 ) -> tuple[list[Dose], list[str]]:
    """Apply a log's verdict to a week's plyo doses; say what changed.

    The result matches `doses` one to one. Easing covers every plyo session of the week,
    so whichever comes first is eased (a plan does not fix which comes first).
    """
    sentences = [adjustment.cause] if adjustment.cause else []
    if not doses:
        return [], [*sentences, "There is no plyo session this week to change."]
    avoid = list(adjustment.avoid)
    out = [d.model_copy(update={"avoid": sorted({*d.avoid, *avoid})}) for d in doses]
    if adjustment.action == "rest":
        out = [d.model_copy(update={"contacts": 0, "strength": True}) for d in out]
        what = ("The plyo sessions become strength sessions that spare" if len(out) > 1
                else "The plyo session becomes a strength session that spares")
        sentences.append(f"No jumping this week: {PHYSIO_ADVICE}. {what} "
                         f"{'your ' + joined(avoid) if avoid else 'the sore area'}.")
        return out, sentences
    if adjustment.action == "hold":
        held = [d.model_copy(update={
            "contacts": min(d.contacts, adjustment.contacts or d.contacts),
            "intensity": min(d.intensity, adjustment.intensity or d.intensity, key=rank),
        }) for d in out]
        top = max((d.intensity for d in held), key=rank)
        if [(d.contacts, d.intensity) for d in held] == [(d.contacts, d.intensity)
                                                          for d in doses]:
            sentences.append(f"This week does not step up from it{_sparing(adjustment.avoid)}.")
        else:
            sentences.append(f"This week holds at {held[0].contacts} contacts and {top} "
                             f"intensity instead of stepping up{_sparing(adjustment.avoid)}.")
        out = held
    elif adjustment.action == "ease":
        eased = [_ease(d, adjustment.intensity, pain_cut) for d in out]
        sentences.append(_eased_sentence(doses, eased, adjustment, pain_cut))
        out = eased
    elif avoid:
        sentences.append(f"Drills that load your {joined(avoid)} stay out.")
    if adjustment.swap and out:
        out[0] = out[0].model_copy(update={"contacts": 0, "strength": True})
        sentences.append(adjustment.swap)
    return out, sentences


def _eased_sentence(planned: list[Dose], eased: list[Dose], adjustment: Adjustment,
                    pain_cut: float) -> str:
    one = len(planned) == 1
    which = "The next plyo session" if one else "This week's plyo sessions"
    pct = round(pain_cut * 100)
    kept = [d for d in eased if d.contacts > 0]
    if not kept:
        return f"{which} {'is' if one else 'are'} given up: {pct}% fewer contacts leaves none."
    top = max((d.intensity for d in kept), key=rank)
    counts = " and ".join(sorted({str(d.contacts) for d in kept}, key=int))
    before = " and ".join(sorted({str(d.contacts) for d in planned}, key=int))
    was = max((d.intensity for d in planned), key=rank)
    done = adjustment.intensity or was  # what the runner last did, as far as known
    stays = f"{'stays' if one else 'stay'} at {top} intensity"
    if rank(top) < min(rank(done), rank(was)):
        change = f"{'drops' if one else 'drop'} to {top} intensity with"
    elif rank(top) < rank(was):  # low already, and kept there
        change = f"{stays} instead of stepping up to {was}, with"
    else:  # low already, and low was the plan: only the contacts fall
        change = f"{stays}, with"
    return (f"{which} {change} {pct}% fewer contacts ({counts} instead of {before})"
            f"{_sparing(adjustment.avoid)}.")
