"""How fast the plan follows the calendar (web.sync, web.caldav_push), on real parts: a
SQLite file through the web app's store, a local HTTP calendar server on 127.0.0.1 in
its own process (etag_calendar_server.py: ETag on every answer, 304 to a matching
If-None-Match), and a local Radicale CalDAV server in its own process, authentication
on, started as the tests start it (tests/radicale_server.py).

Rows (medians of --repeat runs, next to their targets):

* a sync round over --plans plans (default 1,000) whose calendars did not change: every
  plan's calendar is fetched conditionally and answered 304. Seconds for one round
  (target <= 10 s on 2 cores). The plans are stored directly with `create_plan`, one
  week planned once and copied per runner, each with a calendar URL of its own
  remembered as a new plan's are; a first round learns the ETags, the measured rounds
  follow one sync interval apart, so every plan is due in each;
* one changed calendar -> feed updated: a meeting lands on a plan's tempo session;
  milliseconds from the end of that calendar's fetch to the runner's feed body (looked
  up by token and rendered as `GET /feeds/<token>.ics` renders it) showing the tempo
  at its new time (target <= 200 ms). Each run is another plan;
* a write-back of a re-plan to Radicale: a plan linked to a collection, a session
  missed and the week re-planned (the solve is not timed); milliseconds from
  `save_replan` to the moved and removed events being stored on Radicale, i.e. its
  PUT / DELETE answers received by the outbox pusher (target <= 200 ms). Each run is
  another plan and collection; the events are then read back with the caldav client.

    .venv/bin/python benchmarks/bench_sync.py [--plans 1000] [--repeat 5]

About a minute on 2 cores. Exits 1 when a row misses its target.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import web.caldav_push
import web.sync
from scheduler.calendars.busy_import import calendar_name
from scheduler.calendars.conditional import AT_ONCE
from scheduler.core.domain import PlannedSession, Request, Schedule
from web.actions import plan_new_week
from web.caldav_push import link_collection, link_of
from web.db import CalDavOutbox, PlanCalendar, create_schema, make_engine
from web.feed import TokenLookup, render_feed
from web.planning import replan_after
from web.secrets import configure
from web.settings import WebSettings
from web.store import create_plan, load_plan, new_id, save_replan
from web.sync import remember_calendars, sync_plan, sync_round

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' Radicale
from tests.radicale_server import PASSWORD, USER, Radicale, radicale_server  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BEFORE_THE_WEEK = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)  # the Sunday before it
TARGETS = {"round": 10.0, "feed": 200.0, "write-back": 200.0}  # s, ms, ms
LUNCH = ("BEGIN:VEVENT\r\nUID:lunch@bench\r\nDTSTAMP:20261101T000000Z\r\n"
         "DTSTART:20261201T110000Z\r\nDTEND:20261201T120000Z\r\nSUMMARY:Team lunch\r\n"
         "END:VEVENT\r\n")


@dataclass
class Row:
    measurement: str
    median: float
    unit: str
    target: float
    note: str

    @property
    def ok(self) -> bool:
        return self.median <= self.target


def calendar_body(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//plyoplan bench//EN\r\n"
            + "".join(events) + "END:VCALENDAR\r\n").encode()


def event(uid: str, summary: str, start: datetime, end: datetime) -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
            f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n"
            f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\nSUMMARY:{summary}\r\n"
            f"END:VEVENT\r\n")


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def calendar_server(folder: Path) -> Iterator[str]:
    """The local calendar server serving `folder`; its base URL."""
    process = subprocess.Popen([sys.executable, str(HERE / "etag_calendar_server.py"),
                                str(folder)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def answers(base: str) -> dict[str, int]:
    return {k: int(v) for k, v in httpx.get(f"{base}/answers").json().items()}


def store_plans(engine: Engine, base: str, folder: Path, count: int) -> list[str]:
    """`count` plans, each reading a calendar of its own: the first planned as the app
    plans a new week, the others its copy stored directly for a new runner each."""
    for n in range(count):
        (folder / f"runner-{n}.ics").write_bytes(calendar_body(LUNCH))
    first_url = f"{base}/runner-0.ics"
    example = json.loads((ROOT / "examples" / "office_worker.json").read_text())
    request = Request.model_validate({**example, "busy_calendars": [first_url]})
    first, _ = plan_new_week(engine, request, private_calendars=True)
    template = first.schedule
    assert template.request is not None and template.status in ("optimal", "feasible")
    assert any(b.calendar == first_url for b in template.request.busy)
    ids = [first.id]
    for n in range(1, count):
        url = f"{base}/runner-{n}.ics"
        busy = [b.model_copy(update={"calendar": calendar_name(url, None)})
                if b.calendar == first_url else b for b in template.request.busy]
        schedule = template.model_copy(update={
            "request": template.request.model_copy(update={"busy": busy})})
        plan_id = new_id()
        create_plan(engine, plan_id, schedule)
        remember_calendars(engine, plan_id, [url])
        ids.append(plan_id)
    return ids


def round_row(engine: Engine, settings: WebSettings, base: str, ids: list[str],
              repeat: int) -> Row:
    interval = timedelta(seconds=settings.sync_seconds)
    learnt = sync_round(engine, settings, now=BEFORE_THE_WEEK)  # the ETags, from 200s
    assert len(learnt) == len(ids), f"first round synced {len(learnt)} of {len(ids)}"
    seconds = []
    for n in range(1, repeat + 1):
        before = answers(base)
        began = time.perf_counter()
        synced = sync_round(engine, settings, now=BEFORE_THE_WEEK + n * interval)
        seconds.append(time.perf_counter() - began)
        after = answers(base)
        assert sorted(synced) == sorted(ids), f"round {n} synced {len(synced)} plans"
        got = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        assert got.get("304") == len(ids) and sum(got.values()) == len(ids), got
    with Session(engine) as db:
        not_modified = db.scalar(select(func.count()).select_from(PlanCalendar).where(
            PlanCalendar.detail == "not modified (304)"))
    assert not_modified == len(ids), not_modified
    return Row(f"sync round, {len(ids):,} plans, calendars unchanged (304)",
               statistics.median(seconds), "s", TARGETS["round"],
               f"{len(ids) / statistics.median(seconds):,.0f} plans/s; claims of "
               f"{web.sync.ROUND_BATCH} plans, {AT_ONCE} calendars asked at once; "
               f"{os.cpu_count()} cores")


def session_of(schedule: Schedule, kind: str) -> PlannedSession:
    return next(s for s in schedule.sessions if s.kind == kind)


def feed_row(engine: Engine, settings: WebSettings, folder: Path, ids: list[str]) -> Row:
    """Each plan in `ids` gets a meeting on its tempo session."""
    fetched: list[float] = []
    original = web.sync.fetch_all_if_changed

    def timed_fetch(*args: Any, **kwargs: Any) -> Any:
        got = original(*args, **kwargs)
        fetched.append(time.perf_counter())
        return got

    lookup = TokenLookup(engine)
    totals, feeds = [], []
    web.sync.fetch_all_if_changed = timed_fetch  # type: ignore[assignment]
    try:
        for plan_id in ids:
            stored = load_plan(engine, plan_id)
            tempo = session_of(stored.schedule, "tempo")
            n = int(next(c.source.split("runner-")[1].split(".")[0] for c in
                         web.sync.sources_of(engine, plan_id, stored.schedule.request)))
            meeting = event("board@bench", "Board meeting", tempo.start - timedelta(minutes=30),
                            tempo.end + timedelta(minutes=10))
            (folder / f"runner-{n}.ics").write_bytes(calendar_body(LUNCH, meeting))
            fetched.clear()
            result = sync_plan(engine, settings, plan_id, now=BEFORE_THE_WEEK)
            synced = time.perf_counter()
            found = lookup(stored.feed_token)
            assert found is not None
            feed = render_feed(engine, found, now=datetime.now(UTC),
                               cancelled_days=settings.feed_cancelled_days,
                               refresh_minutes=settings.feed_refresh_minutes)
            done = time.perf_counter()
            [fetch_end] = fetched
            moved = session_of(result.stored.schedule, "tempo")
            assert result.stored.version == stored.version + 1 and moved.start != tempo.start
            assert _shows(feed.body, moved), "the feed does not show the moved tempo"
            totals.append((done - fetch_end) * 1000)
            feeds.append((done - synced) * 1000)
    finally:
        web.sync.fetch_all_if_changed = original  # type: ignore[assignment]
    return Row("one changed calendar -> feed shows the moved session",
               statistics.median(totals), "ms", TARGETS["feed"],
               f"read + re-plan + store, then the feed ({statistics.median(feeds):.0f} ms "
               f"of it) rendered; {len(ids)} plans")


def _shows(body: bytes, session: PlannedSession) -> bool:
    """The feed holds the session's event at its start with its SEQUENCE."""
    text = body.decode().replace("\r\n ", "")
    at = session.start.astimezone(ZoneInfo(_zone_of(text)))
    for block in text.split("BEGIN:VEVENT")[1:]:
        if f"UID:{session.id}" in block:
            return (f":{at:%Y%m%dT%H%M%S}" in block
                    and f"SEQUENCE:{session.sequence}" in block)
    return False


