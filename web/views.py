"""The plan page's week grid: seven day columns, sessions at their clock times, busy time
shaded and free windows tinted. Positions are computed here, so the template and the CSS
only place boxes (no JavaScript). Also the block page's rows, one per week."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from constraints import ALL_RULES
from scheduler.block.plan import BlockPlan
from scheduler.block.progression import WeekTarget
from scheduler.core.domain import WEEKDAYS, Kind, Schedule, clock_minutes
from scheduler.core.labels import LABELS
from scheduler.core.races import race_names
from scheduler.core.sessions import session_specs

__all__ = ["Box", "DayColumn", "WeekGrid", "week_grid", "local_time", "PX_PER_HOUR",
           "BlockRow", "block_rows", "AgendaDay", "agenda", "in_runner_words"]

PX_PER_HOUR = 44
SHORT_BOX_PX = 34  # a session box lower than this shows one line


@dataclass(frozen=True)
class Box:
    top: int  # px from the top of the column
    height: int
    label: str
    detail: str = ""
    css: str = ""
    session_id: str = ""

    @property
    def brief(self) -> str:
        """The detail as a short box shows it: the start time (and any status) only."""
        if "short" not in self.css.split():
            return self.detail
        start, _, rest = self.detail.partition("–")
        status = rest.partition(" · ")[2]
        return f"{start} · {status}" if status else start


@dataclass
class DayColumn:
    day: date
    free: list[Box] = field(default_factory=list)
    busy: list[Box] = field(default_factory=list)
    sessions: list[Box] = field(default_factory=list)


@dataclass
class WeekGrid:
    first_hour: int
    last_hour: int
    days: list[DayColumn]

    @property
    def hours(self) -> list[int]:
        return list(range(self.first_hour, self.last_hour))

    @property
    def height(self) -> int:
        return (self.last_hour - self.first_hour) * PX_PER_HOUR


def _minute_of_day(moment: datetime, day: date, tz: ZoneInfo) -> int:
    local = moment.astimezone(tz)
    return (local.date() - day).days * 1440 + local.hour * 60 + local.minute


def _spans(start: datetime, end: datetime, week_start: date, tz: ZoneInfo
           ) -> list[tuple[int, int, int]]:
    """(day index, start minute, end minute) pieces of an interval, one per local day."""
    pieces = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        lo = max(0, _minute_of_day(start, day, tz))
        hi = min(1440, _minute_of_day(end, day, tz))
        if hi > lo:
            pieces.append((offset, lo, hi))
    return pieces


def week_grid(schedule: Schedule) -> WeekGrid:
    """The grid of a schedule; the hour range covers every box, at least 06:00-21:00."""
    tz = ZoneInfo(schedule.timezone)
    request = schedule.request
    days = [DayColumn(schedule.week_start + timedelta(days=i)) for i in range(7)]
    raw: list[tuple[str, int, int, int, str, str, str, str]] = []
    if request is not None:
        for i, weekday in enumerate(WEEKDAYS):
            for start, end in request.availability.get(weekday, []):
                raw.append(("free", i, clock_minutes(start), clock_minutes(end),
                            f"free {start}–{end}", "", "free", ""))
        for busy in request.busy:
            for i, lo, hi in _spans(busy.start, busy.end, schedule.week_start, tz):
                raw.append(("busy", i, lo, hi, busy.summary or "busy",
                            f"{busy.start.astimezone(tz):%H:%M}–{busy.end.astimezone(tz):%H:%M}",
                            "busy", ""))
    names = race_names(schedule.request) if schedule.request else {}
    for s in schedule.sessions:
        for i, lo, hi in _spans(s.start, s.end, schedule.week_start, tz):
            detail = f"{s.start.astimezone(tz):%H:%M}–{s.end.astimezone(tz):%H:%M}"
            if s.status != "planned":
                detail += f" · {s.status}"
            title = f"Race: {names[s.id]}" if s.id in names else LABELS[s.kind].title
            raw.append(("session", i, lo, hi, title, detail,
                        f"session kind-{s.kind.value} status-{s.status}", s.id))
    shown = [r for r in raw if r[0] != "free"] or raw
    first = min([6, *(lo // 60 for _, _, lo, _, *_ in shown)])
    last = max([21, *(-(-hi // 60) for _, _, _, hi, *_ in shown)])
    for kind, i, lo, hi, label, detail, css, sid in raw:
        lo, hi = max(lo, first * 60), min(hi, last * 60)
        if hi <= lo:
            continue
        height = max(12, (hi - lo) * PX_PER_HOUR // 60)
        if kind == "session" and height < SHORT_BOX_PX:
            css += " short"  # too low for two lines: title and time share one
        box = Box(top=(lo - first * 60) * PX_PER_HOUR // 60, height=height,
                  label=label, detail=detail, css=css, session_id=sid)
        {"free": days[i].free, "busy": days[i].busy, "session": days[i].sessions}[kind].append(box)
    return WeekGrid(first, min(last, 24), days)


def local_time(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


@dataclass(frozen=True)
class BlockRow:
    """One week of a block as the block page's table shows it."""

    target: WeekTarget
    schedule: Schedule
    plyo: list[str]  # when each plyo session is, with its contacts


