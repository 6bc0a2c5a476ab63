"""Turn pydantic validation errors into sentences that name the field and what is allowed.

One sentence per problem, e.g. "Field 'sessions[2].minutes' must be at least 5 (got 2)."
The wording comes from the error type and its context, not from pydantic's own message,
so it reads the same whatever pydantic version phrases it; unknown types fall back to
pydantic's message.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

__all__ = ["field_path", "validation_sentences", "error_sentences", "settings_sentences",
           "MAX_SENTENCES"]

MAX_SENTENCES = 5  # more than this and the runner stops reading; the rest are counted

_WHOLE = "must be a whole number"
_PHRASES = {
    "int_parsing": _WHOLE, "int_type": _WHOLE, "int_from_float": _WHOLE,
    "float_parsing": "must be a number", "float_type": "must be a number",
    "bool_parsing": "must be true or false", "bool_type": "must be true or false",
    "string_type": "must be text in double quotes",
    "list_type": "must be a list [ ... ]", "tuple_type": "must be a list [ ... ]",
    "dict_type": "must be an object { ... }", "model_type": "must be an object { ... }",
    "model_attributes_type": "must be an object { ... }",
    "date_parsing": "must be a date like 2026-11-30",
    "date_from_datetime_parsing": "must be a date like 2026-11-30",
    "date_from_datetime_inexact": "must be a date like 2026-11-30 (no time of day)",
    "date_type": "must be a date like 2026-11-30",
    "datetime_parsing": "must be a date and time with a UTC offset, like "
                        "2026-12-01T12:00:00+01:00",
    "datetime_from_date_parsing": "must be a date and time with a UTC offset, like "
                                  "2026-12-01T12:00:00+01:00",
    "datetime_type": "must be a date and time with a UTC offset, like "
                     "2026-12-01T12:00:00+01:00",
    "string_pattern_mismatch": "may only hold letters, digits and . _ @ - "
                               "(1 to 120 characters)",
}
_BOUNDS = {"greater_than_equal": ("ge", "must be at least {}"),
           "less_than_equal": ("le", "must be at most {}"),
           "greater_than": ("gt", "must be more than {}"),
           "less_than": ("lt", "must be less than {}"),
           "too_short": ("min_length", "needs at least {} item{}"),
           "too_long": ("max_length", "may hold at most {} item{}"),
           "string_too_short": ("min_length", "needs at least {} character{}"),
           "string_too_long": ("max_length", "may be at most {} character{} long")}
_JSON_TYPES = {dict: "an object", list: "a list", str: "text", bool: "true/false",
               int: "a number", float: "a number", type(None): "null"}


def field_path(loc: tuple[int | str, ...]) -> str:
    """('sessions', 2, 'minutes') -> 'sessions[2].minutes'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "request"


def _shown(value: Any) -> str:
    """A given value as the runner typed it (JSON spelling), or '' for big values."""
    if isinstance(value, dict | list) or value is None:
        return ""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _sentence(error: dict, label: str | None = None) -> str:
    """One sentence for one error; `label` replaces "Field '<path>'" as the subject."""
    loc = tuple(p for p in error.get("loc", ()) if p not in ("function-after", "body"))
    kind, msg = error.get("type", ""), str(error.get("msg", "is not valid"))
    ctx = error.get("ctx") or {}
    got = error.get("input")
    if "[key]" in loc:  # a dict key is wrong, not its value
        where = field_path(loc[:loc.index("[key]") - 1])
        key = _shown(loc[loc.index("[key]") - 1])
        return f"Field '{where}' has the key {key}; use {msg.removeprefix('Input should be ')}."
    if kind == "json_invalid":  # a web body that is not JSON: loc holds a character offset
        at = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
        detail = str(ctx.get("error", "")).rstrip(".")
        detail = f": {detail[:1].lower()}{detail[1:]}" if detail else ""
        return f"Field 'request' is not valid JSON{detail}{at}."
    if kind in ("union_tag_invalid", "union_tag_not_found"):  # e.g. an explanation item
        tag = field_path((*loc, str(ctx.get("discriminator", "type")).strip("'")))
        if kind == "union_tag_not_found":
            return f"Field '{tag}' is required."
        return (f"Field '{tag}' must be one of {ctx.get('expected_tags', '')}"
                f"{_got(ctx.get('tag'), '')}.")
    subject = label or f"Field '{field_path(loc)}'"
    if kind == "missing":
        return f"{subject} is required."
    if kind == "extra_forbidden":
        return f"{subject} is not a known field; remove it or check its spelling."
    if kind in ("model_type", "dict_type") and not loc and label is None:
        what = _JSON_TYPES.get(type(got), "that")
        return f"The request must be a JSON object {{ ... }}, not {what}."
    if kind in _BOUNDS and _BOUNDS[kind][0] in ctx:
        name, phrase = _BOUNDS[kind]
        bound = ctx[name]
        shown = f"{bound:,}" if isinstance(bound, int) else bound  # 'at most 2,000 items'
        text = phrase.format(shown, "" if bound == 1 else "s")
    elif kind in ("literal_error", "enum"):
        text = "must be " + msg.removeprefix("Input should be ")
    elif kind in _PHRASES:
        text = _PHRASES[kind]
    else:
        text = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if not text[1:2].isupper():  # keep 'JSON', 'IANA' and the like as spelled
            text = text[:1].lower() + text[1:]
        if not loc and label is None:  # a check across fields: the message names them
            first = text.split(" ", 1)[0]
            if "." not in first and "_" not in first:  # keep a field path as spelled
                text = text[:1].upper() + text[1:]
            return text.rstrip(".") + "."
        return f"{subject}: {text.rstrip('.')}" + _got(got, text) + "."
    return f"{subject} {text}" + _got(got, text) + "."


def _got(value: Any, text: str) -> str:
    shown = _shown(value)
    if not shown or shown.strip('"') in text:
        return ""
    return f" (got {shown})"


def _writable(sentence: str) -> str:
    # A sentence quotes the input, which may hold a lone surrogate ("\ud800" in JSON is
    # valid); UTF-8 cannot carry one, so it is shown escaped rather than failing the reply.
    return sentence.encode("utf-8", "backslashreplace").decode("utf-8")


def validation_sentences(error: ValidationError) -> list[str]:
    return [_writable(_sentence(e))  # type: ignore[arg-type]
            for e in error.errors(include_url=False)]


def error_sentences(errors: list[dict]) -> list[str]:
    """Sentences for pydantic-style error dicts (e.g. from a web framework's validation)."""
    return [_writable(_sentence(e)) for e in errors]


def settings_sentences(error: ValidationError, prefix: str = "PLYOPLAN_") -> list[str]:
    """Sentences for a bad setting: they name the environment variable to fix."""
    out = []
    for e in error.errors(include_url=False):
        variable = prefix + "_".join(str(p) for p in e["loc"]).upper()
        out.append(_sentence({**e, "loc": ()}, label=f"Environment variable {variable}"))
    return out
