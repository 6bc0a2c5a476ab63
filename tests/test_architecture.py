"""The package's imports point one way: core <- constraints <- model <- explain <- replan
<- block <- the commands <- the web app. A module may import its own layer or a lower one,
never a higher one, and no chain of imports comes back to where it started."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scheduler", "constraints", "web")
# Lowest first. A module belongs to the layer of the longest prefix that names it. The
# serve command starts the web app and roll-week plans for its runners, so they sit
# beside it, above the other commands.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("scheduler.core",),
    ("constraints", "scheduler.calendars", "scheduler.export"),
    ("scheduler.model",),
    ("scheduler.explain",),
    ("scheduler.replan",),
    # export.block draws a planned block; the drawing it calls knows nothing of blocks.
    ("scheduler.block", "scheduler.export.block"),
    ("scheduler.jobs", "scheduler.batch", "scheduler.squad", "scheduler.commands",
     "scheduler.cli", "scheduler"),
    ("web", "scheduler.commands.serve", "scheduler.commands.roll_week"),
)


def layer_of(module: str) -> int:
    named = [(len(p), number) for number, prefixes in enumerate(LAYERS) for p in prefixes
             if module == p or module.startswith(p + ".")]
    assert named, f"{module} is in no layer"
    return max(named)[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module of the project this file imports, at any depth of the file (imports
    inside functions and under TYPE_CHECKING count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # 'from scheduler.x import y' may name a module y or a name in x.
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            continue
        found |= {n for n in names if n.split(".")[0] in PACKAGES}
    return found


def project_modules() -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    names = {module_name(p): p for p in files}
    return {name: {m for m in imports_of(path) if m in names and m != name}
            for name, path in names.items()}


def test_every_module_imports_only_its_own_layer_or_lower():
    graph = project_modules()
    assert len(graph) > 60
    upward = sorted(f"{source} -> {target}" for source, targets in graph.items()
                    for target in targets if layer_of(target) > layer_of(source))
    assert upward == []


def test_no_chain_of_imports_comes_back_to_where_it_started():
    graph = project_modules()
    cycles = []
    state: dict[str, str] = {}  # "open" while on the current path, "done" after

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_rules_are_known_to_a_request_whatever_module_is_imported_first():
    # In a fresh interpreter, the request model alone must already know the rule keys
    # (they register when the rules load), so turning off an unknown rule is a sentence.
    code = ("from scheduler.core.domain import Request\n"
            "from pydantic import ValidationError\n"
            "try:\n"
            "    Request.model_validate({'week_start': '2026-11-30',\n"
            "                            'sessions': [{'kind': 'easy', 'minutes': 30}],\n"
            "                            'rules': {'off': ['plyo_gap', 'no_such_rule']}})\n"
            "except ValidationError as error:\n"
            "    print(error.error_count(), error.errors()[0]['msg'])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 Value error, rules.off names unknown rule(s) no_such_rule;")
