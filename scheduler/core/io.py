"""Reading requests and schedules from files, with errors a runner can act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from scheduler.core.domain import Request, Schedule
from scheduler.core.errors import BadRequest
from scheduler.core.messages import MAX_SENTENCES, validation_sentences
from scheduler.core.sessions import session_specs

__all__ = ["read_json", "load_request", "load_schedule", "parse_model", "write_text"]

M = TypeVar("M", bound=BaseModel)
# What only a request has: a file with sessions, one of these and no status is a request.
REQUEST_ONLY = frozenset(Request.model_fields) - frozenset(Schedule.model_fields)


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not an error
    except FileNotFoundError:
        raise BadRequest(f"File '{path}' was not found.") from None
    except IsADirectoryError:
        raise BadRequest(f"'{path}' is a folder; give a JSON file.") from None
    except UnicodeDecodeError:
        raise BadRequest(f"File '{path}' is not UTF-8 text; save it as UTF-8 JSON.") from None
    except OSError as err:
        raise BadRequest(f"File '{path}' could not be read: {err.strerror}.") from None
    if not text.strip():
        raise BadRequest(f"File '{path}' is empty; it should hold a JSON object {{ ... }}.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise BadRequest(
            f"File '{path}' is not valid JSON: {err.msg.lower()} at line {err.lineno} "
            f"column {err.colno}."
        ) from None
    except RecursionError:
        raise BadRequest(f"File '{path}' is nested too deeply to be a request.") from None


def parse_model(model: type[M], data: Any, source: str,
                context: dict[str, Any] | None = None) -> M:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as err:
        sentences = validation_sentences(err)
        more = len(sentences) - MAX_SENTENCES
        if more > 0:
            sentences = [*sentences[:MAX_SENTENCES],
                         f"And {more} more problem{'s' if more > 1 else ''} like these."]
        raise BadRequest(f"{source}: " + " ".join(sentences)) from None


def load_request(path: Path, weeks: int = 1) -> Request:
    """The request in a file; `weeks` > 1 for a block's first week, whose races may fall
    in any of its weeks."""
    request = parse_model(Request, read_json(path), str(path), {"weeks": weeks})
    try:
        session_specs(request)  # generated ids must not collide with given ones
    except ValueError as err:
        raise BadRequest(f"{path}: Field 'sessions': {err}.") from None
    return request


def load_schedule(path: Path) -> Schedule:
    data = read_json(path)
    if isinstance(data, dict) and "sessions" in data and "status" not in data \
            and not REQUEST_ONLY.isdisjoint(data):
        raise BadRequest(
            f"{path} is a request (the sessions you want), not a planned week; plan it "
            f"first with 'plyoplan plan {path} --json week.json' and re-plan week.json."
        )
    schedule = parse_model(Schedule, data, str(path))
    if schedule.request is None:
        raise BadRequest(
            f"{path}: field 'request' is missing; re-plan from a file written by "
            f"'plyoplan plan --json'."
        )
    return schedule


def write_text(path: Path, data: str | bytes) -> None:
    """Write via a temporary file so a failure never leaves half a plan behind."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        tmp.replace(path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise BadRequest(f"Could not write '{path}': {err.strerror}.") from None
