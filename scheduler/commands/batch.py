"""`plyoplan batch`: plan a whole squad from a folder of requests or one JSON Lines file.

Progress goes to stderr (redrawn in place on a terminal, a line every 10 % otherwise),
the summary table to stdout. `--scheduler tcp://HOST:8786` sends the work to an existing
Dask cluster instead of this machine's cores; the files written are the same. Only the
runners not planned are remembered for the summary, so a squad of any size fits.
Exit 0 when every request could be read, even if some weeks cannot fit (the summary
names them and why); 2 when a request was unreadable or could not be planned, after
planning all the others.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Protocol, TextIO

from scheduler.batch import BatchResult, Outcome, default_workers, open_squad, plan_batch
from scheduler.core.errors import BadRequest

__all__ = ["add_parser", "run", "Progress", "Tally", "summary_table", "workers_option",
           "scheduler_option", "local_or_cluster", "add_spread_options"]

EXIT_OK, EXIT_BAD_INPUT = 0, 2
BAR_WIDTH = 30
REASON_WIDTH = 160  # the whole explanation is in OUT/<name>.json
LABELS: dict[Outcome, str] = {
    "planned": "planned", "infeasible": "cannot fit", "unknown": "no plan in time",
    "bad input": "bad input", "failed": "failed",
}


def workers_option(text: str) -> int:
    """--workers N: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"--workers must be a whole number of 1 or more, "
                                         f"not '{text}'")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch", help="plan many runners' weeks at once",
        description="Plan every request in a folder of *.json files (named by file) or a "
                    ".jsonl file (one request a line, named by runner.name), writing "
                    "OUT/<name>.json and OUT/<name>.ics for each and a summary.",
        epilog="Exit codes: 0 every request was read (some weeks may not fit; see the "
               "summary), 2 a request was unreadable (all the others are still planned).")
    p.add_argument("source", type=Path, metavar="DIR|FILE.jsonl",
                   help="folder of request JSON files, or a JSON Lines file")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="folder for the plans (created if missing)")
    add_spread_options(p, "see the request folder and any calendar files the requests name")
    p.set_defaults(run=run)


def add_spread_options(p: argparse.ArgumentParser, workers_need: str) -> None:
    """--workers N here, or --scheduler for a Dask cluster whose workers `workers_need`."""
    p.add_argument("--workers", type=workers_option, default=None, metavar="N",
                   help=f"processes planning side by side on this machine (default: "
                        f"cores, here {default_workers()})")
    p.add_argument("--scheduler", type=scheduler_option, default=None,
                   metavar="tcp://HOST:8786",
                   help='plan on this Dask distributed cluster instead (pip install '
                        f'"plyoplan[dask]"); its workers must {workers_need}')


def scheduler_option(text: str) -> str:
    """--scheduler: a Dask scheduler address, tcp://HOST:PORT (or tls://, ws://...)."""
    address = text.strip()
    if "://" not in address or not address.split("://", 1)[1]:
        raise argparse.ArgumentTypeError(
            f"--scheduler must be a Dask scheduler address such as tcp://10.0.0.5:8786, "
            f"not '{text}'")
    return address


def local_or_cluster(args: argparse.Namespace) -> tuple[int, str | None]:
    """The local workers, or the Dask scheduler to use instead; both named is refused."""
    if args.scheduler is not None and args.workers is not None:
        raise BadRequest("Options --workers and --scheduler: give one; with --scheduler "
                         "the cluster's workers do the planning.")
    return args.workers or default_workers(), args.scheduler


class Done(Protocol):
    """One runner's outcome, as the progress bar counts it."""

    @property
    def planned(self) -> bool: ...


