"""Run one function over many chunks of work: here, on this machine's cores, or on an
existing Dask distributed cluster.

`spread(work, chunks, workers=N)` runs `work(chunk)` in N forked processes of this
machine; `spread(work, chunks, scheduler="tcp://HOST:8786")` sends each chunk to the
cluster's workers through a Dask `Client`. Either way only a bounded window of chunks is
in flight at once, so a stream of chunks (a JSON Lines file of 100,000 runners, every
runner of a database) is never held whole, and results come back in the order they
finish, each paired with its chunk. A chunk whose work raised, or whose worker died for
good, comes back with the exception instead of a result; it never stops the others.

On the cluster the workers must have plyoplan installed (the same version) and reach
whatever `work` reads (a database URL, calendar URLs, request files by path). A worker
that dies mid-chunk is replaced by the cluster and its chunk is run again elsewhere, so
every chunk still yields exactly one result.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any, TypeVar

from scheduler.core.errors import BadRequest

__all__ = ["spread", "default_workers", "cluster_threads", "CHUNKS_PER_WORKER",
           "CONNECT_SECONDS"]

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")

# Chunks in flight per worker: enough that a worker never waits for its next chunk while
# the last result travels back, few enough that memory stays flat.
CHUNKS_PER_WORKER = 4
CONNECT_SECONDS = 10  # how long a scheduler that does not answer is waited for
WORKERS_SECONDS = 60  # how long a cluster without workers is waited for


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def spread(work: Callable[[Chunk], Result], chunks: Iterable[Chunk], *, workers: int = 1,
           scheduler: str | None = None) -> Iterator[tuple[Chunk, Result | BaseException]]:
    """`(chunk, work(chunk))` for every chunk as it finishes (one local worker: in order);
    `scheduler` names a Dask scheduler to send the chunks to instead."""
    if scheduler is not None:
        yield from _on_dask(work, chunks, scheduler)
    elif workers <= 1:
        for chunk in chunks:
            try:
                yield chunk, work(chunk)
            except Exception as err:  # noqa: BLE001 - reported with its chunk
                yield chunk, err
    else:
        yield from _on_local_processes(work, chunks, workers)


def _on_local_processes(work: Callable[[Chunk], Result], chunks: Iterable[Chunk],
                        workers: int) -> Iterator[tuple[Chunk, Result | BaseException]]:
    # fork starts a worker in milliseconds with everything already imported; spawn would
    # re-import OR-Tools in each worker (about a second each). Nothing has solved yet in
    # this process, so no solver thread is copied mid-work.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    todo = iter(chunks)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        running: dict[Future[Result], Chunk] = {}

        def top_up() -> None:
            for chunk in islice(todo, workers * CHUNKS_PER_WORKER - len(running)):
                try:
                    future = pool.submit(work, chunk)
                except BrokenProcessPool as err:  # a worker died: the pool takes no more
                    future = Future()
                    future.set_exception(err)
                running[future] = chunk

        top_up()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                chunk = running.pop(future)
                try:
                    yield chunk, future.result()
                except Exception as err:  # noqa: BLE001 - e.g. a worker process was killed
                    yield chunk, err
            top_up()


def _client(scheduler: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise BadRequest('Option --scheduler needs Dask on this machine: pip install '
                         '"plyoplan[dask]".') from None
    try:
        return Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise BadRequest(f"Option --scheduler: no Dask scheduler answered at {scheduler} "
                         f"within {CONNECT_SECONDS} s ({type(err).__name__}).") from None


def cluster_threads(client: Any) -> int:
    """The threads the cluster's workers run tasks on, waiting for a first worker."""
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except TimeoutError:
        raise BadRequest(f"Option --scheduler: the Dask cluster at {client.scheduler.address} "
                         f"has no workers (waited {WORKERS_SECONDS} s).") from None
    return max(1, sum(client.nthreads().values()))


def _on_dask(work: Callable[[Chunk], Result], chunks: Iterable[Chunk], scheduler: str
             ) -> Iterator[tuple[Chunk, Result | BaseException]]:
    from distributed import as_completed

    todo = iter(chunks)
    with _client(scheduler) as client:
        window = cluster_threads(client) * CHUNKS_PER_WORKER
        running: dict[str, Chunk] = {}
        finished = as_completed(loop=client.loop)

        def submit(count: int) -> None:
            for chunk in islice(todo, count):
                # pure=False: two equal chunks are still two pieces of work
                future = client.submit(work, chunk, pure=False)
                running[future.key] = chunk
                finished.add(future)

        submit(window)
        for future in finished:
            chunk = running.pop(future.key)
            try:
                outcome: Result | BaseException = future.result()
            except Exception as err:  # noqa: BLE001 - e.g. KilledWorker after retries
                outcome = err
            future.release()  # the cluster may forget it: memory stays flat there too
            yield chunk, outcome
            submit(1)
