"""Plan a whole squad: many requests, planned side by side, one outcome per request.

Input is a folder of request files (`*.json`, one runner each, named by the file's stem)
or one JSON Lines file (one request per line, named by the line's `runner.name`). Names
are made filesystem-safe and unique before anything is planned, so two Anas become
`ana` and `ana-2`. Each request is read, planned with `plan_and_explain` and written as
`OUT/<name>.json` (every readable request; an impossible week carries its explanation)
and `OUT/<name>.ics` (planned weeks only) by the worker that planned it, so only a small
`BatchResult` travels back.

Workers are processes: most of a week's time is spent building the model in Python,
which holds the GIL (only CP-SAT's own solve releases it), so threads would barely
overlap. Results come back in the order they finish. A request that is unreadable,
invalid or makes the planner fail becomes a reported result; it never stops the others.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import time
import unicodedata
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scheduler.calendars.busy_import import with_calendars
from scheduler.core.domain import Request
from scheduler.core.errors import BadRequest, PlyoplanError
from scheduler.core.io import load_request, parse_model, write_text
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.explain.headline import reason
from scheduler.export.ics import schedule_to_ics
from scheduler.jobs import is_planned, plan_and_explain

__all__ = ["BatchItem", "BatchResult", "Outcome", "collect_requests", "safe_name",
           "plan_one", "plan_batch", "default_workers", "NO_PLAN_IN_TIME"]

Outcome = Literal["planned", "infeasible", "unknown", "bad input", "failed"]

NO_PLAN_IN_TIME = "No plan was found within the time limit."


@dataclass(frozen=True)
class BatchItem:
    """One request to plan: from a file (`path`) or one JSON Lines line (`text`)."""

    name: str
    source: str
    path: Path | None = None
    text: str | None = None
    base_dir: Path = Path(".")


@dataclass(frozen=True)
class BatchResult:
    """What became of one request; `reason` is one line for anything not planned."""

    name: str
    source: str
    outcome: Outcome
    reason: str = ""
    sessions: int = 0
    dropped: tuple[str, ...] = field(default=())
    seconds: float = 0.0

    @property
    def planned(self) -> bool:
        return self.outcome == "planned"


# --- reading the squad ---------------------------------------------------------------

# Letters (any script), digits, '_', '.', '-': no separators, spaces or shell specials.
_UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(text: str) -> str:
    """A file stem any filesystem accepts: "Chloé O'Brien" -> "Chloé-O-Brien"."""
    stem = _UNSAFE.sub("-", unicodedata.normalize("NFC", text)).strip("-.")
    return stem[:80].strip("-.") or "runner"


def _unique(names: Sequence[str]) -> list[str]:
    """Make names unique ignoring case (macOS and Windows do): Ana, ana-2."""
    taken: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{name}-{n}"
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


def _runner_name(line: str) -> str | None:
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    runner = data.get("runner") if isinstance(data, dict) else None
    name = runner.get("name") if isinstance(runner, dict) else None
    return name if isinstance(name, str) else None


def _jsonl_items(path: Path) -> list[BatchItem]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()  # tolerate a BOM
    except UnicodeDecodeError:
        raise BadRequest(f"File '{path}' is not UTF-8 text.") from None
    except OSError as err:
        raise BadRequest(f"Could not read '{path}': {err.strerror}.") from None
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    wanted = [safe_name(_runner_name(line) or f"line-{n}") for n, line in numbered]
    return [
        BatchItem(name, f"{path} line {n}", text=line, base_dir=path.parent)
        for name, (n, line) in zip(_unique(wanted), numbered, strict=True)
    ]


def collect_requests(source: Path) -> list[BatchItem]:
    """The requests in a folder of `*.json` files or in a `.jsonl` file, uniquely named."""
    if source.is_dir():
        files = sorted(p for p in source.glob("*.json") if p.is_file())
        names = _unique([safe_name(p.stem) for p in files])
        items = [BatchItem(n, str(p), path=p, base_dir=source) for n, p in zip(names, files,
                                                                                 strict=True)]
    elif source.is_file() and source.suffix.lower() == ".jsonl":
        items = _jsonl_items(source)
    elif source.exists():
        raise BadRequest(f"'{source}' is neither a folder of request files nor a .jsonl file.")
    else:
        raise BadRequest(f"'{source}' was not found; give a folder of request files or a "
                         f".jsonl file.")
    if not items:
        raise BadRequest(f"'{source}' holds no requests (*.json files, or lines in a .jsonl).")
    return items


# --- planning one request ------------------------------------------------------------

def _read(item: BatchItem) -> Request:
    if item.path is not None:
        request = load_request(item.path)
    else:
        try:
            data: Any = json.loads(item.text or "")
        except json.JSONDecodeError as err:
            raise BadRequest(f"{item.source} is not valid JSON: {err.msg} at column "
                             f"{err.colno}.") from None
        request = parse_model(Request, data, item.source)
    request, _warnings = with_calendars(request, base_dir=item.base_dir)
    return request


def _one_line(text: str) -> str:
    return " ".join(text.split())


def plan_one(item: BatchItem, out_dir: Path) -> BatchResult:
    """Read, plan and write one request; every failure becomes the result, never raises."""
    started = time.perf_counter()
    outputs = (out_dir / f"{item.name}.json", out_dir / f"{item.name}.ics")

    def not_planned(outcome: Outcome, reason: str) -> BatchResult:
        for stale in outputs:  # last run's plan no longer holds
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)
        return BatchResult(item.name, item.source, outcome, _one_line(reason),
                           seconds=time.perf_counter() - started)

    try:
        request = _read(item)
    except PlyoplanError as err:
        return not_planned("bad input", str(err))
    try:
        return _plan_and_write(item, request, outputs, started)
    except Exception as err:  # noqa: BLE001 - one runner's failure must not stop the squad
        return not_planned("failed", f"{type(err).__name__}: {err}")


def _plan_and_write(item: BatchItem, request: Request, outputs: tuple[Path, Path],
                    started: float) -> BatchResult:
    json_out, ics_out = outputs
    problem = WeekProblem.of(request, get_settings())
    # The fixes cost extra solves per week; the batch needs only the conflict (the whole
    # paragraph goes into the runner's JSON, its gist into the summary).
    schedule = plan_and_explain(problem, fixes=False)
    planned = is_planned(schedule)
    why_not = ""
    if schedule.status == "infeasible":
        why_not = reason(problem, schedule.explanation)
    elif schedule.status == "unknown":
        why_not = NO_PLAN_IN_TIME
    write_text(json_out, schedule.model_dump_json(indent=2) + "\n")
    if planned:
        write_text(ics_out, schedule_to_ics(schedule))
    else:
        ics_out.unlink(missing_ok=True)  # last run's calendar no longer holds
    outcome: Outcome = "planned" if planned else schedule.status  # type: ignore[assignment]
    return BatchResult(item.name, item.source, outcome, _one_line(why_not),
                       sessions=len(schedule.sessions), dropped=tuple(schedule.dropped),
                       seconds=time.perf_counter() - started)


def _plan_chunk(items: Sequence[BatchItem], out_dir: Path) -> list[BatchResult]:
    return [plan_one(item, out_dir) for item in items]


# --- planning the squad --------------------------------------------------------------

def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _executor(workers: int) -> Executor:
    # fork starts a worker in milliseconds with everything already imported; spawn would
    # re-import OR-Tools in each worker (about a second each). Nothing has solved yet in
    # this process, so no solver thread is copied mid-work.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def plan_batch(items: Sequence[BatchItem], out_dir: Path, workers: int = 1
               ) -> Iterator[BatchResult]:
    """Plan every item, yielding results as they finish (one worker: in input order)."""
    if workers <= 1 or len(items) == 1:
        for item in items:
            yield plan_one(item, out_dir)
        return
    # Small chunks keep the workers evenly busy and results streaming; chunking at all
    # saves the per-task hand-over cost on thousands of tiny solves.
    size = max(1, min(8, len(items) // (workers * 16)))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    with _executor(min(workers, len(chunks))) as pool:
        futures = {pool.submit(_plan_chunk, chunk, out_dir): chunk for chunk in chunks}
        for future in as_completed(futures):
            try:
                results = future.result()
            except Exception as err:  # noqa: BLE001 - e.g. a worker process was killed
                results = [BatchResult(item.name, item.source, "failed",
                                       _one_line(f"{type(err).__name__}: {err}"))
                           for item in futures[future]]
            yield from results
