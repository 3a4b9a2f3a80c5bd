"""Time, not attempts, bounds delivery: the homeserver down five minutes across a window's
"starts now" reminder — the reminder arrives once when it is back, marked as sent late.
(Before, network errors used up the attempts and the reminder was failed after ≈254 s.)"""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actionbot.localserver import LocalSynapse
from tests.integration.conftest import RunningBot, assert_no_person_in, bot_config
from tests.integration.matrix_user import MatrixUser

pytestmark = pytest.mark.integration

OUTAGE_S = 300
WINDOW_ID = re.compile(r"`([a-z0-9]{5})`")


async def test_a_reminder_survives_a_five_minute_outage_once_and_marked_late(
    tmp_path: Path,
) -> None:
    server = LocalSynapse(tmp_path / "synapse")
    await asyncio.to_thread(server.start)
    try:
        account = server.register(f"bot{secrets.token_hex(3)}")
        config = bot_config(
            server,
            account,
            tmp_path / "bot",
            windows__reminders=["start"],
            sending__sync_timeout="2s",
        )
        bot = await RunningBot(config).start()
        alice = await MatrixUser.register_on(server, tmp_path / "a", "alice")
        room = await alice.create_room(encrypted=False, invite=[bot.user_id])
        await alice.wait_for(lambda s: s.room_id == room and "msgtype" in s.content)
        await alice.wait_for_reply(
            room, await alice.send_text(room, "!node register Kyiv tz=Europe/Kyiv lang=en")
        )
        start = (datetime.now(UTC) + timedelta(seconds=25)).replace(microsecond=0)
        proposed = await alice.wait_for_reply(
            room,
            await alice.send_text(
                room, f"!window propose {start:%Y-%m-%dT%H:%M:%SZ} for 10m; Long outage"
            ),
        )
        window_id = WINDOW_ID.search(proposed.content["body"]).group(1)
        voted = await alice.wait_for_reply(
            room, await alice.send_text(room, f"!vote {window_id} yes")
        )
        assert "pproved" in voted.content["body"], voted.content["body"]
        await alice.close()

        # Down from before the reminder is due until five minutes later.
        await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds() - 10))
        await asyncio.to_thread(server.stop)
        await asyncio.sleep(OUTAGE_S)
        await asyncio.to_thread(server.start)

        alice = await alice.on_new_device(tmp_path / "a2")

        def is_start(seen) -> bool:
            body = seen.content.get("body", "")
            return seen.room_id == room and window_id in body and "Now:" in body

        reminder = await alice.wait_for(is_start, timeout=120)
        assert "(sent late)" in reminder.content["body"]
        barrier = await alice.send_text(room, "!windows")
        await alice.wait_for_reply(room, barrier)
        assert len([s for s in alice.seen if is_start(s)]) == 1
        await alice.close()
        assert await bot.stop() == 0
        assert_no_person_in(config.db_path, bot.user_id)
    finally:
        await asyncio.to_thread(server.stop)
