"""A plan's session rows, as the calendar feed serves them, brought in line with a
re-planned week inside the write's transaction.

A session whose time or status changed gets a higher SEQUENCE and the write's time as
its last change; one that left the plan stays as a dropped row so the feed cancels it.
Only rows whose served form changed are written, each kind in one statement, with
statements built once: a re-plan is a write on the web's hot path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from scheduler.core.domain import PlannedSession, Schedule
from web.db import SessionRow

__all__ = ["sync_session_rows"]

_ROWS = (select(SessionRow.session_id, SessionRow.start, SessionRow.end, SessionRow.status,
                SessionRow.sequence, SessionRow.last_modified, SessionRow.data)
         .where(SessionRow.plan_id == bindparam("plan_id")))
_ADD = insert(SessionRow)
# Bind names differ from the columns they set, as an UPDATE with a WHERE on bound values
# requires.
_SET = (update(SessionRow)
        .where(SessionRow.plan_id == bindparam("b_plan"),
               SessionRow.session_id == bindparam("b_session"))
        .values(start=bindparam("b_start"), end=bindparam("b_end"),
                status=bindparam("b_status"), sequence=bindparam("b_sequence"),
                last_modified=bindparam("b_modified"), data=bindparam("b_data")))


def _moved(row: Row[Any], session: PlannedSession) -> bool:
    return row.start != session.start or row.end != session.end or row.status != session.status


def _set(plan_id: str, session_id: str, start: datetime, end: datetime, status: str,
         sequence: int, modified: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"b_plan": plan_id, "b_session": session_id, "b_start": start, "b_end": end,
            "b_status": status, "b_sequence": sequence, "b_modified": modified,
            "b_data": data}


def sync_session_rows(db: Connection, plan_id: str, schedule: Schedule, now: datetime
                      ) -> Schedule:
    """Write the rows `schedule` changes; returns it with its final SEQUENCEs."""
    old = {row.session_id: row for row in db.execute(_ROWS, {"plan_id": plan_id})}
    final: list[PlannedSession] = []
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for session in schedule.sessions:
        row = old.pop(session.id, None)
        if row is None:
            sequence = session.sequence
        elif _moved(row, session) or session.sequence > row.sequence:
            sequence = max(session.sequence, row.sequence + 1)
        else:
            sequence = row.sequence
        session = session.model_copy(update={"sequence": sequence})
        data = session.model_dump(mode="json")
        if row is None:
            added.append({"plan_id": plan_id, "session_id": session.id,
                          "start": session.start, "end": session.end,
                          "status": session.status, "sequence": sequence,
                          "last_modified": now, "data": data})
        elif sequence != row.sequence:
            changed.append(_set(plan_id, session.id, session.start, session.end,
                                session.status, sequence, now, data))
        elif data != row.data:  # the same time and status (a note, say): no new SEQUENCE
            changed.append(_set(plan_id, session.id, session.start, session.end,
                                session.status, sequence, row.last_modified, data))
        final.append(session)
    for row in old.values():
        if row.status != "dropped":
            sequence = row.sequence + 1
            changed.append(_set(plan_id, row.session_id, row.start, row.end, "dropped",
                                sequence, now,
                                {**row.data, "status": "dropped", "sequence": sequence}))
    if added:
        db.execute(_ADD, added)
    if changed:
        db.execute(_SET, changed)
    return schedule.model_copy(update={"sessions": final})
