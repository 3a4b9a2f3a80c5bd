"""The invite allow-list: invites from servers not on it are rejected and logged."""

from __future__ import annotations

import asyncio
import logging

import pytest

pytestmark = pytest.mark.integration


async def test_invite_from_server_not_on_allow_list_is_rejected(new_user, make_bot, caplog):
    caplog.set_level(logging.INFO, logger="actionbot")
    # Simulate a foreign inviter by allowing only another server.
    bot = await make_bot(matrix__allowed_servers=["example.org"])
    alice = await new_user("alice")
    room = await alice.create_room(encrypted=False, invite=[bot.user_id])

    for _ in range(200):
        if alice.membership(room, bot.user_id) == "leave":
            break
        await asyncio.sleep(0.1)
    assert alice.membership(room, bot.user_id) == "leave"
    rejected = [r for r in caplog.records if "invite rejected" in r.getMessage()]
    assert rejected and rejected[0].inviter_server == "localhost"


async def test_invite_from_own_server_is_accepted_by_default(new_user, make_bot):
    bot = await make_bot()
    alice = await new_user("alice")
    room = await alice.create_room(encrypted=False, invite=[bot.user_id])
    await alice.wait_for(
        lambda s: s.room_id == room and getattr(s.event, "sender", "") == bot.user_id
    )
    assert alice.membership(room, bot.user_id) == "join"
