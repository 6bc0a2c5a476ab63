"""A fresh clone has everything it needs: the benchmark command the README shows runs from
any folder after the README's install, and no file of the project reaches outside the
repository for data (a user's clone has nothing beside it)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A path to the folder beside the repository, or one that climbs above the repository
# from a file inside it (an index of two or more in Path(__file__).parents leaves it).
OUTSIDE = re.compile(r"""\.\./shared|["']shared["']|parents\[[2-9]\]""")


def test_the_readmes_benchmark_command_prints_its_table_from_any_folder(tmp_path):
    assert "\n.venv/bin/python benchmarks/run.py " in (ROOT / "README.md").read_text()
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--weeks", "3", "--squad", "4"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "| measurement | plyoplan |" in done.stdout
    assert "batch of 4 runners, 2 workers" in done.stdout


def test_no_code_reads_files_outside_the_repository():
    code = [p for folder in ("scheduler", "constraints", "web", "tests", "benchmarks", ".ci")
            for p in (ROOT / folder).rglob("*") if p.is_file()
            and p.suffix in (".py", ".toml", "") and "__pycache__" not in p.parts]
    assert len(code) > 50
    climbing = [f"{p.relative_to(ROOT)}:{n}" for p in code
                for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
                if OUTSIDE.search(line) and p.name != "test_fresh_clone.py"]
    assert climbing == []
