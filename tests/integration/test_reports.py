"""Photo reports on a real Synapse: an encrypted node room posts a JPEG with GPS in its EXIF
during a window → the stored file has no metadata at all, and the sender gets ✅."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from tests.integration.test_gestures import WINDOW_ID, node_room, until
from tests.unit.test_photos import tagged_jpeg

pytestmark = pytest.mark.integration


async def send_image(user, room: str, data: bytes, *, msgtype: str, caption: str) -> str:
    """An encrypted image upload, as a phone's Matrix client sends it."""
    resp, keys = await user.client.upload(
        lambda *_: io.BytesIO(data),
        content_type="image/jpeg",
        filename="square.jpg",
        encrypt=True,
        filesize=len(data),
    )
    sent = await user.client.room_send(
        room,
        "m.room.message",
        {
            "msgtype": msgtype,
            "body": caption or "square.jpg",
            "filename": "square.jpg",
            "info": {"mimetype": "image/jpeg", "size": len(data)},
            "file": {**keys, "url": resp.content_uri},
        },
        ignore_unverified_devices=True,
    )
    return sent.event_id


async def test_an_encrypted_photo_is_stored_clean_and_acknowledged(new_user, make_bot) -> None:
    alice = await new_user("alice")
    bot = await make_bot()
    room = await node_room(alice, bot.user_id, encrypted=True, register="Kyiv tz=UTC")
    start = (datetime.now(UTC) + timedelta(seconds=12)).replace(microsecond=0)
    proposal = await alice.send_text(
        room, f"!window propose {start:%Y-%m-%dT%H:%M:%SZ} for 5m; Vigil"
    )
    window_id = WINDOW_ID.search((await alice.wait_for_reply(room, proposal)).content["body"])[1]
    await alice.wait_for_reply(room, await alice.send_text(room, f"!vote {window_id} yes"))
    await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + 1)

    original = tagged_jpeg(400, 300)
    sent = [
        await send_image(alice, room, original, msgtype="m.image", caption="At the square"),
        await send_image(alice, room, original, msgtype="m.file", caption=""),  # as a file
    ]
    for event_id in sent:
        tick = await alice.wait_for(
            lambda s, e=event_id: (
                s.room_id == room
                and s.content.get("m.relates_to", {}).get("event_id") == e
                and s.content.get("m.relates_to", {}).get("key") == "✅"
            )
        )
        assert getattr(tick.event, "sender", "") == bot.user_id

    folder = bot.config.photos_path

    async def stored():
        files = list(folder.glob("*.jpg")) if folder.exists() else []
        return files if len(files) >= 1 else None

    files = await until(stored)
    for path in files:
        data = path.read_bytes()
        image = Image.open(io.BytesIO(data))
        assert not image.getexif() and "icc_profile" not in image.info and "xmp" not in image.info
        for secret in (b"Exif", b"SpyCam", b"SN12345", b"Kyiv", b"shot at"):
            assert secret not in data
    # No original bytes anywhere in the bot's store.
    for path in bot.config.store_path.rglob("*"):
        if path.is_file():
            assert b"SpyCam" not in path.read_bytes(), path
