"""Plan a whole squad: many requests, planned side by side, one outcome per request.

Input is a folder of request files (`*.json`, one runner each, named by the file's stem)
or one JSON Lines file (one request per line, named by the line's `runner.name`). Names
are made filesystem-safe and unique as the requests are read, so two Anas become `ana`
and `ana-2`. The input is streamed: a JSON Lines file is counted once (for the progress
bar) and then read a line at a time as the workers ask for more, so a file of 100,000
runners never sits in memory whole.

Each request is read, planned with `plan_and_explain` and becomes `OUT/<name>.json`
(every readable request; an impossible week carries its explanation) and `OUT/<name>.ics`
(planned weeks only). On this machine's cores the worker that planned a week writes its
files, so only a small `BatchResult` travels back; on a Dask cluster (`scheduler`) the
files' text comes back and this process writes it, as results arrive, so the cluster's
workers need not see the output folder. The bytes are the same either way, and the same
again on a re-run of unchanged input: a calendar's DTSTAMP/LAST-MODIFIED is when its
request file last changed, not when it was planned, so calendar apps see no change
where there is none.

Workers are processes: most of a week's time is spent building the model in Python,
which holds the GIL (only CP-SAT's own solve releases it), so threads would barely
overlap. Results come back in the order they finish. A request that is unreadable,
invalid or makes the planner fail becomes a reported result; it never stops the others.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from scheduler.calendars.busy_import import with_calendars
from scheduler.core.domain import Request
from scheduler.core.errors import BadRequest, PlyoplanError
from scheduler.core.io import load_request, parse_model, write_text
from scheduler.core.problem import WeekProblem
from scheduler.core.settings import get_settings
from scheduler.distribute import default_workers, spread
from scheduler.explain.headline import reason
from scheduler.export.ics import schedule_to_ics
from scheduler.jobs import is_planned, plan_and_explain

__all__ = ["BatchItem", "BatchResult", "PlannedWeek", "Outcome", "Squad", "open_squad",
           "collect_requests", "safe_name", "plan_one", "plan_week_text", "write_week",
           "plan_batch", "default_workers", "NO_PLAN_IN_TIME"]

Outcome = Literal["planned", "infeasible", "unknown", "bad input", "failed"]

NO_PLAN_IN_TIME = "No plan was found within the time limit."


@dataclass(frozen=True)
class BatchItem:
    """One request to plan: from a file (`path`) or one JSON Lines line (`text`);
    `index` is its place in the input (the summary lists runners in input order),
    `changed` when its file last changed (the calendar's stamp; None: now)."""

    name: str
    source: str
    path: Path | None = None
    text: str | None = None
    base_dir: Path = Path(".")
    index: int = 0
    changed: datetime | None = None


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
    index: int = 0

    @property
    def planned(self) -> bool:
        return self.outcome == "planned"


@dataclass(frozen=True)
class PlannedWeek:
    """A request's outcome with the text of its files: `plan_json` for every readable
    request, `calendar` for a planned week (None: that file must not exist)."""

    result: BatchResult
    plan_json: str | None = None
    calendar: bytes | None = None


# --- reading the squad ---------------------------------------------------------------

# Letters (any script), digits, '_', '.', '-': no separators, spaces or shell specials.
_UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(text: str) -> str:
    """A file stem any filesystem accepts: "Chloé O'Brien" -> "Chloé-O-Brien"."""
    stem = _UNSAFE.sub("-", unicodedata.normalize("NFC", text)).strip("-.")
    return stem[:80].strip("-.") or "runner"


def _runner_name(line: str) -> str | None:
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    runner = data.get("runner") if isinstance(data, dict) else None
    name = runner.get("name") if isinstance(runner, dict) else None
    return name if isinstance(name, str) else None


class _UniqueNames:
    """Names made unique ignoring case (macOS and Windows do) as they stream by: Ana,
    ana-2. Only the names are remembered, not the requests."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def __call__(self, name: str) -> str:
        candidate, n = name, 1
        while candidate.casefold() in self.taken:
            n += 1
            candidate = f"{name}-{n}"
        self.taken.add(candidate.casefold())
        return candidate


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a JSON Lines file with their numbers, one at a time."""
    try:
        with path.open(encoding="utf-8-sig") as lines:  # tolerate a BOM
            for n, line in enumerate(lines, 1):
                if line.strip():
                    yield n, line.rstrip("\r\n")
    except UnicodeDecodeError:
        raise BadRequest(f"File '{path}' is not UTF-8 text.") from None
    except OSError as err:
        raise BadRequest(f"Could not read '{path}': {err.strerror}.") from None


@dataclass(frozen=True)
class Squad:
    """The requests of a folder or a JSON Lines file: how many, and each in turn."""

    source: Path
    count: int
    files: tuple[Path, ...] = ()

    def items(self) -> Iterator[BatchItem]:
        """Every request, uniquely named, read as it is asked for."""
        unique = _UniqueNames()
        if self.files:
            for i, p in enumerate(self.files):
                yield BatchItem(unique(safe_name(p.stem)), str(p), path=p,
                                base_dir=self.source, index=i, changed=_changed(p))
            return
        changed = _changed(self.source)
        for i, (n, line) in enumerate(_lines(self.source)):
            name = unique(safe_name(_runner_name(line) or f"line-{n}"))
            yield BatchItem(name, f"{self.source} line {n}", text=line,
                            base_dir=self.source.parent, index=i, changed=changed)


def _changed(path: Path) -> datetime | None:
    """When the file last changed, to the second (None if it cannot be told)."""
    try:
        return datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
    except OSError:
        return None


def open_squad(source: Path) -> Squad:
    """The squad in a folder of `*.json` files or in a `.jsonl` file (counted, not yet
    read), or BadRequest with a sentence."""
    if source.is_dir():
        files = tuple(sorted(p for p in source.glob("*.json") if p.is_file()))
        squad = Squad(source, len(files), files)
    elif source.is_file() and source.suffix.lower() == ".jsonl":
        squad = Squad(source, sum(1 for _ in _lines(source)))  # reads every byte: UTF-8?
    elif source.exists():
        raise BadRequest(f"'{source}' is neither a folder of request files nor a .jsonl file.")
    else:
        raise BadRequest(f"'{source}' was not found; give a folder of request files or a "
                         f".jsonl file.")
    if not squad.count:
        raise BadRequest(f"'{source}' holds no requests (*.json files, or lines in a .jsonl).")
    return squad


def collect_requests(source: Path) -> list[BatchItem]:
    """The requests in a folder of `*.json` files or in a `.jsonl` file, uniquely named."""
    return list(open_squad(source).items())


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


def plan_week_text(item: BatchItem) -> PlannedWeek:
    """Read and plan one request into the text of its files; never raises (a failure
    becomes the result)."""
    started = time.perf_counter()

    def not_planned(outcome: Outcome, why: str) -> PlannedWeek:
        return PlannedWeek(BatchResult(item.name, item.source, outcome, _one_line(why),
                                       seconds=time.perf_counter() - started,
                                       index=item.index))

    try:
        request = _read(item)
    except PlyoplanError as err:
        return not_planned("bad input", str(err))
    try:
        problem = WeekProblem.of(request, get_settings())
        # The fixes cost extra solves per week; the batch needs only the conflict (the
        # whole paragraph goes into the runner's JSON, its gist into the summary).
        schedule = plan_and_explain(problem, fixes=False)
        why_not = ""
        if schedule.status == "infeasible":
            why_not = reason(problem, schedule.explanation)
        elif schedule.status == "unknown":
            why_not = NO_PLAN_IN_TIME
        planned = is_planned(schedule)
        calendar = schedule_to_ics(schedule, stamp=item.changed) if planned else None
        plan_json = schedule.model_dump_json(indent=2) + "\n"
    except Exception as err:  # noqa: BLE001 - one runner's failure must not stop the squad
        return not_planned("failed", f"{type(err).__name__}: {err}")
    outcome: Outcome = "planned" if planned else schedule.status  # type: ignore[assignment]
    return PlannedWeek(BatchResult(item.name, item.source, outcome, _one_line(why_not),
                                   sessions=len(schedule.sessions),
                                   dropped=tuple(schedule.dropped),
                                   seconds=time.perf_counter() - started, index=item.index),
                       plan_json, calendar)


def write_week(week: PlannedWeek, out_dir: Path) -> BatchResult:
    """Write (or remove) a request's files in `out_dir`; a file that cannot be written
    makes the result `failed`, and last run's files of that runner go, as they no longer
    hold."""
    result = week.result
    json_out, ics_out = out_dir / f"{result.name}.json", out_dir / f"{result.name}.ics"
    try:
        if week.plan_json is None:
            json_out.unlink(missing_ok=True)
        else:
            write_text(json_out, week.plan_json)
        if week.calendar is None:
            ics_out.unlink(missing_ok=True)
        else:
            write_text(ics_out, week.calendar)
    except Exception as err:  # noqa: BLE001 - reported, never stops the squad
        for stale in (json_out, ics_out):
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)
        why = err if isinstance(err, PlyoplanError) else f"{type(err).__name__}: {err}"
        return BatchResult(result.name, result.source, "failed", _one_line(f"{why}"),
                           seconds=result.seconds, index=result.index)
    return result


