"""A runner's home page: the private link that lists every week of theirs.

There are no accounts; like the feed, the home page is reached by a secret link
(`/r/<secret>`, 256 random bits) that the runner bookmarks. It is made the first time a
page of theirs needs it, looked up by its SHA-256 and compared in constant time, and can
be replaced (the old link stops working at once).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.core.domain import Schedule
from web.db import BlockWeekRow, HomeLink, Plan, Runner, utcnow
from web.store import new_feed_token, token_hash

__all__ = ["HomeWeek", "RunnerHome", "home_secret", "runner_of_home", "rotate_home_secret",
           "runner_home"]


@dataclass(frozen=True)
class HomeWeek:
    """One week as the home page lists it."""

    plan_id: str
    week_start: date
    status: str
    sessions: int
    done: int
    block_week: int | None  # its week in an adopted block, if it is one
    block_weeks: int | None

    def when(self, today: date) -> str:
        """'this week', 'next week', 'coming' or 'past', as the list says it."""
        if self.week_start <= today < self.week_start + timedelta(days=7):
            return "this week"
        if self.week_start > today:
            return "next week" if self.week_start - today <= timedelta(days=7) else "coming"
        return "past"


@dataclass(frozen=True)
class RunnerHome:
    runner_id: str
    name: str
    secret: str
    weeks: list[HomeWeek]
    today: date  # in the runner's zone


def _new_link(db: Session, runner_id: str) -> str:
    secret = new_feed_token()
    db.add(HomeLink(secret_hash=token_hash(secret), runner_id=runner_id, secret=secret,
                    created_at=utcnow()))
    return secret


def home_secret(engine: Engine, runner_id: str) -> str:
    """The runner's home-page secret, made on first use (two first uses at once: the
    database's unique runner decides, and both get the one that was stored)."""
    for _attempt in range(2):
        with Session(engine) as db:
            found = db.scalar(select(HomeLink.secret).where(HomeLink.runner_id == runner_id))
        if found is not None:
            return found
        try:
            with Session(engine) as db, db.begin():
                return _new_link(db, runner_id)
        except IntegrityError:
            continue
    raise RuntimeError("the home link could not be stored")  # pragma: no cover


def runner_of_home(engine: Engine, secret: str) -> str | None:
    """The runner whose home page `secret` opens; None for an unknown or old secret."""
    with Session(engine) as db:
        row = db.execute(select(HomeLink.secret, HomeLink.runner_id)
                         .where(HomeLink.secret_hash == token_hash(secret))).first()
    if row is None or not hmac.compare_digest(row[0].encode(), secret.encode()):
        return None
    return str(row[1])


def rotate_home_secret(engine: Engine, runner_id: str) -> str:
    """A new home-page secret for the runner; the old link stops working at once."""
    with Session(engine) as db, db.begin():
        db.execute(delete(HomeLink).where(HomeLink.runner_id == runner_id))
        return _new_link(db, runner_id)


def _order(weeks: list[HomeWeek], today: date) -> list[HomeWeek]:
    """The current week first, then the weeks to come, then the past, latest first."""
    current = [w for w in weeks if w.when(today) == "this week"]
    coming = sorted((w for w in weeks if w.week_start > today), key=lambda w: w.week_start)
    past = sorted((w for w in weeks if w.week_start + timedelta(days=7) <= today),
                  key=lambda w: w.week_start, reverse=True)
    return current + coming + past


def runner_home(engine: Engine, runner_id: str, now: datetime) -> RunnerHome:
    """The runner's name, home secret and weeks (current first: the week holding `now`
    in the runner's zone)."""
    secret = home_secret(engine, runner_id)
    with Session(engine) as db:
        runner = db.get_one(Runner, runner_id)
        name, today = runner.name, now.astimezone(ZoneInfo(runner.timezone)).date()
        rows = db.execute(select(Plan, BlockWeekRow.week, BlockWeekRow.weeks)
                          .outerjoin(BlockWeekRow, BlockWeekRow.plan_id == Plan.id)
                          .where(Plan.runner_id == runner_id)).all()
        weeks = []
        for plan, block_week, block_weeks in rows:
            schedule = Schedule.model_validate(plan.schedule)
            live = [s for s in schedule.sessions if s.status != "dropped"]
            weeks.append(HomeWeek(plan.id, plan.week_start, schedule.status, len(live),
                                  sum(s.status == "done" for s in live), block_week,
                                  block_weeks))
    return RunnerHome(runner_id, name, secret, _order(weeks, today), today)
