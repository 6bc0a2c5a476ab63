"""Dependencies of the routes, as Annotated aliases (override them in tests)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from web.feed_cache import Feeds
from web.settings import WebSettings

__all__ = ["SettingsDep", "EngineDep", "FeedsDep", "get_settings", "get_engine", "get_feeds"]


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_feeds(request: Request) -> Feeds:
    feeds: Feeds = request.app.state.feeds
    return feeds


SettingsDep = Annotated[WebSettings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
FeedsDep = Annotated[Feeds, Depends(get_feeds)]
