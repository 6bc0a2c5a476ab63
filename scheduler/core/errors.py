"""The one family of errors a user can cause; each message is a sentence naming the field."""

from __future__ import annotations

__all__ = ["PlyoplanError", "BadRequest", "RulesConflict"]


class PlyoplanError(Exception):
    """Base of every error plyoplan reports to a user as a sentence (never a traceback)."""


class BadRequest(PlyoplanError):
    """Raised when a request, schedule or option is malformed; the message names the field
    and what is allowed. The CLI exits 2."""


class RulesConflict(PlyoplanError):
    """Raised when the coaching rules cannot all hold for a week. The CLI exits 3."""
