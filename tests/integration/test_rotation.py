"""A rota with power=50 on a real Synapse: the person on duty gets power level 50 in the
room, gives it back at the hand-over, and the last holder gets it back when the rota stops."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.integration


async def levels(user, room: str) -> dict[str, int]:
    resp = await user.client.room_get_state_event(room, "m.room.power_levels")
    return dict(resp.content.get("users", {}))


async def until(user, room: str, check, timeout: float = 30.0) -> dict[str, int]:
    async def poll() -> dict[str, int]:
        while True:
            found = await levels(user, room)
            if check(found):
                return found
            await asyncio.sleep(0.3)

    return await asyncio.wait_for(poll(), timeout)


async def test_a_rota_moves_power_from_holder_to_holder(new_user, make_bot) -> None:
    alice, bob, carol = await new_user("alice"), await new_user("bob"), await new_user("carol")
    bot = await make_bot()
    room = await alice.create_room(encrypted=True, invite=[bot.user_id, bob.user_id, carol.user_id])
    await bob.join(room)
    await carol.join(room)
    await alice.wait_for(
        lambda s: s.room_id == room and getattr(s.event, "sender", "") == bot.user_id
    )
    # The room lets the bot manage power levels (the moderators' choice).
    current = (await alice.client.room_get_state_event(room, "m.room.power_levels")).content
    current["users"][bot.user_id] = 100
    await alice.client.room_put_state(room, "m.room.power_levels", current)
    await alice.wait_for_reply(room, await alice.send_text(room, "!node register Door tz=UTC"))

    made = await alice.wait_for_reply(
        room,
        await alice.send_text(
            room, f"!rotation set door {bob.user_id} {carol.user_id} every 7d power=50"
        ),
    )
    assert "saved" in made.content["body"], made.content["body"]
    found = await until(alice, room, lambda u: u.get(bob.user_id) == 50)
    assert carol.user_id not in found

    await alice.wait_for_reply(room, await alice.send_text(room, "!rotation skip door"))
    found = await until(alice, room, lambda u: u.get(carol.user_id) == 50 and bob.user_id not in u)
    assert found[bot.user_id] == 100  # never its own level
    told = await bob.wait_for(
        lambda s: s.room_id == room and "takes over from" in s.content.get("body", "")
    )
    assert carol.user_id in told.content["body"]

    await alice.wait_for_reply(room, await alice.send_text(room, "!rotation stop door"))
    await until(alice, room, lambda u: carol.user_id not in u and bob.user_id not in u)
