"""The plan follows the calendar (web.sync, scheduler.replan.after_calendar): a local
HTTP calendar server whose calendar the test edits, a real SQLite store, real solves.

- a new event on a session still to come moves exactly what a minimal re-plan from
  scratch moves, and the change names the event;
- nothing collides: nothing changes; syncing twice changes nothing the second time;
- an unchanged calendar is answered 304 (a conditional GET), and a round of unchanged
  calendars writes nothing but its claims;
- a round follows the one plan whose calendar changed, reports the one that failed and
  leaves every other plan as it was;
- a calendar that fails keeps its last busy time and is reported;
- sessions inside the freeze window never move.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import web.sync
from scheduler.calendars.busy_import import with_calendars
from scheduler.core.domain import PlannedSession, Request
from scheduler.core.settings import get_settings
from scheduler.replan.replan import replan
from tests.oracle import assert_valid
from tests.weeks import example
from web.actions import plan_new_week
from web.db import PlanCalendar, create_schema, make_engine
from web.routes.sync import sync_panel
from web.secrets import configure
from web.settings import WebSettings
from web.store import load_plan
from web.sync import sources_of, sync_plan, sync_round

BEFORE_THE_WEEK = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)  # the Sunday before


def event(uid: str, summary: str, start: datetime, end: datetime) -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
            f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n"
            f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\nSUMMARY:{summary}\r\n"
            f"END:VEVENT\r\n")


def calendar(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//plyoplan tests//EN\r\n"
            + "".join(events) + "END:VCALENDAR\r\n").encode()


LUNCH = event("lunch@x", "Team lunch", datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
              datetime(2026, 12, 1, 12, 0, tzinfo=UTC))


class EditableCalendar(ThreadingHTTPServer):
    """Serves `body` with an ETag; answers 304 to a matching If-None-Match, 503 while
    `down`. `answers` notes each request's status."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.body = calendar(LUNCH)
        self.down = False
        self.answers: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/work.ics"


class _Handler(BaseHTTPRequestHandler):
    server: EditableCalendar
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        if self.server.down:
            return self._answer(503, b"")
        etag = '"' + hashlib.sha256(self.server.body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            return self._answer(304, b"", etag)
        self._answer(200, self.server.body, etag)

    def _answer(self, status: int, body: bytes, etag: str | None = None) -> None:
        self.server.answers.append(status)
        self.send_response(status)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served() -> Iterator[EditableCalendar]:
    server = EditableCalendar()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_parts(tmp_path: Path) -> Iterator[tuple[Any, WebSettings]]:
    settings = WebSettings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/p.db",
                           allow_private_calendar_urls=True, sync_seconds=900)
    engine = make_engine(settings.resolved_database_url())
    create_schema(engine)
    configure(engine, settings)
    yield engine, settings
    engine.dispose()


def planned(engine: Any, served: EditableCalendar) -> str:
    request = Request.model_validate({**example("office_worker"),
                                      "busy_calendars": [served.url]})
    stored, _ = plan_new_week(engine, request, private_calendars=True)
    assert_valid(stored.schedule)
    return stored.id


def session_of(schedule: Any, kind: str) -> PlannedSession:
    return next(s for s in schedule.sessions if s.kind == kind)


def test_a_new_meeting_on_the_tempo_moves_what_a_minimal_replan_from_scratch_moves(
        app_parts, served):
    engine, settings = app_parts
    plan_id = planned(engine, served)
    before = load_plan(engine, plan_id)
    tempo = session_of(before.schedule, "tempo")
    meeting_start = tempo.start - timedelta(minutes=30)
    meeting_end = tempo.end + timedelta(minutes=10)
    served.body = calendar(LUNCH, event("board@x", "Board meeting", meeting_start,
                                        meeting_end))

    result = sync_plan(engine, settings, plan_id, now=BEFORE_THE_WEEK)

    assert result.stored.version == before.version + 1
    assert_valid(result.stored.schedule)
    # From scratch: the calendar read again into the request, the rest of the week
    # re-planned with the minimal-change re-plan.
    request, _ = with_calendars(before.schedule.request, [served.url])
    expected = replan(before.schedule, at=BEFORE_THE_WEEK + timedelta(minutes=60),
                      settings=get_settings(), request=request)
    got = {s.id: (s.start, s.status) for s in result.stored.schedule.sessions}
    assert got == {s.id: (s.start, s.status) for s in expected.sessions}
    moved = {s.id for s in result.stored.schedule.sessions
             if s.start != next(o for o in before.schedule.sessions if o.id == s.id).start}
    assert tempo.id in moved
    [change] = [c for c in result.changes if c["session"] == tempo.id]
    local = meeting_start.astimezone(request.tz)
    assert change["text"].endswith(
        f": 'Board meeting' now takes {local:%a %H:%M}–"
        f"{meeting_end.astimezone(request.tz):%H:%M}")
    assert change["text"].startswith("Tempo moved ")
    moved_tempo = session_of(result.stored.schedule, "tempo")
    assert moved_tempo.sequence == tempo.sequence + 1
    assert [s["status"] for s in result.sources] == ["changed"]
    # Syncing again finds the calendar unchanged (a 304) and changes nothing.
    again = sync_plan(engine, settings, plan_id, now=BEFORE_THE_WEEK)
    assert again.stored.version == result.stored.version
    assert again.changes == []
    assert served.answers[-1] == 304
    assert [s["status"] for s in again.sources] == ["unchanged"]