def block_rows(block: BlockPlan) -> list[BlockRow]:
    rows = []
    for target, schedule in zip(block.progression, block.weeks, strict=True):
        tz = ZoneInfo(schedule.timezone)
        plyo = [f"{s.start.astimezone(tz):%a %d %b %H:%M} ({s.contacts})"
                for s in schedule.sessions if s.kind is Kind.plyo]
        rows.append(BlockRow(target, schedule, plyo))
    return rows


@dataclass
class AgendaDay:
    """One day as the phone shows it: its sessions (in time order), busy times and free
    windows, in words."""

    day: date
    sessions: list[str] = field(default_factory=list)  # session ids, in time order
    busy: list[str] = field(default_factory=list)
    free: list[str] = field(default_factory=list)


def agenda(schedule: Schedule) -> list[AgendaDay]:
    """The week a day at a time (all seven days), in the runner's zone."""
    tz = ZoneInfo(schedule.timezone)
    days = [AgendaDay(schedule.week_start + timedelta(days=i)) for i in range(7)]
    by_date = {d.day: d for d in days}
    for s in sorted(schedule.sessions, key=lambda s: s.start):
        found = by_date.get(s.start.astimezone(tz).date())
        if found is not None:
            found.sessions.append(s.id)
    request = schedule.request
    if request is not None:
        for i, weekday in enumerate(WEEKDAYS):
            days[i].free = [f"{a}–{b}" for a, b in request.availability.get(weekday, [])]
        for busy in sorted(request.busy, key=lambda b: b.start):
            found = by_date.get(busy.start.astimezone(tz).date())
            if found is not None:
                found.busy.append(f"{busy.start.astimezone(tz):%H:%M}–"
                                  f"{busy.end.astimezone(tz):%H:%M} {busy.summary or 'busy'}"
                                  .rstrip())
    return days


def in_runner_words(text: str, schedule: Schedule) -> str:
    """An explanation sentence without session ids or rule keys: sessions by name, rules
    by what they say."""
    names: dict[str, str] = {}
    if schedule.request is not None:
        for spec in session_specs(schedule.request):
            names[spec.id] = f"the {LABELS[spec.kind].noun}"
    for s in schedule.sessions:
        names[s.id] = f"the {LABELS[s.kind].noun}"
    for sid in sorted(names, key=len, reverse=True):
        text = text.replace(f", {sid})", ")").replace(f" ({sid})", "").replace(sid, names[sid])
    for rule in ALL_RULES:
        summary = rule.summary.rstrip(".")
        text = re.sub(rf"\b{re.escape(rule.key)}\b", f"the rule “{summary}”", text)
    return text
