"""The access log without secrets: a plan's id lets anyone change the plan and a feed token
lets anyone read the runner's week, so neither may end up in a log file (session ids
too: they carry the runner's name).

`RedactSecrets` rewrites the path in uvicorn's access records; `log_config()` is
uvicorn's default logging setup with that filter on the access log.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

__all__ = ["RedactSecrets", "redact", "log_config"]

REDACTED = "<redacted>"
_SECRETS = [
    (re.compile(r"(/plans/)[^/?#\s]+(/sessions/)[^/?#\s]+"), rf"\g<1>{REDACTED}\g<2>{REDACTED}"),
    (re.compile(r"(/plans/)[^/?#\s]+"), rf"\g<1>{REDACTED}"),
    (re.compile(r"(/feeds/)[^/?#\s]+?(\.ics)?(?=[/?#\s]|$)"), rf"\g<1>{REDACTED}\g<2>"),
]


def redact(path: str) -> str:
    """The path with its secrets replaced: `/api/plans/<id>/sessions/<sid>/missed` becomes
    `/api/plans/<redacted>/sessions/<redacted>/missed`, `/feeds/<token>.ics` becomes
    `/feeds/<redacted>.ics`."""
    for pattern, replacement in _SECRETS:
        path = pattern.sub(replacement, path)
    return path


class RedactSecrets(logging.Filter):
    """Redacts plan ids, session ids and feed tokens in the request line of an access
    record (uvicorn's args: client, method, path, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging setup, its access log passed through `RedactSecrets`."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": f"{__name__}.RedactSecrets"}
    # On the logger, not a handler: whatever handler an operator adds gets clean records.
    config["loggers"]["uvicorn.access"].setdefault("filters", []).append("redact_secrets")
    return config
