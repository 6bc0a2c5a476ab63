"""`plyoplan roll-week`: the Sunday-night job of a platform. Plans next week for every
runner in the web app's database, as the page's "Plan next week from my log" does, and
stores it so their feed and page show it (web/rollover.py).

Progress goes to stderr, the summary to stdout. Exit 0 when every runner due has their
week (some weeks may not fit: they are stored with their explanation, as the button
stores them); 2 when some runner's week could not be planned at all, after all others.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any

from scheduler.commands.batch import Progress, add_spread_options, local_or_cluster
from scheduler.core.errors import BadRequest

if TYPE_CHECKING:
    from web.settings import WebSettings

__all__ = ["add_parser", "run", "monday_option"]

EXIT_OK, EXIT_FAILED = 0, 2
SHOWN = 50  # runners listed by name in the summary; the counts cover them all


def monday_option(text: str) -> date:
    """--week: the Monday of the week to plan, as YYYY-MM-DD."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--week must be a date written YYYY-MM-DD, not '{text}'") from None
    if day.weekday() != 0:
        raise argparse.ArgumentTypeError(
            f"--week must be a Monday; {day} is a {day:%A}")
    return day


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "roll-week", help="plan next week for every runner of the web app",
        description="For every runner in the web app's database whose latest week is the "
                    "week before --week, plan that week from their last week, training "
                    "log and calendars (what the page's 'Plan next week from my log' "
                    "does) and store it, so their feed and page show it. Running it again "
                    "plans no second week. A calendar that cannot be read is replaced by "
                    "the busy times it showed the week before, with a note.",
        epilog="Exit codes: 0 every runner due has their week, 2 some could not be planned "
               "(all the others are stored).")
    p.add_argument("--week", type=monday_option, default=None, metavar="YYYY-MM-DD",
                   help="the Monday of the week to plan (default: the coming Monday)")
    p.add_argument("--database", default=None, metavar="URL",
                   help="the web app's database (default: PLYOPLAN_DATABASE_URL, else the "
                        "SQLite file in PLYOPLAN_DATA_DIR)")
    add_spread_options(p, "reach the database and the calendars")
    p.set_defaults(run=run)


def _settings(database: str | None) -> tuple[str, WebSettings]:
    from pydantic import ValidationError

    from scheduler.core.messages import settings_sentences
    from web.settings import WebSettings

    try:
        settings = WebSettings()
        url = database or settings.resolved_database_url()
    except ValidationError as err:
        raise BadRequest(" ".join(settings_sentences(err))) from None
    except OSError as err:
        raise BadRequest(f"PLYOPLAN_DATA_DIR: cannot create it ({err.strerror}).") from None
    return url, settings


def _summary(counts: Counter[str], noted: int, listed: list[Any], seconds: float, who: str,
             monday: date, shown_url: str) -> str:
    total = sum(counts.values())
    rate = total / seconds if seconds > 0 else 0.0
    lines = [f"{total} runners due · week of {monday} · {who} · {seconds:.1f} s "
             f"({rate:.0f} a second) · {shown_url}", "",
             f"{'outcome':<18}{'runners':>8}"]
    lines += [f"{label:<18}{counts.get(label, 0):>8}"
              for label in ("planned", "cannot fit", "no plan in time", "already planned",
                            "failed")]
    lines.append(f"{'calendar unread':<18}{noted:>8}")
    failed = [r for r in listed if r.outcome == "failed"]
    if failed:
        lines += ["", "Not planned:"]
        lines += [f"  runner {r.runner_id} (after plan {r.after_plan_id}): {r.reason}"
                  for r in failed[:SHOWN]]
    if noted:
        lines += ["", "Planned around last week's busy time:"]
        lines += [f"  runner {r.runner_id}: {r.notes[0]}"
                  for r in [r for r in listed if r.notes][:SHOWN]]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from web.db import make_engine
    from web.rollover import coming_monday, count_due, roll_week

    workers, scheduler = local_or_cluster(args)
    url, settings = _settings(args.database)
    monday = args.week or coming_monday(date.today())
    try:
        shown = make_url(url).render_as_string(hide_password=True)
        engine = make_engine(url)
        try:
            due = count_due(engine, monday)
        finally:
            engine.dispose()
    except (SQLAlchemyError, ValueError) as err:
        raise BadRequest(f"Option --database: cannot read the runners from '{url}' "
                         f"({type(err).__name__}: {str(err).splitlines()[0]}).") from None
    progress = Progress(max(due, 1))
    counts: Counter[str] = Counter()
    noted = 0
    listed: list[Any] = []  # only runners the summary names: memory stays flat
    started = time.perf_counter()
    for rolled in roll_week(url, monday, workers=workers, scheduler=scheduler,
                            private_calendars=settings.allow_private_calendar_urls,
                            settings=settings):
        counts[rolled.outcome] += 1
        noted += bool(rolled.notes)
        if (rolled.outcome == "failed" or rolled.notes) and len(listed) < 2 * SHOWN:
            listed.append(rolled)
        progress.advance(rolled)
    seconds = time.perf_counter() - started
    if not sum(counts.values()):
        print(f"plyoplan: no runner has a week of {monday} to plan (nobody has the week "
              f"before, or everyone has this one already).", file=sys.stderr)
    who = f"the Dask cluster at {scheduler}" if scheduler else f"{workers} worker(s)"
    print(_summary(counts, noted, listed, seconds, who, monday, shown))
    return EXIT_FAILED if counts["failed"] else EXIT_OK
