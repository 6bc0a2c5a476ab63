"""Load on a running plyoplan server as its users make it: each one sends a request,
waits for the answer, thinks, and sends the next.

A user holds a few plans of their own (so no write of theirs is refused as stale) and
one keep-alive HTTP/1.1 connection. Nine requests in ten read the calendar feed of one
of their plans; one in ten marks the earliest session still planned in one of their
plans done or missed, `at` half an hour after that session ends, so the rest of the week
is re-planned around it (the marked session's answer gives the plan's next version).
Between an answer and the next request the user thinks for an exponential time of mean
`think` seconds (0: a closed loop, which measures the saturation throughput).

A latency counts from the moment the request was meant to be sent (the end of the
think), not from the moment it went out, so a generator that wakes late counts against
the measurement instead of hiding a slow answer (no coordinated omission).

The generator shares the machine with the server and its database, so it is cheap: one
asyncio loop in a process of its own, requests written and answers read on raw streams
(httpx costs several times more CPU per request); `measure` runs it as that process and
reports the CPU it used.

    .venv/bin/python benchmarks/web_load.py < job.json > result.json   (what measure runs)
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LoadResult", "run_load", "measure", "p99", "tree_cpu_seconds", "listening_pid",
           "machine_cpu_seconds"]

WRITE_SHARE = 0.1
MARKED_AFTER_END = timedelta(minutes=30)


@dataclass
class LoadResult:
    seconds: float
    think: float
    clients: int
    reads: list[float] = field(default_factory=list)  # latencies in seconds
    writes: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # of the generator's process

    @property
    def requests(self) -> int:
        return len(self.reads) + len(self.writes)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def p99(values: list[float]) -> float:
    """The 99th percentile in ms (nearest rank: 1 % of the values are above it)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000


class Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams; answers must carry a
    Content-Length (the server's always do)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: str = "") -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{headers}"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        try:
            raw = await self.reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            answer = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    answer[name.strip().lower()] = value.strip()
            if "content-length" not in answer and status not in (204, 304):
                raise ValueError(f"{status} answer without Content-Length")
            data = await self.reader.readexactly(int(answer.get("content-length", 0)))
        except BaseException:
            self.close()  # a half-read answer leaves the connection unusable
            raise
        if answer.get("connection") == "close":
            self.close()
        return status, answer, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class User:
    """One runner's client: their plans, their connection, their dice."""

    def __init__(self, number: int, plans: list[dict[str, Any]], base: str, seed: int,
                 revalidate: bool) -> None:
        parts = urlsplit(base)
        self.connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
        self.rng = random.Random(seed * 1_000_003 + number)
        self.plans = plans
        self.etags: dict[str, str] = {}
        self.revalidate = revalidate

    def next_to_mark(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The earliest session still planned in a plan of this user, and its plan."""
        open_ = [(p, s) for p in self.plans for s in p["schedule"]["sessions"]
                 if s["status"] == "planned"]
        if not open_:
            return None
        plan = self.rng.choice(open_)[0]
        first = min((s for s in plan["schedule"]["sessions"] if s["status"] == "planned"),
                    key=lambda s: s["start"])
        return plan, first

    async def read(self) -> tuple[int, bytes]:
        url = self.rng.choice(self.plans)["feed_url"]
        etag = self.etags.get(url) if self.revalidate else None
        status, headers, data = await self.connection.request(
            "GET", url, headers=f"If-None-Match: {etag}\r\n" if etag else "")
        if status == 200 and "etag" in headers:
            self.etags[url] = headers["etag"]
        return status, data

    async def write(self, plan: dict[str, Any], session: dict[str, Any]) -> tuple[int, bytes]:
        what = self.rng.choice(("missed", "done"))
        at = datetime.fromisoformat(session["end"]) + MARKED_AFTER_END
        body = json.dumps({"version": plan["version"], "at": at.isoformat()}).encode()
        status, _, data = await self.connection.request(
            "POST", f"/api/plans/{plan['id']}/sessions/{session['id']}/{what}", body)
        if status == 200:
            answer = json.loads(data)
            plan["version"], plan["schedule"] = answer["version"], answer["schedule"]
        return status, data


async def _user(user: User, think: float, start: float, end: float,
                result: LoadResult) -> None:
    # The first request comes a think time after the start, so the users do not all
    # send at once (in a closed loop they do).
    intended = start + (user.rng.expovariate(1 / think) if think else 0.0)
    while intended < end:
        delay = intended - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        marking = user.rng.random() < WRITE_SHARE and (target := user.next_to_mark()) is not None
        try:
            status, data = await (user.write(*target) if marking else user.read())
        except (OSError, ValueError, asyncio.IncompleteReadError) as err:
            status, data = 0, f"{type(err).__name__}: {err}".encode()
        done = time.perf_counter()
        (result.writes if marking else result.reads).append(done - intended)
        result.statuses[str(status)] = result.statuses.get(str(status), 0) + 1
        if not 200 <= status < 400:
            result.errors.append(f"{status} {data[:160].decode(errors='replace')}")
        intended = done + (user.rng.expovariate(1 / think) if think else 0.0)
    user.connection.close()


async def run_load(base: str, plans: list[dict[str, Any]], *, clients: int, seconds: float,
                   think: float, seed: int = 0, revalidate: bool = False) -> LoadResult:
    """`clients` users on `plans` (shared out evenly, each user's plans their own) for
    `seconds`, thinking `think` seconds on average between requests."""
    share = len(plans) // clients
    if share < 1:
        raise ValueError(f"{len(plans)} plans for {clients} users: give each one a plan")
    users = [User(i, plans[i * share:(i + 1) * share], base, seed, revalidate)
             for i in range(clients)]
    result = LoadResult(seconds=seconds, think=think, clients=clients)
    start = time.perf_counter()
    await asyncio.gather(*(_user(u, think, start, start + seconds, result) for u in users))
    result.seconds = time.perf_counter() - start  # the last answers come after the end
    return result


def measure(base: str, plans: list[dict[str, Any]], *, clients: int, seconds: float,
            think: float, seed: int = 0, revalidate: bool = False) -> LoadResult:
    """`run_load` in a process of its own; its CPU time is in `cpu_seconds`."""
    job = {"base": base, "plans": plans, "clients": clients, "seconds": seconds,
           "think": think, "seed": seed, "revalidate": revalidate}
    child = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    out, _ = child.communicate(json.dumps(job).encode())
    if child.returncode != 0:
        raise RuntimeError(f"the load generator failed ({child.returncode})")
    answer = json.loads(out)
    return LoadResult(**answer)


def _stat_fields() -> dict[int, tuple[int, int]]:
    """Every process on the machine: pid -> (parent pid, CPU ticks used by it and by the
    children it has waited for)."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            found[int(entry)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    return found


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds used so far by `root`'s tree of processes (Linux /proc): a child that
    ended counts once its parent waited for it, as PostgreSQL's and uvicorn's do."""
    processes = _stat_fields()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    ticks, todo = 0, [root]
    while todo:
        pid = todo.pop()
        ticks += processes.get(pid, (0, 0))[1]
        todo += children.get(pid, [])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores; Linux /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(f) for f in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def listening_pid(port: int) -> int:
    """The process whose command line names `-p port` (the PostgreSQL postmaster)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    words = cmdline.read().split(b"\0")
            except OSError:
                continue
            if b"-p" in words and str(port).encode() in words:
                return int(entry)
    raise LookupError(f"no process started with -p {port}")


def main() -> int:
    job = json.load(sys.stdin)
    cpu = time.process_time()
    result = asyncio.run(run_load(job["base"], job["plans"], clients=job["clients"],
                                  seconds=job["seconds"], think=job["think"],
                                  seed=job["seed"], revalidate=job["revalidate"]))
    result.cpu_seconds = time.process_time() - cpu
    json.dump(asdict(result), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