def _zone_of(text: str) -> str:
    return text.split("X-WR-TIMEZONE:")[1].split("\r\n")[0]


def write_back_row(engine: Engine, settings: WebSettings, dav: Radicale, ids: list[str]
                   ) -> Row:
    """Each plan in `ids` is linked to a collection of its own, then re-planned."""
    pushed = threading.Event()
    original = web.caldav_push._push_plan
    sent_at: list[float] = []

    def timed_push(*args: Any, **kwargs: Any) -> int:
        count = original(*args, **kwargs)
        sent_at.append(time.perf_counter())
        pushed.set()
        return count

    web.caldav_push._push_plan = timed_push  # type: ignore[assignment]
    millis: list[float] = []
    changed: list[tuple[int, int]] = []
    try:
        for n, plan_id in enumerate(ids):
            url = dav.collection(f"training-{n}")
            link_collection(engine, settings, plan_id, url=url, username=USER,
                            password=PASSWORD)
            _wait(functools.partial(_outbox_empty, engine, plan_id), 10)
            status = link_of(engine, plan_id)
            assert status is not None and status.status == "ok", status
            stored = load_plan(engine, plan_id)
            # The tempo missed as it was due: the re-plan places it again later.
            tempo = session_of(stored.schedule, "tempo")
            schedule = replan_after(stored.schedule, tempo.id, "missed",
                                    tempo.start + timedelta(minutes=5))
            pushed.clear()
            sent_at.clear()
            began = time.perf_counter()
            saved = save_replan(engine, plan_id, stored.version, schedule)
            assert pushed.wait(10), "the re-plan was not pushed"
            millis.append((sent_at[-1] - began) * 1000)
            assert _outbox_empty(engine, plan_id)
            changed.append(_check_collection(dav.events(url), stored.schedule,
                                             saved.schedule))
    finally:
        web.caldav_push._push_plan = original  # type: ignore[assignment]
    return Row("write-back of a re-plan to Radicale", statistics.median(millis), "ms",
               TARGETS["write-back"],
               f"events written / removed per re-plan: "
               f"{', '.join(sorted({f'{w} / {r}' for w, r in changed}))}; {len(ids)} plans")


