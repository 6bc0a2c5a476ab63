"""Hypothesis strategies for random but plausible requests, DST weeks included."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from scheduler.core.domain import WEEKDAYS, Request

ZONES = ["Europe/Berlin", "America/New_York", "America/Chicago", "Australia/Sydney",
         "Asia/Kolkata", "UTC", "Europe/London", "America/Sao_Paulo"]
# Mondays of weeks holding a clock change somewhere in ZONES, and a few plain ones.
DST_MONDAYS = [date(2026, 3, 2), date(2026, 3, 23), date(2026, 3, 30), date(2026, 9, 28),
               date(2026, 10, 19), date(2026, 10, 26)]


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def windows(draw) -> list[list[str]]:
    out = []
    start = draw(st.integers(5 * 12, 12 * 12)) * 5
    for _ in range(draw(st.integers(1, 2))):
        length = draw(st.integers(6, 48)) * 5
        end = min(start + length, 24 * 60)
        if end <= start:
            break
        out.append([clock(start), clock(end)])
        start = end + draw(st.integers(6, 96)) * 5
    return out


@st.composite
def busy(draw, monday: date, zone: str) -> list[dict]:
    from zoneinfo import ZoneInfo

    from scheduler.core.week import local_datetime

    out = []
    for _ in range(draw(st.integers(0, 4))):
        day = monday + timedelta(days=draw(st.integers(0, 6)))
        start = draw(st.integers(5 * 4, 21 * 4)) * 15
        length = draw(st.integers(2, 16)) * 15
        begin = local_datetime(day, start, ZoneInfo(zone))
        out.append({"start": begin.isoformat(),
                    "end": (begin + timedelta(minutes=length)).isoformat(),
                    "summary": "meeting"})
    return out


SESSION = st.one_of(
    st.builds(lambda m: {"kind": "easy", "minutes": m}, st.integers(4, 12).map(lambda x: x * 5)),
    st.builds(lambda k, m: {"kind": k, "minutes": m}, st.sampled_from(["tempo", "hill"]),
              st.integers(6, 14).map(lambda x: x * 5)),
    st.builds(lambda m: {"kind": "long", "minutes": m}, st.integers(12, 30).map(lambda x: x * 5)),
    st.builds(lambda m: {"kind": "plyo", "minutes": m}, st.integers(2, 6).map(lambda x: x * 5)),
)


@st.composite
def requests(draw) -> Request:
    zone = draw(st.sampled_from(ZONES))
    monday = draw(st.one_of(
        st.sampled_from(DST_MONDAYS),
        st.integers(0, 51).map(lambda w: date(2026, 1, 5) + timedelta(weeks=w)),
    ))
    context = st.sampled_from([None, "easy", "tempo", "long", "plyo", "rest", "race"])
    data = {
        "runner": {"name": "Prop", "timezone": zone,
                   "level": draw(st.sampled_from(["beginner", "intermediate", "advanced"]))},
        "week_start": monday.isoformat(),
        "availability": {d: draw(windows()) for d in WEEKDAYS
                         if draw(st.integers(0, 9)) < 7},
        "busy": draw(busy(monday, zone)),
        "sessions": draw(st.lists(SESSION, min_size=1, max_size=6)),
        "context": {"day_before": draw(context), "day_after": draw(context)},
        "rules": {
            "buffer_minutes": draw(st.sampled_from([0, 10, 15, 30])),
            "rest_days": draw(st.integers(0, 2)),
            "plyo_gap_hours": draw(st.sampled_from([24, 48, 72])),
            "plyo_after_easy_max_gap_minutes": draw(st.sampled_from([0, 30, 60])),
            "runs_per_day": draw(st.integers(1, 2)),
        },
        "preferences": {
            "long_run_days": draw(st.lists(st.sampled_from(WEEKDAYS), max_size=2, unique=True)),
            "time_of_day": draw(st.dictionaries(
                st.sampled_from(["easy", "tempo", "hill", "long", "plyo"]),
                st.sampled_from(["morning", "midday", "evening"]), max_size=2)),
        },
    }
    return Request.model_validate(data)
