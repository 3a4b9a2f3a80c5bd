"""A federated node's homeserver goes down across a reminder: the reminder still arrives,
once and decrypted, after the server comes back.

The bot lives on server A; the node room is an encrypted room created on server B, which
federates with A over loopback TLS. B is stopped before the reminder is due and kept down
for over 60 s across that instant; A's federation queue must deliver the reminder when B
returns, and nothing on the bot side may send it twice.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nio import MegolmEvent

from tests.integration.conftest import RunningBot, assert_no_person_in, bot_config
from tests.integration.federation import (  # noqa: F401 (federated_pair is a fixture)
    FederatedPair,
    federated_pair,
    patient_through_outages,
)
from tests.integration.matrix_user import MatrixUser

pytestmark = pytest.mark.integration

WINDOW_ID = re.compile(r"`([0-9a-z]{5})`")
OUTAGE = 65.0  # seconds server B stays down (the issue asks for at least 60)
DUE_INTO_OUTAGE = 25.0  # the reminder falls due this long after B stops


def from_bot(bot_id: str, room: str):
    return lambda s: (
        s.room_id == room and getattr(s.event, "sender", "") == bot_id and "msgtype" in s.content
    )


async def test_reminder_reaches_a_federated_node_once_after_its_outage(
    federated_pair: FederatedPair,  # noqa: F811
    tmp_path: Path,
) -> None:
    a, b = federated_pair.a, federated_pair.b
    account = a.register(f"bot{secrets.token_hex(3)}")
    config = bot_config(
        a,
        account,
        tmp_path / "bot",
        windows__reminders=["start"],
        matrix__allowed_servers=[a.server_name, b.server_name],
        sending__sync_timeout="2s",
    )
    bot = await RunningBot(config).start()
    far = patient_through_outages(await MatrixUser.register_on(b, tmp_path / "far", "far"))
    try:
        # An encrypted room on B; the bot joins it over federation and greets.
        room = await far.create_room(encrypted=True, invite=[bot.user_id], name="far node")
        await far.wait_for(from_bot(bot.user_id, room), timeout=60)
        command = await far.send_text(room, "!node register Far tz=UTC lang=en")
        answer = await far.wait_for_reply(room, command)
        assert "This room is now a node of the network:" in answer.content["body"]

        # The start leaves time to vote and approve, then falls due while B is down.
        start = (datetime.now(UTC) + timedelta(seconds=DUE_INTO_OUTAGE + 8)).replace(microsecond=0)
        command = await far.send_text(
            room, f"!window propose {start:%Y-%m-%dT%H:%M:%SZ} for 5m; Far away"
        )
        answer = await far.wait_for_reply(room, command)
        window_id = WINDOW_ID.search(answer.content["body"]).group(1)
        vote = await far.send_text(room, f"!vote {window_id} yes")
        await far.wait_for_reply(room, vote)
        await far.wait_for(
            lambda s: (
                s.room_id == room
                and window_id in s.content.get("body", "")
                and "is approved" in s.content.get("body", "")
            )
        )

        def is_reminder(s) -> bool:
            body = s.content.get("body", "")
            return body.startswith("🟢") and window_id in body

        def reminders() -> list:
            return [s for s in far.notices_in(room, bot.user_id) if is_reminder(s)]

        assert not reminders()
        assert (start - datetime.now(UTC)).total_seconds() > 5, "setup too slow for the test"

        # B goes down before the reminder is due and stays down well past it.
        down_at = time.monotonic()
        await asyncio.to_thread(b.stop)
        past_due = start + timedelta(seconds=5) - datetime.now(UTC)
        await asyncio.sleep(max(0.0, past_due.total_seconds()))
        assert not reminders()
        await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - down_at)))
        assert time.monotonic() - down_at >= 60
        back_at = datetime.now(UTC)
        await asyncio.to_thread(b.start)

        # Delivered by federation once B is back, without any new message from B.
        reminder = await far.wait_for(lambda s: s.room_id == room and is_reminder(s), timeout=120)
        assert getattr(reminder.event, "decrypted", False), reminder.event
        assert "Far away" in reminder.content["body"]
        # The bot sent it on time on A, while B was down: it crossed the outage queued.
        sent = datetime.fromtimestamp(reminder.event.server_timestamp / 1000, UTC)
        assert start <= sent < back_at, (start, sent, back_at)

        # A round trip after it: still exactly one copy.
        barrier = await far.send_text(room, "!help")
        await far.wait_for_reply(room, barrier, timeout=60)
        assert len(reminders()) == 1, [s.content["body"] for s in reminders()]
        undecrypted = [
            s
            for s in far.seen
            if s.room_id == room
            and isinstance(s.event, MegolmEvent)
            and s.event.sender == bot.user_id
        ]
        assert not undecrypted, undecrypted
    finally:
        await far.close()
        assert await bot.stop() == 0
    assert_no_person_in(bot.config.db_path, bot.user_id)
