"""Gesture guidelines on a real Synapse: a window with a gesture is approved across two node
rooms in different languages (one encrypted); each room receives its guideline in its own
language with its adaptation, pinned; RSVPs by command and by reaction are counted per
node and undone by redacting the reaction."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actionbot.gestures import shipped_gestures

pytestmark = pytest.mark.integration
WINDOW_ID = re.compile(r"`([a-z0-9]{5})`")


async def node_room(user, bot_id: str, *, encrypted: bool, register: str) -> str:
    room = await user.create_room(encrypted=encrypted, invite=[bot_id])
    await user.wait_for(lambda s: s.room_id == room and getattr(s.event, "sender", "") == bot_id)
    # The room lets the bot pin (its moderators' choice).
    levels = (await user.client.room_get_state_event(room, "m.room.power_levels")).content
    levels["users"][bot_id] = 50
    await user.client.room_put_state(room, "m.room.power_levels", levels)
    await user.wait_for_reply(room, await user.send_text(room, f"!node register {register}"))
    return room


def rsvps(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT node_id, COUNT(*) FROM rsvps GROUP BY node_id ORDER BY node_id"
        ).fetchall()
    return dict(rows)


async def until(check, timeout: float = 30.0):
    async def poll():
        while True:
            found = await check()
            if found:
                return found
            await asyncio.sleep(0.3)

    return await asyncio.wait_for(poll(), timeout)


async def pinned(user, room: str) -> list[str]:
    resp = await user.client.room_get_state_event(room, "m.room.pinned_events")
    return list(getattr(resp, "content", {}).get("pinned", []))


async def test_guidelines_in_each_language_pinned_with_rsvp(new_user, make_bot) -> None:
    alice, bob = await new_user("alice"), await new_user("bob")
    bot = await make_bot()
    kyiv = await node_room(
        alice, bot.user_id, encrypted=True, register="Kyiv tz=Europe/Kyiv lang=uk"
    )
    lima = await node_room(
        bob, bot.user_id, encrypted=False, register="Lima tz=America/Lima lang=es"
    )

    start = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0)
    proposal = await alice.send_text(
        kyiv, f"!window propose {start:%Y-%m-%dT%H:%MZ} gesture=light-vigil; Lights"
    )
    window_id = WINDOW_ID.search((await alice.wait_for_reply(kyiv, proposal)).content["body"])[1]
    adaptation = "Свічки на сходах бібліотеки"
    await alice.wait_for_reply(
        kyiv, await alice.send_text(kyiv, f"!gesture adapt {window_id} {adaptation}")
    )
    await alice.wait_for_reply(kyiv, await alice.send_text(kyiv, f"!vote {window_id} yes"))
    await bob.wait_for_reply(lima, await bob.send_text(lima, f"!vote {window_id} yes"))

    gesture = shipped_gestures()["light-vigil"]
    uk_title = gesture.in_language("uk")[0].title
    es_title = gesture.in_language("es")[0].title
    in_kyiv = await alice.wait_for(
        lambda s: s.room_id == kyiv and uk_title in s.content.get("body", "")
    )
    in_lima = await bob.wait_for(
        lambda s: s.room_id == lima and es_title in s.content.get("body", "")
    )
    assert adaptation in in_kyiv.content["body"]
    assert adaptation not in in_lima.content["body"]  # each node's own adaptation
    assert in_kyiv.content["msgtype"] == "m.notice" and "<b>" in in_kyiv.content["formatted_body"]
    assert alice.raw_event(kyiv, in_kyiv.event.event_id)["type"] == "m.room.encrypted"
    await until(lambda: _has(alice, kyiv, in_kyiv.event.event_id))
    await until(lambda: _has(bob, lima, in_lima.event.event_id))

    # RSVP: bob by command in Lima; alice by reaction in Kyiv (encrypted), then taken back.
    await bob.wait_for_reply(lima, await bob.send_text(lima, f"!join {window_id}"))
    reaction = await alice.client.room_send(
        kyiv,
        "m.reaction",
        {
            "m.relates_to": {
                "rel_type": "m.annotation",
                "event_id": in_kyiv.event.event_id,
                "key": "🙋",
            }
        },
        ignore_unverified_devices=True,
    )
    db = bot.config.db_path

    async def both_counted():
        counts = rsvps(db)
        return counts if sorted(counts.values()) == [1, 1] else None

    await until(both_counted)
    await alice.client.room_redact(kyiv, reaction.event_id)

    async def kyiv_undone():
        counts = rsvps(db)
        return counts if list(counts.values()) == [1] else None

    await until(kyiv_undone)
    with sqlite3.connect(db) as conn:
        dump = "\n".join(line for line in conn.iterdump() if '"outbox"' not in line)
    assert alice.user_id not in dump and bob.user_id not in dump


async def _has(user, room: str, event_id: str) -> bool:
    return event_id in await pinned(user, room)


GESTURE = b"""id: window-lights
title: Lights in every window
summary: At the start time, switch a light on in a window facing the street.
steps: [Choose a window, Switch the light on at the start time]
safety: ["Digital: no faces or names in the window."]
"""


async def upload_file(user, room: str, data: bytes, *, encrypted: bool, caption: str = "") -> str:
    import io

    resp, keys = await user.client.upload(
        lambda *_: io.BytesIO(data),
        content_type="application/yaml",
        filename="gesture.yaml",
        encrypt=encrypted,
        filesize=len(data),
    )
    content = {
        "msgtype": "m.file",
        "body": caption or "gesture.yaml",
        "filename": "gesture.yaml",
        "info": {"size": len(data), "mimetype": "application/yaml"},
    }
    if encrypted:
        content["file"] = {**keys, "url": resp.content_uri}
    else:
        content["url"] = resp.content_uri
    sent = await user.client.room_send(
        room, "m.room.message", content, ignore_unverified_devices=True
    )
    return sent.event_id


async def test_coordinators_add_a_gesture_by_file_plain_and_encrypted(new_user, make_bot) -> None:
    alice = await new_user("alice")
    coordination = await alice.create_room(encrypted=True, name="coordination")
    bot = await make_bot(bot__coordination_room=coordination)
    await alice.invite(coordination, bot.user_id)
    await alice.wait_for(
        lambda s: s.room_id == coordination and getattr(s.event, "sender", "") == bot.user_id
    )
    # An encrypted file in the encrypted coordination room, answered with the command.
    file_event = await upload_file(alice, coordination, GESTURE, encrypted=True)
    command = await alice.client.room_send(
        coordination,
        "m.room.message",
        {
            "msgtype": "m.text",
            "body": "!gesture add",
            "m.relates_to": {"m.in_reply_to": {"event_id": file_event}},
        },
        ignore_unverified_devices=True,
    )
    added = await alice.wait_for_reply(coordination, command.event_id)
    assert "window-lights" in added.content["body"] and "added" in added.content["body"]

    # A broken file sent with the command as its caption: refused, with the field named.
    broken = GESTURE.replace(b"safety:", b"colour: red\nsafety:")
    caption = await upload_file(alice, coordination, broken, encrypted=True, caption="!gesture add")
    refused = await alice.wait_for_reply(coordination, caption)
    assert "colour" in refused.content["body"] and "nothing was stored" in refused.content["body"]
    listing = await alice.wait_for_reply(
        coordination, await alice.send_text(coordination, "!gesture show window-lights")
    )
    assert "Lights in every window" in listing.content["body"]
