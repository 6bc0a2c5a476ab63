"""Server processes starting at once on a new SQLite file all come up: each creates the
tables that are missing, and losing a race to another process's CREATE TABLE is no
error (`plyoplan serve --workers N` on the embedded default)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import inspect

from web.db import create_schema, make_engine


def _start(url: str) -> None:
    create_schema(make_engine(url))


def test_processes_starting_at_once_on_a_new_sqlite_file_all_create_the_schema(tmp_path):
    with ProcessPoolExecutor(4) as pool:
        for round_ in range(40):
            url = f"sqlite:///{tmp_path / f'plyoplan-{round_}.db'}"
            for started in [pool.submit(_start, url) for _ in range(4)]:
                started.result()  # raises the process's error, if any
            tables = set(inspect(make_engine(url)).get_table_names())
            assert {"plans", "sessions"} <= tables
