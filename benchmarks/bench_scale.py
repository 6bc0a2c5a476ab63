"""plyoplan at platform scale, everything measured in one run (ratios from the same run).

Rows:
- batch: the same 10,000 generated runners (a JSON Lines file) through `plyoplan batch
  --workers 2` and through `--scheduler` on a 2-worker Dask LocalCluster (1 thread each,
  warmed up first, as an existing cluster is), each a child process whose peak memory
  (RSS) is read from the kernel; the two output folders must be equal byte for byte;
- roll-week: a database of --runners runners (the batch's weeks stored as their last
  week, half of them with a training-log entry, a fifth reading a calendar URL served
  on loopback, answering at once or after --calendar-ms) rolled on to the next week with
  `plyoplan roll-week --workers 2`;
- web: `plyoplan serve --workers 4` on a throwaway PostgreSQL server with 300 generated
  runners' weeks, loaded by 50 users for --seconds (benchmarks/web_load.py): 90 % feed
  GETs, 10 % missed-or-done POSTs, each user on plans of their own (no write is refused
  as stale), thinking 0.5 s on average between requests; then the same users without
  thinking (the saturation point). Errors, p99 latencies from the intended send time,
  and the CPU the server, PostgreSQL, the load generator and the rest of the machine used.

Run:  .venv/bin/python benchmarks/bench_scale.py            (about 8 minutes on 2 cores)
      .venv/bin/python benchmarks/bench_scale.py --runners 1000 --seconds 10   (a look)
      --only batch|roll|web  runs one part. The web part needs Debian's PostgreSQL.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any, NamedTuple

import httpx
import web_load
from generate import request_data

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' throwaway PostgreSQL server

from scheduler.core.domain import PLAN_FOUND, BusyInterval, Schedule  # noqa: E402
from tests.live_server import free_port, wait_until_up  # noqa: E402
from tests.postgres_server import create_database, postgres_server  # noqa: E402

WEB_THINK_S = 0.5  # a user's mean pause between requests in the web rows
WEB_PLANS_EACH = 6  # plans per web user: enough sessions to mark in both rows
TARGETS = {"ratio": 1.25, "memory_mb": 300, "roll_s": 60, "read_p99": 50, "write_p99": 250}
MONDAY = date(2026, 11, 30)
CLI = [sys.executable, "-m", "scheduler.cli"]


class Ran(NamedTuple):
    seconds: float
    mb: float  # peak RSS of the command's own process
    out: str
    cpu: float  # CPU seconds of the command and the worker processes it waited for


def run_cli(args: list[str], env: dict[str, str] | None = None) -> Ran:
    """A plyoplan command as a child process: seconds, its peak RSS in MB, its stdout,
    and the CPU seconds it and its workers used."""
    started = time.perf_counter()
    child = subprocess.Popen([*CLI, *args], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    assert child.stdout is not None
    out = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 2):
        raise SystemExit(f"plyoplan {' '.join(args)} failed ({child.returncode}):\n{out}")
    return Ran(seconds, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime)


def squad_file(folder: Path, runners: int, seed: int) -> Path:
    rng = random.Random(seed)
    squad = folder / "squad.jsonl"
    with squad.open("w", encoding="utf-8") as out:
        for i in range(runners):
            data = request_data(rng, name=f"runner {i}")
            data["week_start"] = MONDAY.isoformat()  # one week for all: the roll-over's
            out.write(json.dumps(data) + "\n")
    return squad


def batch_rows(folder: Path, squad: Path, runners: int) -> list[list[str]]:
    from distributed import LocalCluster

    local = folder / "local"
    local_s, local_mb, _, _ = run_cli(["batch", str(squad), "--out", str(local), "--workers", "2"])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", host="127.0.0.1") as cluster:
        warm = folder / "warm.jsonl"
        warm.write_text("".join(squad.read_text().splitlines(keepends=True)[:8]))
        run_cli(["batch", str(warm), "--out", str(folder / "warm"),
                 "--scheduler", cluster.scheduler_address])
        dask = folder / "dask"
        dask_s, dask_mb, _, _ = run_cli(["batch", str(squad), "--out", str(dask),
                                      "--scheduler", cluster.scheduler_address])
    compared = filecmp.dircmp(local, dask)
    same = not (compared.diff_files or compared.left_only or compared.right_only)
    same = same and not filecmp.cmpfiles(local, dask, compared.common_files,
                                         shallow=False)[1]
    ratio = dask_s / local_s
    return [
        [f"batch of {runners:,}, --workers 2", f"{local_s:.1f} s", f"{local_mb:.0f} MB",
         f"{runners / local_s:.0f} runners/s", ""],
        [f"batch of {runners:,}, Dask LocalCluster 2 workers", f"{dask_s:.1f} s",
         f"{dask_mb:.0f} MB", f"{ratio:.2f}× the local time (target ≤ {TARGETS['ratio']})",
         f"outputs byte-identical: {'yes' if same else 'NO'}; memory target ≤ "
         f"{TARGETS['memory_mb']} MB"],
    ]


class _Calendar(BaseHTTPRequestHandler):
    answer_seconds = 0.0  # how long the server thinks before answering (--calendar-ms)
    body = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
            b"UID:c@x\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261124T170000Z\r\n"
            b"DTEND:20261124T183000Z\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Club\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n")

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        time.sleep(self.answer_seconds)
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_: Any) -> None:
        pass


@contextmanager
def calendar_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Calendar)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def fill_database(url: str, plans: Path, calendar: str) -> int:
    """The batch's planned weeks stored as each runner's last week; returns how many."""
    from scheduler.block.training_log import entry_for
    from web.db import create_schema, make_engine
    from web.store import create_plan, new_id, save_log_entry

    engine = make_engine(url)
    create_schema(engine)
    stored = 0
    for i, path in enumerate(sorted(plans.glob("*.json"))):
        schedule = Schedule.model_validate_json(path.read_text(encoding="utf-8"))
        if schedule.request is None or schedule.status not in PLAN_FOUND:
            continue  # a runner whose week could not fit changes their request first
        if i % 5 == 0:  # a calendar URL read for the week (each interval names it)
            first = schedule.request.week_start
            busy = BusyInterval.model_validate({
                "start": f"{first + timedelta(days=1)}T18:00:00+00:00",
                "end": f"{first + timedelta(days=1)}T19:30:00+00:00",
                "summary": "Club", "calendar": f"{calendar}/r{i}.ics"})
            request = schedule.request.model_copy(
                update={"busy": [*schedule.request.busy, busy]})
            schedule = schedule.model_copy(update={"request": request})
        plan_id = new_id()
        create_plan(engine, plan_id, schedule)
        if i % 2 and schedule.sessions:
            session = schedule.sessions[0]
            save_log_entry(engine, plan_id, entry_for(session, rpe=7, discomfort=0,
                                                      note="", area=None, drills=None))
        stored += 1
    engine.dispose()
    return stored


def roll_rows(folder: Path, plans: Path, calendar_ms: int = 0) -> list[list[str]]:
    database = folder / "roll.db"
    url = f"sqlite:///{database}"
    _Calendar.answer_seconds = calendar_ms / 1000
    with calendar_server() as calendar:
        stored = fill_database(url, plans, calendar)
        seconds, mb, out, cpu = run_cli(
            ["roll-week", "--database", url, "--week", str(MONDAY + timedelta(days=7)),
             "--workers", "2"], env={"PLYOPLAN_ALLOW_PRIVATE_CALENDAR_URLS": "true"})
    counts = {line.split()[0]: line.split()[-1] for line in out.splitlines()[3:8] if line}
    at_10k = seconds / stored * 10_000
    return [[f"roll-week of {stored:,} runners, --workers 2 (SQLite)", f"{seconds:.1f} s",
             f"{mb:.0f} MB", f"{at_10k:.0f} s for 10,000 at this rate (target ≤ "
             f"{TARGETS['roll_s']} s)", f"{1000 * cpu / stored:.1f} ms of CPU per runner "
             f"(workers included); {counts.get('planned', '?')} planned, "
             f"{counts.get('cannot', '?')} cannot fit, a fifth read a calendar"
             + (f" answering in {calendar_ms} ms" if calendar_ms else "")]]


# --- the web under load ----------------------------------------------------------------

def _web_plans(http: httpx.Client, count: int, seed: int) -> list[dict[str, Any]]:
    """`count` generated runners' weeks planned through the API (weeks that fit)."""
    rng = random.Random(seed)
    plans: list[dict[str, Any]] = []
    while len(plans) < count:
        data = request_data(rng, name=f"runner {len(plans)}")
        data["week_start"] = MONDAY.isoformat()
        plan = http.post("/api/plans", json=data).json()
        if plan["schedule"]["status"] in PLAN_FOUND and plan["schedule"]["sessions"]:
            plans.append(plan)
    return plans


