"""Calendar feed throughput against a running server, on loopback only.

Starts `plyoplan serve` (uvicorn) on 127.0.0.1 with a fresh SQLite file, creates one
plan, then drives bounded load at its feed URL: the full 200 response, and the 304 path
(If-None-Match with the current ETag). Load comes from `wrk` when installed (apt-get
install wrk), else from a plain asyncio keep-alive client. Each scenario runs --rounds times;
the table shows medians, and the ratio to the target. The server is stopped at the end.

    .venv/bin/python benchmarks/bench_feed.py [--seconds 5] [--rounds 3] [--connections 50]
                                    [--workers 2] [--client auto|wrk|asyncio]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"200": 500.0, "304": 1500.0}  # req/s with 50 clients on the 2-core machine
P99_LIMIT_MS = 50.0


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PLYOPLAN_DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler.cli", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--no-access-log"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            said = server.stderr.read().decode() if server.stderr else ""
            raise SystemExit(f"server exited: {said}")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("server did not start within 30 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> Run:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True,
                         timeout=seconds + 30).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s))$", out, re.M))
    socket_errors = sum(int(n) for n in re.findall(
        r"(?:connect|read|write|timeout) (\d+)", out.split("Socket errors:")[-1])
    ) if "Socket errors:" in out else 0
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return Run(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(latency["50"]), p99_ms=_ms(latency["99"]),
        errors=socket_errors + (int(bad.group(1)) if bad else 0),
        requests=int(total.group(1)) if total else 0,
    )


async def _one_connection(host: str, port: int, request: bytes, deadline: float,
                          budget: list[int], latencies: list[float], expect: int) -> int:
    """One keep-alive HTTP/1.1 connection sending `request` until the deadline or until
    the shared request budget is spent; returns its error count."""
    errors = 0
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            if length:
                await reader.readexactly(int(length.group(1)))
            latencies.append(time.perf_counter() - began)
            errors += status != expect
    finally:
        writer.close()
        await writer.wait_closed()
    return errors


async def _asyncio_load(url: str, headers: dict[str, str], seconds: int, connections: int,
                        expect: int) -> Run:
    """Bounded load from plain asyncio streams (an HTTP client library would itself be
    the bottleneck on two cores)."""
    parts = httpx.URL(url)
    lines = [f"GET {parts.raw_path.decode()} HTTP/1.1", f"Host: {parts.host}:{parts.port}",
             *(f"{k}: {v}" for k, v in headers.items())]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    budget = [200_000]  # bounded in count as well as in time
    began = time.perf_counter()
    deadline = began + seconds
    results = await asyncio.gather(
        *(_one_connection(parts.host, parts.port or 80, request, deadline, budget, latencies,
                          expect) for _ in range(connections)),
        return_exceptions=True)
    elapsed = time.perf_counter() - began
    errors = sum(r if isinstance(r, int) else 1 for r in results)
    latencies.sort()
    return Run(
        rps=len(latencies) / elapsed,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        errors=errors, requests=len(latencies),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--client", choices=["auto", "wrk", "asyncio"], default="auto")
    args = parser.parse_args()
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "asyncio"

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(Path(tmp) / "bench.db", port, args.workers)
        try:
            wait_ready(base, server)
            request = json.loads((ROOT / "examples" / "office_worker.json").read_text())
            plan = httpx.post(f"{base}/api/plans", json=request, timeout=60).json()
            url = base + plan["feed_url"]
            first = httpx.get(url)
            etag = first.headers["etag"]
            check = httpx.get(url, headers={"If-None-Match": etag})
            assert first.status_code == 200 and check.status_code == 304, "feed not ready"
            scenarios = {"200": ({}, 200), "304": ({"If-None-Match": etag}, 304)}
            results: dict[str, list[Run]] = {name: [] for name in scenarios}
            for _ in range(args.rounds):
                for name, (headers, expect) in scenarios.items():
                    if client == "wrk":
                        run = run_wrk(url, headers, args.seconds, args.connections)
                    else:
                        run = asyncio.run(_asyncio_load(url, headers, args.seconds,
                                                        args.connections, expect))
                    results[name].append(run)
        finally:
            stop_server(server)

    print(f"Feed benchmark: {args.connections} clients, {args.workers} server worker(s), "
          f"client {client}, {args.rounds} x {args.seconds}s rounds, {os.cpu_count()} cores "
          f"(medians)")
    print(f"{'path':<6} {'req/s':>9} {'target':>7} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'errors':>7} {'requests':>9}  ok")
    all_ok = True
    for name, runs in results.items():
        rps = statistics.median(r.rps for r in runs)
        p50 = statistics.median(r.p50_ms for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        errors = sum(r.errors for r in runs)
        requests = sum(r.requests for r in runs)
        ok = rps >= TARGETS[name] and p99 < P99_LIMIT_MS and errors == 0
        all_ok &= ok
        print(f"{name:<6} {rps:>9.0f} {TARGETS[name]:>7.0f} {rps / TARGETS[name]:>6.2f} "
              f"{p50:>7.2f} {p99:>7.2f} {errors:>7} {requests:>9}  {'yes' if ok else 'NO'}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