def _check_collection(events: dict[str, str], before: Schedule, after: Schedule
                      ) -> tuple[int, int]:
    """The collection's `events` (by UID, as the caldav client reads them) hold every
    session still on, at its SEQUENCE, and none missed or dropped; how many events the
    re-plan wrote and how many it removed."""
    kept = {s.id: s for s in after.sessions if s.status in ("planned", "done")}
    assert set(events) == set(kept), (sorted(events), sorted(kept))
    for sid, session in kept.items():
        assert f"SEQUENCE:{session.sequence}" in events[sid], sid
    old = {s.id: s.sequence for s in before.sessions}
    changed = [s for s in after.sessions if s.sequence != old.get(s.id)]
    written = sum(1 for s in changed if s.id in kept)
    assert written, "the re-plan wrote no event"
    return written, len(changed) - written


def _outbox_empty(engine: Engine, plan_id: str) -> bool:
    with Session(engine) as db:
        return not db.scalar(select(func.count()).select_from(CalDavOutbox)
                             .where(CalDavOutbox.plan_id == plan_id))


def _wait(check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("the CalDAV outbox did not empty")
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.plans < 2 * args.repeat + 1:
        parser.error("--plans must be at least 2 x --repeat + 1")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "calendars").mkdir()
        settings = WebSettings(data_dir=folder, database_url=f"sqlite:///{folder}/p.db",
                               allow_private_calendar_urls=True, sync_seconds=900)
        engine = make_engine(settings.resolved_database_url())
        create_schema(engine)
        configure(engine, settings)
        try:
            with calendar_server(folder / "calendars") as base, \
                    radicale_server(folder / "radicale") as dav:
                began = time.perf_counter()
                ids = store_plans(engine, base, folder / "calendars", args.plans)
                stored_in = time.perf_counter() - began
                rows = [round_row(engine, settings, base, ids, args.repeat),
                        feed_row(engine, settings, folder / "calendars",
                                 ids[1:args.repeat + 1]),
                        write_back_row(engine, settings, dav,
                                       ids[args.repeat + 1:2 * args.repeat + 1])]
        finally:
            engine.dispose()

    print(f"Sync benchmark: {args.plans:,} plans stored in {stored_in:.1f} s (SQLite), "
          f"{args.repeat} runs per row, {os.cpu_count()} cores (medians)")
    print()
    print("| measurement | median | target | ratio | ok | note |")
    print("|---|---:|---:|---:|---|---|")
    for row in rows:
        figure = f"{row.median:.2f} s" if row.unit == "s" else f"{row.median:.0f} ms"
        target = f"<= {row.target:g} {row.unit}"
        print(f"| {row.measurement} | {figure} | {target} | {row.median / row.target:.2f} "
              f"| {'yes' if row.ok else 'NO'} | {row.note} |")
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
