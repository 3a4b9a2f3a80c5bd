"""Rotating duties: the rota grammar, the hand-over cadence and the power rule, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actionbot.core.lunar import next_phase
from actionbot.core.rotation import (
    RotationError,
    RotationRequest,
    next_handover,
    parse_set,
    power_change,
)

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "security @a:x @b:y every 7d",
            RotationRequest(duty="security", users=("@a:x", "@b:y"), cadence="7d", power=None),
        ),
        (
            "Moderation @a:x @b:x @c:x every full moon power=50",
            RotationRequest(
                duty="moderation", users=("@a:x", "@b:x", "@c:x"), cadence="full moon", power=50
            ),
        ),
        ("!bad @a:x @b:x every 7d", RotationError(reason="duty", value="!bad")),
        ("duty @a:x every 7d", RotationError(reason="people", value="1")),
        ("duty @a:x @a:x every 7d", RotationError(reason="repeated", value="@a:x")),
        ("duty @a @b:x every 7d", RotationError(reason="people", value="@a")),
        ("duty @a:x @b:x weekly", RotationError(reason="every", value="weekly")),
        ("duty @a:x @b:x every blue moon", RotationError(reason="cadence", value="blue moon")),
        ("duty @a:x @b:x every 10m", RotationError(reason="too-often", value="10m")),
        ("duty @a:x @b:x every 7d power=500", RotationError(reason="power", value="500")),
        # A superscript two is a digit to str.isdigit, not to int(): refused, not a crash.
        ("duty @a:x @b:x every 7d power=²", RotationError(reason="power", value="²")),
    ],
)
def test_rota_grammar(text, expected) -> None:
    assert parse_set(tuple(text.split())) == expected


def test_handover_cadence() -> None:
    assert next_handover("7d", T0) == T0 + timedelta(days=7)
    assert next_handover("full moon", T0) == next_phase("full moon", T0)
    assert next_handover("new moon", T0) > T0


@pytest.mark.parametrize(
    ("current", "target", "before", "creator", "me", "result"),
    [
        (0, 50, None, False, False, 50),  # raise the new holder
        (75, 50, None, False, False, None),  # never lower someone who has more
        (50, 50, 0, False, False, 0),  # give back what they had
        (0, 50, 0, False, False, None),  # already back
        (75, 50, 0, False, False, None),  # raised by hand since: not the rota's to undo
        (0, 50, None, True, False, None),  # never a room creator's
        (100, 50, 0, False, True, None),  # never the bot's own
    ],
)
def test_power_rule(current, target, before, creator, me, result) -> None:
    assert (
        power_change(current=current, target=target, before=before, is_creator=creator, is_self=me)
        == result
    )
