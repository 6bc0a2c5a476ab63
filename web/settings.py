"""Settings of the web app, read from PLYOPLAN_* environment variables.

By default plans live in an embedded SQLite file inside a data directory
(``$PLYOPLAN_DATA_DIR``, else ``$XDG_DATA_HOME/plyoplan``, else
``~/.local/share/plyoplan``); ``PLYOPLAN_DATABASE_URL`` points at any other database
SQLAlchemy speaks, e.g. ``postgresql+psycopg://user:pw@host/plyoplan``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
        "links on the Subscribe panel; its host name is always allowed. Default: the "
        "request's own address, when its host is one of the allowed hosts.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"],
        description="Host names (comma-separated) the app answers to; a request for any "
        "other gets 400, so no forged Host header ends up in a link. Add the names "
        "visitors use, e.g. plan.example.org,192.168.1.20.",
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

    sync_seconds: int = Field(
        900, ge=0, le=86_400,
        description="How often the server re-reads every current plan's calendars (and "
        "retries CalDAV write-backs); 0 turns the background sync off.",
    )
    sync_freeze_minutes: int = Field(
        60, ge=0, le=1440,
        description="Sessions starting within this many minutes are never moved by a sync.",
    )
    secret_key: SecretStr | None = Field(
        None, description="Fernet key encrypting stored CalDAV passwords; default: a key "
        "file created in the data directory.",
    )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [name for name in (part.strip() for part in value.split(",")) if name]
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _bare_names(cls, value: list[str]) -> list[str]:
        return [name.lower().strip("[]") for name in value]

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"give an http(s) URL such as https://plan.example.org "
                             f"(got '{value}')")
        return value.strip().rstrip("/")

    def answers_to(self, host_header: str) -> bool:
        """Whether a request's Host (a name or address, maybe with a port) is allowed."""
        try:
            name = urlsplit(f"//{host_header}").hostname
        except ValueError:  # e.g. an unbalanced '[' in an IPv6 address
            return False
        allowed = set(self.allowed_hosts)
        if self.public_url:
            allowed.add(str(urlsplit(self.public_url).hostname))
        return name is not None and name in allowed

    def resolved_database_url(self) -> str:
        """The database URL, creating the data directory for the default SQLite file."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'plyoplan.db'}"
