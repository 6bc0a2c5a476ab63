"""`plyoplan roll-week --scheduler` on a real Dask cluster (a LocalCluster the test
starts): the cluster's worker processes open the database themselves and store every
runner's next week, once; a second run finds nobody due."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from distributed import LocalCluster
from sqlalchemy import text

from scheduler.cli import main
from scheduler.core.domain import PLAN_FOUND, Request, Schedule
from tests.oracle import assert_valid
from web.db import create_schema, make_engine
from web.planning import plan_request, prepare_request
from web.store import create_plan, new_id

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
WEEKS = ("beginner", "office_worker", "parent_school_runs", "shift_nurse")


def test_the_cluster_rolls_every_runner_on_once(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'plyoplan.db'}"
    engine = make_engine(url)
    create_schema(engine)
    for i in range(8):
        request = Request.model_validate(json.loads(
            (EXAMPLES / f"{WEEKS[i % 4]}.json").read_text(encoding="utf-8")))
        plan_id = new_id()
        create_plan(engine, plan_id, plan_request(prepare_request(request, plan_id)[0]))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", host="127.0.0.1") as cluster:
        roll = ["roll-week", "--database", url, "--week", "2026-12-07",
                "--scheduler", cluster.scheduler_address]
        assert main(roll) == 0
        first = capsys.readouterr().out
        assert main(roll) == 0
        second = capsys.readouterr().out
    assert re.search(r"^planned +8$", first, re.M), first
    assert f"the Dask cluster at {cluster.scheduler_address}" in first
    assert re.search(r"^planned +0$", second, re.M), second
    with engine.connect() as db:
        weeks = list(db.execute(text(
            "SELECT runner_id, schedule FROM plans WHERE week_start = '2026-12-07'")))
    engine.dispose()
    assert len(weeks) == 8 and set(Counter(r for r, _ in weeks).values()) == {1}
    for _, stored in weeks:
        schedule = Schedule.model_validate(json.loads(stored))
        assert schedule.status in PLAN_FOUND
        assert_valid(schedule)
