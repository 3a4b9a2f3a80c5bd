"""The shipped anniversary calendar and operator calendars."""

from __future__ import annotations

from datetime import date

import pytest

from actionbot.calendars import load_calendar, shipped_calendar
from actionbot.core.calendar import Calendar, occurrence, parse_entries


def test_shipped_calendar_is_valid_and_documented() -> None:
    calendar = shipped_calendar()
    assert len(calendar.ids()) >= 15
    for entry in calendar.entries.values():
        assert entry.title and entry.description and entry.source.startswith("https://")
    cable = calendar.get("cable-street")
    assert (cable.year, cable.month, cable.day) == (1936, 10, 4)
    for required, day in [
        ("day-against-fascism", (11, 9)),
        ("holocaust-remembrance", (1, 27)),
        ("racial-discrimination", (3, 21)),
        ("markelov-baburova", (1, 19)),
        ("minsk-liberation", (7, 3)),
    ]:
        assert (calendar.get(required).month, calendar.get(required).day) == day


def test_user_calendar_extends_and_errors_are_specific(tmp_path) -> None:
    good = tmp_path / "ours.yaml"
    good.write_text("- {id: leap-day-strike, date: '02-29', title: Leap day strike}\n")
    calendar = load_calendar(good)
    assert isinstance(calendar, Calendar) and calendar.get("leap-day-strike") is not None
    assert calendar.get("cable-street") is not None
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- {id: cable-street, date: '10-04', title: again}\n"
        "- {id: x1, date: '13-01', title: bad}\n- {date: '01-01'}\n"
    )
    errors = load_calendar(bad)
    assert isinstance(errors, list)
    text = [str(e) for e in errors]
    assert "bad.yaml entry 1: duplicate id 'cable-street'" in text
    assert "bad.yaml entry 2: '13-01' is not a real date" in text
    assert "bad.yaml entry 3: missing id, title" in text
    assert isinstance(load_calendar(tmp_path / "missing.yaml"), list)


@pytest.mark.parametrize(
    ("month", "day", "year", "expected", "noted"),
    [
        (2, 29, 2028, date(2028, 2, 29), False),
        (2, 29, 2027, date(2027, 2, 28), True),
        (10, 4, 2027, date(2027, 10, 4), False),
    ],
)
def test_occurrence(month, day, year, expected, noted) -> None:
    found, note = occurrence(month, day, year)
    assert found == expected and note is noted


def test_parse_entries_requires_a_list() -> None:
    assert isinstance(parse_entries({"a": 1}, source_name="x"), list)
