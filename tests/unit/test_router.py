"""Which inbound events are too old to act on after the bot was down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actionbot.inbound.router import too_old
from actionbot.matrix import events

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
MAX = timedelta(minutes=15)


def command(age: timedelta) -> events.TextMessage:
    return events.TextMessage(
        room_id="!r:x",
        event_id="$c",
        sender="@a:x",
        body="!windows",
        sent_at=NOW - age,
        encrypted=False,
    )


def poll_answer(age: timedelta) -> events.PollAnswer:
    return events.PollAnswer(
        room_id="!r:x",
        event_id="$p",
        sender="@a:x",
        poll_event_id="$poll",
        answers=("yes",),
        sent_at=NOW - age,
    )


@pytest.mark.parametrize(
    ("item", "dropped"),
    [
        (command(timedelta(minutes=5)), False),
        (command(timedelta(hours=2)), True),  # a stale command is not acted on
        (poll_answer(timedelta(minutes=5)), False),
        # A vote cast while the bot was down still counts (or hears that voting closed).
        (poll_answer(timedelta(hours=2)), False),
        # A photo sent during an outage is still a report; an RSVP reaction still counts.
        (
            events.Media(
                room_id="!r:x",
                event_id="$m",
                sender="@a:x",
                sent_at=NOW - timedelta(hours=3),
                event=None,
            ),
            False,
        ),
        (
            events.Reaction(
                room_id="!r:x",
                event_id="$r",
                sender="@a:x",
                reacts_to="$g",
                key="🙋",
                sent_at=NOW - timedelta(hours=3),
            ),
            False,
        ),
    ],
)
def test_too_old(item, dropped) -> None:
    assert too_old(item, NOW, MAX) is dropped


@pytest.mark.parametrize(
    ("key", "admit"),
    [("✅", True), ("✅️", True), ("👍", True), ("❌", False), ("👎", False), ("🎉", None)],
)
def test_reactions_that_admit_or_refuse(key, admit) -> None:
    from actionbot.inbound.reactions import meaning

    assert meaning(key) is admit
