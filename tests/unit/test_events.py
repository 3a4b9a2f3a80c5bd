"""Extracting invites and commands from real Synapse sync responses (captured JSON).

Fixtures: ``tests/fixtures/sync_invite.json`` (the bot invited to a plain and an
encrypted room, each with a "!help" sent before the invite) and ``sync_join.json`` (the
batch after joining both, then "!nodes" and an m.notice in the plain room).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nio import SyncResponse

from actionbot.matrix import events

FIXTURES = Path(__file__).parents[1] / "fixtures"
BOT = "@actionbot:localhost"
ALICE = "@alice:localhost"
PLAIN = "!5wV1KzWcQg91Qvk8ay2B9Fh-iuTsypGY0AjOVZgcVT8"
SECRET = "!Rbo0WKCNWFMFh2gwqd-GI2iWEgCdnW1wKhjgCUjIT-8"


def load(name: str) -> SyncResponse:
    response = SyncResponse.from_dict(json.loads((FIXTURES / name).read_text()))
    assert isinstance(response, SyncResponse), response
    return response


def test_invites_name_the_inviter() -> None:
    found = {i.room_id: i.inviter for i in events.invites(load("sync_invite.json"), BOT)}
    assert found == {PLAIN: ALICE, SECRET: ALICE}


def test_join_batch_skips_history_and_notices() -> None:
    items = events.timeline(load("sync_join.json"), BOT)
    texts = [i for i in items if isinstance(i, events.TextMessage)]
    # "!help" before the join is history; the m.notice is not a command; "!nodes" is new.
    assert [(t.room_id, t.body, t.sender) for t in texts] == [(PLAIN, "!nodes", ALICE)]
    assert texts[0].encrypted is False and texts[0].sent_at.year >= 2026


def test_undecryptable_history_is_surfaced_for_a_hint() -> None:
    items = events.timeline(load("sync_join.json"), BOT)
    locked = [i for i in items if isinstance(i, events.Undecryptable)]
    assert len(locked) == 1
    assert locked[0].room_id == SECRET and locked[0].sender == ALICE and locked[0].session_id
    assert locked[0].before_join is True


@pytest.mark.parametrize("me", [ALICE])
def test_own_events_are_never_returned(me: str) -> None:
    items = events.timeline(load("sync_join.json"), me)
    assert all(i.sender != me for i in items)


@pytest.mark.parametrize(
    "content",
    [
        {"m.relates_to": "x", "m.selections": ["yes"]},
        {"m.relates_to": {"event_id": "$p"}, "org.matrix.msc3381.poll.response": ["yes"]},
        {"m.relates_to": {"event_id": 5}, "m.selections": ["yes"]},
        "not even a mapping",
    ],
)
def test_malformed_poll_responses_are_ignored(content) -> None:
    from nio import UnknownEvent

    event = UnknownEvent.from_dict(
        {
            "type": "org.matrix.msc3381.poll.response",
            "event_id": "$e",
            "sender": ALICE,
            "origin_server_ts": 1,
            "content": content,
        }
    )
    assert events.poll_answer(PLAIN, event) is None


def test_both_poll_response_forms_are_read() -> None:
    from nio import UnknownEvent

    for content in (
        {
            "m.relates_to": {"rel_type": "m.reference", "event_id": "$p"},
            "org.matrix.msc3381.poll.response": {"answers": ["block"]},
        },
        {"m.relates_to": {"rel_type": "m.reference", "event_id": "$p"}, "m.selections": ["block"]},
    ):
        event = UnknownEvent.from_dict(
            {
                "type": "m.poll.response",
                "event_id": "$e",
                "sender": ALICE,
                "origin_server_ts": 1,
                "content": content,
            }
        )
        answer = events.poll_answer(PLAIN, event)
        assert answer is not None and answer.answers == ("block",) and answer.poll_event_id == "$p"


def _batch(*timeline: dict) -> SyncResponse:
    response = SyncResponse.from_dict(
        {
            "next_batch": "s1",
            "rooms": {"join": {PLAIN: {"timeline": {"events": list(timeline)}}}},
        }
    )
    assert isinstance(response, SyncResponse), response
    return response


def _event(event_id: str, kind: str, content: dict, **extra) -> dict:
    return {
        "type": kind,
        "event_id": event_id,
        "sender": ALICE,
        "origin_server_ts": 1_800_000_000_000,
        "content": content,
        **extra,
    }


def test_a_file_caption_is_a_command_about_the_file_and_a_reply_names_its_target() -> None:
    file = {"msgtype": "m.file", "url": "mxc://x/y", "filename": "vigil.yaml"}
    items = events.timeline(
        _batch(
            _event("$f1", "m.room.message", {**file, "body": "!gesture add"}),
            _event("$f2", "m.room.message", {**file, "body": "vigil.yaml"}),  # no caption
            _event(
                "$t1",
                "m.room.message",
                {
                    "msgtype": "m.text",
                    "body": "!gesture add",
                    "m.relates_to": {"m.in_reply_to": {"event_id": "$f2"}},
                },
            ),
            _event("$x1", "m.room.redaction", {}, redacts="$r1"),
        ),
        BOT,
    )
    texts = [(i.event_id, i.body, i.reply_to) for i in items if isinstance(i, events.TextMessage)]
    assert texts == [("$f1", "!gesture add", "$f1"), ("$t1", "!gesture add", "$f2")]
    assert [i.event_id for i in items if isinstance(i, events.Media)] == ["$f2"]
    assert [(i.event_id, i.redacts) for i in items if isinstance(i, events.Redaction)] == [
        ("$x1", "$r1")
    ]
