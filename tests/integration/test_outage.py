"""A homeserver outage: the bot backs off (and says so in its log), then recovers."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from pathlib import Path

import pytest

from actionbot.localserver import LocalSynapse
from tests.integration.conftest import RunningBot, bot_config
from tests.integration.matrix_user import MatrixUser

pytestmark = pytest.mark.integration


async def test_bot_survives_a_homeserver_restart(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="actionbot")
    server = LocalSynapse(tmp_path / "synapse")
    await asyncio.to_thread(server.start)
    try:
        bot_account = server.register(f"bot{secrets.token_hex(3)}")
        config = bot_config(server, bot_account, tmp_path / "bot", sending__sync_timeout="1s")
        bot = await RunningBot(config).start()
        alice = await MatrixUser.register_on(server, tmp_path / "a", "alice")
        room = await alice.create_room(encrypted=True, invite=[bot.user_id])
        await alice.wait_for(
            lambda s: getattr(s.event, "sender", "") == bot.user_id and "msgtype" in s.content
        )
        await alice.close()

        await asyncio.to_thread(server.stop)
        for _ in range(100):
            if any("sync failed; backing off" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.1)
        backoffs = [r for r in caplog.records if "sync failed; backing off" in r.getMessage()]
        assert backoffs and backoffs[0].reason.startswith("network")
        # Down long enough for the back-off to double to 16-32 s …
        await asyncio.sleep(30)
        await asyncio.to_thread(server.start)

        # The same person comes back on a new device: the bot must trust and decrypt it.
        alice = await alice.on_new_device(tmp_path / "a2")
        sent_at = time.monotonic()
        command = await alice.send_text(room, "!help")
        answer = await alice.wait_for_reply(room, command, timeout=90)
        assert "!node register" in answer.content["body"]
        # … yet a command sent once the server is back is answered within seconds: the bot
        # looks whether the server answers again instead of sleeping out its back-off.
        assert time.monotonic() - sent_at < 15, time.monotonic() - sent_at
        await alice.close()
        assert await bot.stop() == 0
    finally:
        await asyncio.to_thread(server.stop)
