"""Action windows end to end on a real Synapse: propose → vote from two node rooms (one
encrypted, one by native poll) → approved → reminders at the right instants in each
node's language → exactly one copy of each, also across a hard kill of the bot."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.matrix_user import MatrixUser

pytestmark = pytest.mark.integration

POLL_START = "org.matrix.msc3381.poll.start"
WINDOW_ID = re.compile(r"window `([0-9a-z]{5})`")


def bot_notices(user: MatrixUser, room: str, bot_id: str):
    return [s for s in user.notices_in(room, bot_id)]


async def node_room(user: MatrixUser, bot_id: str, *, encrypted: bool, register: str) -> str:
    room = await user.create_room(encrypted=encrypted, invite=[bot_id])
    await user.wait_for(
        lambda s: (
            s.room_id == room
            and getattr(s.event, "sender", "") == bot_id
            and "msgtype" in s.content
        )
    )
    command = await user.send_text(room, f"!node register {register}")
    answer = await user.wait_for_reply(room, command)
    assert "now a node" in answer.content["body"], answer.content["body"]
    return room


def arrived(seen) -> datetime:
    return datetime.fromtimestamp(seen.event.server_timestamp / 1000, UTC)


async def test_propose_vote_approve_and_remind_in_two_rooms(new_user, make_bot) -> None:
    alice = await new_user("alice")
    bob = await new_user("bob")
    coordination = await alice.create_room(encrypted=True, name="coordination")
    bot = await make_bot(
        bot__coordination_room=coordination,
        windows__reminders=["8s", "4s", "start", "end"],
        decisions__voters="moderators",
    )
    await alice.invite(coordination, bot.user_id)
    kyiv = await node_room(
        alice, bot.user_id, encrypted=True, register="Kyiv tz=Europe/Kyiv lang=uk"
    )
    lisboa = await node_room(
        bob, bot.user_id, encrypted=False, register="Lisboa tz=Europe/Lisbon lang=pt"
    )

    start = (datetime.now(UTC) + timedelta(seconds=15)).replace(microsecond=0)
    command = await alice.send_text(
        kyiv, f"!window propose {start:%Y-%m-%dT%H:%M:%SZ} for 3s; Minute of silence"
    )
    answer = await alice.wait_for_reply(kyiv, command)
    body = answer.content["body"]
    assert "Proposed:" in body and "Minute of silence" in body, body
    assert f"Start: `{start:%Y-%m-%dT%H:%M}Z`" in body
    assert "Here: " in body and "Europe/Kyiv" in body and "Duration: 3s" in body
    assert "global" in body and "at least 1 of 2 nodes say yes" in body
    window_id = WINDOW_ID.search(body).group(1)

    # Every node room gets a native poll; Lisboa answers it, Kyiv votes by command.
    poll = await bob.wait_for(
        lambda s: s.room_id == lisboa and s.event.source.get("type") == POLL_START
    )
    assert window_id in poll.content["org.matrix.msc3381.poll.start"]["question"]["body"]
    await alice.wait_for(lambda s: s.room_id == kyiv and s.event.source.get("type") == POLL_START)
    vote = await alice.send_text(kyiv, f"!vote {window_id} yes")
    recorded = await alice.wait_for_reply(kyiv, vote)
    assert "Recorded: node Kyiv votes yes" in recorded.content["body"]
    await bob.client.room_send(
        lisboa,
        "org.matrix.msc3381.poll.response",
        {
            "m.relates_to": {"rel_type": "m.reference", "event_id": poll.event.event_id},
            "org.matrix.msc3381.poll.response": {"answers": ["yes"]},
        },
    )

    closed = await bob.wait_for(
        lambda s: (
            s.room_id == lisboa and s.event.source.get("type") == "org.matrix.msc3381.poll.end"
        )
    )
    assert closed.content["m.relates_to"]["event_id"] == poll.event.event_id
    assert "approved" in closed.content["body"]
    decided = await alice.wait_for(
        lambda s: (
            s.room_id == coordination and "is approved by consensus" in s.content.get("body", "")
        )
    )
    assert "By node: Kyiv: yes · Lisboa: yes" in decided.content["body"]
    assert alice.user_id not in decided.content["body"]

    # Reminders: 8 s and 4 s before, at the start, at the end, in each node's language.
    expected = {
        kyiv: ("Нагадування", "Зараз", "завершено"),
        lisboa: ("Lembrete", "Agora", "terminou"),
    }
    users = {kyiv: alice, lisboa: bob}
    for room, (before, now_word, ended) in expected.items():
        user = users[room]
        await user.wait_for(
            lambda s, r=room, e=ended: s.room_id == r and e in s.content.get("body", ""), timeout=60
        )
        notices = [
            s
            for s in bot_notices(user, room, bot.user_id)
            if window_id in s.content.get("body", "")
            or "Minute of silence" in s.content.get("body", "")
        ]
        reminders = [s for s in notices if s.content["body"].startswith(("⏰", "🟢", "🔴"))]
        kinds = [s.content["body"][:1] for s in reminders]
        assert kinds == ["⏰", "⏰", "🟢", "🔴"], [s.content["body"] for s in reminders]
        assert before in reminders[0].content["body"] and now_word in reminders[2].content["body"]
        due = [
            start - timedelta(seconds=8),
            start - timedelta(seconds=4),
            start,
            start + timedelta(seconds=3),
        ]
        for seen, when in zip(reminders, due, strict=True):
            delay = (arrived(seen) - when).total_seconds()
            assert -1.0 <= delay <= 5.0, (seen.content["body"], delay)
        assert "(late)" not in reminders[0].content["body"]

    # The JSON view for scripts and audits has the decision and the votes.
    store = bot.bot.windows
    window = await store.get(window_id)
    assert str(window.state) in ("approved", "done")
    assert {str(v) for v in (await store.votes(window_id)).values()} == {"yes"}


async def test_bad_proposals_get_clear_errors(new_user, make_bot) -> None:
    alice = await new_user("alice")
    bot = await make_bot()
    room = await node_room(alice, bot.user_id, encrypted=True, register="Athens tz=Europe/Athens")
    cases = {
        "!window propose 2020-01-01 18:00; Too late": "in the past",
        "!window propose 2030-01-01 18:00 Mars/Olympus; Where": "'Mars/Olympus' is not a known time zone",
        "!window propose anniversary nonsense-day; What": "there is no anniversary 'nonsense-day'",
        "!window propose next blue moon; Which": "after 'next' write a phase",
        "!window propose next full moon": "end the time with ';'",
        "!window propose next full moon for ever; Long": "'ever' is not a duration",
    }
    for command, expected in cases.items():
        event = await alice.send_text(room, command)
        answer = await alice.wait_for_reply(room, event)
        assert expected in answer.content["body"], (command, answer.content["body"])
        assert "Example: " in answer.content["body"]

    moon = await alice.send_text(room, "!moon 2")
    answer = await alice.wait_for_reply(room, moon)
    assert "Next 2 moon phases (Europe/Athens)" in answer.content["body"]


async def test_lunar_local_window_show_ics_and_cancel(new_user, make_bot) -> None:
    alice = await new_user("alice")
    bot = await make_bot()
    room = await node_room(
        alice, bot.user_id, encrypted=True, register="Quito tz=America/Guayaquil lang=es"
    )
    event = await alice.send_text(
        room, "!window propose next full moon at 20:00 local for 30m every full moon; Luz"
    )
    answer = await alice.wait_for_reply(room, event)
    body = answer.content["body"]
    assert "local — the same clock time in every node's zone" in body, body
    assert "20:00 America/Guayaquil" in body and "Repeats: every full moon" in body
    window_id = WINDOW_ID.search(body).group(1)

    shown = await alice.wait_for_reply(
        room, await alice.send_text(room, f"!window show {window_id}")
    )
    assert "Quito: " in shown.content["body"] and "State: proposed" in shown.content["body"]

    ics = await alice.send_text(room, f"!window ics {window_id}")
    await alice.wait_for_reply(room, ics)
    file_event = await alice.wait_for(
        lambda s: s.room_id == room and s.reply_to == ics and s.content.get("msgtype") == "m.file"
    )
    encrypted_file = file_event.content["file"]  # an encrypted room gets an encrypted file
    from nio.crypto.attachments import decrypt_attachment

    download = await alice.client.download(encrypted_file["url"])
    data = decrypt_attachment(
        download.body,
        encrypted_file["key"]["k"],
        encrypted_file["hashes"]["sha256"],
        encrypted_file["iv"],
    )
    assert b"BEGIN:VCALENDAR" in data and b"SUMMARY:Luz" in data

    cancel = await alice.send_text(room, f"!window cancel {window_id}")
    answer = await alice.wait_for_reply(room, cancel)
    assert "Cancelled window" in answer.content["body"]
    listing = await alice.wait_for_reply(room, await alice.send_text(room, "!windows"))
    assert "No upcoming windows" in listing.content["body"]
    await asyncio.sleep(0)
