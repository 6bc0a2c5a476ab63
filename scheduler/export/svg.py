"""A block's weekly plyometric contacts as an SVG bar chart for a web page (no script).

The chart reads only the numbers it draws (`ChartWeek`), so it needs nothing from the
block planner: a block's `WeekTarget`s are such weeks as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape
from typing import Protocol

__all__ = ["ChartWeek", "weekly_contacts_svg"]


class ChartWeek(Protocol):
    """What the chart shows of one week of a block."""

    @property
    def week(self) -> int: ...  # number in the block, from 1
    @property
    def week_start(self) -> date | None: ...
    @property
    def contacts(self) -> int: ...
    @property
    def intensity(self) -> str: ...
    @property
    def deload(self) -> bool: ...  # a lighter, technique-only week
    @property
    def cap(self) -> int: ...  # the weekly contacts cap


def weekly_contacts_svg(weeks: Sequence[ChartWeek], races: Mapping[int, str] | None = None
                        ) -> str:
    """Weekly contacts as an SVG bar chart: lighter weeks paler, dashed and labelled, the
    weekly cap as a dashed line, a tooltip per week, and a flag over each week holding a
    race (`races`: week number -> the race's name). Plain SVG, no script."""
    races = races or {}
    cap = max((t.cap for t in weeks), default=0)
    top = max([cap, *(t.contacts for t in weeks), 1])
    bar, gap, left, height, base = 36, 14, 60, 160, 190
    width = left + len(weeks) * (bar + gap) + gap
    scale = height / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 240" '
        f'width="{width}" height="240" role="img" aria-label="Weekly plyometric contacts">',
        "<title>Weekly plyometric ground contacts</title>",
        '<style>text{font:11px sans-serif;fill:#333}rect.build{fill:#2b6cb0}'
        'rect.deload{fill:#a3bfe0;stroke:#2b6cb0;stroke-dasharray:3 2}'
        '.cap{stroke:#c53030;stroke-dasharray:6 4}</style>',
    ]
    cap_y = base - cap * scale
    parts.append(f'<line class="cap" x1="{left}" y1="{cap_y:.1f}" x2="{width - gap}" '
                 f'y2="{cap_y:.1f}"/><text x="{left - 4}" y="{cap_y + 4:.1f}" '
                 f'text-anchor="end">cap {cap}</text>')
    for n, target in enumerate(weeks):
        x = left + gap + n * (bar + gap)
        h = target.contacts * scale
        kind = "deload" if target.deload else "build"
        label = "lighter week" if target.deload else f"{target.intensity} intensity"
        when = f" from {target.week_start:%d %b}" if target.week_start else ""
        parts.append(
            f'<g class="week {kind}"><rect class="{kind}" x="{x}" y="{base - h:.1f}" '
            f'width="{bar}" height="{h:.1f}"><title>{escape(f"Week {target.week}{when}: ")}'
            f'{target.contacts} contacts, {escape(label)}</title></rect>'
            f'<text x="{x + bar / 2}" y="{base - h - 4:.1f}" text-anchor="middle">'
            f'{target.contacts}</text>'
            f'<text x="{x + bar / 2}" y="{base + 14}" text-anchor="middle">W{target.week}</text>'
            + (f'<text x="{x + bar / 2}" y="{base + 28}" text-anchor="middle">lighter</text>'
               if target.deload else "")
            + (f'<g class="race"><path d="M{x + 4} {base - h - 16:.1f}v-14l12 5l-12 5" '
               f'fill="#e0b400" stroke="#333"/><title>{escape(races[target.week])}</title>'
               f'<text x="{x + bar / 2}" y="{base + 42}" text-anchor="middle">'
               f'{escape(races[target.week])}</text></g>' if target.week in races else "")
            + "</g>")
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - gap}" y2="{base}" '
                 f'stroke="#333"/></svg>')
    return "".join(parts)
