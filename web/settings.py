"""Settings of the web app, read from PLYOPLAN_* environment variables.

By default plans live in an embedded SQLite file inside a data directory
(``$PLYOPLAN_DATA_DIR``, else ``$XDG_DATA_HOME/plyoplan``, else
``~/.local/share/plyoplan``); ``PLYOPLAN_DATABASE_URL`` points at any other database
SQLAlchemy speaks, e.g. ``postgresql+psycopg://user:pw@host/plyoplan``.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["WebSettings", "default_data_dir"]


def default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "plyoplan"


class WebSettings(BaseSettings):
    """Where plans are stored and how the calendar feed behaves."""

    model_config = SettingsConfigDict(env_prefix="PLYOPLAN_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder of the embedded SQLite file (used when no database URL is set).",
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<data_dir>/plyoplan.db."
    )
    public_url: str | None = Field(
        None,
        description="Base URL the app is reached at (e.g. https://plan.example.org) for the "
        "links on the Subscribe panel; default the URL of the incoming request.",
    )
    allow_private_calendar_urls: bool = Field(
        False,
        description="Let calendar URLs point at this server's own networks (loopback, "
        "private, link-local addresses). Off by default: on a shared server it would let "
        "any visitor make the server fetch internal addresses. Turn it on for a calendar "
        "server on your own network.",
    )
    feed_cancelled_days: int = Field(
        14, ge=0, le=365,
        description="Days a cancelled (missed or dropped) session stays in the feed.",
    )
    feed_refresh_minutes: int = Field(
        60, ge=5, le=1440, description="Refresh hint for subscribed calendars."
    )

    def resolved_database_url(self) -> str:
        """The database URL, creating the data directory for the default SQLite file."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'plyoplan.db'}"