class Progress:
    """A progress bar on stderr: redrawn in place on a terminal, every 10 % otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.done, self.not_planned = total, 0, 0
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.started = time.perf_counter()
        self._next_tenth = 1

    def advance(self, result: Done) -> None:
        self.done += 1
        self.not_planned += not result.planned
        if self.live:
            self.stream.write(f"\r{self._line()}")
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()
        elif self.done * 10 >= self._next_tenth * self.total:
            while self.done * 10 >= self._next_tenth * self.total:
                self._next_tenth += 1
            print(self._line(), file=self.stream, flush=True)

    def _line(self) -> str:
        filled = BAR_WIDTH * self.done // self.total
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        seconds = time.perf_counter() - self.started
        return (f"[{bar}] {self.done}/{self.total} {100 * self.done // self.total:3d}% "
                f"· {self.not_planned} not planned · {seconds:.1f} s")


def _short(result: BatchResult) -> str:
    """An explanation cut to one readable line; input errors stay whole (they say what to
    fix in the file)."""
    if result.outcome != "infeasible" or len(result.reason) <= REASON_WIDTH:
        return result.reason
    cut = result.reason[:REASON_WIDTH].rsplit(" ", 1)[0]
    return f"{cut} … (all of it in {result.name}.json)"


class Tally:
    """What the summary needs: counts by outcome, and the runners not planned or with
    dropped sessions (kept in input order), not every result."""

    def __init__(self) -> None:
        self.counts: Counter[Outcome] = Counter()
        self.not_planned: list[BatchResult] = []
        self.dropped: list[tuple[int, str, str]] = []

    def add(self, result: BatchResult) -> None:
        self.counts[result.outcome] += 1
        if not result.planned:
            self.not_planned.append(result)
        self.dropped += [(result.index, result.name, sid) for sid in result.dropped]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def unread(self) -> bool:
        return bool(self.counts["bad input"] or self.counts["failed"])


def summary_table(tally: Tally, seconds: float, workers: str, out_dir: Path) -> str:
    """The end-of-batch report: counts, then one line per runner not planned, then drops."""
    rate = tally.total / seconds if seconds > 0 else 0.0
    lines = [
        f"{tally.total} requests · {workers} · {seconds:.1f} s "
        f"({rate:.0f} a second) · plans in {out_dir}/",
        "",
        f"{'outcome':<18}{'runners':>8}",
    ]
    lines += [f"{label:<18}{tally.counts.get(outcome, 0):>8}"
              for outcome, label in LABELS.items()]
    lines.append(f"{'dropped sessions':<18}{len(tally.dropped):>8}")
    missing = sorted(tally.not_planned, key=lambda r: r.index)
    if missing:
        width = max(len(r.name) for r in missing)
        lines += ["", "Not planned:"]
        lines += [f"  {r.name:<{width}}  {LABELS[r.outcome]:<15}  {_short(r)}" for r in missing]
    if tally.dropped:
        lines += ["", "Dropped sessions:"]
        lines += [f"  {name}: {sid}" for _, name, sid in sorted(tally.dropped)]
    return "\n".join(lines)


def _out_dir(out: Path, source: Path) -> Path:
    if source.is_dir() and out.resolve() == source.resolve():
        raise BadRequest(f"--out '{out}' is the input folder; plans would be read back as "
                         f"requests next time. Give another folder.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise BadRequest(f"--out '{out}' is a file; give a folder.") from None
    except OSError as err:
        raise BadRequest(f"Could not create the --out folder '{out}': {err.strerror}.") from None
    return out


def run(args: argparse.Namespace) -> int:
    workers, scheduler = local_or_cluster(args)
    squad = open_squad(args.source)
    out_dir = _out_dir(args.out, args.source)
    progress = Progress(squad.count)
    tally = Tally()
    started = time.perf_counter()
    for result in plan_batch(squad.items(), out_dir, workers, scheduler=scheduler,
                             count=squad.count):
        tally.add(result)
        progress.advance(result)
    seconds = time.perf_counter() - started
    who = (f"the Dask cluster at {scheduler}" if scheduler
           else f"{min(workers, squad.count)} worker(s)")
    print(summary_table(tally, seconds, who, out_dir))
    return EXIT_BAD_INPUT if tally.unread else EXIT_OK
