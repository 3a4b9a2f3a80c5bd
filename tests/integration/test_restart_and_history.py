"""Restarts reuse the device and never answer old commands; history is not replayed."""

from __future__ import annotations

import sqlite3

import pytest

from tests.integration.conftest import RunningBot

pytestmark = pytest.mark.integration


def _bot_notice(bot_id: str, room: str):
    return lambda s: (
        s.room_id == room and getattr(s.event, "sender", "") == bot_id and "msgtype" in s.content
    )


async def test_restart_keeps_device_and_does_not_replay(new_user, make_bot) -> None:
    bot = await make_bot()
    alice = await new_user("alice")
    room = await alice.create_room(encrypted=True, invite=[bot.user_id])
    await alice.wait_for(_bot_notice(bot.user_id, room))
    first_device = bot.bot.connection.device_id

    old = await alice.send_text(room, "!help")
    await alice.wait_for_reply(room, old)
    assert await bot.stop() == 0

    # While the bot is down a command arrives: it is answered after restart (it is young).
    missed = await alice.send_text(room, "!node")

    restarted = await RunningBot(bot.config).start()
    assert restarted.bot.connection.device_id == first_device
    await alice.wait_for_reply(room, missed)

    fresh = await alice.send_text(room, "!nodes")
    await alice.wait_for_reply(room, fresh)  # barrier: everything before it was processed
    assert len(alice.replies_to(room, old)) == 1
    assert len(alice.replies_to(room, missed)) == 1
    # Encryption still works both ways after the restart (same device, same keys).
    assert getattr(alice.replies_to(room, fresh)[0].event, "decrypted", False)
    await restarted.stop()

    with sqlite3.connect(bot.config.db_path) as db:
        devices = db.execute("SELECT device_id FROM session").fetchall()
        statuses = db.execute("SELECT DISTINCT status FROM outbox").fetchall()
    assert devices == [(first_device,)]
    assert statuses == [("sent",)]


async def test_commands_from_before_the_bot_joined_are_not_answered(new_user, make_bot):
    bot = await make_bot()
    alice = await new_user("alice")
    room = await alice.create_room(encrypted=False)
    before = await alice.send_text(room, "!help")
    await alice.invite(room, bot.user_id)
    await alice.wait_for(_bot_notice(bot.user_id, room))

    after = await alice.send_text(room, "!help")
    await alice.wait_for_reply(room, after)
    assert alice.replies_to(room, before) == []


async def test_undecryptable_message_gets_one_hint(new_user, make_bot):
    bot = await make_bot()
    alice = await new_user("alice")
    room = await alice.create_room(encrypted=True)
    # Encrypted before the bot was invited: its keys were never shared with the bot.
    early = await alice.send_text(room, "!help")
    also_early = await alice.send_text(room, "!nodes")
    await alice.invite(room, bot.user_id)

    hint = await alice.wait_for_reply(room, early)
    assert "couldn't decrypt" in hint.content["body"]
    assert bot.bot.connection.device_id in hint.content["body"]

    later = await alice.send_text(room, "!node")
    await alice.wait_for_reply(room, later)
    # Same Megolm session → one hint only, not one per message.
    assert alice.replies_to(room, also_early) == []
    assert len(alice.replies_to(room, early)) == 1
