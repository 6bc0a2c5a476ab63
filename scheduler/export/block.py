"""A planned block as files: one calendar for all its weeks, and its contacts chart.

This module draws a `BlockPlan`, so it sits at the block layer (see
tests/test_architecture.py) while the drawing it calls, `export.ics` and `export.svg`,
knows nothing of blocks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.block.plan import BlockPlan
from scheduler.block.progression import get_progression_settings
from scheduler.core.domain import Kind
from scheduler.core.drills import plyo_description
from scheduler.core.races import race_names
from scheduler.export.ics import calendar_for, session_event
from scheduler.export.svg import weekly_contacts_svg

__all__ = ["block_to_ics", "contacts_chart_svg"]


def block_to_ics(block: BlockPlan, *, stamp: datetime | None = None) -> bytes:
    """The whole block as one calendar; plyo events carry warm-up, cues, surface, strides."""
    runner = "runner"
    if block.weeks and block.weeks[0].request:
        runner = block.weeks[0].request.runner.name
    cal = calendar_for(f"plyoplan block · {runner}")
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    for schedule, target in zip(block.weeks, block.progression, strict=True):
        zone = ZoneInfo(schedule.timezone)
        for session in schedule.sessions:
            description = None
            if session.kind is Kind.plyo:
                description = plyo_description(
                    session.drills, strides=target.strides,
                    stride_seconds=get_progression_settings().stride_seconds,
                    technique=target.deload)
            cal.add_component(session_event(session, stamp, zone, description=description))
    if block.weeks:
        first = block.weeks[0].week_start - timedelta(days=366)
        last = block.weeks[-1].week_start + timedelta(days=2 * 366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()


def contacts_chart_svg(block: BlockPlan | dict[str, Any]) -> str:
    """The block's weekly contacts as an SVG bar chart (no script) for a web page:
    lighter weeks drawn paler and labelled, the weekly cap as a dashed line."""
    if not isinstance(block, BlockPlan):
        block = BlockPlan.model_validate(block)
    races = {target.week: ", ".join(names.values())
             for target, week in zip(block.progression, block.weeks, strict=True)
             if week.request and (names := race_names(week.request))}
    return weekly_contacts_svg(block.progression, races)
