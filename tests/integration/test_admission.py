"""Admission on a real Synapse: an outsider's room (on an allowed server) that registers
cannot read the network or vote until the coordinators admit it; admitted, it votes."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.integration.matrix_user import MatrixUser

pytestmark = pytest.mark.integration

WINDOW_ID = re.compile(r"`([0-9a-z]{5})`")
NODE_ID = re.compile(r"node admit ([0-9a-z]{5})")
POLL_START = "org.matrix.msc3381.poll.start"


async def ask_to_join(user: MatrixUser, bot_id: str, name: str, *, encrypted: bool) -> str:
    room = await user.create_room(encrypted=encrypted, invite=[bot_id])
    await user.wait_for(
        lambda s: s.room_id == room and getattr(s.event, "sender", "") == bot_id
    )  # the greeting
    answer = await user.wait_for_reply(room, await user.send_text(room, f"!node register {name}"))
    assert "Request sent" in answer.content["body"], answer.content["body"]
    return room


async def admit(coordinator: MatrixUser, coordination: str, name: str) -> str:
    """Admit the room that asked as ``name``; returns its node id."""
    request = await coordinator.wait_for(
        lambda s: (
            s.room_id == coordination
            and "asks to join" in s.content.get("body", "")
            and name in s.content.get("body", "")
        )
    )
    node_id = NODE_ID.search(request.content["body"]).group(1)
    admitted = await coordinator.wait_for_reply(
        coordination, await coordinator.send_text(coordination, f"!node admit {node_id}")
    )
    assert "Admitted" in admitted.content["body"], admitted.content["body"]
    return node_id


async def test_an_outsider_sees_nothing_and_has_no_vote_until_admitted(new_user, make_bot) -> None:
    alice = await new_user("alice")  # a coordinator, with a node room
    mallory = await new_user("mallory")  # an account on an allowed server, unknown to all
    coordination = await alice.create_room(encrypted=True, name="coordination")
    bot = await make_bot(
        bot__coordination_room=coordination,
        bot__coordinators=[alice.user_id],
        network__admission="coordinators",
    )
    await alice.invite(coordination, bot.user_id)
    kyiv = await ask_to_join(alice, bot.user_id, "Kyiv", encrypted=True)
    await admit(alice, coordination, "Kyiv")
    await alice.wait_for(lambda s: s.room_id == kyiv and "Welcome" in s.content.get("body", ""))

    outside = await ask_to_join(mallory, bot.user_id, "Friends", encrypted=False)
    proposal = await alice.wait_for_reply(
        kyiv, await alice.send_text(kyiv, "!window propose next full moon; Lights")
    )
    window_id = WINDOW_ID.search(proposal.content["body"]).group(1)
    await alice.wait_for(lambda s: s.room_id == kyiv and s.event.source.get("type") == POLL_START)

    for command in ("!windows", "!nodes", f"!window show {window_id}", f"!vote {window_id} block"):
        answer = await mallory.wait_for_reply(outside, await mallory.send_text(outside, command))
        body = answer.content["body"]
        assert "waiting for the network's coordinators" in body, (command, body)
        assert window_id not in body and "Kyiv" not in body
    assert await bot.bot.windows.votes(window_id) == {}
    # Nothing from the network reached the waiting room: no proposal, no poll.
    await asyncio.sleep(1)
    from_bot = mallory.notices_in(outside, bot.user_id)
    assert from_bot and all(window_id not in s.content.get("body", "") for s in from_bot)
    assert not [
        s for s in mallory.seen if s.room_id == outside and s.event.source.get("type") == POLL_START
    ]
    unsolicited = [s for s in from_bot if s.reply_to is None]
    assert len(unsolicited) <= 1  # the greeting only

    await admit(alice, coordination, "Friends")
    await mallory.wait_for(
        lambda s: s.room_id == outside and "Welcome" in s.content.get("body", "")
    )
    vote = await mallory.wait_for_reply(
        outside, await mallory.send_text(outside, f"!vote {window_id} no")
    )
    assert "Recorded" in vote.content["body"], vote.content["body"]
    assert {str(v) for v in (await bot.bot.windows.votes(window_id)).values()} == {"no"}

    # Poll integrity: a member who may not vote answers the node's poll twice and is told
    # once that it did not count.
    carol = await new_user("carol")
    await mallory.invite(outside, carol.user_id)
    await carol.join(outside)
    await alice.wait_for_reply(
        kyiv, await alice.send_text(kyiv, "!window propose next new moon; Quiet")
    )
    poll = await carol.wait_for(
        lambda s: s.room_id == outside and s.event.source.get("type") == POLL_START
    )
    for answer in ("yes", "block"):
        await carol.client.room_send(
            outside,
            "org.matrix.msc3381.poll.response",
            {
                "m.relates_to": {"rel_type": "m.reference", "event_id": poll.event.event_id},
                "org.matrix.msc3381.poll.response": {"answers": [answer]},
            },
        )
    await carol.wait_for(
        lambda s: (
            (s.room_id == outside and "did not count" in s.content.get("body", ""))
            or "moderators' answers count" in s.content.get("body", "")
        )
    )
    await asyncio.sleep(3)  # time for a second notice, if the bot were to send one
    told = [
        s
        for s in carol.notices_in(outside, bot.user_id)
        if "moderators' answers count" in s.content.get("body", "")
    ]
    assert len(told) == 1
    question = poll.content["org.matrix.msc3381.poll.start"]["question"]["body"]
    quiet = re.search(r"([0-9a-z]{5}): Quiet", question)
    assert quiet is not None, question
    assert await bot.bot.windows.votes(quiet.group(1)) == {}


async def test_a_removed_node_loses_its_vote_and_the_bot_leaves(new_user, make_bot) -> None:
    alice = await new_user("alice")
    bob = await new_user("bob")
    coordination = await alice.create_room(encrypted=True, name="coordination")
    bot = await make_bot(
        bot__coordination_room=coordination,
        bot__coordinators=[alice.user_id],
        network__admission="coordinators",
    )
    await alice.invite(coordination, bot.user_id)
    kyiv = await ask_to_join(alice, bot.user_id, "Kyiv", encrypted=True)
    await admit(alice, coordination, "Kyiv")
    taken = await ask_to_join(bob, bot.user_id, "Taken", encrypted=True)
    node_id = await admit(alice, coordination, "Taken")
    await bob.wait_for(lambda s: s.room_id == taken and "Welcome" in s.content.get("body", ""))
    proposal = await alice.wait_for_reply(
        kyiv, await alice.send_text(kyiv, "!window propose next full moon; Lights")
    )
    window_id = WINDOW_ID.search(proposal.content["body"]).group(1)
    await bob.wait_for(lambda s: s.room_id == taken and window_id in s.content.get("body", ""))
    vote = await bob.wait_for_reply(taken, await bob.send_text(taken, f"!vote {window_id} block"))
    assert "Recorded" in vote.content["body"], vote.content["body"]
    assert len(await bot.bot.windows.votes(window_id)) == 1

    removed = await alice.wait_for_reply(
        coordination,
        await alice.send_text(coordination, f"!node remove {node_id} the room was taken over"),
    )
    assert "Removed" in removed.content["body"], removed.content["body"]
    assert "@" not in removed.content["body"].replace(alice.user_id, "")
    told = await bob.wait_for(
        lambda s: s.room_id == taken and "removed node" in s.content.get("body", "")
    )
    assert "the room was taken over" in told.content["body"]
    # Then the bot leaves the room (after the room heard why).
    await bob.wait_for(
        lambda s: (
            s.room_id == taken
            and s.event.source.get("type") == "m.room.member"
            and s.event.source.get("state_key") == bot.user_id
            and s.event.source.get("content", {}).get("membership") == "leave"
        )
    )
    assert await bot.bot.windows.votes(window_id) == {}  # the block is withdrawn


async def test_a_coordinator_admits_with_a_reaction(new_user, make_bot) -> None:
    alice = await new_user("alice")
    bob = await new_user("bob")
    coordination = await alice.create_room(encrypted=True, name="coordination")
    bot = await make_bot(
        bot__coordination_room=coordination,
        bot__coordinators=[alice.user_id],
        network__admission="coordinators",
    )
    await alice.invite(coordination, bot.user_id)
    room = await ask_to_join(bob, bot.user_id, "Neighbours", encrypted=True)
    request = await alice.wait_for(
        lambda s: s.room_id == coordination and "asks to join" in s.content.get("body", "")
    )
    await alice.client.room_send(
        coordination,
        "m.reaction",
        {
            "m.relates_to": {
                "rel_type": "m.annotation",
                "event_id": request.event.event_id,
                "key": "✅️",
            }
        },
        ignore_unverified_devices=True,
    )
    audit = await alice.wait_for(
        lambda s: s.room_id == coordination and "Admitted" in s.content.get("body", "")
    )
    assert "Neighbours" in audit.content["body"]
    await bob.wait_for(lambda s: s.room_id == room and "Welcome" in s.content.get("body", ""))
    answer = await bob.wait_for_reply(room, await bob.send_text(room, "!windows"))
    assert "No upcoming windows" in answer.content["body"], answer.content["body"]
