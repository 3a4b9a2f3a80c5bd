"""Node registration over a real homeserver: permissions, listing, coordination room."""

from __future__ import annotations

import pytest

from tests.integration.speech import said, voice

pytestmark = pytest.mark.integration


def _is_notice_from(sender: str):
    return lambda s: getattr(s.event, "sender", "") == sender and "msgtype" in s.content


async def test_register_needs_moderator_and_announces_to_coordination_room(
    new_user, make_bot, synapse
) -> None:
    alice = await new_user("alice")  # room creator: moderator
    bob = await new_user("bob")  # invited member: power level 0
    # The coordination room exists before the bot is configured with it.
    bot_account_room = await alice.create_room(encrypted=True, name="coordination")
    bot = await make_bot(bot__coordination_room=bot_account_room)
    await alice.invite(bot_account_room, bot.user_id)
    await alice.wait_for(
        lambda s: s.room_id == bot_account_room and _is_notice_from(bot.user_id)(s)
    )

    room = await alice.create_room(encrypted=True, invite=[bot.user_id, bob.user_id])
    await bob.join(room)
    await bob.wait_for(lambda s: s.room_id == room and _is_notice_from(bot.user_id)(s))

    refused = await bob.send_text(room, "!node register Bob's Node tz=Europe/Kyiv")
    answer = await bob.wait_for_reply(room, refused)
    assert "Only room moderators" in answer.content["body"]

    nothing = await bob.send_text(room, "!node")
    answer = await bob.wait_for_reply(room, nothing)
    assert "not a node yet" in answer.content["body"]

    accepted = await alice.send_text(room, "!node register Kyiv Collective tz=Europe/Kyiv lang=uk")
    answer = await alice.wait_for_reply(room, accepted)
    body = answer.content["body"]
    uk = voice("uk")
    assert said(uk, "This room is now a node of the network:") in body
    assert "Kyiv Collective" in body and "Europe/Kyiv" in body

    # The coordination room hears about the node, by name, and never about a person.
    announced = await alice.wait_for(
        lambda s: s.room_id == bot_account_room and "Kyiv Collective" in s.content.get("body", "")
    )
    assert "joined the network" in announced.content["body"]
    assert alice.user_id not in announced.content["body"]
    assert "alice" not in announced.content["body"].lower()

    listing = await bob.send_text(room, "!nodes")
    answer = await bob.wait_for_reply(room, listing)
    body = answer.content["body"]
    assert (
        uk.s(uk.ngettext("{count} node in the network", "{count} nodes in the network", 1)) in body
    )
    assert "Kyiv Collective" in body and "Europe/Kyiv" in body and "localhost" in body
    assert alice.user_id not in body and bob.user_id not in body

    # A second room cannot take the same name (case-insensitively).
    other = await alice.create_room(encrypted=False, invite=[bot.user_id])
    await alice.wait_for(lambda s: s.room_id == other and _is_notice_from(bot.user_id)(s))
    clash = await alice.send_text(other, "!node register kyiv collective")
    answer = await alice.wait_for_reply(other, clash)
    assert "already uses the node name" in answer.content["body"]


async def test_configured_coordinator_may_register_without_power(new_user, synapse, make_bot):
    alice = await new_user("alice")
    carol = await new_user("carol")
    bot = await make_bot(bot__coordinators=[carol.user_id])
    room = await alice.create_room(encrypted=False, invite=[bot.user_id, carol.user_id])
    await carol.join(room)
    await carol.wait_for(lambda s: s.room_id == room and _is_notice_from(bot.user_id)(s))
    command = await carol.send_text(room, "!node register Lisboa tz=Europe/Lisbon lang=pt-PT")
    answer = await carol.wait_for_reply(room, command)
    assert said(voice("pt-PT"), "This room is now a node of the network:") in answer.content["body"]