def test_an_event_that_touches_no_session_changes_nothing_but_is_remembered(
        app_parts, served):
    engine, settings = app_parts
    plan_id = planned(engine, served)
    before = load_plan(engine, plan_id)
    dinner = event("dinner@x", "Dinner", datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
                   datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    served.body = calendar(LUNCH, dinner)
    result = sync_plan(engine, settings, plan_id, now=BEFORE_THE_WEEK)
    assert result.changes == []
    after = load_plan(engine, plan_id)
    assert after.version == before.version
    assert [(s.id, s.start, s.sequence) for s in after.schedule.sessions] == \
        [(s.id, s.start, s.sequence) for s in before.schedule.sessions]
    assert "Dinner" in {b.summary for b in after.schedule.request.busy}
    assert [s["status"] for s in result.sources] == ["changed"]
    second = sync_plan(engine, settings, plan_id, now=BEFORE_THE_WEEK)
    assert load_plan(engine, plan_id).schedule == after.schedule
    assert [s["status"] for s in second.sources] == ["unchanged"]


def test_an_unchanged_calendar_costs_a_304(app_parts, served):
    engine, settings = app_parts
    plan_id = planned(engine, served)
    sync_plan(engine, settings, plan_id, now=BEFORE_THE_WEEK)  # learns the ETag
    served.answers.clear()
    sync_plan(engine, settings, plan_id, now=BEFORE_THE_WEEK)
    assert served.answers == [304]


def test_a_failing_calendar_keeps_its_last_busy_time_and_is_reported(app_parts, served):
    engine, settings = app_parts
    plan_id = planned(engine, served)
    before = load_plan(engine, plan_id)
    served.down = True
    result = sync_plan(engine, settings, plan_id, now=BEFORE_THE_WEEK)
    [source] = result.sources
    assert source["status"] == "failed"
    assert "HTTP 503" in source["detail"]
    after = load_plan(engine, plan_id)
    assert after.schedule.request.busy == before.schedule.request.busy
    assert "Team lunch" in {b.summary for b in after.schedule.request.busy}
    assert after.version == before.version


def test_a_session_inside_the_freeze_window_never_moves(app_parts, served):
    engine, settings = app_parts
    plan_id = planned(engine, served)
    before = load_plan(engine, plan_id)
    first = min((s for s in before.schedule.sessions if s.kind != "plyo"),
                key=lambda s: s.start)
    served.body = calendar(LUNCH, event("call@x", "Call", first.start, first.end))
    now = first.start - timedelta(minutes=30)  # within the 60 minutes' freeze
    result = sync_plan(engine, settings, plan_id, now=now)
    assert result.changes == []
    assert session_of(load_plan(engine, plan_id).schedule, first.kind).start == first.start


def test_a_round_syncs_each_current_plan_once_and_a_finished_week_never(app_parts, served):
    engine, settings = app_parts
    plans = {planned(engine, served) for _ in range(3)}
    assert set(sync_round(engine, settings, now=BEFORE_THE_WEEK)) == plans
    assert sync_round(engine, settings, now=BEFORE_THE_WEEK) == []  # not due again yet
    later = BEFORE_THE_WEEK + timedelta(seconds=settings.sync_seconds)
    assert set(sync_round(engine, settings, now=later)) == plans
    over = datetime(2026, 12, 8, tzinfo=UTC)
    assert sync_round(engine, settings, now=over) == []


def test_the_sync_command_re_reads_the_schedules_calendar(tmp_path, served):
    import json

    from scheduler.cli import main

    (tmp_path / "week.json").write_text(json.dumps({**example("office_worker"),
                                                    "busy_calendars": [served.url]}))
    assert main(["plan", str(tmp_path / "week.json"), "--json",
                 str(tmp_path / "plan.json")]) == 0
    served.down = True
    assert main(["sync", str(tmp_path / "plan.json"), "--json",
                 str(tmp_path / "synced.json")]) == 0
    synced = json.loads((tmp_path / "synced.json").read_text())
    assert "Team lunch" in {b["summary"] for b in synced["request"]["busy"]}


@contextmanager
def _writes(engine: Any) -> Iterator[list[str]]:
    """The INSERT / UPDATE / DELETE statements the engine runs meanwhile."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(" ".join(statement.split()[:3]))

    sqlalchemy.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", note)


def test_a_round_of_unchanged_calendars_writes_nothing_but_its_claims(app_parts, served):
    engine, settings = app_parts
    plans = {planned(engine, served) for _ in range(3)}
    before = {pid: load_plan(engine, pid) for pid in plans}
    step = timedelta(seconds=settings.sync_seconds)
    assert set(sync_round(engine, settings, now=BEFORE_THE_WEEK)) == plans  # the ETags
    assert set(sync_round(engine, settings, now=BEFORE_THE_WEEK + step)) == plans
    with Session(engine) as db:
        rows = [(r.plan_id, r.status, r.detail, r.etag, r.checked_at)
                for r in db.scalars(select(PlanCalendar).order_by(PlanCalendar.plan_id))]
    assert [detail for _, _, detail, _, _ in rows] == ["not modified (304)"] * 3
    served.answers.clear()
    with _writes(engine) as writes:
        synced = sync_round(engine, settings, now=BEFORE_THE_WEEK + 2 * step)
    assert set(synced) == plans
    assert served.answers == [304, 304, 304]
    assert writes and set(writes) == {"UPDATE plan_syncs SET"}  # the claim only
    with Session(engine) as db:
        assert rows == [(r.plan_id, r.status, r.detail, r.etag, r.checked_at)
                        for r in db.scalars(select(PlanCalendar)
                                            .order_by(PlanCalendar.plan_id))]
    for pid, stored in before.items():
        after = load_plan(engine, pid)
        assert (after.version, after.schedule) == (stored.version, stored.schedule)


def test_a_round_follows_the_plan_whose_calendar_changed_and_leaves_the_others(
        app_parts, served):
    engine, settings = app_parts
    other = EditableCalendar()
    thread = threading.Thread(target=other.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        quiet = {planned(engine, served) for _ in range(2)}
        moving = planned(engine, other)
        failing = planned(engine, other)
        assert len(sync_round(engine, settings, now=BEFORE_THE_WEEK)) == 4  # the ETags
        before = {pid: load_plan(engine, pid) for pid in {*quiet, moving, failing}}
        tempo = session_of(before[moving].schedule, "tempo")
        other.body = calendar(LUNCH, event("board@x", "Board meeting",
                                           tempo.start - timedelta(minutes=30),
                                           tempo.end + timedelta(minutes=10)))
        # The failing plan's calendar has moved to where nothing answers.
        [row] = sources_of(engine, failing, before[failing].schedule.request)
        _point_at(engine, failing, row.url.replace(str(other.server_address[1]), "9"))
        later = BEFORE_THE_WEEK + timedelta(seconds=settings.sync_seconds)
        assert set(sync_round(engine, settings, now=later)) == {*quiet, moving, failing}
    finally:
        other.shutdown()
        other.server_close()
    moved = load_plan(engine, moving)
    assert moved.version == before[moving].version + 1
    assert_valid(moved.schedule)
    assert session_of(moved.schedule, "tempo").start != tempo.start
    for pid in {*quiet, failing}:
        after = load_plan(engine, pid)
        assert (after.version, after.schedule) == (before[pid].version, before[pid].schedule)
    assert [s["status"] for s in sync_panel(engine, moving)["sources"]] == ["changed"]
    assert [s["status"] for s in sync_panel(engine, failing)["sources"]] == ["failed"]
    assert [s["detail"] for s in sync_panel(engine, next(iter(quiet)))["sources"]] == \
        ["not modified (304)"]


def _point_at(engine: Any, plan_id: str, url: str) -> None:
    """The plan's remembered calendar now lives at `url` (its ETag kept)."""
    with Session(engine) as db, db.begin():
        db.execute(update(PlanCalendar).where(PlanCalendar.plan_id == plan_id)
                   .values(url=url))


def test_a_change_the_plan_could_not_store_is_read_whole_again_next_time(
        app_parts, served, monkeypatch: pytest.MonkeyPatch):
    engine, settings = app_parts
    plan_id = planned(engine, served)
    sync_plan(engine, settings, plan_id, now=BEFORE_THE_WEEK)  # learns the ETag
    before = load_plan(engine, plan_id)
    tempo = session_of(before.schedule, "tempo")
    served.body = calendar(LUNCH, event("board@x", "Board meeting",
                                        tempo.start - timedelta(minutes=30),
                                        tempo.end + timedelta(minutes=10)))

    def store_fails(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(web.sync, "save_replan", store_fails)
        with pytest.raises(OSError):
            sync_plan(engine, settings, plan_id, now=BEFORE_THE_WEEK)
    served.answers.clear()
    result = sync_plan(engine, settings, plan_id, now=BEFORE_THE_WEEK)
    assert served.answers == [200]  # not a 304 for a change never stored
    assert result.stored.version == before.version + 1
    assert session_of(result.stored.schedule, "tempo").start != tempo.start
    assert_valid(result.stored.schedule)
