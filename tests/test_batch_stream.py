"""The batch reads its input as the workers ask for it: a squad file is counted, not
loaded, and only a bounded window of requests is in flight before results come back."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

from scheduler.batch import BatchItem, open_squad, plan_batch
from scheduler.distribute import CHUNKS_PER_WORKER

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def squad_file(folder: Path, runners: int) -> Path:
    data = json.loads((EXAMPLES / "beginner.json").read_text(encoding="utf-8"))
    lines = []
    for i in range(runners):
        data["runner"]["name"] = f"Kim {i}" if i % 10 else "Ana"  # repeats get suffixes
        lines.append(json.dumps(data))
    path = folder / "squad.jsonl"
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")  # blank lines between
    return path


def test_a_squad_file_is_counted_then_read_a_line_at_a_time(tmp_path):
    squad = open_squad(squad_file(tmp_path, 30))
    assert squad.count == 30
    items = squad.items()
    first = next(items)
    assert (first.name, first.source, first.index) == ("Ana", f"{squad.source} line 1", 0)
    names = [first.name, *(item.name for item in items)]
    assert names[10] == "Ana-2" and names[20] == "Ana-3" and len(set(names)) == 30


def test_only_a_bounded_window_of_requests_is_read_ahead_of_the_results(tmp_path):
    squad = open_squad(squad_file(tmp_path, 200))
    read: list[int] = []

    def counted(items: Iterator[BatchItem]) -> Iterator[BatchItem]:
        for item in items:
            read.append(item.index)
            yield item

    out = tmp_path / "plans"
    out.mkdir()
    results = plan_batch(counted(squad.items()), out, 2, count=squad.count)
    next(results)
    size = max(1, min(8, squad.count // (2 * 16)))  # the batch's chunk size
    assert len(read) <= 2 * CHUNKS_PER_WORKER * size + size  # the window, one refill
    rest = list(results)
    assert len(rest) == 199 and len(read) == 200
    assert {r.outcome for r in rest} == {"planned"}


def test_a_folder_squad_streams_its_files_in_name_order(tmp_path):
    folder = tmp_path / "squad"
    folder.mkdir()
    for name in ("kim", "ana", "Ana"):
        shutil.copy(EXAMPLES / "beginner.json", folder / f"{name}.json")
    squad = open_squad(folder)
    assert squad.count == 3
    assert [i.name for i in squad.items()] == ["Ana", "ana-2", "kim"]
