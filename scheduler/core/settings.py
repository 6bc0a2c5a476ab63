"""Tunable numbers that are policy, not code: soft-rule weights and solver limits.

Override with environment variables, e.g. ``PLYOPLAN_WEIGHT_LONG_RUN_DAY=20``.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Weights of the soft rules and how long the solver may think."""

    model_config = SettingsConfigDict(env_prefix="PLYOPLAN_", extra="ignore")

    weight_long_run_day: int = Field(
        10, ge=0, description="Penalty when the long run is not on a preferred day."
    )
    weight_time_of_day: int = Field(
        3, ge=0, description="Penalty per session outside its preferred time of day."
    )
    weight_spread_key: int = Field(
        4, ge=0, description="Penalty per pair of key workouts only one day apart."
    )
    weight_plyo_fresh_legs: int = Field(
        8, ge=0, description="Penalty per plyo session the day after a long run or hill session."
    )
    weight_strength_before_key: int = Field(
        5, ge=0, description="Penalty per strength session the day before a key workout."
    )
    weight_move_time: int = Field(
        1, ge=0, description="Re-plan: penalty for moving a session within its day."
    )
    weight_move_day: int = Field(
        20, ge=0, description="Re-plan: penalty for moving a session to another day."
    )
    weight_drop: int = Field(
        400, ge=0, description="Re-plan: base penalty for dropping a session."
    )
    drop_priority: dict[str, int] = Field(
        default_factory=lambda: {"plyo": 1, "easy": 2, "hill": 3, "tempo": 4, "long": 5},
        description="How much each kind is worth keeping: lower kinds are dropped first.",
    )
    solver_time_limit_seconds: float = Field(
        10.0, gt=0, description="Wall-clock limit for one solve."
    )
    solver_seed: int = Field(0, description="Random seed: the same request gives the same plan.")
    solver_presolve: bool = Field(
        False,
        description="CP-SAT presolve. Off: a week's model is small, and on random weeks "
                    "presolve doubled the solve time without changing any answer.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
