"""`plyoplan batch --scheduler`: the squad planned on a real Dask cluster (a LocalCluster
the test starts: a scheduler and two worker processes under nannies, over TCP), giving
the same files byte for byte as this machine's pool, and finishing with every runner
planned once when a worker is killed mid-run."""

from __future__ import annotations

import json
import os
import re
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from scheduler import distribute
from scheduler.batch import open_squad, plan_batch
from scheduler.cli import main
from scheduler.core.domain import Schedule
from tests.oracle import assert_valid

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", host="127.0.0.1") as running:
        yield running


def squad_file(folder: Path, copies: int) -> Path:
    """A JSON Lines squad: every example (the impossible week too) `copies` times, each
    runner under a name of their own, and one line that is not JSON."""
    lines = []
    for i in range(copies):
        for path in sorted(EXAMPLES.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            data["runner"]["name"] = f"{path.stem} {i}"
            lines.append(json.dumps(data))
    lines.insert(3, '{"runner": {"name": "Kai"')
    squad = folder / "squad.jsonl"
    squad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return squad


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_cluster_writes_the_same_files_as_the_local_pool(cluster, tmp_path, capsys):
    squad = squad_file(tmp_path, copies=3)
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert main(["batch", str(squad), "--out", str(local), "--workers", "2"]) == 2
    local_summary = capsys.readouterr().out
    assert main(["batch", str(squad), "--out", str(dask),
                 "--scheduler", cluster.scheduler_address]) == 2
    dask_summary = capsys.readouterr().out
    assert files(dask) == files(local)
    assert len(files(local)) == 2 * 8 * 3 - 3  # a .json and an .ics, none for the misfit
    for path in dask.glob("*.json"):
        schedule = Schedule.model_validate_json(path.read_text(encoding="utf-8"))
        if schedule.sessions:
            assert_valid(schedule)
    assert f"the Dask cluster at {cluster.scheduler_address}" in dask_summary
    # the same table below the first line (which tells the workers and the time)
    assert dask_summary.splitlines()[1:] == local_summary.splitlines()[1:]
    assert re.search(r"^  line-4 +bad input", dask_summary, re.M)


def test_a_worker_killed_mid_run_still_leaves_every_runner_planned_once(cluster, tmp_path):
    squad = open_squad(squad_file(tmp_path, copies=6))
    out = tmp_path / "plans"
    out.mkdir()
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        pids = client.run(os.getpid)
    results = []
    for result in plan_batch(squad.items(), out, scheduler=cluster.scheduler_address,
                             count=squad.count):
        if not results:  # the run is under way: one of the two workers dies
            os.kill(next(iter(pids.values())), signal.SIGKILL)
        results.append(result)
    names = Counter(r.name for r in results)
    assert len(results) == squad.count and set(names.values()) == {1}
    outcomes = Counter(r.outcome for r in results)
    assert outcomes == {"planned": 6 * 7, "infeasible": 6, "bad input": 1}
    for result in results:
        if result.planned:
            assert_valid(Schedule.model_validate_json(
                (out / f"{result.name}.json").read_text(encoding="utf-8")))
            assert (out / f"{result.name}.ics").exists()
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)  # the nanny started a new one
        assert set(client.run(os.getpid).values()).isdisjoint({next(iter(pids.values()))})


@pytest.mark.parametrize("args, message", [
    (["--scheduler", "tcp://127.0.0.1:9", "--workers", "2"],
     "Options --workers and --scheduler: give one"),
    (["--scheduler", "127.0.0.1:8786"], "--scheduler must be a Dask scheduler address"),
    (["--scheduler", "tcp://127.0.0.1:9"], "no Dask scheduler answered at tcp://127.0.0.1:9"),
])
def test_an_unusable_scheduler_is_one_sentence_and_exit_2(tmp_path, capsys, monkeypatch,
                                                          args, message):
    monkeypatch.setattr(distribute, "CONNECT_SECONDS", 1)
    squad = squad_file(tmp_path, copies=1)
    try:
        code = main(["batch", str(squad), "--out", str(tmp_path / "plans"), *args])
    except SystemExit as stop:
        code = int(stop.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
