"""plyoplan at platform scale, everything measured in one run (ratios from the same run).

Rows:
- batch: the same 10,000 generated runners (a JSON Lines file) through `plyoplan batch
  --workers 2` and through `--scheduler` on a 2-worker Dask LocalCluster (1 thread each,
  warmed up first, as an existing cluster is), each a child process whose peak memory
  (RSS) is read from the kernel; the two output folders must be equal byte for byte;
- roll-week: a database of --runners runners (the batch's weeks stored as their last
  week, half of them with a training-log entry, a fifth reading a calendar URL served
  on loopback) rolled on to the next week with `plyoplan roll-week --workers 2`;
- web: `plyoplan serve --workers 4` on a throwaway PostgreSQL server, 50 keep-alive
  clients for --seconds, 90 % feed GETs and 10 % missed-or-done POSTs (each client on
  plans of its own, so no write is refused as stale): errors and p99 latencies.

Run:  .venv/bin/python benchmarks/bench_scale.py            (about 8 minutes on 2 cores)
      .venv/bin/python benchmarks/bench_scale.py --runners 1000 --seconds 10   (a look)
      --only batch|roll|web  runs one part. The web part needs Debian's PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import filecmp
import json
import os
import random
import statistics
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
from typing import Any

import httpx
from generate import request_data

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' throwaway PostgreSQL server

from scheduler.core.domain import PLAN_FOUND, BusyInterval, Schedule  # noqa: E402
from tests.live_server import free_port  # noqa: E402
from tests.postgres_server import create_database, postgres_server  # noqa: E402

TARGETS = {"ratio": 1.25, "memory_mb": 300, "roll_s": 60, "read_p99": 50, "write_p99": 250}
MONDAY = date(2026, 11, 30)
CLI = [sys.executable, "-m", "scheduler.cli"]


def run_cli(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """A plyoplan command as a child process: seconds, its peak RSS in MB, its stdout."""
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
    return seconds, usage.ru_maxrss / 1024, out


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
    local_s, local_mb, _ = run_cli(["batch", str(squad), "--out", str(local), "--workers", "2"])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", host="127.0.0.1") as cluster:
        warm = folder / "warm.jsonl"
        warm.write_text("".join(squad.read_text().splitlines(keepends=True)[:8]))
        run_cli(["batch", str(warm), "--out", str(folder / "warm"),
                 "--scheduler", cluster.scheduler_address])
        dask = folder / "dask"
        dask_s, dask_mb, _ = run_cli(["batch", str(squad), "--out", str(dask),
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
    body = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
            b"UID:c@x\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261124T170000Z\r\n"
            b"DTEND:20261124T183000Z\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Club\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n")

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
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


def roll_rows(folder: Path, plans: Path) -> list[list[str]]:
    database = folder / "roll.db"
    url = f"sqlite:///{database}"
    with calendar_server() as calendar:
        stored = fill_database(url, plans, calendar)
        seconds, mb, out = run_cli(
            ["roll-week", "--database", url, "--week", str(MONDAY + timedelta(days=7)),
             "--workers", "2"], env={"PLYOPLAN_ALLOW_PRIVATE_CALENDAR_URLS": "true"})
    counts = {line.split()[0]: line.split()[-1] for line in out.splitlines()[3:8] if line}
    return [[f"roll-week of {stored:,} runners, --workers 2 (SQLite)", f"{seconds:.1f} s",
             f"{mb:.0f} MB", f"{seconds / TARGETS['roll_s']:.2f}× the {TARGETS['roll_s']} s "
             f"target", f"{1000 * 2 * seconds / stored:.0f} ms per runner-core; "
             f"{counts.get('planned', '?')} planned, a fifth read a calendar"]]


# --- the web under load ----------------------------------------------------------------

async def _client(base: str, plans: list[dict[str, Any]], deadline: float, seed: int,
                  reads: list[float], writes: list[float], errors: list[str]) -> None:
    rng = random.Random(seed)
    todo = [(p, s["id"]) for p in plans for s in p["schedule"]["sessions"]]
    rng.shuffle(todo)
    versions = {p["id"]: p["version"] for p in plans}
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            if rng.random() < 0.9 or not todo:
                plan = rng.choice(plans)
                answer = await http.get(plan["feed_url"])
                reads.append(time.perf_counter() - started)
            else:
                plan, session = todo.pop()
                what = rng.choice(("missed", "done"))
                answer = await http.post(
                    f"/api/plans/{plan['id']}/sessions/{session}/{what}",
                    json={"version": versions[plan["id"]], "at": "2026-12-07T00:00:00+01:00"})
                writes.append(time.perf_counter() - started)
                if answer.status_code == 200:
                    versions[plan["id"]] = answer.json()["version"]
            if answer.status_code >= 400:
                errors.append(f"{answer.status_code} {answer.text[:120]}")


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] * 1000 if len(values) > 1 else float("nan")


def web_rows(seconds: int, clients: int) -> list[list[str]]:
    from tests.live_server import squad_week

    with postgres_server() as server_url:
        url = create_database(server_url, "plyoplan")
        port = free_port()
        env = {**os.environ, "PLYOPLAN_DATABASE_URL": url}
        server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--workers", "4",
                                   "--no-access-log"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            with httpx.Client(base_url=base, timeout=60) as http:
                plans = [http.post("/api/plans", json=squad_week(10)).json()
                         for _ in range(clients * 3)]
            reads: list[float] = []
            writes: list[float] = []
            errors: list[str] = []

            async def load() -> None:
                end = time.monotonic() + seconds
                await asyncio.gather(*(
                    _client(base, plans[3 * i:3 * i + 3], end, i, reads, writes, errors)
                    for i in range(clients)))

            asyncio.run(load())
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
    total = len(reads) + len(writes)
    return [[f"web: 4 processes on PostgreSQL, {clients} clients, {seconds} s, 90 % feed "
             f"GETs / 10 % missed-or-done POSTs", f"{total / seconds:.0f} req/s",
             f"{len(errors)} errors", f"read p99 {p99(reads):.0f} ms (target ≤ "
             f"{TARGETS['read_p99']}), write p99 {p99(writes):.0f} ms (target ≤ "
             f"{TARGETS['write_p99']})", f"{len(reads)} reads, {len(writes)} writes"
             + (f"; first error: {errors[0]}" if errors else "")]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="plyoplan at platform scale.")
    parser.add_argument("--runners", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=30, help="web load duration")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=("batch", "roll", "web"), default=None)
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
            rows += roll_rows(folder, folder / "local")
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
