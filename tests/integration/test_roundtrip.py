"""Join by invite and the !help round trip, in a plain and in an encrypted room."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_help_round_trip(new_user, make_bot, encrypted: bool) -> None:
    bot = await make_bot()
    alice = await new_user("alice")
    room = await alice.create_room(encrypted=encrypted, invite=[bot.user_id])

    # The greeting proves the bot joined by invite and can send (and encrypt) to us.
    greeting = await alice.wait_for(
        lambda s: (
            s.room_id == room
            and getattr(s.event, "sender", "") == bot.user_id
            and s.content.get("msgtype") == "m.notice"
        )
    )
    assert greeting.content["msgtype"] == "m.notice"
    assert "!help" in greeting.content["body"]

    command = await alice.send_text(room, "!help")
    answer = await alice.wait_for_reply(room, command)

    content = answer.content
    assert content["msgtype"] == "m.notice"
    assert content["format"] == "org.matrix.custom.html"
    assert "<code>!node register" in content["formatted_body"]
    assert "!node register" in content["body"]
    assert "</code>" not in content["body"] and "&lt;" not in content["body"]
    assert content["m.mentions"] == {"user_ids": [alice.user_id]}

    raw = alice.raw_event(room, answer.event.event_id)
    if encrypted:
        assert raw["type"] == "m.room.encrypted"
        assert "body" not in raw["content"]
        assert getattr(answer.event, "decrypted", False)
    else:
        assert raw["type"] == "m.room.message"

    # `!help <command>` explains one command with an example.
    detail = await alice.send_text(room, "!help node register")
    explained = await alice.wait_for_reply(room, detail)
    assert "Example: `!node register" in explained.content["body"]


async def test_unknown_and_malformed_commands_get_friendly_errors(new_user, make_bot) -> None:
    bot = await make_bot()
    alice = await new_user("alice")
    room = await alice.create_room(encrypted=True, invite=[bot.user_id])
    await alice.wait_for(
        lambda s: getattr(s.event, "sender", "") == bot.user_id and "msgtype" in s.content
    )

    unknown = await alice.send_text(room, "!nodez")
    reply = await alice.wait_for_reply(room, unknown)
    assert "Unknown command `!nodez`" in reply.content["body"]
    assert "`!nodes`" in reply.content["body"]

    malformed = await alice.send_text(room, "!node register Kyiv tz=Mars/Olympus")
    reply = await alice.wait_for_reply(room, malformed)
    body = reply.content["body"]
    assert "“Mars/Olympus” is not a time zone I know" in body
    assert "Example: `!node register" in body
    assert "Traceback" not in body

    # Ordinary chat is not a command and gets no reply; nor does a pasted room id.
    chat = await alice.send_text(room, "hello everyone! see you at the square")
    pasted = await alice.send_text(room, "!ikQqCHhqspYyb6TfHn:example.org is our room")
    barrier = await alice.send_text(room, "!node")
    await alice.wait_for_reply(room, barrier)
    assert alice.replies_to(room, chat) == []
    assert alice.replies_to(room, pasted) == []

    # A group word alone answers with its sub-commands; an unknown one is echoed as typed.
    group = await alice.send_text(room, "!window propse next full moon; x")
    reply = await alice.wait_for_reply(room, group)
    assert "`!window` does not know “propse”" in reply.content["body"]
    assert "`!window propose <when>" in reply.content["body"]
    shouted = await alice.send_text(room, "!NodeZ")
    reply = await alice.wait_for_reply(room, shouted)
    assert "Unknown command `!NodeZ`" in reply.content["body"]
