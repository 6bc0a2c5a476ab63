"""The words plyoplan writes: one table for every kind of session, day names, clock
times and the runner's name in session ids."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.core.domain import WEEKDAYS, Kind
from scheduler.core.labels import LABELS, clock_text, day_name, runner_slug


def test_every_kind_of_session_has_all_its_words():
    assert set(LABELS) == set(Kind)
    for kind, label in LABELS.items():
        assert all(word.strip() == word and word for word in (
            label.title, label.noun, label.plural, label.short, label.note)), kind
        assert label.title[0].isupper() and label.noun == label.noun.lower()


def test_day_names_are_english_whatever_the_locale_and_start_on_monday():
    monday = date(2026, 11, 30)
    assert [day_name(code) for code in WEEKDAYS] == [
        f"{date.fromordinal(monday.toordinal() + i):%a}" for i in range(7)]
    assert day_name("wed", full=True) == "Wednesday"


@pytest.mark.parametrize(("minute", "text"), [(0, "00:00"), (425, "07:05"),
                                              (1439, "23:59"), (1440, "24:00")])
def test_a_minute_of_the_day_reads_as_the_request_writes_clock_times(minute, text):
    assert clock_text(minute) == text


@pytest.mark.parametrize(("name", "slug"), [
    ("Ana", "ana"), ("Chloé O'Brien", "chlo-o-brien"), ("  Tom  2 ", "tom-2"),
    ("李", "runner"), ("", "runner"),
])
def test_a_runners_name_starts_session_ids_in_letters_a_url_keeps(name, slug):
    assert runner_slug(name) == slug
