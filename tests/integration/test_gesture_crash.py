"""SIGKILL in the middle of distributing guidelines to 12 node rooms, restart: every room
gets exactly one guideline, pinned once."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from actionbot.gestures import shipped_gestures
from actionbot.localserver import LocalSynapse
from tests.integration.matrix_user import MatrixUser
from tests.integration.test_crash import start_bot
from tests.integration.test_gestures import WINDOW_ID, node_room, pinned, until

pytestmark = pytest.mark.integration
ROOMS = 12


def guideline_states(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path, timeout=5) as db:
        rows = db.execute(
            "SELECT status, COUNT(*) FROM outbox WHERE key LIKE 'guideline:%' GROUP BY status"
        ).fetchall()
    return dict(rows)


async def test_kill_mid_distribution_sends_each_guideline_once(
    synapse: LocalSynapse, tmp_path: Path
) -> None:
    account = synapse.register(f"bot{os.urandom(3).hex()}")
    raw = {
        "matrix": {
            "homeserver": synapse.url,
            "user_id": account.user_id,
            "password": account.password,
        },
        "store": {"path": str(tmp_path / "bot")},
        "network": {"admission": "open"},
        # One message at a time, so the kill lands in the middle of the fan-out.
        "sending": {"sync_timeout": "2s", "retry_base": "1s", "concurrency": 1},
        "decisions": {"period": "4s"},  # the deadline decides (one yes is a majority)
    }
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(raw))
    log_path = tmp_path / "bot.log"
    db_path = tmp_path / "bot" / "actionbot.db"
    bot = start_bot(config_path, log_path)
    alice = await MatrixUser.register_on(synapse, tmp_path / "alice", "alice")
    title = shipped_gestures()["human-chain"].text.title
    try:
        rooms = [
            await node_room(
                alice, account.user_id, encrypted=index % 4 == 0, register=f"N{index} tz=UTC"
            )
            for index in range(ROOMS)
        ]
        start = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
        proposal = await alice.send_text(
            rooms[0], f"!window propose {start:%Y-%m-%dT%H:%MZ} gesture=human-chain; Chain"
        )
        reply = await alice.wait_for_reply(rooms[0], proposal)
        window_id = WINDOW_ID.search(reply.content["body"])[1]
        await alice.wait_for_reply(
            rooms[0], await alice.send_text(rooms[0], f"!vote {window_id} yes")
        )

        async def first_sent() -> dict[str, int]:
            while True:
                states = (
                    await asyncio.to_thread(guideline_states, db_path) if db_path.exists() else {}
                )
                if states.get("sent"):
                    return states
                await asyncio.sleep(0.005)

        states = await asyncio.wait_for(first_sent(), 60)
        bot.send_signal(signal.SIGKILL)
        bot.wait()
        assert states.get("pending"), states  # killed mid fan-out, not after it
        bot = start_bot(config_path, log_path)

        def guidelines(room: str) -> list:
            return [
                s
                for s in alice.notices_in(room, account.user_id)
                if s.content.get("body", "").find(title) >= 0
            ]

        for room in rooms:
            await alice.wait_for(
                lambda s, r=room: s.room_id == r and title in s.content.get("body", ""), 60
            )
        await asyncio.sleep(3)  # let any duplicate (or a second pin) arrive before counting
        for room in rooms:
            (guide,) = guidelines(room)

            async def pinned_once(r: str = room, event_id: str = guide.event.event_id) -> bool:
                return await pinned(alice, r) == [event_id]

            await until(pinned_once)
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.to_thread(bot.wait, 30)
        await alice.close()
    assert guideline_states(db_path) == {"sent": ROOMS}
