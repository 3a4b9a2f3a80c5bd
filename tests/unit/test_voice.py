"""Babel formatting per locale: dates in words, 24-hour times (seconds only when there are
some), durations in words, countdowns, lists — each in the room's language and zone."""

from __future__ import annotations

import gettext
from datetime import UTC, datetime, timedelta

import pytest

from actionbot.render.reply import code
from actionbot.render.voice import Voice, fill

MOMENT = datetime(2026, 11, 9, 16, 0, tzinfo=UTC)


def voice(language: str, zone: str = "UTC") -> Voice:
    return Voice(language, zone, gettext.NullTranslations())


@pytest.mark.parametrize(
    ("language", "zone", "expected"),
    [
        ("en", "Europe/Kyiv", "Monday, November 9, 2026, 18:00 (Europe/Kyiv)"),
        ("uk", "Europe/Kyiv", "понеділок, 9 листопада 2026\u202fр., 18:00 (Europe/Kyiv)"),
        (
            "pt",
            "America/Sao_Paulo",
            "segunda-feira, 9 de novembro de 2026, 13:00 (America/Sao_Paulo)",
        ),
        ("de", "Europe/Berlin", "Montag, 9. November 2026, 17:00 (Europe/Berlin)"),
        ("es", "Pacific/Auckland", "martes, 10 de noviembre de 2026, 05:00 (Pacific/Auckland)"),
    ],
)
def test_an_instant_reads_in_the_rooms_zone_with_the_date_in_words(
    language, zone, expected
) -> None:
    assert voice(language, zone).moment(MOMENT) == expected


def test_seconds_are_shown_only_when_there_are_some() -> None:
    assert voice("en").clock(MOMENT.replace(second=17)) == "16:00:17"
    assert voice("en").clock(MOMENT) == "16:00"


@pytest.mark.parametrize(
    ("language", "delta", "expected"),
    [
        ("en", timedelta(days=2, hours=1, minutes=5), "2 days, 1 hour, and 5 minutes"),
        ("uk", timedelta(days=2, hours=1, minutes=5), "2 дні, 1 година і 5 хвилин"),
        ("ru", timedelta(hours=21), "21 час"),
        ("pt-PT", timedelta(seconds=3), "3 segundos"),
        ("fr", timedelta(0), "0\u00a0seconde"),
    ],
)
def test_durations_in_words(language, delta, expected) -> None:
    assert voice(language).duration(delta) == expected


def test_countdown_keeps_the_two_largest_units() -> None:
    en = voice("en")
    assert en.countdown(MOMENT - timedelta(hours=26, seconds=30), MOMENT) == "in 1 day and 2 hours"
    assert en.countdown(MOMENT + timedelta(minutes=5), MOMENT) == "5 minutes ago"
    assert en.countdown(MOMENT - timedelta(seconds=20), MOMENT) == "in 20 seconds"


def test_styled_values_keep_their_style_wherever_a_translation_puts_them() -> None:
    line = fill("«{title}» — {id}", {"title": "x", "id": code("abcde")})
    assert [s.style for s in line] == ["", "", "", "code"]
    assert voice("fr").s(voice("fr").either([code("a"), code("b")])) == "a ou b"


def test_a_placeholder_value_with_braces_is_never_formatted_again() -> None:
    line = fill("{title}", {"title": "{id} {0} {__class__}"})
    assert "".join(s.text for s in line) == "{id} {0} {__class__}"
