"""What the command line shows a person."""

from __future__ import annotations

from actionbot.cli import _when_text, build_parser


def test_help_shows_no_raw_markup() -> None:
    text = build_parser().format_help()
    assert "``" not in text and "actionbot" in text


def test_windows_text_shows_a_waves_date() -> None:
    wave = {
        "start_utc": None,
        "local_time": "20:00:00",
        "local_date": "2027-03-08",
        "anchor_utc": None,
    }
    assert _when_text(wave) == "2027-03-08 20:00 local (wave)"
    lunar = {
        "start_utc": None,
        "local_time": "20:00:00",
        "local_date": None,
        "anchor_utc": "2027-02-20T23:23:00+00:00",
    }
    assert _when_text(lunar) == "2027-02-20 20:00 local (wave)"
    instant = {"start_utc": "2027-03-08T16:00:00+00:00", "local_time": None, "local_date": None}
    assert _when_text(instant) == "2027-03-08T16:00:00+00:00"
