"""The items of a schedule's `explanation` (DESIGN.md, "Schedule JSON"): why a week cannot
fit, the single changes that would make it fit, why each session is where it is, and what
was given up so the rest fits.

Each item is an object whose `type` says which of the four it is. The fields are declared
in the order the JSON has always written them, so a schedule reads the same byte for byte,
and a schedule stored with plain objects loads into these models.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ConflictItem", "FixItem", "WhyItem", "DroppedItem", "ExplanationItem"]


class _Item(BaseModel):
    # The `type` has a default, so no producer repeats it; it is always written, so the
    # API's response schema says it is always there (a discriminator must be required).
    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_serialization_defaults_required=True)


class ConflictItem(_Item):
    """A week that cannot fit: the smallest set of hard rules that cannot all hold (turning
    off any one of them makes the week fit) and the sessions they collide over."""

    type: Literal["conflict"] = Field("conflict", description="Always 'conflict'.")
    rules: list[str] = Field(description="Keys of the hard rules in conflict, in the "
                                         "registry's order; empty when none can be named.")
    sessions: list[str] = Field(description="Ids of the sessions the rules collide over.")
    text: str = Field(description="The conflict in the rules' own sentences, with the "
                                  "real days, times and sessions.")


class FixItem(_Item):
    """A single change to the request, proven by a re-solve to make the week fit."""

    type: Literal["fix"] = Field("fix", description="Always 'fix'.")
    change: str = Field(description="The change, e.g. 'rules.off += plyo_gap' or "
                                    "'availability.wed[0] = 17:50-18:50': what a re-plan "
                                    "with this fix applies.")
    text: str = Field(description="The change offered in a sentence.")


class WhyItem(_Item):
    """Why one planned session is where it is (`plan --why`): what keeps it off the other
    days and which soft penalties it pays."""

    type: Literal["why"] = Field("why", description="Always 'why'.")
    session: str = Field(description="Id of the session.")
    rules: list[str] = Field(description="Keys of the hard rules that keep it off other "
                                         "days and of the soft rules a move would cost.")
    penalty: dict[str, int] = Field(description="Soft penalties this session pays, by rule "
                                                "key; over all sessions they add up to the "
                                                "schedule's penalties.")
    text: str = Field(description="Its day and time, and the verdict on every other day.")


class DroppedItem(_Item):
    """A session given up (`--drop-if-needed`) so the rest of the week fits."""

    type: Literal["dropped"] = Field("dropped", description="Always 'dropped'.")
    session: str = Field(description="Id of the session given up.")
    kind: str = Field(description="Its kind: easy, tempo, hill, long, plyo, strength or race.")
    rules: list[str] = Field(description="Keys of the hard rules that cannot all hold with "
                                         "every session in.")
    text: str = Field(description="What was dropped and why, in a sentence.")


ExplanationItem = Annotated[ConflictItem | FixItem | WhyItem | DroppedItem,
                            Field(discriminator="type")]