def plan_one(item: BatchItem, out_dir: Path) -> BatchResult:
    """Read, plan and write one request; every failure becomes the result, never raises."""
    return write_week(plan_week_text(item), out_dir)


def _plan_chunk(items: Sequence[BatchItem], out_dir: Path) -> list[BatchResult]:
    return [plan_one(item, out_dir) for item in items]


def _plan_chunk_text(items: Sequence[BatchItem]) -> list[PlannedWeek]:
    return [plan_week_text(item) for item in items]


# --- planning the squad --------------------------------------------------------------

def _chunks(items: Iterable[BatchItem], size: int) -> Iterator[tuple[BatchItem, ...]]:
    todo = iter(items)
    while chunk := tuple(islice(todo, size)):
        yield chunk


def _failed(items: Sequence[BatchItem], err: BaseException) -> list[BatchResult]:
    return [BatchResult(item.name, item.source, "failed",
                        _one_line(f"{type(err).__name__}: {err}"), index=item.index)
            for item in items]


def plan_batch(items: Iterable[BatchItem], out_dir: Path, workers: int = 1, *,
               scheduler: str | None = None, count: int | None = None
               ) -> Iterator[BatchResult]:
    """Plan every item, yielding results as they finish (one worker: in input order);
    `scheduler` sends the work to that Dask cluster instead of `workers` processes here.
    `count` is how many items a stream holds (a sequence says it itself)."""
    total = len(items) if isinstance(items, Sequence) else (count or 0)
    if scheduler is None and (workers <= 1 or total == 1):
        for item in items:
            yield plan_one(item, out_dir)
        return
    # Small chunks keep the workers evenly busy and results streaming; chunking at all
    # saves the per-task hand-over cost on thousands of tiny solves.
    size = max(1, min(8, total // (max(workers, 2) * 16)))
    if scheduler is None:
        local = spread(partial(_plan_chunk, out_dir=out_dir), _chunks(items, size),
                       workers=min(workers, max(1, -(-total // size))))
        for chunk, outcome in local:
            yield from (_failed(chunk, outcome) if isinstance(outcome, BaseException)
                        else outcome)
        return
    for chunk, weeks in spread(_plan_chunk_text, _chunks(items, size), scheduler=scheduler):
        if isinstance(weeks, BaseException):
            yield from _failed(chunk, weeks)
        else:
            yield from (write_week(week, out_dir) for week in weeks)
