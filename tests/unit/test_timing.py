"""The ``<when>`` grammar, resolution, DST edges and date-line nodes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actionbot.calendars import shipped_calendar
from actionbot.core.proposals import Proposal, parse_proposal
from actionbot.core.timing import Timing, next_occurrence, resolve
from actionbot.core.when import (
    ClockTime,
    Dated,
    Explicit,
    Fault,
    Instant,
    Lunar,
    WhenError,
    when_from_json,
    when_to_json,
)
from actionbot.core.zones import localize, zone_key
from actionbot.render.languages import month_names

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def fmt_local(moment: datetime, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"


NOON_LOCAL = ClockTime(hour=12, minute=0, zone="local")
CAL = shipped_calendar()


def parsed(text: str) -> Proposal:
    result = parse_proposal(text)
    assert isinstance(result, Proposal), result
    return result


def timing(text: str, zone: str = "Europe/Kyiv") -> Timing:
    result = resolve(
        parsed(text).when, now=NOW, proposer_zone=zone, calendar=CAL, default_at=NOON_LOCAL
    )
    assert isinstance(result, Timing), result
    return result


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("2027-03-08 18:00; t", Explicit(day=date(2027, 3, 8), at=ClockTime(hour=18, minute=0))),
        (
            "2027-03-08 18:00 UTC; t",
            Explicit(day=date(2027, 3, 8), at=ClockTime(hour=18, minute=0, zone="UTC")),
        ),
        (
            "2027-03-08 18:00 europe/kyiv; t",
            Explicit(day=date(2027, 3, 8), at=ClockTime(hour=18, minute=0, zone="Europe/Kyiv")),
        ),
        (
            "2027-03-08 18:00 local; t",
            Explicit(day=date(2027, 3, 8), at=ClockTime(hour=18, minute=0, zone="local")),
        ),
        ("2027-03-08T16:00Z; t", Instant(instant=datetime(2027, 3, 8, 16, 0, tzinfo=UTC))),
        ("2027-03-08T18:00+02:00; t", Instant(instant=datetime(2027, 3, 8, 16, 0, tzinfo=UTC))),
        ("next full moon; t", Lunar(phase="full moon")),
        (
            "Next New Moon at 20:00 local; t",
            Lunar(phase="new moon", at=ClockTime(hour=20, minute=0, zone="local")),
        ),
        (
            "full moon after 2027-02-01; t",
            Lunar(phase="full moon", after=datetime(2027, 2, 1, tzinfo=UTC)),
        ),
        ("anniversary cable-street; t", Dated(month=0, day=0, anniversary="cable-street")),
        (
            "anniversary cable-street 2027 at 12:00 UTC; t",
            Dated(
                month=0,
                day=0,
                year=2027,
                anniversary="cable-street",
                at=ClockTime(hour=12, minute=0, zone="UTC"),
            ),
        ),
        (
            "on 11-09 at 18:00 local; t",
            Dated(month=11, day=9, at=ClockTime(hour=18, minute=0, zone="local")),
        ),
    ],
)
def test_grammar(text, when) -> None:
    assert parsed(text).when == when


def test_options_around_the_anchor() -> None:
    proposal = parsed(
        "gesture=candles next full moon for 30m every full moon at 20:00 local;"
        "  Lights  for the disappeared "
    )
    assert proposal.title == "Lights for the disappeared"
    assert proposal.duration == timedelta(minutes=30)
    assert proposal.recurrence == "full moon" and proposal.gesture == "candles"
    assert parsed("on 01-27 every year; t").recurrence == "year"


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("next full moon", Fault.NEEDS_SEMICOLON),
        ("next full moon;   ", Fault.NEEDS_TITLE),
        ("next blue moon; t", Fault.NEXT_NEEDS_PHASE),
        ("2027-02-30 18:00; t", Fault.NOT_A_DATE),
        ("2027-03-08 25:00; t", Fault.NOT_A_TIME),
        ("2027-03-08; t", Fault.DATE_NEEDS_TIME),
        ("2027-03-08 18:00 Atlantis/Lost; t", Fault.NOT_A_ZONE),
        ("2027-03-08 18:00 Atlantis Lost Forever; t", Fault.UNEXPECTED_WORDS),
        ("next full moon at 20:00 Atlantis/Lost; t", Fault.NOT_A_ZONE),
        ("next full moon for soon; t", Fault.NOT_A_DURATION),
        ("next full moon for; t", Fault.FOR_NEEDS_DURATION),
        ("next full moon every week; t", Fault.EVERY_NEEDS_WHAT),
        ("next full moon every year; t", Fault.EVERY_YEAR_NEEDS_DATE),
        ("next new moon every full moon; t", Fault.EVERY_PHASE_MISMATCH),
        ("on 02-30; t", Fault.NOT_A_REAL_DAY),
        ("on 30 february; t", Fault.NOT_A_REAL_DAY),
        ("on someday; t", Fault.ON_NEEDS_DAY),
        ("anniversary; t", Fault.ANNIVERSARY_NEEDS_ID),
        ("anniversary x 27; t", Fault.NOT_A_YEAR),
        ("gesture=BAD! next full moon; t", Fault.NOT_A_GESTURE),
        ("tomorrow-ish; t", Fault.UNKNOWN_TIME),
        ("; t", Fault.NO_TIME),
        ("2027-03-08T16:00Z at 10:00; t", Fault.ISO_ALONE),
        ("x" * 10 + "; " + "y" * 200, Fault.TITLE_TOO_LONG),
    ],
)
def test_grammar_errors_say_what_is_wrong(text, fault) -> None:
    result = parse_proposal(text, month_names())
    assert isinstance(result, WhenError), result
    assert result.fault is fault, result


@pytest.mark.parametrize(
    "text",
    ["on 9 november", "on nov 9", "on 9 листопада", "on 9 ноября", "on 11-09", "on 9. November"],
)
def test_day_and_month_in_words_in_any_shipped_language(text) -> None:
    result = parse_proposal(f"{text} at 18:00 UTC; t", month_names())
    assert isinstance(result, Proposal) and result.when == Dated(
        month=11, day=9, at=ClockTime(hour=18, minute=0, zone="UTC")
    ), result


def test_only_the_first_line_is_the_proposal() -> None:
    result = parse_proposal("next full moon; Lights\n!vote abcde yes")
    assert isinstance(result, Proposal) and result.title == "Lights"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("kyiv", "Europe/Kyiv"),
        ("KYIV", "Europe/Kyiv"),
        ("europe/kyiv", "Europe/Kyiv"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São_Paulo", "America/Sao_Paulo"),
        ("utc", "UTC"),
        ("Atlantis", None),
        # A zone and its alias are one zone: the current name is kept.
        ("istanbul", "Europe/Istanbul"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        # Files of the zone database that are not zones.
        ("localtime", None),
        ("Factory", None),
        ("posixrules", None),
    ],
)
def test_zones_by_key_or_unambiguous_city(typed, key) -> None:
    assert zone_key(typed) == key


def test_a_city_zone_may_take_several_words() -> None:
    result = parse_proposal("2027-03-08 18:00 sao paulo; t")
    assert isinstance(result, Proposal)
    assert result.when == Explicit(
        day=date(2027, 3, 8), at=ClockTime(hour=18, minute=0, zone="America/Sao_Paulo")
    )


@given(st.text(max_size=80))
@settings(max_examples=400)
def test_parser_never_raises(text: str) -> None:
    result = parse_proposal(text)
    assert isinstance(result, Proposal | WhenError)


@given(
    st.lists(
        st.sampled_from(
            [
                "next",
                "full",
                "moon",
                "at",
                "20:00",
                "local",
                "for",
                "1h",
                "every",
                "year",
                "on",
                "03-08",
                "anniversary",
                "UTC",
                "2027-03-08",
                "18:00",
                "after",
                "gesture=x",
                "new",
            ]
        ),
        max_size=8,
    )
)
@settings(max_examples=400)
def test_parser_and_resolver_never_raise_on_keyword_soup(words: list[str]) -> None:
    result = parse_proposal(" ".join(words) + "; t")
    if isinstance(result, Proposal):
        resolved = resolve(
            result.when, now=NOW, proposer_zone="UTC", calendar=CAL, default_at=NOON_LOCAL
        )
        assert isinstance(resolved, Timing | WhenError)


def test_explicit_time_uses_the_proposers_zone() -> None:
    result = timing("2027-03-08 18:00; t", zone="Europe/Kyiv")
    assert result.mode == "global" and result.start == datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
    assert timing("2027-03-08 18:00 UTC; t").start == datetime(2027, 3, 8, 18, 0, tzinfo=UTC)


def test_past_times_are_refused() -> None:
    for text in (
        "2027-01-10 11:59 UTC; t",
        "2020-05-01 10:00; t",
        "anniversary cable-street 2026; t",
        "full moon after 2026-01-01; t",
    ):
        result = resolve(
            parsed(text).when, now=NOW, proposer_zone="UTC", calendar=CAL, default_at=NOON_LOCAL
        )
        assert isinstance(result, WhenError) and result.fault is Fault.IN_PAST, text


def test_lunar_windows() -> None:
    bare = timing("full moon after 2027-02-01; t")
    assert bare.mode == "global" and bare.start is not None
    assert bare.start.date() == date(2027, 2, 20)  # full moon 2027-02-20 23:23 UTC
    utc = timing("full moon after 2027-02-01 at 20:00 UTC; t")
    assert utc.start == datetime(2027, 2, 20, 20, 0, tzinfo=UTC)
    wave = timing("full moon after 2027-02-01 at 20:00 local; t")
    assert wave.mode == "local" and wave.local_time == time(20, 0) and wave.anchor == bare.start
    # The phase is late on 20 Feb in UTC but already 21 Feb east of UTC+1.
    kyiv, _ = wave.node_start("Europe/Kyiv")
    lima, _ = wave.node_start("America/Lima")
    assert fmt_local(kyiv, "Europe/Kyiv") == "2027-02-21 20:00 Europe/Kyiv"
    assert fmt_local(lima, "America/Lima") == "2027-02-20 20:00 America/Lima"


def test_anniversaries_default_to_local_noon_and_next_occurrence() -> None:
    result = timing("anniversary cable-street; t")
    assert result.mode == "local" and result.local_date == date(2027, 10, 4)
    assert result.label == "Battle of Cable Street (1936)"
    # 27 January has not passed on 10 January → this year.
    assert timing("anniversary holocaust-remembrance; t").local_date == date(2027, 1, 27)
    # 1 January has passed → next year.
    assert timing("on 01-01; t").local_date == date(2028, 1, 1)


def test_february_29_falls_on_february_28_in_common_years() -> None:
    result = timing("on 02-29 at 12:00 UTC; t")
    assert result.start == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    assert [n.kind for n in result.notes] == ["leap-day"]
    leap = resolve(
        parsed("on 02-29 at 12:00 UTC; t").when,
        now=datetime(2027, 12, 1, tzinfo=UTC),
        proposer_zone="UTC",
        calendar=CAL,
        default_at=NOON_LOCAL,
    )
    assert isinstance(leap, Timing) and leap.start == datetime(2028, 2, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "clock", "zone", "expected_utc", "note"),
    [
        # Spring forward: 02:30 does not exist in Berlin on 2027-03-28 → 03:30 CEST.
        (
            date(2027, 3, 28),
            time(2, 30),
            "Europe/Berlin",
            datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
            "does not exist",
        ),
        # Fall back: 02:30 happens twice in Berlin on 2027-10-31 → the first (CEST).
        (
            date(2027, 10, 31),
            time(2, 30),
            "Europe/Berlin",
            datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
            "happens twice",
        ),
        # New York spring forward at 02:00 on 2027-03-14.
        (
            date(2027, 3, 14),
            time(2, 15),
            "America/New_York",
            datetime(2027, 3, 14, 7, 15, tzinfo=UTC),
            "does not exist",
        ),
        # Lord Howe moves by half an hour.
        (
            date(2027, 10, 3),
            time(2, 10),
            "Australia/Lord_Howe",
            datetime(2027, 10, 2, 15, 40, tzinfo=UTC),
            "does not exist",
        ),
        (
            date(2027, 7, 1),
            time(20, 0),
            "Europe/Kyiv",
            datetime(2027, 7, 1, 17, 0, tzinfo=UTC),
            None,
        ),
    ],
)
def test_dst_gaps_and_overlaps(day, clock, zone, expected_utc, note) -> None:
    instant, message = localize(day, clock, zone)
    assert instant == expected_utc
    kinds = {"does not exist": "dst-gap", "happens twice": "dst-overlap"}
    assert (message is None) if note is None else (message.kind == kinds[note])


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
    st.sampled_from(
        [
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "Pacific/Kiritimati",
            "Pacific/Pago_Pago",
            "Asia/Kolkata",
            "America/Santiago",
            "UTC",
        ]
    ),
)
def test_localize_lands_on_or_just_after_the_requested_wall_time(naive, zone) -> None:
    clock = time(naive.hour, naive.minute)
    instant, note = localize(naive.date(), clock, zone)
    shown = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    wanted = datetime.combine(naive.date(), clock)
    assert timedelta(0) <= shown - wanted <= timedelta(hours=1)
    assert (shown == wanted) or (note is not None and note.kind == "dst-gap")


def test_date_line_nodes_get_their_own_dates() -> None:
    wave = timing("2027-06-01 09:00 local; t", zone="UTC")
    east, _ = wave.node_start("Pacific/Kiritimati")  # UTC+14
    west, _ = wave.node_start("Pacific/Pago_Pago")  # UTC-11
    assert east == datetime(2027, 5, 31, 19, 0, tzinfo=UTC)
    assert west == datetime(2027, 6, 1, 20, 0, tzinfo=UTC)
    assert west - east == timedelta(hours=25)  # a wave spans more than a day


@pytest.mark.parametrize(
    ("when", "recurrence", "after", "expected"),
    [
        (
            Explicit(day=date(2027, 2, 28), at=ClockTime(hour=9, minute=0)),
            "year",
            datetime(2027, 3, 1, tzinfo=UTC),
            Dated(month=2, day=28, at=ClockTime(hour=9, minute=0)),
        ),
        (
            Dated(month=0, day=0, anniversary="cable-street"),
            "year",
            datetime(2027, 10, 5, tzinfo=UTC),
            Dated(month=0, day=0, anniversary="cable-street"),
        ),
        (
            Lunar(phase="full moon"),
            "full moon",
            datetime(2027, 2, 21, tzinfo=UTC),
            Lunar(phase="full moon", after=datetime(2027, 2, 21, tzinfo=UTC)),
        ),
        (Lunar(phase="new moon"), "full moon", NOW, None),
    ],
)
def test_next_occurrence_is_computed_from_the_anchor(when, recurrence, after, expected) -> None:
    assert next_occurrence(when, recurrence, after) == expected


def test_yearly_local_window_keeps_its_wall_clock_across_dst() -> None:
    """A recurrence is never "+365 days in seconds": the wall time stays 18:00."""
    first = Explicit(day=date(2027, 3, 27), at=ClockTime(hour=18, minute=0, zone="Europe/Berlin"))
    second = next_occurrence(first, "year", NOW)
    assert isinstance(second, Dated)
    after_first = datetime(2027, 3, 28, tzinfo=UTC)
    later = resolve(
        second, now=after_first, proposer_zone="UTC", calendar=CAL, default_at=NOON_LOCAL
    )
    assert isinstance(later, Timing)
    assert fmt_local(later.start, "Europe/Berlin") == "2028-03-27 18:00 Europe/Berlin"


@pytest.mark.parametrize(
    "when",
    [
        Explicit(day=date(2027, 3, 8), at=ClockTime(hour=18, minute=0, zone="local")),
        Instant(instant=datetime(2027, 3, 8, 16, tzinfo=UTC)),
        Lunar(
            phase="full moon",
            after=datetime(2027, 2, 1, tzinfo=UTC),
            at=ClockTime(hour=20, minute=0, zone="UTC"),
        ),
        Dated(month=11, day=9, year=2027, at=None, anniversary="day-against-fascism"),
    ],
)
def test_when_json_round_trip(when) -> None:
    assert when_from_json(when_to_json(when)) == when


def test_yearly_series_keeps_29_february_for_leap_years() -> None:
    first = Explicit(day=date(2028, 2, 29), at=ClockTime(hour=18, minute=0, zone="UTC"))
    again = next_occurrence(first, "year", NOW)
    starts = []
    now = datetime(2028, 3, 1, tzinfo=UTC)
    for _ in range(4):
        result = resolve(again, now=now, proposer_zone="UTC", calendar=CAL, default_at=NOON_LOCAL)
        assert isinstance(result, Timing)
        starts.append(result.start.date())
        now = result.start + timedelta(days=1)
    assert starts == [date(2029, 2, 28), date(2030, 2, 28), date(2031, 2, 28), date(2032, 2, 29)]


def test_next_phase_whose_time_has_passed_moves_to_the_following_phase() -> None:
    full_moon_day = datetime(2027, 2, 20, 21, 0, tzinfo=UTC)  # full moon 2027-02-20 23:23 UTC
    late = resolve(
        parsed("next full moon at 06:00 UTC; t").when,
        now=full_moon_day,
        proposer_zone="UTC",
        calendar=CAL,
        default_at=NOON_LOCAL,
    )
    assert isinstance(late, Timing) and late.start.date() == date(2027, 3, 22)
    wave = resolve(
        parsed("next full moon at 00:01 local; t").when,
        now=datetime(2027, 2, 20, 23, 30, tzinfo=UTC),
        proposer_zone="UTC",
        calendar=CAL,
        default_at=NOON_LOCAL,
    )
    assert isinstance(wave, Timing) and wave.anchor.date() == date(2027, 3, 22)
    assert late.anchor is not None  # every lunar timing keeps its phase instant


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00+01:00; t",
        "9999-12-31T23:59-01:00; t",
        "9999-12-31 23:59 Pacific/Pago_Pago; t",
        "9999-12-31 23:30 UTC; t",
        "2027-03-08 18:00 for 99999999999999d; t",
        "2027-03-08 18:00 for 1000000w; t",
        "anniversary cable-street ¹²³⁴; t",
        "anniversary cable-street 0000; t",
        "2031-01-01 10:00 UTC; t",
        "2027-03-08 18:00 for 31d; t",
    ],
)
def test_out_of_range_inputs_are_errors_not_crashes(text) -> None:
    result = parse_proposal(text)
    if isinstance(result, Proposal):
        result = resolve(
            result.when, now=NOW, proposer_zone="UTC", calendar=CAL, default_at=NOON_LOCAL
        )
    assert isinstance(result, WhenError), (text, result)


@pytest.mark.parametrize("sep", ["\r", "\u2028", "\u2029", "\x85", "\v", "\f"])
def test_any_line_break_ends_the_proposal(sep) -> None:
    result = parse_proposal(f"next full moon; Vigil{sep}!vote abcde block")
    assert isinstance(result, Proposal) and result.title == "Vigil"


def test_control_and_bidi_characters_are_dropped_from_titles() -> None:
    result = parse_proposal("next full moon; Vigil \u202e\u200b\x00 night")
    assert isinstance(result, Proposal) and result.title == "Vigil night"


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ("2020-01-01 18:00", "2027-01-01 18:00"),  # past: its next occurrence
        ("2024-02-29T10:00Z", "2028-02-29T10:00Z"),  # a leap day: the next one
        ("2027-05-01 18:00", "2027-05-01 18:00"),  # ahead already
        ("2027-02-30 18:00", "on 8 march at 18:00"),  # no such day
        ("anniversary cable-street {year}", "anniversary cable-street 2027"),
        ("next full moon", "next full moon"),
    ],
)
def test_examples_are_freshened_to_be_sendable_today(example, expected) -> None:
    error = WhenError(fault=Fault.NO_TIME, example=example)
    assert error.freshened(date(2026, 12, 3)).example == expected
