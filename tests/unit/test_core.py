"""Pure core rules: ids, durations, nodes, power levels, servers, outbox back-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actionbot.core.durations import DurationError, format_duration, parse_duration
from actionbot.core.ids import ALPHABET, is_valid_id, new_id, normalise_id
from actionbot.core.nodes import (
    NodeError,
    may_register,
    validate_name,
    validate_timezone,
)
from actionbot.core.outbox import retry_delay
from actionbot.core.power import INFINITE, effective_level
from actionbot.core.servers import invite_allowed, is_user_id, server_of
from actionbot.render.languages import normalise_language


def test_ids_are_short_and_typeable() -> None:
    ids = {new_id() for _ in range(500)}
    assert len(ids) > 490
    assert all(is_valid_id(i) and set(i) <= set(ALPHABET) for i in ids)
    assert normalise_id(" AB1O2 ") == "ab102"
    assert normalise_id("abIl0") == "ab110"
    assert not is_valid_id("abcd") and not is_valid_id("abcdu")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("2d", timedelta(days=2)),
        ("1h30m", timedelta(minutes=90)),
        (" 1H 30M ", timedelta(minutes=90)),
        ("45s", timedelta(seconds=45)),
        ("1w", timedelta(days=7)),
    ],
)
def test_durations(text, expected) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "10", "m30", "0m", "1y", "-5m"])
def test_bad_durations_explain_themselves(text) -> None:
    result = parse_duration(text)
    assert isinstance(result, DurationError) and result.message


@given(st.integers(min_value=1, max_value=10**7))
def test_duration_format_round_trips(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value).replace(" ", "")) == value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Kyiv   Collective ", "Kyiv Collective"),
        ("Ñandú", "Ñandú"),
        ("", None),
        ("x" * 65, None),
        ("bad\x00name", None),
        ("Київ-2 (центр)", "Київ-2 (центр)"),
        ("São Paulo & ABC", "São Paulo & ABC"),
        # Separators the bot writes between nodes: a name cannot forge a vote summary.
        ("Kyiv: block · Lviv", None),
        ("A, B", None),
        ("<b>x</b>", None),
        ("**bold**", None),
        ("`code`", None),
    ],
)
def test_node_names(raw, expected) -> None:
    result = validate_name(raw)
    assert result == expected if expected else isinstance(result, NodeError)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Europe/Kyiv", "Europe/Kyiv"),
        ("UTC", "UTC"),
        ("Pacific/Kiritimati", "Pacific/Kiritimati"),
        ("Mars/Olympus", None),
        ("../../etc/passwd", None),
        ("", None),
    ],
)
def test_time_zones(raw, expected) -> None:
    result = validate_timezone(raw)
    assert result == expected if expected else isinstance(result, NodeError)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("en", "en"),
        ("UK", "uk"),
        ("pt", "pt"),
        ("pt-BR", "pt"),
        ("pt-pt", "pt-PT"),
        ("PT_PT", "pt-PT"),
        ("ru", "ru"),
        ("zh-Hant", None),
        ("english", None),
        ("it", None),
    ],
)
def test_only_shipped_languages(raw, expected) -> None:
    assert normalise_language(raw) == expected


@pytest.mark.parametrize(
    ("power", "minimum", "coordinator", "allowed"),
    [(50, 50, False, True), (49, 50, False, False), (0, 50, True, True), (100, 50, False, True)],
)
def test_register_permission(power, minimum, coordinator, allowed) -> None:
    assert (
        may_register(power_level=power, min_power_level=minimum, is_coordinator=coordinator)
        is allowed
    )


def _create(version: str, sender: str = "@c:x", extra=()) -> dict:
    return {
        "sender": sender,
        "content": {"room_version": version, "additional_creators": list(extra)},
    }


@pytest.mark.parametrize(
    ("user", "create", "levels", "expected"),
    [
        ("@c:x", _create("10"), {"users": {"@c:x": 100}}, 100),
        ("@m:x", _create("10"), {"users": {"@m:x": 50}}, 50),
        ("@p:x", _create("10"), {"users_default": 5}, 5),
        ("@p:x", _create("10"), {}, 0),
        ("@c:x", _create("10"), None, 100),  # no power levels event: creator has 100
        ("@c:x", _create("12"), {"users": {}}, INFINITE),  # v12: privileged creator
        ("@d:x", _create("12", extra=["@d:x"]), {"users": {}}, INFINITE),
        ("@p:x", _create("12"), {"users": {"@p:x": "bad"}}, 0),
    ],
)
def test_effective_power_level(user, create, levels, expected) -> None:
    assert effective_level(user_id=user, create_event=create, power_levels=levels) == expected


@pytest.mark.parametrize(
    ("inviter", "allowed", "ok"),
    [
        ("@a:example.org", ("example.org",), True),
        ("@a:EXAMPLE.org", ("example.org",), True),
        ("@a:evil.org", ("example.org",), False),
        ("@a:localhost:8448", ("localhost:8448",), True),
        ("@a:localhost:8448", ("localhost",), False),
        ("@a:any.org", ("*",), True),
        ("nonsense", ("*",), False),
    ],
)
def test_invite_allow_list(inviter, allowed, ok) -> None:
    assert invite_allowed(inviter, allowed) is ok


def test_server_and_user_ids() -> None:
    assert server_of("@a:localhost:8448") == "localhost:8448"
    assert is_user_id("@a:b") and not is_user_id("a:b") and not is_user_id("@a")


@pytest.mark.parametrize(
    ("attempts", "expected_s"), [(0, 2), (1, 2), (2, 4), (3, 8), (10, 600), (1000, 600)]
)
def test_retry_backoff_doubles_up_to_the_cap(attempts, expected_s) -> None:
    delay = retry_delay(attempts, base=timedelta(seconds=2), cap=timedelta(minutes=10))
    assert delay == timedelta(seconds=expected_s)
