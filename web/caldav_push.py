"""Write-back: a plan's sessions as events in a CalDAV collection the runner linked.

Why an outbox: the plan must never wait on, or lose a change to, a CalDAV server that is
slow or down. Every change to a linked plan (created, re-planned, synced, marked, pain
logged: all go through web.store) puts one row per changed session into
`caldav_outbox` in the same transaction as the change itself; a newer change to the
same session replaces a row not yet sent. After the commit a background thread pushes
the plan's rows at once (a re-plan reaches the collection within a second); whatever
fails stays in the outbox and the sync loop retries it with a growing pause.

Several server processes: a pusher claims the rows it sends by moving their
`next_try_at` on (FOR UPDATE SKIP LOCKED on PostgreSQL), so two never send the same row
at once; a row is deleted after sending only if no newer change replaced it meanwhile.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from scheduler.calendars.caldav_collection import CalDavTarget, check_address, put_events
from scheduler.calendars.fetch import CalendarError, calendar_label
from scheduler.core.domain import PlannedSession
from scheduler.core.errors import BadRequest
from scheduler.export.ics import add_timezone, calendar_for, session_event
from web.db import CalDavLink, CalDavOutbox, Plan, SessionRow, utcnow
from web.secrets import SecretUnreadable, decrypt, encrypt, settings_for
from web.settings import WebSettings

__all__ = ["link_collection", "unlink_collection", "queue_changes", "after_commit",
           "push_pending", "link_of", "LinkStatus"]

log = logging.getLogger("plyoplan.caldav")
CLAIM = timedelta(seconds=60)  # how long a pusher may take before another may retry
@dataclass(frozen=True)
class LinkStatus:
    """What the page and the API show of a link: never the password."""

    url: str
    username: str
    status: str  # pending, ok, failed
    detail: str
    waiting: int  # changes not yet in the collection

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "username": self.username, "status": self.status,
                "detail": self.detail, "waiting": self.waiting}


def _event_body(session: PlannedSession, stamp: datetime, zone: str) -> str:
    cal = calendar_for("plyoplan")
    cal.add_component(session_event(session, stamp, ZoneInfo(zone)))
    add_timezone(cal, zone, session.start.date())
    return bytes(cal.to_ical()).decode()


def _queue(db: Session, plan_id: str, rows: list[SessionRow], zone: str, now: datetime) -> None:
    waiting = {r.session_id: r for r in db.scalars(
        select(CalDavOutbox).where(CalDavOutbox.plan_id == plan_id))}
    for row in rows:
        session = PlannedSession.model_validate(row.data).model_copy(update={
            "start": row.start, "end": row.end, "status": row.status,
            "sequence": row.sequence})
        body = (None if row.status in ("missed", "dropped")
                else _event_body(session, row.last_modified, zone))
        queued = waiting.get(row.session_id)
        if queued is None:
            db.add(CalDavOutbox(plan_id=plan_id, session_id=row.session_id, body=body,
                                generation=0, tries=0, next_try_at=now))
        else:
            queued.body, queued.tries, queued.next_try_at = body, 0, now
            queued.generation += 1


def queue_changes(db: Session, plan_id: str, now: datetime) -> bool:
    """Inside a plan change's transaction: queue the sessions changed at `now` when the
    plan is linked to a collection; whether anything was queued."""
    if db.get(CalDavLink, plan_id) is None:
        return False
    zone = db.scalar(select(Plan.timezone).where(Plan.id == plan_id)) or "UTC"
    rows = list(db.scalars(select(SessionRow).where(SessionRow.plan_id == plan_id,
                                                    SessionRow.last_modified == now)))
    _queue(db, plan_id, rows, zone, now)
    return bool(rows)


def after_commit(engine: Engine, plan_id: str) -> None:
    """Push the plan's queued changes now, on a thread of their own (the request that
    changed the plan does not wait); without a configured app the loop sends them."""
    settings = settings_for(engine)
    if settings is None:
        return
    threading.Thread(target=_push_quietly, args=(engine, settings, plan_id),
                     name="plyoplan-caldav-push", daemon=True).start()


def _push_quietly(engine: Engine, settings: WebSettings, plan_id: str) -> None:
    try:
        push_pending(engine, settings, plan_id=plan_id)
    except Exception:  # the loop tries again; a message must not carry a secret
        log.warning("a CalDAV push failed; it stays queued")


def link_collection(engine: Engine, settings: WebSettings, plan_id: str, *, url: str,
                    username: str, password: str) -> LinkStatus:
    """Link the plan to a collection (replacing a link) and queue every session for it."""
    label = calendar_label(url)
    if not url.lower().startswith(("http://", "https://")):
        raise BadRequest(f"Field 'url': a CalDAV collection is an http(s) URL (got "
                         f"{label[:80]!r}).")
    if not settings.allow_private_calendar_urls:
        try:
            check_address(url, label)
        except CalendarError as err:
            raise BadRequest(f"Field 'url': {err}") from None
    now = utcnow()
    with Session(engine) as db, db.begin():
        plan = db.get(Plan, plan_id)
        if plan is None:  # the routes look the plan up first, so this is a race
            raise LookupError(plan_id)
        db.execute(delete(CalDavLink).where(CalDavLink.plan_id == plan_id))
        db.execute(delete(CalDavOutbox).where(CalDavOutbox.plan_id == plan_id))
        db.flush()
        db.add(CalDavLink(plan_id=plan_id, url=url, username=username,
                          secret=encrypt(settings, password), linked_at=now,
                          status="pending", detail="Sending the sessions…"))
        rows = list(db.scalars(select(SessionRow).where(SessionRow.plan_id == plan_id)))
        _queue(db, plan_id, rows, plan.timezone, now)
    after_commit(engine, plan_id)
    status = link_of(engine, plan_id)
    assert status is not None
    return status


def unlink_collection(engine: Engine, plan_id: str) -> None:
    """Stop writing the plan to its collection (the events there stay as they are)."""
    with Session(engine) as db, db.begin():
        db.execute(delete(CalDavOutbox).where(CalDavOutbox.plan_id == plan_id))
        db.execute(delete(CalDavLink).where(CalDavLink.plan_id == plan_id))


def link_of(engine: Engine, plan_id: str) -> LinkStatus | None:
    with Session(engine) as db:
        link = db.get(CalDavLink, plan_id)
        if link is None:
            return None
        waiting = len(db.scalars(select(CalDavOutbox.session_id)
                                 .where(CalDavOutbox.plan_id == plan_id)).all())
        return LinkStatus(calendar_label(link.url), link.username, link.status, link.detail,
                          waiting)


def _claim(engine: Engine, plan_id: str | None, now: datetime
           ) -> dict[str, list[tuple[str, str | None, int]]]:
    """The due outbox rows by plan, claimed for CLAIM so no other pusher sends them."""
    with Session(engine) as db, db.begin():
        query = select(CalDavOutbox).where(CalDavOutbox.next_try_at <= now)
        if plan_id is not None:
            query = query.where(CalDavOutbox.plan_id == plan_id)
        rows = list(db.scalars(query.order_by(CalDavOutbox.plan_id).limit(500)
                               .with_for_update(skip_locked=True)))
        claimed: dict[str, list[tuple[str, str | None, int]]] = {}
        for row in rows:
            row.next_try_at = now + CLAIM
            claimed.setdefault(row.plan_id, []).append((row.session_id, row.body,
                                                         row.generation))
    return claimed


def push_pending(engine: Engine, settings: WebSettings, *, plan_id: str | None = None,
                 now: datetime | None = None) -> int:
    """Send the due outbox rows (of one plan, or all); returns how many reached their
    collection. A collection that fails keeps its rows for a later try."""
    now = now or utcnow()
    sent = 0
    for plan, rows in _claim(engine, plan_id, now).items():
        sent += _push_plan(engine, settings, plan, rows, now)
    return sent


def _push_plan(engine: Engine, settings: WebSettings, plan_id: str,
               rows: list[tuple[str, str | None, int]], now: datetime) -> int:
    with Session(engine) as db:
        link = db.get(CalDavLink, plan_id)
        if link is None:
            return 0
        url, username, secret = link.url, link.username, link.secret
    try:
        target = CalDavTarget(url, username, decrypt(settings, secret))
        put_events(target, [(sid, None if body is None else body.encode())
                            for sid, body, _ in rows],
                   public_only=not settings.allow_private_calendar_urls)
    except (CalendarError, SecretUnreadable) as err:
        _failed(engine, plan_id, rows, str(err), now)
        return 0
    with Session(engine) as db, db.begin():
        for sid, _body, generation in rows:
            db.execute(delete(CalDavOutbox).where(
                CalDavOutbox.plan_id == plan_id, CalDavOutbox.session_id == sid,
                CalDavOutbox.generation == generation))
        db.execute(update(CalDavLink).where(CalDavLink.plan_id == plan_id).values(
            status="ok", detail=f"Up to date ({now:%Y-%m-%d %H:%M} UTC)."))
    return len(rows)


def _failed(engine: Engine, plan_id: str, rows: list[tuple[str, str | None, int]],
            reason: str, now: datetime) -> None:
    with Session(engine) as db, db.begin():
        for sid, _body, generation in rows:
            row = db.get(CalDavOutbox, (plan_id, sid))
            if row is None or row.generation != generation:
                continue  # a newer change took its place and is due now
            row.tries += 1
            row.next_try_at = now + min(timedelta(seconds=15 * 2 ** min(row.tries, 8)),
                                        timedelta(hours=1))
        db.execute(update(CalDavLink).where(CalDavLink.plan_id == plan_id).values(
            status="failed", detail=f"{reason[:400]} Retrying."))
