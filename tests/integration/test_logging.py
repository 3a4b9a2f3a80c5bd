"""The configured log pipeline never carries passwords, tokens or message text."""

from __future__ import annotations

import io
import logging
import sqlite3

import pytest

from actionbot.logs import setup_logging

pytestmark = pytest.mark.integration


async def test_logs_hold_no_secrets_or_bodies(new_user, make_bot, synapse) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    try:
        bot = None
        alice = await new_user("alice")
        secret_word = "Zebracrossingquux"
        # The bot logs at DEBUG, the most talkative level.
        bot = await make_bot(logging__level="DEBUG")
        setup_logging(level="DEBUG", secrets=[bot.config.password], stream=stream)
        room = await alice.create_room(encrypted=False, invite=[bot.user_id])
        await alice.wait_for(
            lambda s: getattr(s.event, "sender", "") == bot.user_id and "msgtype" in s.content
        )
        command = await alice.send_text(room, f"!node register {secret_word}")
        await alice.wait_for_reply(room, command)
        unknown = await alice.send_text(room, f"!{secret_word.lower()}")
        await alice.wait_for_reply(room, unknown)
        await bot.stop()
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])

    with sqlite3.connect(bot.config.db_path) as db:
        (token,) = db.execute("SELECT access_token FROM session").fetchone()
    output = stream.getvalue()
    assert "command answered" in output  # the pipeline did log the round trip
    assert bot.config.password not in output
    assert token not in output
    assert secret_word.lower() not in output.lower()
