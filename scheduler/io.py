"""Reading requests and schedules from files, with errors a runner can act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from scheduler.domain import Request, Schedule
from scheduler.errors import BadRequest
from scheduler.messages import validation_sentences

__all__ = ["read_json", "load_request", "load_schedule", "parse_model", "write_text"]

M = TypeVar("M", bound=BaseModel)


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadRequest(f"File '{path}' was not found.") from None
    except IsADirectoryError:
        raise BadRequest(f"'{path}' is a folder; give a JSON file.") from None
    except UnicodeDecodeError:
        raise BadRequest(f"File '{path}' is not UTF-8 text.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise BadRequest(
            f"File '{path}' is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}."
        ) from None


def parse_model(model: type[M], data: Any, source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        sentences = validation_sentences(err)
        raise BadRequest(f"{source}: " + " ".join(sentences)) from None


def load_request(path: Path) -> Request:
    return parse_model(Request, read_json(path), str(path))


def load_schedule(path: Path) -> Schedule:
    schedule = parse_model(Schedule, read_json(path), str(path))
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
