"""On Synapse's *default* rate limits the bot backs off on 429 and loses nothing.

This module starts its own Synapse that keeps the defaults (rc_message: 0.2/s, burst 10),
unlike the session server, whose limits are raised for speed.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from actionbot.core.outbox import OutgoingMessage, Status
from actionbot.localserver import LocalSynapse
from actionbot.store import OutboxStore
from tests.integration.conftest import RunningBot, bot_config
from tests.integration.matrix_user import MatrixUser

pytestmark = pytest.mark.integration

MESSAGES = 12  # greeting + 12 > burst of 10: at least one 429 is certain


@pytest.fixture(scope="module")
def strict_synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSynapse]:
    server = LocalSynapse(tmp_path_factory.mktemp("strict"), relaxed_limits=False)
    server.start()
    yield server
    server.stop()


async def test_burst_over_the_limit_is_delivered_once_each(
    strict_synapse: LocalSynapse, tmp_path: Path, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="actionbot")
    bot_account = strict_synapse.register(f"bot{secrets.token_hex(3)}")
    bot = await RunningBot(bot_config(strict_synapse, bot_account, tmp_path / "bot")).start()
    alice = await MatrixUser.register_on(strict_synapse, tmp_path / "alice", "alice")
    try:
        room = await alice.create_room(encrypted=False, invite=[bot.user_id])
        await alice.wait_for(
            lambda s: getattr(s.event, "sender", "") == bot.user_id and "msgtype" in s.content
        )
        outbox = OutboxStore(bot.bot.db)
        now = bot.bot.clock()
        for index in range(MESSAGES):
            await outbox.enqueue(
                OutgoingMessage(
                    key=f"burst:{index}",
                    room_id=room,
                    content={"msgtype": "m.notice", "body": f"burst {index}"},
                ),
                now=now,
            )
        bot.bot.sender.notify()

        last = f"burst {MESSAGES - 1}"
        await alice.wait_for(lambda s: s.content.get("body") == last, timeout=120)
        await asyncio.sleep(0.5)  # let any duplicate arrive before counting
        bodies = [s.content.get("body") for s in alice.notices_in(room, bot.user_id)]
        for index in range(MESSAGES):
            assert bodies.count(f"burst {index}") == 1
        rows = [r for r in await outbox.all() if r.key.startswith("burst:")]
        assert {r.status for r in rows} == {Status.SENT}
        assert len({r.event_id for r in rows}) == MESSAGES
        assert any("rate limited" in r.getMessage() for r in caplog.records)
    finally:
        await alice.close()
        await bot.stop()
