"""A throwaway PostgreSQL server for a test session, from Debian's binaries.

`postgres_server()` runs initdb into a temporary folder (trust authentication, UTF-8),
starts the server on a free loopback port (its unix socket in the same folder), waits
until it answers a query, yields a SQLAlchemy URL for the `postgres` database, and at
the end stops the server (pg_ctl stop -m fast) and deletes the folder.
`create_database(url, name)` makes a fresh database on it and gives its URL;
`held_then_released` lines racing requests up at a table lock.

initdb and postgres refuse to run as root; as root they run as the `postgres` system
user (created by the Debian package) through runuser, and the folder is theirs.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.live_server import free_port

__all__ = ["PostgresMissing", "MISSING", "postgres_server", "create_database", "binaries",
           "database_for_tests",
           "held_then_released"]

MISSING = "The PostgreSQL tests need Debian's PostgreSQL server (apt-get install postgresql)."
ROOT_OF_VERSIONS = Path("/usr/lib/postgresql")
SYSTEM_USER = "postgres"


class PostgresMissing(RuntimeError):
    """Raised when Debian's PostgreSQL server binaries are not installed."""

    def __init__(self) -> None:
        super().__init__(MISSING)


def _version(folder: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in folder.name.split(".") if part.isdigit())


def binaries() -> Path:
    """The bin folder of the newest PostgreSQL server version installed."""
    found = [bin_dir for bin_dir in (p / "bin" for p in ROOT_OF_VERSIONS.glob("*"))
             if (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file()]
    if not found:
        raise PostgresMissing
    return max(found, key=lambda bin_dir: _version(bin_dir.parent))


def _as_server_user() -> list[str]:
    """The command prefix that runs the server's own programs: nothing, or runuser."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise PostgresMissing from None  # the package creates the user
    return ["runuser", "-u", SYSTEM_USER, "--"]


def _run(command: list[str], folder: Path) -> None:
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        log = folder / "server.log"
        told = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n"
                           f"{done.stdout}{done.stderr}{told}")


def _wait_for_queries(url: str, timeout: float = 30.0) -> None:
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        engine.dispose()


@contextmanager
def postgres_server() -> Iterator[str]:
    """A running PostgreSQL server for the `with` block; yields its SQLAlchemy URL."""
    bin_dir = binaries()
    prefix = _as_server_user()
    folder = Path(tempfile.mkdtemp(prefix="plyoplan-postgres-"))
    data = folder / "data"
    started = False
    try:
        if prefix:
            shutil.chown(folder, SYSTEM_USER, SYSTEM_USER)
        # --no-sync and fsync=off: nothing here has to survive a crash of the machine.
        _run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
              "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"], folder)
        port = free_port()
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        started = True  # from here on, stop whatever may have started
        _run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l",
              str(folder / "server.log"), "-o", options, "-w", "-t", "60", "start"], folder)
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        _wait_for_queries(url)
        yield url
    finally:
        if started:
            subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                            "-w", "stop"], cwd=folder, capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def create_database(url: str, name: str) -> str:
    """Create database `name` on the server at `url`; its URL."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")  # CREATE DATABASE needs it
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def held_then_released(engine: Engine, table: str, work: Any, items: list[Any]) -> list[Any]:
    """`work(item)` for every item in its own thread, with writes to `table` held back
    until every one of them waits to write, then let go together: the worst interleaving
    of racing requests, made certain instead of left to chance."""
    with ThreadPoolExecutor(max_workers=len(items)) as pool, engine.connect() as hold:
        hold.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
        sent = [pool.submit(work, item) for item in items]
        deadline = time.monotonic() + 60
        while True:
            [(waiting,)] = hold.execute(text(
                "SELECT count(*) FROM pg_locks WHERE NOT granted "
                "AND relation = CAST(:table AS regclass)"), {"table": table})
            if waiting == len(items):
                break
            finished = [f.result() for f in sent if f.done()]  # before writing: a fault
            if finished or time.monotonic() > deadline:
                raise AssertionError(f"{waiting} of {len(items)} requests waited to write "
                                     f"{table}; finished without writing: {finished}")
            time.sleep(0.05)
        hold.rollback()  # the lock goes, they all write
        return [f.result() for f in sent]


def database_for_tests(name: str | None) -> Iterator[str]:
    """For a module fixture (`yield from`): the URL of database `name` on a throwaway
    server, or of the server's own `postgres` database when None. Without PostgreSQL the
    test fails with why, never skips."""
    import pytest

    with ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_server())
        except PostgresMissing as missing:
            reason = str(missing)
        else:
            yield url if name is None else create_database(url, name)
            return
    # Failing outside the except block, so the reason is not printed a second time as
    # "during handling of the above exception".
    pytest.fail(reason, pytrace=False)
