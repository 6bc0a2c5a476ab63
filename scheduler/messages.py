"""Turn pydantic validation errors into sentences that name the field and what is allowed."""

from __future__ import annotations

from pydantic import ValidationError

__all__ = ["field_path", "validation_sentences"]


def field_path(loc: tuple[int | str, ...]) -> str:
    """('sessions', 2, 'minutes') -> 'sessions[2].minutes'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "request"


def _sentence(error: dict) -> str:
    where = field_path(tuple(p for p in error["loc"] if p not in ("function-after",)))
    kind, msg = error["type"], error["msg"]
    if kind == "missing":
        return f"Field '{where}' is required."
    if kind == "extra_forbidden":
        return f"Field '{where}' is not a known field; remove it or check its spelling."
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    got = error.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
    return f"Field '{where}': {msg[0].lower() + msg[1:]}{shown}."


def validation_sentences(error: ValidationError) -> list[str]:
    return [_sentence(e) for e in error.errors(include_url=False)]  # type: ignore[arg-type]
