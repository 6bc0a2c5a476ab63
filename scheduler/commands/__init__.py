"""One module per `plyoplan` subcommand (see scheduler/cli.py), and what they share."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["from_current_directory"]


def from_current_directory(sources: Sequence[str]) -> list[str]:
    """Calendar files typed on the command line as absolute paths (URLs as they are).

    A path typed at a shell means the shell's directory, whereas a request's own
    `busy_calendars` are read from the request file's folder; resolving here keeps the
    two apart, and a missing file's message then shows the full path that was tried.
    """
    return [source if "://" in source else str(Path(source).expanduser().absolute())
            for source in sources]
