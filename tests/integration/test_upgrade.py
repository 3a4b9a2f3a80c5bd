"""A node's room is upgraded (m.room.tombstone) on a real Synapse: the node follows its room
to the successor, with its windows; in an invite-only room the coordination room is asked to get the bot invited."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.integration


async def test_a_node_follows_its_upgraded_room(new_user, make_bot) -> None:
    alice = await new_user("alice")
    coordination = await alice.create_room(encrypted=True, name="coordination")
    bot = await make_bot(bot__coordination_room=coordination)
    await alice.invite(coordination, bot.user_id)
    old = await alice.create_room(encrypted=True, invite=[bot.user_id])
    await alice.wait_for(
        lambda s: s.room_id == old and getattr(s.event, "sender", "") == bot.user_id
    )
    registered = await alice.wait_for_reply(
        old, await alice.send_text(old, "!node register Upgraded tz=UTC")
    )
    assert "now a node" in registered.content["body"], registered.content["body"]
    proposed = await alice.wait_for_reply(
        old, await alice.send_text(old, "!window propose next full moon; Lanterns")
    )
    assert "Lanterns" in proposed.content["body"]

    # A real server-side upgrade (the Matrix upgrade API), not a client emulation.
    resp = await alice.client.send(
        "POST",
        f"/_matrix/client/v3/rooms/{quote(old, safe='')}/upgrade",
        json.dumps({"new_version": "10"}),
        headers={"Authorization": f"Bearer {alice.client.access_token}"},
    )
    assert resp.status == 200, await resp.text()
    new = (await resp.json())["replacement_room"]

    # The new room is invite-only and the old one closed: the coordination room is asked.
    asked = await alice.wait_for(
        lambda s: s.room_id == coordination and "invite me there" in s.content.get("body", "")
    )
    assert "Upgraded" in asked.content["body"]
    await alice.wait_for(lambda s: s.room_id == new)  # alice's own client knows the room
    await alice.invite(new, bot.user_id)
    await alice.wait_for(
        lambda s: s.room_id == new and "continues in this room" in s.content.get("body", "")
    )
    shown = await alice.wait_for_reply(new, await alice.send_text(new, "!node"))
    assert "Upgraded" in shown.content["body"], shown.content["body"]
    listing = await alice.wait_for_reply(new, await alice.send_text(new, "!windows"))
    assert "Lanterns" in listing.content["body"], listing.content["body"]
