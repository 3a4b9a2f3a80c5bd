"""Lunar phase instants against published tables (US Naval Observatory, UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actionbot.core.lunar import next_phase, upcoming_phases

# (phase, search from, published instant) — USNO "Phases of the Moon" tables.
PUBLISHED = [
    ("full moon", datetime(2024, 1, 20), datetime(2024, 1, 25, 17, 54)),
    ("new moon", datetime(2024, 2, 1), datetime(2024, 2, 9, 22, 59)),
    ("new moon", datetime(2024, 4, 1), datetime(2024, 4, 8, 18, 21)),  # total solar eclipse
    ("full moon", datetime(2024, 10, 10), datetime(2024, 10, 17, 11, 26)),
    ("first quarter", datetime(2024, 1, 12), datetime(2024, 1, 18, 3, 53)),
    ("last quarter", datetime(2024, 1, 1), datetime(2024, 1, 4, 3, 30)),
    ("full moon", datetime(2025, 3, 1), datetime(2025, 3, 14, 6, 55)),  # total lunar eclipse
    ("full moon", datetime(2025, 9, 1), datetime(2025, 9, 7, 18, 9)),  # total lunar eclipse
    ("full moon", datetime(2026, 2, 25), datetime(2026, 3, 3, 11, 38)),  # total lunar eclipse
]


@pytest.mark.parametrize(("phase", "after", "published"), PUBLISHED)
def test_phase_within_a_minute_of_published_tables(phase, after, published) -> None:
    computed = next_phase(phase, after.replace(tzinfo=UTC))
    assert abs(computed - published.replace(tzinfo=UTC)) <= timedelta(minutes=1)


def test_upcoming_phases_are_in_order_and_cycle() -> None:
    phases = upcoming_phases(datetime(2024, 1, 1, tzinfo=UTC), 8)
    names = [name for name, _ in phases]
    assert names[:4] == ["last quarter", "new moon", "first quarter", "full moon"]
    assert names[4:] == names[:4]
    moments = [moment for _, moment in phases]
    assert moments == sorted(moments)
    assert all(moment.tzinfo is UTC for moment in moments)
