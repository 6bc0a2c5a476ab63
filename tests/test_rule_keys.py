"""A rule's key is written in its own module only: everything else — the model, the
explanations, the re-plan, the block, the web app — asks the registry and the rule.

Two keys are also names of request fields (`availability`, `rules.rest_days`); where such
a string indexes request data (a dict key, a subscript, `.get(...)`, a field validator,
a form field in a template) it names the field, not the rule, and is allowed anywhere.
"""

from __future__ import annotations

import ast
import inspect
import re
import typing
from pathlib import Path

from pydantic import BaseModel

from constraints import ALL_RULES, HARD_KEYS
from scheduler.core.domain import Request, hard_rule_keys

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scheduler", "constraints", "web")
KEYS = {rule.key: Path(inspect.getfile(type(rule))).resolve() for rule in ALL_RULES}
FIELD_READERS = {"get", "setdefault", "pop", "field_validator"}


def field_names(model: type[BaseModel]) -> set[str]:
    """Every field name of a model and of the models inside it, at any depth."""
    names, todo, seen = set(), [model], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, field in current.model_fields.items():
            names.add(name)
            stack = [field.annotation]
            while stack:
                kind = stack.pop()
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    todo.append(kind)
                stack.extend(typing.get_args(kind))
    return names


FIELDS = field_names(Request)


def _names_a_field(node: ast.Constant, parent: ast.AST) -> bool:
    if isinstance(parent, ast.Dict):
        return any(key is node for key in parent.keys)
    if isinstance(parent, ast.Subscript):
        return parent.slice is node
    if isinstance(parent, ast.Call) and any(arg is node for arg in parent.args):
        callee = parent.func
        name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
        return name in FIELD_READERS
    return False


def keys_named(source: str) -> list[tuple[str, int]]:
    """(key, line) of every string that names a rule by its key (fields excepted)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and node.value in KEYS):
            continue
        if node.value in FIELDS and _names_a_field(node, parents[node]):
            continue
        found.append((node.value, node.lineno))
    return found


def test_every_rule_key_is_written_in_its_own_module_only():
    outside = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix == ".py":
                named = keys_named(path.read_text(encoding="utf-8"))
            elif path.suffix in (".html", ".js"):
                text = path.read_text(encoding="utf-8")
                named = [(key, text.count("\n", 0, m.start()) + 1) for key in KEYS
                         if key not in FIELDS  # a form field of the same name
                         for m in re.finditer(rf"[\"']{key}[\"']", text)]
            else:
                continue
            outside += [f"{path.relative_to(ROOT)}:{line}: {key!r}" for key, line in named
                        if KEYS[key] != path.resolve()]
    assert outside == []


def test_each_rule_module_does_name_its_key():
    # The scan above can fail: it finds every key where it is written.
    for key, module in KEYS.items():
        assert key in {k for k, _ in keys_named(module.read_text(encoding="utf-8"))}


def test_a_rule_named_outside_its_module_is_found():
    source = ('if violation.rule == "plyo_gap" or "rest_days" in conflict.rules:\n'
              '    order = ("availability", "one_run_per_day")\n'
              'data["availability"] = request.availability.get("mon")\n'
              'days = values.get("rest_days")\n')
    assert sorted(keys_named(source)) == [("availability", 2), ("one_run_per_day", 2),
                                          ("plyo_gap", 1), ("rest_days", 1)]


def test_rules_off_accepts_the_registrys_hard_rules():
    assert hard_rule_keys() == HARD_KEYS