def _web_row(what: str, result: web_load.LoadResult, server_s: float,
             database_s: float, machine_s: float) -> list[str]:
    cores = (os.cpu_count() or 1) * result.seconds / 100

    def p50(values: list[float]) -> float:
        return sorted(values)[len(values) // 2] * 1000 if values else float("nan")

    return [f"web: 4 processes on PostgreSQL, {what}", f"{result.rate:.0f} req/s",
            f"{len(result.errors)} errors",
            f"read p99 {p99(result.reads):.0f} ms (target ≤ {TARGETS['read_p99']}), "
            f"write p99 {p99(result.writes):.0f} ms (target ≤ {TARGETS['write_p99']})",
            f"{len(result.reads)} reads (p50 {p50(result.reads):.1f} ms), "
            f"{len(result.writes)} writes (p50 {p50(result.writes):.0f} ms); CPU of "
            f"{os.cpu_count()} cores: server {server_s / cores:.0f} %, PostgreSQL "
            f"{database_s / cores:.0f} %, load generator {result.cpu_seconds / cores:.0f} %, "
            f"other work on the machine "
            f"{(machine_s - server_s - database_s - result.cpu_seconds) / cores:.0f} %"
            + (f"; first error: {result.errors[0]}" if result.errors else "")]


def p99(values: list[float]) -> float:
    return web_load.p99(values)


def web_rows(seconds: int, clients: int) -> list[list[str]]:
    """`plyoplan serve --workers 4` on a throwaway PostgreSQL, loaded by `clients` users
    (benchmarks/web_load.py) thinking WEB_THINK_S on average between requests, then by
    the same users without thinking (a closed loop: the saturation throughput)."""
    from sqlalchemy.engine import make_url

    with postgres_server() as server_url:
        url = create_database(server_url, "plyoplan")
        database = web_load.listening_pid(int(make_url(url).port or 5432))
        port = free_port()
        env = {**os.environ, "PLYOPLAN_DATABASE_URL": url}
        server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--workers", "4",
                                   "--no-access-log"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        rows = []
        try:
            wait_until_up(base, lambda: server.poll() is None, timeout=60)
            with httpx.Client(base_url=base, timeout=60) as http:
                plans = _web_plans(http, clients * WEB_PLANS_EACH, seed=1)
                for plan in plans:  # a running server has rendered its users' feeds
                    http.get(plan["feed_url"])
            for think in (WEB_THINK_S, 0.0):
                with httpx.Client(base_url=base, timeout=60) as http:  # current versions
                    plans = [http.get(f"/api/plans/{p['id']}").json() for p in plans]
                server_s, database_s, machine_s = (
                    web_load.tree_cpu_seconds(server.pid),
                    web_load.tree_cpu_seconds(database), web_load.machine_cpu_seconds())
                result = web_load.measure(base, plans, clients=clients, seconds=seconds,
                                          think=think, seed=2)
                server_s = web_load.tree_cpu_seconds(server.pid) - server_s
                database_s = web_load.tree_cpu_seconds(database) - database_s
                machine_s = web_load.machine_cpu_seconds() - machine_s
                what = (f"{clients} users thinking {think} s on average (exponential), "
                        f"{seconds} s" if think else
                        f"the same {clients} users without thinking (closed loop: "
                        f"the saturation point)")
                rows.append(_web_row(what, result, server_s, database_s, machine_s))
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="plyoplan at platform scale.")
    parser.add_argument("--runners", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=30, help="web load duration")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=("batch", "roll", "web"), default=None)
    parser.add_argument("--calendar-ms", type=int, default=0, metavar="MS",
                        help="roll-week: the calendar server answers after this long, as a "
                             "real one across the internet does (default: at once)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="plyoplan-scale-") as tmp:
        folder = Path(tmp)
        if args.only in (None, "batch", "roll"):
            squad = squad_file(folder, args.runners, args.seed)
        if args.only in (None, "batch"):
            rows += batch_rows(folder, squad, args.runners)
        if args.only in (None, "roll"):
            if not (folder / "local").exists():
                run_cli(["batch", str(squad), "--out", str(folder / "local"), "--workers", "2"])
            rows += roll_rows(folder, folder / "local", args.calendar_ms)
        if args.only in (None, "web"):
            rows += web_rows(args.seconds, args.clients)
    load = os.getloadavg()[0]
    print(f"plyoplan at scale · {os.cpu_count()} cores · load {load:.1f} at the end · "
          f"{time.perf_counter() - started:.0f} s in all\n")
    print("| measurement | time / rate | peak memory / errors | ratio | note |")
    print("|---|---:|---:|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
